import { Dialog } from './dialog.js';
import { formatSize, formatTime } from './format.js';
import { BUILD_STATUSES, type InternalStatus } from './models.js';
import { StatusChip } from './status.js';

/** The repository at a glance: service status, status counters as a stacked bar, and sizes. */
export function DashboardDialog({ status, onClose }: { status: InternalStatus; onClose: () => void }) {
  const total = status.packages.total || 1;
  const stats = status.stats ?? {};
  return (
    <Dialog title={`${status.repository} (${status.architecture})`} label="Dashboard" onClose={onClose}>
      <p>
        Service status <StatusChip status={status.status.status} /> since {formatTime(status.status.timestamp)}, version {status.version}
      </p>
      <div class="stacked-bar" role="img" aria-label="Packages by status">
        {BUILD_STATUSES.filter((item) => status.packages[item] > 0).map((item) => (
          <span class={`segment status-${item}`} style={{ width: `${(100 * status.packages[item]) / total}%` }} title={`${item}: ${status.packages[item]}`} />
        ))}
      </div>
      <dl class="counters">
        <div><dt>total</dt><dd>{status.packages.total}</dd></div>
        {BUILD_STATUSES.map((item) => <div><dt><span class={`dot status-${item}`} />{item}</dt><dd>{status.packages[item]}</dd></div>)}
      </dl>
      <dl class="counters">
        <div><dt>package bases</dt><dd>{stats.bases ?? 0}</dd></div>
        <div><dt>packages</dt><dd>{stats.packages ?? 0}</dd></div>
        <div><dt>archive size</dt><dd>{formatSize(stats.archive_size ?? 0)}</dd></div>
        <div><dt>installed size</dt><dd>{formatSize(stats.installed_size ?? 0)}</dd></div>
      </dl>
    </Dialog>
  );
}
