import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

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

/** Runs an API action and describes its outcome as a notice. */
export async function attempt(action: () => Promise<unknown>, done: string): Promise<NoticeValue> {
  try {
    await action();
    return { kind: 'info', text: done };
  } catch (error) {
    return { kind: 'error', text: (error as Error).message };
  }
}
