import type { Handler } from '../handler.js';
import { help, helpCommandsUnsafe, helpVersion } from './help.js';
import { packageAdd } from './package-add.js';
import { packageHold, packageUnhold } from './package-hold.js';
import { packageLogs } from './package-logs.js';
import { packageStatus, packageStatusRemove, packageStatusUpdate } from './package-status.js';
import { packageRemove } from './package-remove.js';
import { patchAdd, patchList, patchRemove, patchSetAdd } from './patches.js';
import { repoRebuild } from './repo-rebuild.js';
import { repoSign } from './repo-sign.js';
import { repoTree } from './repo-tree.js';
import { repoCheck, repoUpdate } from './repo-update.js';
import { serviceClean } from './service-clean.js';
import { serviceConfig, serviceConfigValidate } from './service-config.js';
import { serviceRepositories } from './service-repositories.js';
import { serviceSetup } from './service-setup.js';
import { repoCreateKeyring, repoCreateMirrorlist } from './support.js';
import { repoReport, repoSync, repoTriggers } from './triggers.js';
import { userAdd, userList, userRemove } from './users.js';
import { web } from './web.js';
import { webReload } from './web-reload.js';
import { repoDaemon } from './repo-daemon.js';

/** Every command the CLI offers. A command is listed here only once it works end to end. */
export const HANDLERS: Handler[] = [
  help,
  helpCommandsUnsafe,
  helpVersion,
  packageAdd,
  packageHold,
  packageLogs,
  packageRemove,
  packageStatus,
  packageStatusRemove,
  packageStatusUpdate,
  packageUnhold,
  patchAdd,
  patchList,
  patchRemove,
  patchSetAdd,
  repoCheck,
  repoCreateKeyring,
  repoCreateMirrorlist,
  repoDaemon,
  repoRebuild,
  repoReport,
  repoSign,
  repoSync,
  repoTree,
  repoTriggers,
  repoUpdate,
  serviceClean,
  serviceConfig,
  serviceConfigValidate,
  serviceRepositories,
  serviceSetup,
  userAdd,
  userList,
  userRemove,
  web,
  webReload,
];
