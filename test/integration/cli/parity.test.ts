/**
 * Parity with the reference's command line (reference §1.2): every command name and alias it has answers `--help`
 * with exit code 0, and each command offers the reference's options (ours may add more, e.g. --json).
 */
import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../../src/core/concurrency.js';
import { ahriman, makeSandbox } from '../../support/cli.js';

interface ReferenceCommand {
  aliases?: string[];
  /** Options besides the global ones, as `-s/--long` or `--long`. */
  options?: string[];
}

const REFERENCE: Record<string, ReferenceCommand> = {
  'aur-search': { aliases: ['search'], options: ['-e/--exit-code', '--info', '--sort-by'] },
  help: {},
  'help-commands-unsafe': {},
  'help-updates': { options: ['-e/--exit-code'] },
  'help-version': { aliases: ['version'] },
  'package-add': {
    aliases: ['add', 'package-update'],
    options: ['--changes', '--dependencies', '-e/--exit-code', '--increment', '-n/--now', '-s/--source', '-u/--username', '-v/--variable', '-y/--refresh'],
  },
  'package-archives': { options: ['-e/--exit-code', '--info'] },
  'package-changes': { options: ['-e/--exit-code'] },
  'package-changes-remove': {},
  'package-copy': { aliases: ['copy'], options: ['-e/--exit-code', '--remove'] },
  'package-hold': {},
  'package-unhold': {},
  'package-pkgbuild': { options: ['-e/--exit-code'] },
  'package-pkgbuild-remove': {},
  'package-remove': { aliases: ['remove'] },
  'package-rollback': { options: ['--hold', '-u/--username'] },
  'package-status': { aliases: ['status'], options: ['--ahriman', '-e/--exit-code', '--info', '-s/--status'] },
  'package-status-remove': {},
  'package-status-update': { aliases: ['status-update'], options: ['-s/--status'] },
  'patch-add': {},
  'patch-list': { options: ['-e/--exit-code', '-v/--variable'] },
  'patch-remove': { options: ['-v/--variable'] },
  'patch-set-add': { options: ['-t/--track'] },
  'repo-backup': {},
  'repo-check': { aliases: ['check'], options: ['--changes', '--check-files', '-e/--exit-code', '--vcs', '-y/--refresh'] },
  'repo-create-keyring': {},
  'repo-create-mirrorlist': {},
  'repo-rebuild': {
    aliases: ['rebuild'],
    options: ['--depends-on', '--dry-run', '--from-database', '--increment', '-e/--exit-code', '-s/--status', '-u/--username'],
  },
  'repo-remove-unknown': { aliases: ['remove-unknown'], options: ['--dry-run'] },
  'repo-report': { aliases: ['report'] },
  'repo-restore': { options: ['-o/--output'] },
  'repo-sign': { aliases: ['sign'] },
  'repo-statistics': { options: ['--chart', '-e/--event', '--from-date', '--to-date', '--limit', '--offset'] },
  'repo-status-update': { options: ['-s/--status'] },
  'repo-sync': { aliases: ['sync'] },
  'repo-tree': { options: ['-p/--partitions'] },
  'repo-triggers': {},
  'repo-update': {
    aliases: ['update'],
    options: ['--aur', '--changes', '--check-files', '--dependencies', '--dry-run', '-e/--exit-code', '--increment', '--local', '--manual', '-u/--username', '--vcs', '-y/--refresh'],
  },
  'service-clean': { aliases: ['clean', 'repo-clean'], options: ['--cache', '--chroot', '--manual', '--packages', '--pacman'] },
  'service-config': { aliases: ['config', 'repo-config'], options: ['--info', '--secure'] },
  'service-config-validate': { aliases: ['config-validate', 'repo-config-validate'], options: ['-e/--exit-code'] },
  'service-key-import': { aliases: ['key-import'], options: ['--key-server'] },
  'service-repositories': { options: ['--id-only'] },
  'service-run': { aliases: ['run'] },
  'service-setup': {
    aliases: ['init', 'repo-init', 'repo-setup', 'setup'],
    options: [
      '--packager', '--build-as-user', '--from-configuration', '--generate-salt', '--makeflags-jobs', '--mirror', '--multilib', '--server',
      '--sign-key', '--sign-target', '--web-port', '--web-unix-socket',
    ],
  },
  'service-shell': { aliases: ['shell'], options: ['-o/--output'] },
  'service-tree-migrate': {},
  'repo-daemon': {
    aliases: ['daemon'],
    options: ['-i/--interval', '--aur', '--changes', '--check-files', '--dependencies', '--dry-run', '--increment', '--local', '--manual', '--partitions', '-u/--username', '--vcs', '-y/--refresh'],
  },
  'user-add': { options: ['--key', '--packager', '-p/--password', '-R/--role'] },
  'user-list': { options: ['-e/--exit-code', '-R/--role'] },
  'user-remove': {},
  web: {},
  'web-reload': {},
};

/** The option words of a command's help: `-e`, `--exit-code`, ... */
function helpOptions(help: string): Set<string> {
  return new Set([...help.matchAll(/(?:^|[\s,])(--?[a-zA-Z][a-z-]*)/gm)].map((match) => match[1]!));
}

describe('parity with the reference command line', () => {
  it('answers --help for every reference command and alias, with the reference options', { timeout: 300_000 }, async () => {
    const names = Object.entries(REFERENCE).flatMap(([name, command]) => [name, ...(command.aliases ?? [])]);
    const helps = new Map(await mapLimit(names, 4, async (name) => [name, await ahriman([name, '--help'])] as const));
    const problems: string[] = [];
    for (const [name, command] of Object.entries(REFERENCE)) {
      for (const word of [name, ...(command.aliases ?? [])]) {
        const result = helps.get(word)!;
        if (result.code !== 0) problems.push(`${word} --help exited ${result.code}: ${result.stderr.trim()}`);
        // `help --help` is the general help, which is what help prints
        else if (name !== 'help' && !result.stdout.startsWith(`ahriman ${name}`)) problems.push(`${word} --help shows ${result.stdout.split('\n')[0]}`);
      }
      const offered = helpOptions(helps.get(name)!.stdout);
      for (const option of command.options ?? []) {
        for (const word of option.split('/')) if (!offered.has(word)) problems.push(`${name} has no ${word}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('accepts the global --report/--no-report; --no-report turns [status] enabled off for the run', async () => {
    const sandbox = makeSandbox();
    try {
      const selection = ['-c', sandbox.configuration, '-a', 'x86_64', '-r', 'demo'];
      const [on, off] = await Promise.all([
        ahriman([...selection, '--report', 'service-config', 'status', 'enabled']),
        ahriman([...selection, '--no-report', 'service-config', 'status', 'enabled']),
      ]);
      expect([on.code, on.stdout, off.code, off.stdout]).toEqual([0, '', 0, 'no\n']);
    } finally {
      await fs.rm(sandbox.directory, { recursive: true, force: true });
    }
  });
});
