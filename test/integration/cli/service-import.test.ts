/**
 * service-import reads a database of the reference's schema (test/fixtures/reference-schema.sql, written from its
 * description) and brings every table over: package-status, patch-list, the queue, users (bcrypt hashes kept as
 * they are), logs, events and changes then answer as they did in the reference.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/core/database/connection.js';
import { UserOperations } from '../../../src/core/database/operations/users.js';
import { RepositoryState } from '../../../src/core/repository/state.js';
import { packageRoot } from '../../../src/core/package-root.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { ahriman, makeSandbox } from '../../support/cli.js';

const AUR = new RepositoryId('x86_64', 'aur');
const HASH = '$2b$12$C6UzMDM.H6dfI/f/IKxGhu2zpPwgOwWzplGQx6Ep9fNH6r0wdWSR.';

async function referenceDatabase(file: string): Promise<void> {
  const database = await Database.open(file, { migrate: false });
  try {
    await database.exec('reference schema', readFileSync(path.join(packageRoot(), 'test', 'fixtures', 'reference-schema.sql'), 'utf8'));
    await database.exec(
      'reference rows',
      `INSERT INTO package_bases VALUES
         ('alpha', '1.0-1', NULL, 'https://aur.archlinux.org/alpha.git', NULL, 'https://aur.archlinux.org/packages/alpha', 'aur', 'A <a@b>', 'x86_64-aur'),
         ('beta', '2.0-1', NULL, NULL, '/home/user/beta', NULL, NULL, NULL, 'x86_64-aur');
       INSERT INTO package_statuses VALUES ('alpha', 'success', 1700000000, 'x86_64-aur', 1), ('beta', 'failed', 1700000100, 'x86_64-aur', 0);
       INSERT INTO packages VALUES
         ('alpha', 'alpha', 'x86_64', 1024, 1699999000, '["glibc"]', 'the alpha package', 'alpha-1.0-1-x86_64.pkg.tar.zst', NULL, 4096,
          '["MIT"]', '[]', 'https://example.org', NULL, '["python: scripts"]', NULL, 'x86_64-aur'),
         ('beta', 'beta', 'any', NULL, NULL, '[]', 'beta', NULL, '[]', NULL, '[]', '[]', NULL, '[]', '[]', '[]', 'x86_64-aur');
       INSERT INTO build_queue VALUES ('beta', '{"base": "beta", "version": "2.0-1", "remote": {"source": "local"}, "packages": {}}', 'x86_64-aur');
       INSERT INTO patches VALUES ('alpha', CAST('2' AS BLOB), 'pkgrel'), ('alpha', CAST('--- a/PKGBUILD' AS BLOB), NULL);
       INSERT INTO users VALUES ('admin', 'full', '${HASH}', 'Admin <admin@localhost>', NULL);
       INSERT INTO logs VALUES ('alpha', 1699999000.5, 'building alpha', '1.0-1', 'x86_64-aur', 'process-1');
       INSERT INTO auditlog VALUES
         (1699999001, 'x86_64-aur', 'package-updated', 'alpha', 'updated', '{"version": "1.0-1", "duration": 12.5}'),
         (1699999002, 'x86_64-aur', 'some-future-event', 'alpha', NULL, NULL);
       INSERT INTO package_changes VALUES ('alpha', 'x86_64-aur', 'abc123', 'diff --git a/PKGBUILD b/PKGBUILD', 'pkgname=alpha');`,
    );
  } finally {
    await database.close();
  }
}

describe('service-import', () => {
  const sandbox = makeSandbox();
  afterAll(() => fs.rm(sandbox.directory, { recursive: true, force: true }));
  const cli = (args: string[]) => ahriman(['-c', sandbox.configuration, '-a', AUR.architecture, '-r', AUR.name, ...args]);

  it('brings a reference database over: statuses, holds, patches, queue, users, logs, events and changes', async () => {
    mkdirSync(sandbox.root, { recursive: true });
    const reference = path.join(sandbox.directory, 'reference.db');
    await referenceDatabase(reference);

    const imported = await ahriman(['-c', sandbox.configuration, 'service-import', '--from', reference, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toEqual({
      packageBases: 2, statuses: 2, packages: 2, patches: 2, users: 1, logs: 1, events: 1, changes: 1, dependencies: 0, queued: 1,
    });

    const status = JSON.parse((await cli(['package-status', '--json'])).stdout) as unknown[];
    expect(status).toMatchObject([
      {
        package: {
          base: 'alpha',
          version: '1.0-1',
          packager: 'A <a@b>',
          remote: { source: 'aur', gitUrl: 'https://aur.archlinux.org/alpha.git' },
          packages: { alpha: { depends: ['glibc'], optDepends: ['python: scripts'], groups: [], filename: 'alpha-1.0-1-x86_64.pkg.tar.zst' } },
        },
        status: { status: 'success', timestamp: 1_700_000_000, isHeld: true },
      },
      { package: { base: 'beta', remote: { source: 'local', path: '/home/user/beta' } }, status: { status: 'failed', isHeld: false } },
    ]);
    expect((await cli(['patch-list', 'alpha'])).stdout).toBe('alpha\n\tFull source diff: --- a/PKGBUILD\n\tpkgrel: 2\n');
    expect((await cli(['package-changes', 'alpha'])).stdout).toBe('diff --git a/PKGBUILD b/PKGBUILD\n');
    expect(JSON.parse((await cli(['repo-statistics', '--json'])).stdout)).toMatchObject({ events: 1, objects: [{ objectId: 'alpha', durations: { mean: 12.5 } }] });

    const state = new RepositoryState(await Database.open(path.join(sandbox.root, 'ahriman.db')), AUR);
    try {
      expect((await state.queue.queueList()).map((record) => record.base)).toEqual(['beta']);
      expect((await state.logs.logsGet('alpha')).map((line) => line.message)).toEqual(['building alpha']);
      expect(await new UserOperations(state.database).userGet('admin')).toEqual({
        username: 'admin', access: 'full', password: HASH, packagerId: 'Admin <admin@localhost>', keyId: null,
      });
    } finally {
      await state.close();
    }
  });

  it('refuses a database that is not the reference\'s, importing nothing', async () => {
    const [missing, ours] = await Promise.all([
      ahriman(['-c', sandbox.configuration, 'service-import', '--from', path.join(sandbox.directory, 'nothing.db')]),
      ahriman(['-c', sandbox.configuration, 'service-import', '--from', path.join(sandbox.root, 'ahriman.db')]),
    ]);
    expect([missing.code, ours.code]).toEqual([1, 1]);
    expect(missing.stderr).toContain('nothing.db does not exist');
    expect(ours.stderr).toContain('is the database this service uses');
  });
});
