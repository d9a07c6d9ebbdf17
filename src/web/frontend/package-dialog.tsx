import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { BuildLogs } from './build-logs.js';
import { CodeBlock } from './code-block.js';
import { Dialog, Notice, runAction, type NoticeValue } from './dialog.js';
import { formatDuration, formatSize, formatTime, unionOf } from './format.js';
import { useLoad } from './hooks.js';
import type { AuditEvent, Package, RepositoryId } from './models.js';
import { StatusChip } from './status.js';

type Tab = 'logs' | 'changes' | 'pkgbuild' | 'events' | 'artifacts';
const TABS: ReadonlyArray<[Tab, string]> = [
  ['logs', 'Build logs'], ['changes', 'Changes'], ['pkgbuild', 'PKGBUILD'], ['events', 'Events'], ['artifacts', 'Artifacts'],
];

interface PackageDialogProps {
  repository: RepositoryId;
  base: string;
  /** Changes on every event about the repository, so the dialog shows the current state. */
  revision: number;
  canControl: boolean;
  /** Called when an action's process ended: the table may need a refetch. */
  onChanged: () => void;
  onClose: () => void;
}

/** Everything about one package base: details, patches, actions and the tabs of logs, sources, events and archives. */
export function PackageDialog({ repository, base, revision, canControl, onChanged, onClose }: PackageDialogProps) {
  const [tab, setTab] = useState<Tab>('logs');
  const [refresh, setRefresh] = useState(false);
  const [notice, setNotice] = useState<NoticeValue>(undefined);
  const [patchesRevision, setPatchesRevision] = useState(0);
  const described = useLoad(() => api.package(repository, base), [repository, base, revision]);
  const patches = useLoad(() => api.patches(base), [base, patchesRevision]);
  const current = described.data?.[0];

  const act = (action: () => Promise<unknown>, label: string): Promise<boolean> => runAction(action, label, setNotice, onChanged);
  const title = (
    <span class="dialog-title">
      {base} {current && <StatusChip status={current.status.status} held={current.status.is_held} />}
    </span>
  );
  const actions = canControl && current && (
    <>
      <label class="checkbox">
        <input type="checkbox" checked={refresh} onChange={(event) => setRefresh(event.currentTarget.checked)} />
        update pacman databases
      </label>
      <button
        type="button"
        class="button"
        onClick={() => act(() => api.hold(repository, base, !current.status.is_held), current.status.is_held ? 'Released' : 'Held')}
      >{current.status.is_held ? 'Unhold' : 'Hold'}</button>
      <button type="button" class="button primary" onClick={() => act(() => api.add(repository, { packages: [base], refresh }), `Update of ${base}`)}>
        Update
      </button>
      <button type="button" class="button danger" onClick={() => act(() => api.remove(repository, [base]), `Removal of ${base}`)}>Remove</button>
    </>
  );

  return (
    <Dialog
      title={title}
      label={`Package ${base}`}
      className={`wide package-dialog header-${current?.status.status ?? 'unknown'}`}
      onClose={onClose}
      actions={actions}
    >
      {described.error && <p class="notice notice-error" role="alert">{described.error.message}</p>}
      {current && <Details pkg={current.package} timestamp={current.status.timestamp} />}
      {(patches.data?.length ?? 0) > 0 && (
        <section class="patches">
          <h3>Patches</h3>
          <ul>
            {patches.data!.map((patch) => (
              <li>
                <code>{patch.key ? `${patch.key}=${patch.value}` : patch.value}</code>
                {canControl && (
                  <button
                    type="button"
                    class="icon"
                    aria-label={`Delete patch ${patch.key}`}
                    onClick={async () => {
                      await act(() => api.removePatch(base, patch.key), 'Patch deleted');
                      setPatchesRevision((value) => value + 1);
                    }}
                  >×</button>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      <Notice notice={notice} />
      <nav class="tabs" role="tablist">
        {TABS.map(([key, label]) => (
          <button type="button" role="tab" aria-selected={tab === key} class={tab === key ? 'active' : ''} onClick={() => setTab(key)}>
            {label}
          </button>
        ))}
      </nav>
      <div class="tab-panel" role="tabpanel">
        {tab === 'logs' && <BuildLogs repository={repository} base={base} />}
        {(tab === 'changes' || tab === 'pkgbuild') && <Sources repository={repository} base={base} tab={tab} />}
        {tab === 'events' && <Events repository={repository} base={base} revision={revision} />}
        {tab === 'artifacts' && current && (
          <Artifacts
            repository={repository}
            base={base}
            version={current.package.version}
            canControl={canControl}
            onRollback={(version) => act(() => api.rollback(repository, base, version), `Rollback of ${base} to ${version}`)}
          />
        )}
      </div>
    </Dialog>
  );
}

function Details({ pkg, timestamp }: { pkg: Package; timestamp: number }) {
  const properties = Object.values(pkg.packages);
  const list = (values: string[]): string => values.join(', ');
  const rows: Array<[string, ComponentChildren]> = [
    ['packages', (
      <ul class="plain">
        {Object.entries(pkg.packages).sort(([left], [right]) => left.localeCompare(right)).map(([name, item]) => (
          <li><strong>{name}</strong>{item.description && ` — ${item.description}`}</li>
        ))}
      </ul>
    )],
    ['version', pkg.version],
    ['packager', pkg.packager ?? ''],
    ['last update', formatTime(timestamp)],
    ['groups', list(unionOf(properties.map((item) => item.groups)))],
    ['licenses', list(unionOf(properties.map((item) => item.licenses)))],
    ['upstream', (
      <span>{unionOf(properties.map((item) => (item.url ? [item.url] : []))).map((url) => (
        <a href={url} target="_blank" rel="noreferrer">{url} </a>
      ))}</span>
    )],
    ['source', pkg.remote.web_url
      ? <a href={pkg.remote.web_url} target="_blank" rel="noreferrer">{pkg.remote.web_url}</a>
      : pkg.remote.source],
    ['depends', list(unionOf(properties.map((item) => item.depends)))],
    ['make depends', list(unionOf(properties.map((item) => item.make_depends)))],
    ['optional depends', list(unionOf(properties.map((item) => item.opt_depends)))],
    ['size', formatSize(properties.reduce((total, item) => total + (item.archive_size ?? 0), 0))],
  ];
  return (
    <dl class="details">
      {rows.filter(([, value]) => value !== '').map(([name, value]) => (
        <div class="detail"><dt>{name}</dt><dd>{value}</dd></div>
      ))}
    </dl>
  );
}

function Sources({ repository, base, tab }: { repository: RepositoryId; base: string; tab: 'changes' | 'pkgbuild' }) {
  const changes = useLoad(() => api.changes(repository, base), [repository, base]);
  if (changes.error) return <p class="notice notice-error" role="alert">{changes.error.message}</p>;
  if (!changes.data) return <p class="muted">Loading…</p>;
  const text = tab === 'changes' ? changes.data.changes : changes.data.pkgbuild;
  if (!text) return <p class="muted">{tab === 'changes' ? 'No changes since the last build.' : 'No PKGBUILD stored.'}</p>;
  return <CodeBlock code={text} language={tab === 'changes' ? 'diff' : 'bash'} label={tab === 'changes' ? 'Changes' : 'PKGBUILD'} />;
}

/** Seconds an event reports it took (`data.took`), when it does. */
const tookOf = (event: AuditEvent): number | undefined =>
  typeof event.data?.['took'] === 'number' ? event.data['took'] : undefined;

function Events({ repository, base, revision }: { repository: RepositoryId; base: string; revision: number }) {
  const events = useLoad(() => api.events(repository, base, 30), [repository, base, revision]);
  if (events.error) return <p class="notice notice-error" role="alert">{events.error.message}</p>;
  const list = [...(events.data ?? [])].sort((left, right) => right.created - left.created);
  if (list.length === 0) return <p class="muted">{events.loading ? 'Loading…' : 'No events yet.'}</p>;
  const durations = list.filter((event) => tookOf(event) !== undefined).reverse();
  return (
    <div class="events">
      {durations.length > 1 && <DurationChart events={durations} />}
      <table class="compact">
        <thead><tr><th>time</th><th>event</th><th>message</th><th>took</th></tr></thead>
        <tbody>
          {list.map((event) => {
            const took = tookOf(event);
            return (
              <tr>
                <td class="time">{formatTime(event.created)}</td>
                <td>{event.event}</td>
                <td>{event.message ?? ''}</td>
                <td>{took === undefined ? '' : formatDuration(took)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Build durations over time as a small inline SVG line chart (oldest left). */
function DurationChart({ events }: { events: AuditEvent[] }) {
  const width = 600;
  const height = 80;
  const values = events.map((event) => tookOf(event)!);
  const top = Math.max(...values) || 1;
  const step = width / Math.max(1, values.length - 1);
  const coordinates = values.map((value, index) => [index * step, height - (value / top) * (height - 8) - 4] as const);
  const points = coordinates.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`);
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label="Build durations">
        <polyline points={points.join(' ')} fill="none" stroke="currentColor" stroke-width="2" vector-effect="non-scaling-stroke" />
        {coordinates.map(([x, y], index) => (
          <line x1={x} y1={y} x2={x} y2={y} stroke="currentColor" stroke-width="7" stroke-linecap="round" vector-effect="non-scaling-stroke">
            <title>{formatDuration(values[index]!)}</title>
          </line>
        ))}
      </svg>
      <figcaption>build duration, longest {formatDuration(top)}</figcaption>
    </figure>
  );
}

interface ArtifactsProps {
  repository: RepositoryId;
  base: string;
  version: string;
  canControl: boolean;
  onRollback: (version: string) => void;
}

function Artifacts({ repository, base, version, canControl, onRollback }: ArtifactsProps) {
  const archives = useLoad(() => api.archives(repository, base), [repository, base]);
  if (archives.error) return <p class="notice notice-error" role="alert">{archives.error.message}</p>;
  const list = archives.data ?? [];
  if (list.length === 0) return <p class="muted">{archives.loading ? 'Loading…' : 'No archived versions.'}</p>;
  return (
    <table class="compact">
      <thead><tr><th>version</th><th>packages</th><th>built</th><th /></tr></thead>
      <tbody>
        {list.map((archive) => {
          const built = Math.max(0, ...Object.values(archive.packages).map((item) => item.build_date ?? 0));
          return (
            <tr>
              <td>{archive.version}</td>
              <td>{Object.keys(archive.packages).sort().join(', ')}</td>
              <td class="time">{formatTime(built)}</td>
              <td>
                {canControl && (
                  <button type="button" class="button" disabled={archive.version === version} onClick={() => onRollback(archive.version)}>
                    {archive.version === version ? 'current' : 'Rollback'}
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
