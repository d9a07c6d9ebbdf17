import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Argv } from 'yargs';
import { formatIni, type IniSections } from '../../core/configuration/ini-writer.js';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { ConfigurationError } from '../../core/errors.js';
import { getLogger } from '../../core/log/logger.js';
import { RepositoryPublisher } from '../../core/repository/publisher.js';
import type { RepositoryId } from '../../models/repository-id.js';
import { asList } from '../arguments.js';
import { MUTATING, type RepositoryContext, type RepositoryHandler, print } from '../handler.js';

interface SetupArguments {
  packager: string;
  buildAsUser?: string;
  fromConfiguration: string;
  makeflagsJobs: boolean;
  mirror?: string;
  multilib: boolean;
  server?: string;
  signKey?: string;
  signTarget: string[];
}

const logger = getLogger('service-setup');
const DEVTOOLS_CONFIGURATION = '/usr/share/devtools/pacman.conf.d/extra.conf';
const PACKAGER_PATTERN = /^[^<>]+ <[^<>@\s]+@[^<>\s]+>$/;

/** The override file holds what differs per repository, in the sections the configuration merges for it. */
export function setupOverrides(args: SetupArguments, id: RepositoryId): IniSections {
  const build: Record<string, string> = { packager: args.packager };
  if (args.makeflagsJobs) build.make_flags = `-j${os.availableParallelism()}`;
  if (args.buildAsUser) build.makechrootpkg_flags = `-U ${args.buildAsUser}`;

  const alpm: Record<string, string> = {};
  if (args.mirror) alpm.mirror = args.mirror;
  alpm.repositories = ['core', 'extra', ...(args.multilib && id.architecture === 'x86_64' ? ['multilib'] : [])].join(' ');

  const targets = args.signTarget.filter((target) => target !== 'disabled');
  const sign: Record<string, string> = targets.length > 0 ? { target: targets.join(' ') } : {};
  if (targets.length > 0 && args.signKey) sign.key = args.signKey;

  const section = `${id.name}:${id.architecture}`;
  return { [`build:${section}`]: build, [`alpm:${section}`]: alpm, [`sign:${section}`]: sign };
}

/**
 * The devtools pacman.conf for the build chroot: the distribution's file for this architecture, plus our own
 * repository so packages can depend on each other.
 */
export function devtoolsConfiguration(template: string, args: SetupArguments, context: RepositoryContext): string {
  const { architecture, name } = context.repositoryId;
  let text = template.replace(/^#?\s*Architecture\s*=.*$/m, `Architecture = ${architecture}`);
  if (args.mirror) text = text.replace(/^Include\s*=\s*\/etc\/pacman\.d\/mirrorlist\s*$/gm, `Server = ${args.mirror}`);
  if (args.multilib && architecture === 'x86_64' && !/^\[multilib\]/m.test(text)) {
    text += `\n[multilib]\n${args.mirror ? `Server = ${args.mirror}` : 'Include = /etc/pacman.d/mirrorlist'}\n`;
  }
  const server = args.server ?? `file://${context.paths.repository}`;
  return `${text.trimEnd()}\n\n[${name}]\nSigLevel = Never\nServer = ${server}\n`;
}

export const serviceSetup: RepositoryHandler<SetupArguments> = {
  name: 'service-setup',
  aliases: ['init', 'repo-init', 'repo-setup', 'setup'],
  description: 'create the repository tree, its configuration overrides and an empty repository database',
  mode: { ...MUTATING, multiRepository: false },
  options: (argv: Argv) =>
    argv
      .option('packager', { type: 'string', demandOption: true, describe: 'packager, as "Name <email>"' })
      .option('build-as-user', { type: 'string', describe: 'makechrootpkg -U user for devtools builds' })
      .option('from-configuration', { type: 'string', default: DEVTOOLS_CONFIGURATION, describe: 'devtools pacman.conf to base the build chroot on' })
      .option('makeflags-jobs', { type: 'boolean', default: true, describe: 'set MAKEFLAGS=-j<number of cores>' })
      .option('mirror', { type: 'string', describe: 'pacman mirror (with $repo and $arch) for the chroot and sync databases' })
      .option('multilib', { type: 'boolean', default: true, describe: 'enable multilib (x86_64 only)' })
      .option('server', { type: 'string', describe: 'server of this repository in the chroot pacman.conf (default: file://<repository dir>)' })
      .option('sign-key', { type: 'string', describe: 'signing key fingerprint or id' })
      .option('sign-target', {
        type: 'string',
        default: 'disabled',
        choices: ['disabled', 'packages', 'repository'],
        describe: 'what to sign (repeatable)',
        coerce: asList,
      }) as unknown as Argv<SetupArguments>,
  async run(context, args) {
    if (!PACKAGER_PATTERN.test(args.packager)) {
      throw new ConfigurationError(`invalid --packager '${args.packager}': expected "Name <email@host>"`);
    }
    if (args.signTarget.some((target) => target !== 'disabled') && !args.signKey) {
      throw new ConfigurationError('--sign-target needs --sign-key');
    }
    const { paths, repositoryId } = context;
    const overrides = path.join(paths.configurationDirectory, `00-setup-overrides-${repositoryId.id}.ini`);
    await writeFileAtomic(
      overrides,
      formatIni(setupOverrides(args, repositoryId), `written by ahriman service-setup for ${repositoryId.id}`),
    );
    print(`configuration overrides: ${overrides}`);
    const includes = context.configuration.getPathList('settings', 'include', [] as string[]);
    if (!includes.includes(paths.configurationDirectory)) {
      logger.warning(`${paths.configurationDirectory} is not in [settings] include of ${context.configuration.path}: the overrides are not read`);
    }

    if (existsSync(args.fromConfiguration)) {
      const directory = context.configuration.getPath('build', 'devtools_configs', path.join(paths.root, '.config', 'ahriman', 'pacman.conf.d'));
      await fs.mkdir(directory, { recursive: true });
      const target = path.join(directory, `${repositoryId.name}-${repositoryId.architecture}.conf`);
      await writeFileAtomic(target, devtoolsConfiguration(await fs.readFile(args.fromConfiguration, 'utf8'), args, context));
      print(`devtools pacman configuration: ${target}`);
    } else {
      logger.info(`${args.fromConfiguration} not found (devtools not installed): no chroot pacman configuration written`);
    }

    await new RepositoryPublisher(paths).initialize();
    print(`repository: ${paths.repository}`);
  },
};
