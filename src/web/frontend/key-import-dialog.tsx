import { useState } from 'preact/hooks';
import { api } from './api.js';
import { Dialog, Notice, runAction, type NoticeValue } from './dialog.js';

/** Looks up a PGP key on a key server (preview) and imports it into the service's keyring. */
export function KeyImportDialog({ onClose }: { onClose: () => void }) {
  const [fingerprint, setFingerprint] = useState('');
  const [server, setServer] = useState('keyserver.ubuntu.com');
  const [preview, setPreview] = useState('');
  const [notice, setNotice] = useState<NoticeValue>(undefined);

  const fetchKey = async (): Promise<void> => {
    await runAction(async () => setPreview((await api.fetchKey(fingerprint.trim(), server.trim())).key), 'Key found', setNotice);
  };
  const importKey = async (): Promise<void> => {
    await runAction(() => api.importKey(fingerprint.trim(), server.trim()), `Import of key ${fingerprint.trim()}`, setNotice);
  };

  return (
    <Dialog
      title="Import key"
      label="Import key"
      onClose={onClose}
      actions={(
        <>
          <button type="button" class="button" disabled={!fingerprint.trim()} onClick={fetchKey}>Fetch</button>
          <button type="button" class="button primary" disabled={!fingerprint.trim()} onClick={importKey}>Import</button>
        </>
      )}
    >
      <form class="form" onSubmit={(event) => {
        event.preventDefault();
        void fetchKey();
      }}>
        <label>Fingerprint<input value={fingerprint} onInput={(event) => setFingerprint(event.currentTarget.value)} /></label>
        <label>Key server<input value={server} onInput={(event) => setServer(event.currentTarget.value)} /></label>
      </form>
      {preview && <pre class="code key">{preview}</pre>}
      <Notice notice={notice} />
    </Dialog>
  );
}
