/**
 * The triggers shipped with ahriman, by the short names `[build] triggers` accepts, and the reference's class paths
 * mapped onto them so that an existing ahriman.ini keeps working. Each module is imported only when its trigger is
 * configured: a command that does not use, say, the upload trigger never loads the S3 or GitHub clients.
 */

/**
 * Where a built-in trigger lives: its module (imported by a literal path, so that the CLI bundle knows it) and the
 * export holding its factory.
 */
export interface BuiltinTrigger {
  load: () => Promise<Record<string, unknown>>;
  exportName: string;
}

export const BUILTIN_TRIGGERS: Readonly<Record<string, BuiltinTrigger>> = {
  'remote-pull': { load: () => import('../gitremote/remote-pull.js'), exportName: 'remotePullTrigger' },
  report: { load: () => import('../report/report-trigger.js'), exportName: 'reportTrigger' },
  upload: { load: () => import('../upload/upload-trigger.js'), exportName: 'uploadTrigger' },
  'remote-push': { load: () => import('../gitremote/remote-push.js'), exportName: 'remotePushTrigger' },
  'logs-rotation': { load: () => import('../housekeeping/logs-rotation.js'), exportName: 'logsRotationTrigger' },
  'archive-rotation': { load: () => import('../housekeeping/archive-rotation.js'), exportName: 'archiveRotationTrigger' },
  'snapshot-purge': { load: () => import('../housekeeping/snapshot-purge.js'), exportName: 'snapshotPurgeTrigger' },
  archive: { load: () => import('../archive/archive-trigger.js'), exportName: 'archiveTrigger' },
  keyring: { load: () => import('../support/keyring.js'), exportName: 'keyringTrigger' },
  mirrorlist: { load: () => import('../support/mirrorlist.js'), exportName: 'mirrorlistTrigger' },
};

/** The reference's names of the same triggers. */
export const REFERENCE_TRIGGER_NAMES: Readonly<Record<string, string>> = {
  'ahriman.core.gitremote.RemotePullTrigger': 'remote-pull',
  'ahriman.core.report.ReportTrigger': 'report',
  'ahriman.core.upload.UploadTrigger': 'upload',
  'ahriman.core.gitremote.RemotePushTrigger': 'remote-push',
  'ahriman.core.housekeeping.LogsRotationTrigger': 'logs-rotation',
  'ahriman.core.housekeeping.ArchiveRotationTrigger': 'archive-rotation',
  'ahriman.core.archive.ArchiveTrigger': 'archive',
  'ahriman.core.support.KeyringTrigger': 'keyring',
  'ahriman.core.support.MirrorlistTrigger': 'mirrorlist',
};

/**
 * The reference's distributed-build triggers, for its push-based workers. Distributed builds here are pull-based and
 * configured in `[distributed]` (docs/distributed.md); a configuration naming these still works (they are skipped
 * with a warning), so the reference's default `triggers_known` can be kept as it is.
 */
export const UNSUPPORTED_TRIGGERS: ReadonlySet<string> = new Set([
  'ahriman.core.distributed.WorkerLoaderTrigger',
  'ahriman.core.distributed.WorkerTrigger',
]);
