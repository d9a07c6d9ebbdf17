import { useState } from 'preact/hooks';
import { api } from './api.js';
import { Dialog, Notice, runAction, type NoticeValue } from './dialog.js';
import type { RepositoryId } from './models.js';

/** Rebuilds every package that depends on the named one. */
export function RebuildDialog({ repository, onClose }: { repository: RepositoryId; onClose: () => void }) {
  const [dependency, setDependency] = useState('');
  const [notice, setNotice] = useState<NoticeValue>(undefined);
  const submit = async (): Promise<void> => {
    await runAction(() => api.rebuild(repository, dependency.trim()), `Rebuild of the dependents of ${dependency.trim()}`, setNotice);
  };
  return (
    <Dialog
      title="Rebuild dependents"
      label="Rebuild dependents"
      onClose={onClose}
      actions={<button type="button" class="button primary" disabled={!dependency.trim()} onClick={submit}>Rebuild</button>}
    >
      <form class="form" onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}>
        <label>Dependency<input value={dependency} onInput={(event) => setDependency(event.currentTarget.value)} /></label>
      </form>
      <Notice notice={notice} />
    </Dialog>
  );
}
