import { useState } from 'preact/hooks';
import { api } from './api.js';
import { Dialog, Notice, type NoticeValue } from './dialog.js';

/** Password login; the server answers with a session cookie. */
export function LoginDialog({ onClose, onLoggedIn }: { onClose: () => void; onLoggedIn: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [notice, setNotice] = useState<NoticeValue>(undefined);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    try {
      await api.login(username, password);
      onLoggedIn();
    } catch (error) {
      setNotice({ kind: 'error', text: (error as { status?: number }).status === 401 ? 'Wrong user name or password' : (error as Error).message });
    }
  };
  return (
    <Dialog title="Log in" label="Log in" onClose={onClose}>
      <form class="form" onSubmit={submit}>
        <label>User name<input name="username" autocomplete="username" value={username} onInput={(event) => setUsername(event.currentTarget.value)} /></label>
        <label>Password<input name="password" type="password" autocomplete="current-password" value={password} onInput={(event) => setPassword(event.currentTarget.value)} /></label>
        <Notice notice={notice} />
        <div class="dialog-actions"><button type="submit" class="button primary">Log in</button></div>
      </form>
    </Dialog>
  );
}
