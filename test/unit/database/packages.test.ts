import { afterEach, describe, expect, it } from 'vitest';
import { PackageOperations } from '../../../src/core/database/operations/packages.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { parseBuildStatus } from '../../../src/models/build-status.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { cleanUp, countStatements, openTemporaryDatabase, packageDescription, packageRecord } from './support.js';

afterEach(cleanUp);

const repository = new RepositoryId('x86_64', 'test');

async function setUp() {
  const database = await openTemporaryDatabase();
  return { database, packages: new PackageOperations(database, repository) };
}

describe('PackageOperations', () => {
  it('stores a package base with its package names and reads it back', async () => {
    const { packages } = await setUp();
    const record = packageRecord('demo', '1.0-1', ['demo', 'demo-docs']);
    record.packages['demo-docs'] = packageDescription({
      architecture: null,
      archiveSize: null,
      buildDate: null,
      filename: null,
      installedSize: null,
      description: null,
      url: null,
      depends: [],
      groups: ['demo-group'],
    });
    await packages.upsertPackage(record);

    const [entry, ...others] = await packages.listPackages();
    expect(others).toEqual([]);
    expect(entry?.package).toEqual(record);
    expect(entry?.status).toMatchObject({ status: 'unknown', isHeld: false });
  });

  it('replaces a base, dropping package names it no longer produces', async () => {
    const { database, packages } = await setUp();
    await packages.upsertPackage(packageRecord('demo', '1.0-1', ['demo', 'demo-docs', 'demo-extra']));
    const update = packageRecord('demo', '1.1-1', ['demo']);
    update.remote = { source: 'local', gitUrl: null, webUrl: null, path: null, branch: null };
    update.packager = null;
    await packages.upsertPackage(update);

    expect((await packages.listPackages()).map((entry) => entry.package)).toEqual([update]);
    expect(await database.get('count rows', 'SELECT count(*) AS rows FROM packages')).toEqual({ rows: 1 });
  });

  it('moves a package name to the base that now produces it', async () => {
    const { packages } = await setUp();
    await packages.upsertPackage(packageRecord('old-base', '1-1', ['shared-name']));
    await packages.upsertPackage(packageRecord('new-base', '1-1', ['shared-name']));
    const listed = await packages.listPackages();
    expect(listed.map((entry) => [entry.package.base, Object.keys(entry.package.packages)])).toEqual([
      ['new-base', ['shared-name']],
      ['old-base', []],
    ]);
  });

  it('lists every package with one query', async () => {
    const { database, packages } = await setUp();
    for (let index = 0; index < 30; index += 1) {
      const base = `base-${String(index).padStart(2, '0')}`;
      await packages.upsertPackage(packageRecord(base, '1-1', [`a${index}`, `b${index}`]));
      await packages.updateStatus(base, 'success');
    }
    const selects = countStatements(database, 'SELECT');
    const listed = await packages.listPackages();
    expect(selects.count).toBe(1);
    expect(listed).toHaveLength(30);
    expect(listed[29]?.package.base).toBe('base-29');
    expect(Object.keys(listed[29]?.package.packages ?? {})).toEqual(['a29', 'b29']);
    expect(listed.every((entry) => entry.status.status === 'success')).toBe(true);
  });

  it('lists a single base on request', async () => {
    const { packages } = await setUp();
    await packages.upsertPackage(packageRecord('one', '1-1'));
    await packages.upsertPackage(packageRecord('two', '1-1'));
    expect((await packages.listPackages('two')).map((entry) => entry.package.base)).toEqual(['two']);
    expect(await packages.listPackages('three')).toEqual([]);
  });

  it('changes the status timestamp only when the status changes', async () => {
    const { packages } = await setUp();
    await packages.upsertPackage(packageRecord('demo', '1-1'));
    const status = async () => (await packages.listPackages('demo'))[0]?.status;

    await packages.updateStatus('demo', 'building', 1000);
    expect(await status()).toEqual({ status: 'building', timestamp: 1000, isHeld: false });
    await packages.updateStatus('demo', 'building', 2000);
    expect(await status()).toEqual({ status: 'building', timestamp: 1000, isHeld: false });
    await packages.updateStatus('demo', 'success', 3000);
    expect(await status()).toEqual({ status: 'success', timestamp: 3000, isHeld: false });
  });

  it('holds and releases a base, keeping the hold across status changes', async () => {
    const { packages } = await setUp();
    await packages.upsertPackage(packageRecord('demo', '1-1'));
    const status = async () => (await packages.listPackages('demo'))[0]?.status;

    await packages.setHeld('demo', true);
    expect(await status()).toMatchObject({ status: 'unknown', isHeld: true });
    await packages.updateStatus('demo', 'failed');
    expect(await status()).toMatchObject({ status: 'failed', isHeld: true });
    await packages.setHeld('demo', false);
    expect(await status()).toMatchObject({ status: 'failed', isHeld: false });

    await packages.setHeld('demo', true);
    await packages.removeStatus('demo');
    expect(await status()).toMatchObject({ status: 'unknown', isHeld: false });
  });

  it('accepts only the known build statuses', () => {
    expect(parseBuildStatus('failed')).toBe('failed');
    expect(() => parseBuildStatus('sleeping')).toThrow(
      "invalid build status 'sleeping': expected one of unknown, pending, building, failed, success",
    );
  });

  it('refuses a status for an unknown base', async () => {
    const { packages } = await setUp();
    const failure = packages.updateStatus('nope', 'success');
    await expect(failure).rejects.toBeInstanceOf(InvalidInputError);
    await expect(failure).rejects.toThrow("unknown package base 'nope' in repository x86_64-test");
    await expect(packages.setHeld('nope', true)).rejects.toThrow("unknown package base 'nope'");
  });

  it('removes a base together with its package names and status', async () => {
    const { database, packages } = await setUp();
    await packages.upsertPackage(packageRecord('demo', '1-1', ['demo', 'demo-docs']));
    await packages.updateStatus('demo', 'success');
    expect(await packages.removePackage('demo')).toBe(true);
    expect(await packages.removePackage('demo')).toBe(false);
    expect(await packages.listPackages()).toEqual([]);
    for (const table of ['packages', 'package_statuses']) {
      expect(await database.get('count rows', `SELECT count(*) AS rows FROM ${table}`)).toEqual({ rows: 0 });
    }
  });

  it('sets the status of many bases through the primary key, not by scanning the list once per base', async () => {
    const { database, packages } = await setUp();
    await packages.upsertPackages(['alpha', 'beta', 'gamma'].map((base) => packageRecord(base, '1-1')));
    const statements: string[] = [];
    const stop = database.observeStatements((sql) => statements.push(sql));
    await packages.updateStatuses(['alpha', 'gamma', 'unknown-base'], 'success', 5000);
    stop();

    expect((await packages.listPackages()).map((entry) => [entry.package.base, entry.status.status])).toEqual([
      ['alpha', 'success'],
      ['beta', 'unknown'],
      ['gamma', 'success'],
    ]);
    const [statement] = statements;
    const plan = await database.all<{ detail: string }>('explain', `EXPLAIN QUERY PLAN ${statement}`);
    const details = plan.map((row) => row.detail);
    // the list is read once into a subquery; joined with it, SQLite chose to scan it for every base of the repository
    expect(details).toContainEqual(expect.stringMatching(/^SEARCH package_bases .*\(repository=\? AND package_base=\?\)/));
  });

  it('keeps the packages of two repositories apart', async () => {
    const { database } = await setUp();
    const first = new PackageOperations(database, repository);
    const second = new PackageOperations(database, new RepositoryId('aarch64', 'test'));
    await first.upsertPackage(packageRecord('demo', '1-1'));
    await second.upsertPackage(packageRecord('demo', '2-1'));
    await first.updateStatus('demo', 'failed');

    expect((await first.listPackages()).map((entry) => [entry.package.version, entry.status.status])).toEqual([
      ['1-1', 'failed'],
    ]);
    expect((await second.listPackages()).map((entry) => [entry.package.version, entry.status.status])).toEqual([
      ['2-1', 'unknown'],
    ]);
    await second.removePackage('demo');
    expect(await first.listPackages()).toHaveLength(1);
  });

  it('refuses values the schema does not allow', async () => {
    const { database, packages } = await setUp();
    await packages.upsertPackage(packageRecord('demo', '1-1'));
    await expect(
      database.run(
        'store an invented status',
        `INSERT INTO package_statuses (repository, package_base, status, last_updated)
         VALUES ('x86_64-test', 'demo', 'sleeping', 0)`,
      ),
    ).rejects.toThrow('CHECK constraint failed');
    const broken = packageRecord('broken', '1-1');
    broken.packages.broken = packageDescription({ archiveSize: -1 });
    await expect(packages.upsertPackage(broken)).rejects.toThrow(
      'cannot save package broken of broken: SQLITE_CONSTRAINT',
    );
    expect((await packages.listPackages()).map((entry) => entry.package.base)).toEqual(['demo']);
  });
});
