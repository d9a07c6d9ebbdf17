import { randomBytes } from 'node:crypto';
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
import { MUTATING, type RepositoryContext, repositoryHandler } from '../handler.js';
import { print } from '../printer.js';

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
  webPort?: number;
  webUnixSocket?: string;
  generateSalt: boolean;
}

const logger = getLogger('service-setup');
const DEVTOOLS_CONFIGURATION = '/usr/share/devtools/pacman.conf.d/extra.conf';
const PACKAGER_PATTERN = /^[^<>]+ <[^<>@\s]+@[^<>\s]+>$/;

const DEFAULT_REPOSITORIES = ['core', 'extra', 'multilib'];

/**
 * The override file holds what differs per repository, in the sections the configuration merges for it, as the
 * reference writes it: `[repository] name`, and `[alpm] repositories` only to drop multilib (--no-multilib or an
 * architecture without it) from the configured list.
 */
export function setupOverrides(args: SetupArguments, id: RepositoryId, configuredRepositories = DEFAULT_REPOSITORIES): IniSections {
  const build: Record<string, string> = { packager: args.packager };
  if (args.makeflagsJobs) build.make_flags = `-j${os.availableParallelism()}`;
  if (args.buildAsUser) build.makechrootpkg_flags = `-U ${args.buildAsUser}`;

  const alpm: Record<string, string> = {};
  if (args.mirror) alpm.mirror = args.mirror;
  if (!args.multilib || id.architecture !== 'x86_64') alpm.repositories = configuredRepositories.filter((name) => name !== 'multilib').join(' ');

  const targets = args.signTarget.filter((target) => target !== 'disabled');
  const sign: Record<string, string> = targets.length > 0 ? { target: targets.join(' ') } : {};
  if (targets.length > 0 && args.signKey) sign.key = args.signKey;

  const section = `${id.name}:${id.architecture}`;
  return { repository: { name: id.name }, [`build:${section}`]: build, [`alpm:${section}`]: alpm, [`sign:${section}`]: sign, ...webOverrides(args) };
}

/**
 * `[web]` port and socket, and the `[status] address` reporting to them (the socket when there is one: requests on it
 * need no login), and a fresh `[auth] salt`, as the reference writes them.
 */
function webOverrides(args: SetupArguments): IniSections {
  const web: Record<string, string> = {};
  const status: Record<string, string> = {};
  if (args.webPort !== undefined) {
    web.port = String(args.webPort);
    status.address = `http://127.0.0.1:${args.webPort}`;
  }
  if (args.webUnixSocket !== undefined) {
    web.unix_socket = args.webUnixSocket;
    status.address = `http+unix://${encodeURIComponent(args.webUnixSocket)}`;
  }
  const sections: IniSections = {};
  if (Object.keys(web).length > 0) Object.assign(sections, { web, status });
  if (args.generateSalt) sections.auth = { salt: randomBytes(20).toString('base64url') };
  return sections;
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

export const serviceSetup = repositoryHandler({
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
      })
      .option('web-port', { type: 'number', describe: 'port of the web service, which CLI runs then report to' })
      .option('web-unix-socket', { type: 'string', describe: 'unix socket of the web service, which CLI runs then report to' })
      .option('generate-salt', { type: 'boolean', default: false, describe: 'write a random [auth] salt for password hashes' }),
  async run(context, args) {
    if (!PACKAGER_PATTERN.test(args.packager)) {
      throw new ConfigurationError(`invalid --packager '${args.packager}': expected "Name <email@host>"`);
    }
    if (args.webPort !== undefined && !(Number.isInteger(args.webPort) && args.webPort > 0 && args.webPort < 65536)) {
      throw new ConfigurationError(`invalid --web-port ${args.webPort}: expected 1-65535`);
    }
    if (args.signTarget.some((target) => target !== 'disabled') && !args.signKey) {
      throw new ConfigurationError('--sign-target needs --sign-key');
    }
    const { paths, repositoryId } = context;
    const overrides = path.join(paths.configurationDirectory, `00-setup-overrides-${repositoryId.id}.ini`);
    await writeFileAtomic(
      overrides,
      formatIni(setupOverrides(args, repositoryId, context.configuration.getList('alpm', 'repositories', DEFAULT_REPOSITORIES)), `written by ahriman service-setup for ${repositoryId.id}`),
    );
    print(context.output, `configuration overrides: ${overrides}`);
    const includes = context.configuration.getPathList('settings', 'include', [] as string[]);
    if (!includes.includes(paths.configurationDirectory)) {
      logger.warning(`${paths.configurationDirectory} is not in [settings] include of ${context.configuration.path}: the overrides are not read`);
    }

    if (existsSync(args.fromConfiguration)) {
      const directory = context.configuration.getPath('build', 'devtools_configs', path.join(paths.root, '.config', 'ahriman', 'pacman.conf.d'));
      await fs.mkdir(directory, { recursive: true });
      const target = path.join(directory, `${repositoryId.name}-${repositoryId.architecture}.conf`);
      await writeFileAtomic(target, devtoolsConfiguration(await fs.readFile(args.fromConfiguration, 'utf8'), args, context));
      print(context.output, `devtools pacman configuration: ${target}`);
    } else {
      logger.info(`${args.fromConfiguration} not found (devtools not installed): no chroot pacman configuration written`);
    }

    await new RepositoryPublisher(paths).initialize();
    print(context.output, `repository: ${paths.repository}`);
  },
});
