import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from './api.js';
import { Dialog } from './dialog.js';
import { formatDuration, formatSize, formatTime } from './format.js';
import { useLoad } from './hooks.js';
import { BUILD_STATUSES, type InternalStatus } from './models.js';
import { StatusChip } from './status.js';

/** The dependency-change rebuild queue, in the order repo-update takes it, with each reason. */
function RebuildQueue({ status }: { status: InternalStatus }) {
  const queue = useLoad(() => api.rebuilds({ architecture: status.architecture, repository: status.repository }), [status.architecture, status.repository]);
  if (queue.error) return <p class="notice notice-error" role="alert">{queue.error.message}</p>;
  if (!queue.data) return null;
  if (queue.data.length === 0) return <p>No rebuilds scheduled for dependency changes.</p>;
  return (
    <table class="compact" aria-label="Scheduled rebuilds">
      <thead><tr><th>package</th><th>priority</th><th>reason</th><th>scheduled</th></tr></thead>
      <tbody>
        {queue.data.map((entry) => (
          <tr>
            <td>{entry.package_base}</td>
            <td>{entry.priority}</td>
            <td>{entry.reason}{entry.failed === null ? '' : ` (failed ${formatTime(entry.failed)}, waits for a new change)`}</td>
            <td class="time">{formatTime(entry.scheduled)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** How often the workers panel asks again while the dashboard is open: heartbeats come every few seconds. */
const WORKERS_REFRESH_MS = 5000;

/**
 * Distributed builds: the live workers (what each builds, its last heartbeat) and the depth of each build queue with
 * the estimated time to empty. Nothing is shown when the repository has no `[distributed]` section (404).
 */
function DistributedPanel({ status }: { status: InternalStatus }) {
  const [tick, setTick] = useState(0);
  const overview = useLoad(() => api.distributed({ architecture: status.architecture, repository: status.repository }), [status.architecture, status.repository, tick]);
  const unconfigured = overview.error instanceof ApiError && overview.error.status === 404;
  useEffect(() => {
    if (unconfigured) return undefined;
    const timer = setInterval(() => setTick((value) => value + 1), WORKERS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [unconfigured]);
  if (unconfigured) return null;
  return (
    <section aria-label="Distributed builds">
      <h3>Distributed builds</h3>
      {overview.error && <p class="notice notice-error" role="alert">{overview.error.message}</p>}
      {overview.data && (
        <>
          {overview.data.workers.length === 0 ? <p>No worker is alive on {overview.data.queue}.</p> : (
            <table class="compact" aria-label="Workers">
              <thead><tr><th>worker</th><th>architecture</th><th>building</th><th>last heartbeat</th></tr></thead>
              <tbody>
                {overview.data.workers.map((worker) => (
                  <tr data-worker={worker.id}>
                    <td>{worker.id}</td>
                    <td>{worker.architecture}</td>
                    <td>{worker.jobs.length === 0 ? 'idle' : worker.jobs.map((job) => `${job.base} since ${formatTime(job.started)}`).join(', ')}</td>
                    <td class="time">{formatTime(worker.seen)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <table class="compact" aria-label="Build queues">
            <thead><tr><th>queue</th><th>waiting</th><th>building</th><th>failed</th><th>mean build</th><th>empty in</th></tr></thead>
            <tbody>
              {overview.data.queues.map((queue) => (
                <tr data-queue={queue.architecture}>
                  <td>{queue.architecture}</td>
                  <td>{queue.waiting + queue.delayed}</td>
                  <td>{queue.active}</td>
                  <td>{queue.failed}</td>
                  <td>{queue.average_duration === null ? 'unknown' : formatDuration(queue.average_duration)}</td>
                  <td>{queue.estimated_seconds === null ? 'unknown' : formatDuration(queue.estimated_seconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

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
      <h3>Scheduled rebuilds</h3>
      <RebuildQueue status={status} />
      <DistributedPanel status={status} />
    </Dialog>
  );
}
