import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/core/database/connection.js';
import { BuildQueueOperations } from '../../../src/core/database/operations/build-queue.js';
import { ChangesOperations } from '../../../src/core/database/operations/changes.js';
import { EventOperations } from '../../../src/core/database/operations/events.js';
import { PatchOperations } from '../../../src/core/database/operations/patches.js';
import { UserOperations } from '../../../src/core/database/operations/users.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import type { Event } from '../../../src/models/event.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { accessPermits, type User } from '../../../src/models/user.js';
import { cleanUp, openTemporaryDatabase, packageRecord } from './support.js';

afterEach(cleanUp);

const x86 = new RepositoryId('x86_64', 'test');
const arm = new RepositoryId('aarch64', 'test');

let database: Database;

async function setUp(): Promise<void> {
  database = await openTemporaryDatabase();
}

describe('BuildQueueOperations', () => {
  it('queues package records per repository, replacing a queued base', async () => {
    await setUp();
    const queue = new BuildQueueOperations(database, x86);
    const other = new BuildQueueOperations(database, arm);
    await queue.queueInsert(packageRecord('zeta', '1-1'));
    await queue.queueInsert(packageRecord('alpha', '1-1', ['alpha', 'alpha-docs']));
    await queue.queueInsert(packageRecord('zeta', '2-1'));
    await other.queueInsert(packageRecord('alpha', '9-1'));

    expect(await queue.queueList()).toEqual([
      packageRecord('alpha', '1-1', ['alpha', 'alpha-docs']),
      packageRecord('zeta', '2-1'),
    ]);
    expect(await other.queueList()).toEqual([packageRecord('alpha', '9-1')]);

    await queue.queueClear('alpha');
    expect((await queue.queueList()).map((record) => record.base)).toEqual(['zeta']);
    await queue.queueClear();
    expect(await queue.queueList()).toEqual([]);
    expect(await other.queueList()).toHaveLength(1);
  });
});

describe('PatchOperations', () => {
  it('stores one patch per variable and one full diff per base', async () => {
    await setUp();
    const patches = new PatchOperations(database);
    await patches.patchInsert('demo', { key: 'pkgrel', value: '2' });
    await patches.patchInsert('demo', { key: null, value: '--- a\n+++ b\n' });
    await patches.patchInsert('demo', { key: 'pkgrel', value: '3' });
    await patches.patchInsert('demo', { key: 'build()', value: '{ make; }' });
    await patches.patchInsert('demo', { key: null, value: '--- c\n+++ d\n' });
    await patches.patchInsert('other', { key: 'depends', value: '(glibc)' });

    expect(await patches.patchesList()).toEqual(
      new Map([
        [
          'demo',
          [
            { key: null, value: '--- c\n+++ d\n' },
            { key: 'build()', value: '{ make; }' },
            { key: 'pkgrel', value: '3' },
          ],
        ],
        ['other', [{ key: 'depends', value: '(glibc)' }]],
      ]),
    );
    expect(await patches.patchesList('demo', ['pkgrel', 'depends'])).toEqual(
      new Map([['demo', [{ key: 'pkgrel', value: '3' }]]]),
    );
  });

  it('removes selected variables or every patch of a base', async () => {
    await setUp();
    const patches = new PatchOperations(database);
    await patches.patchInsert('demo', { key: 'pkgrel', value: '2' });
    await patches.patchInsert('demo', { key: 'pkgver', value: '1.0' });
    await patches.patchInsert('demo', { key: null, value: 'diff' });
    await patches.patchInsert('other', { key: 'pkgrel', value: '5' });

    await patches.patchesRemove('demo', ['pkgrel']);
    expect((await patches.patchesList('demo')).get('demo')?.map((patch) => patch.key)).toEqual([null, 'pkgver']);
    await patches.patchesRemove('demo');
    expect([...(await patches.patchesList()).keys()]).toEqual(['other']);
  });
});

describe('UserOperations', () => {
  const admin: User = {
    username: 'Admin',
    access: 'full',
    password: '$2b$hash',
    packagerId: 'Admin <a@b.c>',
    keyId: 'ABCD',
  };

  it('stores users under lower-case names and finds them case-insensitively', async () => {
    await setUp();
    const users = new UserOperations(database);
    await users.userUpdate(admin);
    await users.userUpdate({ username: 'reader', access: 'read', password: '', packagerId: null, keyId: null });

    expect(await users.userGet('ADMIN')).toEqual({ ...admin, username: 'admin' });
    expect(await users.userGet('nobody')).toBeUndefined();
    expect((await users.userList()).map((user) => user.username)).toEqual(['admin', 'reader']);
    expect((await users.userList({ access: 'read' })).map((user) => user.username)).toEqual(['reader']);

    await users.userUpdate({ ...admin, access: 'reporter', keyId: null });
    expect(await users.userGet('admin')).toMatchObject({ access: 'reporter', keyId: null });

    expect(await users.userRemove('Reader')).toBe(true);
    expect(await users.userRemove('reader')).toBe(false);
    expect((await users.userList()).map((user) => user.username)).toEqual(['admin']);
  });

  it('refuses an empty name and an unknown access level', async () => {
    await setUp();
    const users = new UserOperations(database);
    await expect(users.userUpdate({ ...admin, username: '  ' })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(users.userUpdate({ ...admin, access: 'root' as User['access'] })).rejects.toThrow(
      'cannot save user admin: SQLITE_CONSTRAINT: CHECK constraint failed',
    );
  });

  it('orders access levels', () => {
    expect(accessPermits('full', 'reporter')).toBe(true);
    expect(accessPermits('reporter', 'reporter')).toBe(true);
    expect(accessPermits('read', 'reporter')).toBe(false);
    expect(accessPermits('unauthorized', 'read')).toBe(false);
  });
});

describe('EventOperations', () => {
  const event = (created: number, overrides: Partial<Event> = {}): Event => ({
    event: 'package-updated',
    objectId: 'demo',
    message: null,
    created,
    data: {},
    ...overrides,
  });

  it('returns the newest matching events, oldest first', async () => {
    await setUp();
    const events = new EventOperations(database, x86);
    await events.eventInsert(event(10, { data: { version: '1-1' } }));
    await events.eventInsert(event(20, { event: 'package-status-changed', message: 'building' }));
    await events.eventInsert(event(30, { objectId: 'other' }));
    await events.eventInsert(event(40, { event: 'service-status-changed', objectId: null }));
    await new EventOperations(database, arm).eventInsert(event(25));

    expect(await events.eventList()).toEqual([
      event(10, { data: { version: '1-1' } }),
      event(20, { event: 'package-status-changed', message: 'building' }),
      event(30, { objectId: 'other' }),
      event(40, { event: 'service-status-changed', objectId: null }),
    ]);
    const created = async (filter: Parameters<EventOperations['eventList']>[0]) =>
      (await events.eventList(filter)).map((entry) => entry.created);
    expect(await created({ event: 'package-updated' })).toEqual([10, 30]);
    expect(await created({ objectId: 'demo' })).toEqual([10, 20]);
    expect(await created({ fromDate: 20, toDate: 40 })).toEqual([20, 30]);
    expect(await created({ limit: 2 })).toEqual([30, 40]);
    expect(await created({ limit: 2, offset: 1 })).toEqual([20, 30]);
  });

  it('refuses an unknown event type', async () => {
    await setUp();
    const events = new EventOperations(database, x86);
    await expect(events.eventInsert(event(1, { event: 'package-eaten' as Event['event'] }))).rejects.toThrow(
      'cannot record event package-eaten: SQLITE_CONSTRAINT',
    );
  });
});

describe('ChangesOperations', () => {
  it('stores changes per base, keeping the PKGBUILD when none is given', async () => {
    await setUp();
    const changes = new ChangesOperations(database, x86);
    expect(await changes.changesGet('demo')).toEqual({ lastCommitSha: null, changes: null, pkgbuild: null });

    await changes.changesInsert('demo', { lastCommitSha: 'abc', changes: 'diff 1', pkgbuild: 'pkgname=demo' });
    await changes.changesInsert('demo', { lastCommitSha: 'def', changes: 'diff 2', pkgbuild: null });
    expect(await changes.changesGet('demo')).toEqual({
      lastCommitSha: 'def',
      changes: 'diff 2',
      pkgbuild: 'pkgname=demo',
    });
    expect(await new ChangesOperations(database, arm).changesGet('demo')).toMatchObject({ lastCommitSha: null });

    await changes.changesInsert('demo', { lastCommitSha: null, changes: null, pkgbuild: null });
    expect(await changes.changesGet('demo')).toEqual({ lastCommitSha: null, changes: null, pkgbuild: null });

    await changes.changesInsert('one', { lastCommitSha: 'a', changes: null, pkgbuild: null });
    await changes.changesInsert('two', { lastCommitSha: 'b', changes: null, pkgbuild: null });
    await changes.changesRemove('one');
    expect((await changes.changesGet('one')).lastCommitSha).toBeNull();
    expect((await changes.changesGet('two')).lastCommitSha).toBe('b');
    await changes.changesRemove();
    expect((await changes.changesGet('two')).lastCommitSha).toBeNull();
  });
});
