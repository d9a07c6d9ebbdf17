import type { BuildStatus } from './models.js';

/** The coloured status chip of a package (with the "held" marker) used in the table and the dialog header. */
export function StatusChip({ status, held }: { status: BuildStatus; held?: boolean | undefined }) {
  return (
    <span class="status-cell">
      <span class={`chip status-${status}`}>{status}</span>
      {held && <span class="chip held" title="held: skipped by update checks">held</span>}
    </span>
  );
}
