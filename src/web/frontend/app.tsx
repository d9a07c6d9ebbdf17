import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { AddPackageDialog } from './add-package-dialog.js';
import { api, ApiError, eventStreamUrl } from './api.js';
import { DashboardDialog } from './dashboard-dialog.js';
import { Notice, runAction, type NoticeValue } from './dialog.js';
import { useEventStream, useLoad, useStored } from './hooks.js';
import { KeyImportDialog } from './key-import-dialog.js';
import { LoginDialog } from './login-dialog.js';
import type { RepositoryId } from './models.js';
import { PackageDialog } from './package-dialog.js';
import { PackageTable, toRow } from './package-table.js';
import { RebuildDialog } from './rebuild-dialog.js';

/** Event types that change what the table, the counters or an open package show (build logs have their own stream). */
const REPOSITORY_EVENTS = [
  'package-held', 'package-outdated', 'package-removed', 'package-status-changed', 'package-update-failed',
  'package-updated', 'service-status-changed',
] as const;

type Open = { kind: 'package'; base: string } | { kind: 'add' | 'key' | 'login' | 'dashboard' | 'rebuild' } | undefined;
type Theme = 'light' | 'dark';

const repositoryKey = (repository: RepositoryId): string => `${repository.architecture}-${repository.repository}`;

function useTheme(): [Theme, () => void] {
  const preferred: Theme = window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  const [theme, setTheme] = useStored<Theme>('ahriman.theme', preferred);
  useEffect(() => {
    document.documentElement.dataset['theme'] = theme;
  }, [theme]);
  return [theme, () => setTheme(theme === 'dark' ? 'light' : 'dark')];
}

/**
 * Coalesces bursts of events (a build reports many status changes) into one refetch: the revision moves once per
 * quarter second at most.
 */
function useRevision(): [number, () => void] {
  const [revision, setRevision] = useState(0);
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const bump = (): void => {
    pending.current ??= setTimeout(() => {
      pending.current = undefined;
      setRevision((value) => value + 1);
    }, 250);
  };
  useEffect(() => () => clearTimeout(pending.current), []);
  return [revision, bump];
}

export function App() {
  const [theme, toggleTheme] = useTheme();
  const [authRevision, setAuthRevision] = useState(0);
  const info = useLoad(() => api.info(), [authRevision]);
  const [storedKey, setStoredKey] = useStored<string>('ahriman.repository', '');
  const [revision, bump] = useRevision();
  const [open, setOpen] = useState<Open>(undefined);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState<NoticeValue>(undefined);

  const repositories = info.data?.repositories ?? [];
  const repository = repositories.find((item) => repositoryKey(item) === storedKey) ?? repositories[0];
  const auth = info.data?.auth;
  const canControl = auth !== undefined && (!auth.enabled || Boolean(auth.username));

  // the table loads once its event stream is open: an event sent while it connected would otherwise be missed
  const streaming = useEventStream(repository && eventStreamUrl(repository, REPOSITORY_EVENTS), REPOSITORY_EVENTS, bump, bump);
  const packages = useLoad(
    () => (repository ? api.packages(repository) : Promise.resolve([])),
    [repository && repositoryKey(repository), revision, authRevision],
    streaming || !repository,
  );
  const status = useLoad(
    () => (repository ? api.status(repository) : Promise.resolve(undefined)),
    [repository && repositoryKey(repository), revision, authRevision],
    streaming || !repository,
  );
  const rows = useMemo(() => (packages.data ?? []).map(toRow), [packages.data]);

  useEffect(() => setSelected(new Set()), [repository && repositoryKey(repository)]);

  const act = (action: () => Promise<unknown>, label: string): Promise<boolean> => runAction(action, label, setNotice, bump);
  const chosen = [...selected];
  const loggedIn = (): void => {
    setOpen(undefined);
    setAuthRevision((value) => value + 1);
  };

  if (info.error && !info.data) {
    return <main class="fatal"><p class="notice notice-error" role="alert">Cannot reach the service: {info.error.message}</p></main>;
  }
  const serviceStatus = status.data?.status.status ?? 'unknown';
  return (
    <>
      <header class="navbar">
        <span class="brand">ahriman</span>
        <nav class="repository-tabs" role="tablist" aria-label="Repositories">
          {repositories.map((item) => (
            <button
              type="button"
              role="tab"
              aria-selected={repository !== undefined && repositoryKey(item) === repositoryKey(repository)}
              onClick={() => setStoredKey(repositoryKey(item))}
            >{item.repository} <small>{item.architecture}</small></button>
          ))}
        </nav>
        <span class="spacer" />
        <button
          type="button"
          class={`service-status status-${serviceStatus}`}
          title={`Service status: ${serviceStatus}`}
          disabled={!status.data}
          onClick={() => setOpen({ kind: 'dashboard' })}
        ><span class="dot" />{serviceStatus === 'building' ? 'building' : 'health'}</button>
        <button type="button" class="icon" aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`} onClick={toggleTheme}>
          {theme === 'dark' ? '☀' : '☾'}
        </button>
        {auth?.enabled && (auth.username
          ? (
            <button type="button" class="button" onClick={() => act(api.logout, 'Logged out').then(loggedIn)}>
              Log out {auth.username}
            </button>
          )
          : auth.external
            ? <a class="button" href="/api/v1/login">Log in</a>
            : <button type="button" class="button" onClick={() => setOpen({ kind: 'login' })}>Log in</button>)}
      </header>

      <main>
        {canControl && repository && (
          <div class="toolbar" role="toolbar" aria-label="Package actions">
            <button type="button" class="button primary" onClick={() => setOpen({ kind: 'add' })}>Add</button>
            <button
              type="button"
              class="button"
              onClick={() => act(
                () => (chosen.length > 0 ? api.add(repository, { packages: chosen }) : api.update(repository, {})),
                chosen.length > 0 ? `Update of ${chosen.join(', ')}` : 'Repository update',
              )}
            >{chosen.length > 0 ? `Update ${chosen.length} selected` : 'Update all'}</button>
            <button
              type="button"
              class="button"
              onClick={() => act(() => api.update(repository, { aur: false, local: false, manual: false, refresh: true }), 'Pacman database update')}
            >Update pacman databases</button>
            <button type="button" class="button" onClick={() => setOpen({ kind: 'rebuild' })}>Rebuild</button>
            <button
              type="button"
              class="button danger"
              disabled={chosen.length === 0}
              onClick={() => act(() => api.remove(repository, chosen), `Removal of ${chosen.join(', ')}`)}
            >Remove</button>
            <button type="button" class="button" onClick={() => setOpen({ kind: 'key' })}>Import key</button>
            <button type="button" class="button" onClick={bump}>Reload</button>
          </div>
        )}
        <Notice notice={notice} />
        {packages.error && (
          <p class="notice notice-error" role="alert">
            {packages.error instanceof ApiError && packages.error.status === 401 ? 'Log in to see the packages.' : packages.error.message}
          </p>
        )}
        {repository && (
          <PackageTable
            rows={rows}
            repositoryName={repository.repository}
            selected={selected}
            onSelect={setSelected}
            onOpen={(base) => setOpen({ kind: 'package', base })}
          />
        )}
      </main>

      <footer class="footer">
        <span>ahriman {info.data?.version}</span>
        {info.data?.docs_enabled && <a href="/api-docs">API documentation</a>}
        {info.data?.index_url && <a href={info.data.index_url}>repository index</a>}
      </footer>

      {open?.kind === 'package' && repository && (
        <PackageDialog
          repository={repository}
          base={open.base}
          revision={revision}
          canControl={canControl}
          onChanged={bump}
          onClose={() => setOpen(undefined)}
        />
      )}
      {open?.kind === 'add' && repository && (
        <AddPackageDialog repositories={repositories} current={repository} onChanged={bump} onClose={() => setOpen(undefined)} />
      )}
      {open?.kind === 'rebuild' && repository && <RebuildDialog repository={repository} onClose={() => setOpen(undefined)} />}
      {open?.kind === 'key' && <KeyImportDialog onClose={() => setOpen(undefined)} />}
      {open?.kind === 'login' && <LoginDialog onClose={() => setOpen(undefined)} onLoggedIn={loggedIn} />}
      {open?.kind === 'dashboard' && status.data && <DashboardDialog status={status.data} onClose={() => setOpen(undefined)} />}
    </>
  );
}
