import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { api, ApiError } from './api.js';
import type { ProcessState } from './models.js';

interface DialogProps {
  title: ComponentChildren;
  onClose: () => void;
  children: ComponentChildren;
  /** Extra class of the dialog element, e.g. its width or the status colour of its header. */
  className?: string;
  actions?: ComponentChildren;
  label?: string;
}

/** A modal on the browser's own <dialog> element: focus trap, Escape and the backdrop come with it. */
export function Dialog({ title, onClose, children, className, actions, label }: DialogProps) {
  const element = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = element.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog
      ref={element}
      class={`dialog ${className ?? ''}`}
      aria-label={label}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      onClick={(event) => event.target === element.current && onClose()}
    >
      <header class="dialog-header">
        <h2>{title}</h2>
        <button type="button" class="icon" aria-label="Close" onClick={onClose}>×</button>
      </header>
      <div class="dialog-body">{children}</div>
      {actions && <footer class="dialog-actions">{actions}</footer>}
    </dialog>
  );
}

/** A message shown under a form or in a dialog after an action: what went wrong, or what was started. */
export function Notice({ notice }: { notice: { kind: 'error' | 'info'; text: string } | undefined }) {
  if (!notice) return null;
  return <p class={`notice notice-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>{notice.text}</p>;
}

export type NoticeValue = { kind: 'error' | 'info'; text: string } | undefined;

const PROCESS_POLL_MS = 1000;

/** Polls a spawned action until it ends and reports how it ended; a process the server forgot (404) just ended. */
async function followProcess(processId: string, label: string, show: (notice: NoticeValue) => void, ended: () => void): Promise<void> {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, PROCESS_POLL_MS));
    let state: ProcessState;
    try {
      state = await api.process(processId);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) show({ kind: 'error', text: `${label}: ${(error as Error).message}` });
      ended();
      return;
    }
    if (state.is_alive) continue;
    if (state.status === 'failed') {
      const last = state.output?.filter((line) => line.trim()).at(-1);
      show({ kind: 'error', text: `${label}: failed (exit code ${state.exit_code ?? '?'})${last ? `: ${last}` : ''}` });
    } else {
      show({ kind: 'info', text: `${label}: done` });
    }
    ended();
    return;
  }
}

/**
 * Runs an API action and shows its outcome; when it started a process on the server, shows later how that ended and
 * calls `ended` (what it changed may have come without events, e.g. from a process that could not report).
 * Resolves to whether the request itself was accepted.
 */
export async function runAction(
  action: () => Promise<unknown>,
  label: string,
  show: (notice: NoticeValue) => void,
  ended: () => void = () => undefined,
): Promise<boolean> {
  let result: unknown;
  try {
    result = await action();
  } catch (error) {
    show({ kind: 'error', text: (error as Error).message });
    return false;
  }
  show({ kind: 'info', text: label });
  const processId = (result as { process_id?: unknown } | undefined)?.process_id;
  if (typeof processId === 'string') void followProcess(processId, label, show, ended);
  return true;
}
