import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Database } from '../../../src/core/database/connection.js';
import { DatabaseError } from '../../../src/core/errors.js';
import { cleanUp, openTemporaryDatabase, temporaryDirectory } from './support.js';

afterEach(cleanUp);

async function numbers(database: Database): Promise<number[]> {
  const rows = await database.all<{ value: number }>('read numbers', 'SELECT value FROM numbers ORDER BY value');
  return rows.map((row) => row.value);
}

async function openWithNumbers(): Promise<Database> {
  const database = await openTemporaryDatabase({ migrate: false });
  await database.exec('create the test table', 'CREATE TABLE numbers (value INTEGER NOT NULL)');
  return database;
}

function insert(database: Database, value: number): Promise<unknown> {
  return database.run(`insert ${value}`, 'INSERT INTO numbers (value) VALUES (?)', [value]);
}

describe('Database connection', () => {
  it('uses write-ahead logging, NORMAL sync, foreign keys and a busy timeout', async () => {
    const database = await openTemporaryDatabase();
    const pragma = async (name: string) =>
      Object.values((await database.get<Record<string, unknown>>(`read ${name}`, `PRAGMA ${name}`)) ?? {})[0];
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('synchronous')).toBe(1);
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('busy_timeout')).toBeGreaterThanOrEqual(5000);
  });

  it('shares one connection per file and closes it with its last user', async () => {
    const file = path.join(await temporaryDirectory(), 'ahriman.db');
    const first = await Database.open(file, { migrate: false });
    const second = await Database.open(path.join(path.dirname(file), '.', 'ahriman.db'), { migrate: false });
    expect(second).toBe(first);

    await first.close();
    expect(await second.get<{ one: number }>('select one', 'SELECT 1 AS one')).toEqual({ one: 1 });
    await second.close();
    await expect(second.get('select after close', 'SELECT 1')).rejects.toThrow(/cannot select after close/);

    const reopened = await Database.open(file, { migrate: false });
    expect(reopened).not.toBe(first);
    await reopened.close();
  });

  it('names the purpose of a failing statement', async () => {
    const database = await openTemporaryDatabase({ migrate: false });
    const failure = database.all('list the moons', 'SELECT * FROM moons');
    await expect(failure).rejects.toBeInstanceOf(DatabaseError);
    await expect(failure).rejects.toThrow('cannot list the moons: SQLITE_ERROR: no such table: moons');
  });

  it('says which file it cannot open', async () => {
    const file = path.join(await temporaryDirectory(), 'missing', 'ahriman.db');
    await expect(Database.open(file)).rejects.toThrow(`cannot open database ${file}: SQLITE_CANTOPEN`);
  });

  it('commits a transaction, and rolls it back when it throws', async () => {
    const database = await openWithNumbers();
    await database.transaction(() => insert(database, 1));
    await expect(
      database.transaction(async () => {
        await insert(database, 2);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await numbers(database)).toEqual([1]);
  });

  it('joins nested transactions into the outer one', async () => {
    const database = await openWithNumbers();
    await expect(
      database.transaction(async () => {
        await insert(database, 1);
        await database.transaction(() => insert(database, 2));
        throw new Error('outer fails after the inner one finished');
      }),
    ).rejects.toThrow('outer fails');
    expect(await numbers(database)).toEqual([]);
  });

  it('runs concurrent transactions one after another', async () => {
    const database = await openWithNumbers();
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        database.transaction(async () => {
          await insert(database, index);
          await sleep(1);
        }),
      ),
    );
    expect(await numbers(database)).toHaveLength(20);
  });

  it('keeps statements of other callers out of a running transaction', async () => {
    const database = await openWithNumbers();
    let outsideDone = false;
    const transaction = database.transaction(async () => {
      await insert(database, 1);
      await sleep(50);
      expect(outsideDone).toBe(false);
      throw new Error('roll back');
    });
    const outside = insert(database, 2).then(() => {
      outsideDone = true;
    });
    await expect(transaction).rejects.toThrow('roll back');
    await outside;
    expect(await numbers(database)).toEqual([2]);
  });

  it('does not let work left behind by a finished transaction join a later one', async () => {
    const database = await openWithNumbers();
    let leftBehind: Promise<unknown> | undefined;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    await database.transaction(async () => {
      // Started inside the transaction's async context, but runs only after it has committed.
      leftBehind = released.then(() => insert(database, 1));
    });
    const later = database.transaction(async () => {
      release();
      await insert(database, 2);
      await sleep(50);
      throw new Error('roll back the later transaction');
    });
    await expect(later).rejects.toThrow('roll back');
    await leftBehind;
    expect(await numbers(database)).toEqual([1]);
  });
});
