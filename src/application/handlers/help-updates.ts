import type { Argv } from 'yargs';
import { AurClient } from '../../core/alpm/remote/aur.js';
import { vercmp } from '../../core/alpm/vercmp.js';
import { formatVersionChange } from '../../core/format/version.js';
import { readAurSettings } from '../../core/repository/build-settings.js';
import { SYSTEM_WIDE, systemHandler } from '../handler.js';
import { print, printJson } from '../printer.js';
import { VERSION } from '../version.js';

/** The AUR package ahriman itself is published as. */
const AUR_PACKAGE = 'ahriman';

export const helpUpdates = systemHandler({
  name: 'help-updates',
  description: `compare the installed version with the version of the ${AUR_PACKAGE} package in the AUR ([aur] url)`,
  mode: SYSTEM_WIDE,
  options: (argv: Argv) =>
    argv
      .option('exit-code', { alias: 'e', type: 'boolean', default: false, describe: 'exit 1 when a newer version is available' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  async run({ configuration, output }, args) {
    const settings = readAurSettings(configuration());
    const remote = (await new AurClient(settings.url, settings.policy).info([AUR_PACKAGE])).get(AUR_PACKAGE)?.version ?? null;
    // AUR versions carry a pkgrel; ours is the bare release
    const outdated = remote !== null && vercmp(remote.replace(/-[^-]*$/, ''), VERSION) > 0;
    if (args.json) printJson(output, { installed: VERSION, available: remote, outdated });
    else print(output, remote === null ? `${AUR_PACKAGE} ${VERSION}: not found in the AUR` : `${AUR_PACKAGE} ${outdated ? formatVersionChange(VERSION, remote) : `${VERSION} is up to date`}`);
    return args.exitCode && outdated ? 1 : 0;
  },
});
