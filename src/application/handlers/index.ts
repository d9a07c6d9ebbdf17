import type { Handler } from '../handler.js';
import { aurSearch } from './aur-search.js';
import { help, helpCommandsUnsafe, helpVersion } from './help.js';
import { helpUpdates } from './help-updates.js';
import { packageAdd } from './package-add.js';
import { packageArchives, packageRollback } from './package-archives.js';
import { packageChanges, packageChangesRemove, packagePkgbuild, packagePkgbuildRemove } from './package-changes.js';
import { packageCopy } from './package-copy.js';
import { packageHold, packageUnhold } from './package-hold.js';
import { packageLogs } from './package-logs.js';
import { packageStatus, packageStatusRemove, packageStatusUpdate, repoStatusUpdate } from './package-status.js';
import { packageRemove } from './package-remove.js';
import { patchAdd, patchList, patchRemove, patchSetAdd } from './patches.js';
import { repoBackup, repoRestore } from './repo-backup.js';
import { repoRebuild } from './repo-rebuild.js';
import { repoRemoveUnknown } from './repo-remove-unknown.js';
import { repoSign } from './repo-sign.js';
import { repoStatistics } from './repo-statistics.js';
import { repoTree } from './repo-tree.js';
import { repoCheck, repoUpdate } from './repo-update.js';
import { serviceClean } from './service-clean.js';
import { serviceConfig, serviceConfigValidate } from './service-config.js';
import { serviceImport } from './service-import.js';
import { serviceKeyImport } from './service-key-import.js';
import { serviceRepositories } from './service-repositories.js';
import { serviceRun } from './service-run.js';
import { serviceSetup } from './service-setup.js';
import { serviceShell } from './service-shell.js';
import { serviceTreeMigrate } from './service-tree-migrate.js';
import { repoCreateKeyring, repoCreateMirrorlist } from './support.js';
import { repoReport, repoSync, repoTriggers } from './triggers.js';

/** Every command the CLI offers. A command is listed here only once it works end to end. */
export const HANDLERS: Handler[] = [
  aurSearch,
  help,
  helpCommandsUnsafe,
  helpUpdates,
  helpVersion,
  packageAdd,
  packageArchives,
  packageChanges,
  packageChangesRemove,
  packageCopy,
  packageHold,
  packageLogs,
  packagePkgbuild,
  packagePkgbuildRemove,
  packageRemove,
  packageRollback,
  packageStatus,
  packageStatusRemove,
  packageStatusUpdate,
  packageUnhold,
  patchAdd,
  patchList,
  patchRemove,
  patchSetAdd,
  repoBackup,
  repoCheck,
  repoCreateKeyring,
  repoCreateMirrorlist,
  repoRebuild,
  repoRemoveUnknown,
  repoReport,
  repoRestore,
  repoSign,
  repoStatistics,
  repoStatusUpdate,
  repoSync,
  repoTree,
  repoTriggers,
  repoUpdate,
  serviceClean,
  serviceConfig,
  serviceConfigValidate,
  serviceImport,
  serviceKeyImport,
  serviceRepositories,
  serviceRun,
  serviceSetup,
  serviceShell,
  serviceTreeMigrate,
];
