import path from 'node:path';
import type { Argv } from 'yargs';
import { SYSTEM_WIDE, systemHandler } from '../handler.js';
import { print } from '../printer.js';

export const repoBackup = systemHandler({
  name: 'repo-backup <path>',
  description: 'archive the configuration, the state database, the PKGBUILD caches and the owner\'s gpg keyring (tar.gz)',
  mode: SYSTEM_WIDE,
  options: (argv: Argv) =>
    argv.positional('path', { type: 'string', demandOption: true, describe: 'archive to write' }),
  async run({ configuration, output }, args) {
    const { ownerHome, writeBackup } = await import('../../core/backup/backup.js');
    const loaded = configuration();
    const root = loaded.getPath('repository', 'root');
    const home = await ownerHome(root);
    const entries = await writeBackup(
      {
        configurationFiles: loaded.files,
        database: loaded.getPath('settings', 'database', path.join(root, 'ahriman.db')),
        directories: [path.join(root, 'cache'), ...(home ? [path.join(home, '.gnupg')] : [])],
      },
      path.resolve(args.path),
    );
    print(output, `backup of ${entries.map((entry) => `/${entry}`).join(', ')} written to ${args.path}`);
  },
});

export const repoRestore = systemHandler({
  name: 'repo-restore <path>',
  description: 'extract a repo-backup archive (refused whole if any entry would land outside the output directory)',
  mode: SYSTEM_WIDE,
  options: (argv: Argv) =>
    argv
      .positional('path', { type: 'string', demandOption: true, describe: 'archive written by repo-backup' })
      .option('output', { alias: 'o', type: 'string', default: '/', describe: 'directory to extract into' }),
  async run({ output }, args) {
    const { restoreBackup } = await import('../../core/backup/backup.js');
    const count = await restoreBackup(path.resolve(args.path), args.output);
    print(output, `restored ${count} entries from ${args.path} into ${args.output}`);
  },
});
