import type { Handler } from '../handler.js';

/**
 * A command as the parser needs it before anything runs: its words and help text. The handler module (options and
 * run, and everything they import) is loaded by `load` only when the command is chosen, so starting the CLI costs
 * the same however many commands and dependencies there are.
 */
export interface CommandEntry {
  /** The command word and its positional arguments, as yargs reads them: `package-status [package..]`. */
  command: string;
  aliases?: string[];
  description: string;
  load: () => Promise<Handler>;
}

/**
 * Every command the CLI offers. A command is listed here only once it works end to end.
 *
 * To add a command, write its module as usual (exporting a `Handler`) and add ONE line here that repeats its `name`,
 * `aliases` and `description` and imports it lazily:
 *
 *   { command: 'repo-foo [package..]', aliases: ['foo'], description: '...', load: async () => (await import('./repo-foo.js')).repoFoo },
 *
 * Never import a handler module statically from here or from the CLI: that loads it (and its dependencies) for every
 * command. test/unit/application/commands.test.ts checks that each line matches its handler.
 */
export const COMMANDS: readonly CommandEntry[] = [
  { command: 'aur-search <search..>', aliases: ['search'], description: 'search the AUR and the official sync databases for packages matching every term', load: async () => (await import('./aur-search.js')).aurSearch },
  { command: 'help [command]', description: 'show help for ahriman or one of its commands', load: async () => (await import('./help.js')).help },
  { command: 'help-commands-unsafe [command..]', description: 'list the commands any user may run (no repository owner check), or check a command line (exit 1 if it is one)', load: async () => (await import('./help.js')).helpCommandsUnsafe },
  { command: 'help-updates', description: 'compare the installed version with the version of the ahriman package in the AUR ([aur] url)', load: async () => (await import('./help-updates.js')).helpUpdates },
  { command: 'help-version', aliases: ['version'], description: 'print the versions of ahriman, node and the installed dependencies', load: async () => (await import('./help.js')).helpVersion },
  { command: 'package-add <package..>', aliases: ['add', 'package-update'], description: 'add packages: archives to the repository, PKGBUILDs (AUR, local, git) to the build queue', load: async () => (await import('./package-add.js')).packageAdd },
  { command: 'package-archives <package>', description: 'list the versions of a package base kept in the archive (what package-rollback can restore)', load: async () => (await import('./package-archives.js')).packageArchives },
  { command: 'package-changes <package>', description: 'print what changed in the sources of a package base since its last build (stored by --changes)', load: async () => (await import('./package-changes.js')).packageChanges },
  { command: 'package-changes-remove <package>', description: 'forget the stored changes of a package base', load: async () => (await import('./package-changes.js')).packageChangesRemove },
  { command: 'package-copy <source> <package..>', aliases: ['copy'], description: 'copy built packages from another repository of the same architecture into this one', load: async () => (await import('./package-copy.js')).packageCopy },
  { command: 'package-hold <package..>', description: 'hold package bases: automatic update checks skip them until they are released', load: async () => (await import('./package-hold.js')).packageHold },
  { command: 'package-logs <package>', description: 'print the stored log of the latest build of a package base (or of its latest build of --version)', load: async () => (await import('./package-logs.js')).packageLogs },
  { command: 'package-pkgbuild <package>', description: 'print the PKGBUILD a package base was last built from', load: async () => (await import('./package-changes.js')).packagePkgbuild },
  { command: 'package-pkgbuild-remove <package>', description: 'forget the stored PKGBUILD of a package base', load: async () => (await import('./package-changes.js')).packagePkgbuildRemove },
  { command: 'package-remove <package..>', aliases: ['remove'], description: 'remove packages (by base or package name, with their -debug packages) from the repository', load: async () => (await import('./package-remove.js')).packageRemove },
  { command: 'package-rollback <package> <archived-version>', description: 'publish an older version of a package base from the archive again, and hold it', load: async () => (await import('./package-archives.js')).packageRollback },
  { command: 'package-status [package..]', aliases: ['status'], description: 'print the build status of the package bases of a repository (all, or those named)', load: async () => (await import('./package-status.js')).packageStatus },
  { command: 'package-status-remove <package..>', description: 'forget package bases on the status page (record, status, build logs, changes); built files stay', load: async () => (await import('./package-status.js')).packageStatusRemove },
  { command: 'package-status-update [package..]', aliases: ['status-update'], description: 'set the build status of package bases, or of the service itself when none is named', load: async () => (await import('./package-status.js')).packageStatusUpdate },
  { command: 'package-unhold <package..>', description: 'release held package bases, so that automatic update checks include them again', load: async () => (await import('./package-hold.js')).packageUnhold },
  { command: 'patch-add <package> <variable> [patch]', description: 'set a PKGBUILD variable or function (name ending in "()") of a package base before it is built', load: async () => (await import('./patches.js')).patchAdd },
  { command: 'patch-list <package>', description: 'list the PKGBUILD patches of a package base', load: async () => (await import('./patches.js')).patchList },
  { command: 'patch-remove <package>', description: 'remove every PKGBUILD patch of a package base, or those of the variables given with -v', load: async () => (await import('./patches.js')).patchRemove },
  { command: 'patch-set-add <dir>', description: 'save the changes of a locally modified clone of a package as its full-diff patch', load: async () => (await import('./patches.js')).patchSetAdd },
  { command: 'repo-backup <path>', description: 'archive the configuration, the state database, the PKGBUILD caches and the owner\'s gpg keyring (tar.gz)', load: async () => (await import('./repo-backup.js')).repoBackup },
  { command: 'repo-check [package..]', aliases: ['check'], description: 'print what repo-update would build, without building (repo-update --dry-run --no-manual)', load: async () => (await import('./repo-update.js')).repoCheck },
  { command: 'repo-create-keyring', description: 'generate the <repo>-keyring package ([keyring] target) and queue it for the next update', load: async () => (await import('./support.js')).repoCreateKeyring },
  { command: 'repo-create-mirrorlist', description: 'generate the <repo>-mirrorlist package ([mirrorlist] target) and queue it for the next update', load: async () => (await import('./support.js')).repoCreateMirrorlist },
  { command: 'repo-daemon', aliases: ['daemon'], description: 'update the repository periodically: each tick one independent group of packages (--partitions) or all of them', load: async () => (await import('./repo-daemon.js')).repoDaemon },
  { command: 'repo-history [package]', description: 'the content history of the repository: the versions a package had and when, the content at a date, or what changed between two points', load: async () => (await import('./repo-history.js')).repoHistory },
  { command: 'repo-rebuild', aliases: ['rebuild'], description: 'rebuild all packages, or those that depend on the given ones', load: async () => (await import('./repo-rebuild.js')).repoRebuild },
  { command: 'repo-remove-unknown', aliases: ['remove-unknown'], description: 'remove packages that vanished from the AUR, or that their local PKGBUILD no longer builds', load: async () => (await import('./repo-remove-unknown.js')).repoRemoveUnknown },
  { command: 'repo-report', aliases: ['report'], description: 'write the reports of [report] target for the current repository', load: async () => (await import('./triggers.js')).repoReport },
  { command: 'repo-restore <path>', description: 'extract a repo-backup archive (refused whole if any entry would land outside the output directory)', load: async () => (await import('./repo-backup.js')).repoRestore },
  { command: 'repo-sign [package..]', aliases: ['sign'], description: 'sign all (or the given) packages again and the repository database, as [sign] says', load: async () => (await import('./repo-sign.js')).repoSign },
  { command: 'repo-statistics [package]', description: 'event statistics: how often each package was updated (or another event) and how long its builds took', load: async () => (await import('./repo-statistics.js')).repoStatistics },
  { command: 'repo-status-update', description: 'set the status of the service (repository) itself', load: async () => (await import('./package-status.js')).repoStatusUpdate },
  { command: 'repo-sync', aliases: ['sync'], description: 'upload the current repository to the remotes of [upload] target', load: async () => (await import('./triggers.js')).repoSync },
  { command: 'repo-tree', description: 'print the build order of the repository packages, or N independent partitions', load: async () => (await import('./repo-tree.js')).repoTree },
  { command: 'repo-triggers [trigger..]', description: 'run the configured triggers (or those given: built-in names, module or file paths) on the current repository', load: async () => (await import('./triggers.js')).repoTriggers },
  { command: 'repo-update [package..]', aliases: ['update'], description: 'check for updates, build them with their dependencies and publish the repository', load: async () => (await import('./repo-update.js')).repoUpdate },
  { command: 'repo-worker', description: 'build jobs of a distributed update ([distributed]) for the coordinator, until SIGTERM or SIGINT', load: async () => (await import('./repo-worker.js')).repoWorker },
  { command: 'service-clean', aliases: ['clean', 'repo-clean'], description: 'remove caches: PKGBUILD sources, build chroots, the build queue, waiting archives, sync databases', load: async () => (await import('./service-clean.js')).serviceClean },
  { command: 'service-config [section] [key]', aliases: ['config', 'repo-config'], description: 'print the effective configuration of a repository (secrets hidden)', load: async () => (await import('./service-config.js')).serviceConfig },
  { command: 'service-config-validate', aliases: ['config-validate', 'repo-config-validate'], description: 'check the configuration of a repository against the schema (with -e: exit 1 on errors)', load: async () => (await import('./service-config.js')).serviceConfigValidate },
  { command: 'service-import', description: 'bring an existing Python ahriman installation\'s state database over (packages, statuses, patches, users, logs, events)', load: async () => (await import('./service-import.js')).serviceImport },
  { command: 'service-key-import <key>', aliases: ['key-import'], description: 'fetch a PGP public key from a key server (HKP) and import it into the service user\'s gpg keyring', load: async () => (await import('./service-key-import.js')).serviceKeyImport },
  { command: 'service-repositories', description: 'list the repositories found under the repository root', load: async () => (await import('./service-repositories.js')).serviceRepositories },
  { command: 'service-run [command..]', aliases: ['run'], description: 'run several quoted ahriman command lines in order, stopping at the first failure', load: async () => (await import('./service-run.js')).serviceRun },
  { command: 'service-setup', aliases: ['init', 'repo-init', 'repo-setup', 'setup'], description: 'create the repository tree, its configuration overrides and an empty repository database', load: async () => (await import('./service-setup.js')).serviceSetup },
  { command: 'service-shell [code]', aliases: ['shell'], description: 'open a Node.js REPL with configuration, repositoryId and application preloaded, or evaluate code', load: async () => (await import('./service-shell.js')).serviceShell },
  { command: 'service-tree-migrate', description: 'move a legacy <dir>/<arch> tree (before the reference\'s 2.12) to <dir>/<repo>/<arch>', load: async () => (await import('./service-tree-migrate.js')).serviceTreeMigrate },
  { command: 'snapshot-list', description: 'list the snapshots of the repository, oldest first, with their pointers and votes', load: async () => (await import('./snapshots.js')).snapshotList },
  { command: 'snapshot-promote <snapshot> <pointer>', description: 'move a user-defined pointer ([snapshots] pointers) to a snapshot by hand', load: async () => (await import('./snapshots.js')).snapshotPromote },
  { command: 'snapshot-purge', description: 'remove unpointed snapshots beyond [snapshots] keep, and the pool files no remaining snapshot nor repository links to', load: async () => (await import('./snapshots.js')).snapshotPurge },
  { command: 'snapshot-show <snapshot>', description: 'print a snapshot: what changed, the builds of its run, its pointers and votes', load: async () => (await import('./snapshots.js')).snapshotShow },
  { command: 'snapshot-vote <snapshot>', description: 'record the result of a CI job for a snapshot; pointers whose required jobs all passed move to it', load: async () => (await import('./snapshots.js')).snapshotVote },
  { command: 'user-add <username>', description: 'create or update a web user (the password is prompted for when -p is not given)', load: async () => (await import('./users.js')).userAdd },
  { command: 'user-list [username]', description: 'list web users and their access (never their password hashes)', load: async () => (await import('./users.js')).userList },
  { command: 'user-remove <username>', description: 'remove a web user', load: async () => (await import('./users.js')).userRemove },
  { command: 'web', description: 'run the web service: REST API, dashboard and service actions for the repositories (until SIGTERM/SIGINT; SIGHUP reloads)', load: async () => (await import('./web.js')).web },
  { command: 'web-reload', description: 'make the running web service re-read its configuration (systemd ExecReload)', load: async () => (await import('./web-reload.js')).webReload },
];

/** Every handler, loaded: for the few commands that inspect all of them (help-commands-unsafe). */
export function loadAllHandlers(): Promise<Handler[]> {
  return Promise.all(COMMANDS.map((entry) => entry.load()));
}
