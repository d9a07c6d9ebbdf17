import { api } from './api.js';
import { Dialog } from './dialog.js';
import { formatSize, formatTime } from './format.js';
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
    </Dialog>
  );
}
