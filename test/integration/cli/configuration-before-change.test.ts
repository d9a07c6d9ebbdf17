/**
 * Configuration a command needs is checked before the command changes anything (issue 7, items 12 and 13): an
 * unresolved or unterminated `${section:key}` and a bad trigger setting stop it with one line, and the repository
 * stays as it was.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestKeys } from '../../support/keys.js';
import { removeKeyringTemplate } from '../../support/pacman-client.js';
import { ahriman, makeSandbox } from '../../support/cli.js';
import { PUBLISHED, Repository } from '../integrity/support.js';

/** What the command said beyond informational lines. */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.trim().length > 0 && !line.startsWith('[INFO'));
}

describe('configuration checked before a change', () => {
  let repository: Repository;
  let override: string;

  beforeAll(async () => {
    repository = await Repository.create(PUBLISHED);
    const directory = path.join(repository.root, '.config', 'ahriman', 'ahriman.ini.d');
    mkdirSync(directory, { recursive: true });
    override = path.join(directory, 'zz-test.ini');
  });

  afterAll(async () => {
    await repository?.cleanup();
    await removeKeyringTemplate();
    await removeTestKeys();
  });

  it.each([
    ['an unknown trigger', '[build]\ntriggers[] = no.such.Trigger\n', 'no.such.Trigger'],
    ['a report target of an unknown type', '[build]\ntriggers = report\n[report]\ntarget = weird\n[weird]\ntype = nosuchtype\n', "type 'nosuchtype'"],
  ])('package-remove with %s changes nothing and exits 1 naming it', async (_, text, named) => {
    writeFileSync(override, text);
    const before = await repository.check();
    const result = await repository.cli(['package-remove', 'ki-b']);
    expect(result.code).toBe(1);
    expect(errorLines(result.stderr), result.stderr).toHaveLength(1);
    expect(result.stderr).toContain('invalid trigger configuration, nothing changed');
    expect(result.stderr).toContain(named);
    const after = await repository.check();
    expect(after.problems).toEqual([]);
    expect(after.outcome).toEqual(before.outcome);
  });

  it.each([
    ['${paths:base}/var', "[repository] root: '${paths:base}' refers to an option that is not set"],
    ['${repository:root', "[repository] root: unterminated reference '${repository:root' (expected '}')"],
  ])('root = %s is an error naming the option, and creates nothing', async (root, message) => {
    const sandbox = makeSandbox();
    writeFileSync(sandbox.configuration, `[repository]\nroot = ${root}\n`);
    const before = readdirSync(sandbox.directory);
    const result = await ahriman(['-c', sandbox.configuration, '-a', 'x86_64', '-r', 'demo', 'service-setup', '--packager', 'A <a@b>']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(errorLines(result.stderr), result.stderr).toHaveLength(1);
    expect(readdirSync(sandbox.directory)).toEqual(before);
    expect(existsSync(path.join(process.cwd(), '${paths:base}'))).toBe(false);
  });
});
