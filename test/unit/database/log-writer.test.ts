import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../../src/core/database/connection.js';
import { LogWriter } from '../../../src/core/database/operations/log-writer.js';
import { LogOperations } from '../../../src/core/database/operations/logs.js';
import type { LogRecord } from '../../../src/models/log-record.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { cleanUp, countStatements, openTemporaryDatabase } from './support.js';

afterEach(cleanUp);

const repository = new RepositoryId('x86_64', 'test');

function line(index: number): LogRecord {
  const created = 1_700_000_000 + index / 1000;
  return { packageBase: 'demo', version: '1-1', processId: 'p1', created, message: `line ${index}` };
}

async function setUp(): Promise<{ database: Database; logs: LogOperations }> {
  const database = await openTemporaryDatabase();
  return { database, logs: new LogOperations(database, repository) };
}

async function storedLines(database: Database): Promise<number> {
  const row = await database.get<{ lines: number }>('count lines', 'SELECT count(*) AS lines FROM logs');
  return row?.lines ?? 0;
}

describe('LogWriter', () => {
  it('stores 10,000 lines in a handful of INSERT statements, in order', async () => {
    const { database, logs } = await setUp();
    const inserts = countStatements(database, 'INSERT');
    const writer = new LogWriter(logs);
    for (let index = 0; index < 10_000; index += 1) writer.write(line(index));
    await writer.close();

    expect(inserts.count).toBeGreaterThan(0);
    expect(inserts.count).toBeLessThanOrEqual(10);
    const stored = await logs.logsGet('demo');
    expect(stored).toHaveLength(10_000);
    expect(stored.every((record, index) => record.message === `line ${index}`)).toBe(true);
  });

  it('writes a few waiting lines after the flush interval without being asked', async () => {
    const { database, logs } = await setUp();
    const writer = new LogWriter(logs, { flushIntervalMs: 50 });
    writer.write(line(1));
    writer.write(line(2));
    expect(await storedLines(database)).toBe(0);
    await vi.waitFor(async () => expect(await storedLines(database)).toBe(2), { timeout: 5000, interval: 20 });
    await writer.close();
  });

  it('starts writing as soon as a batch is full', async () => {
    const { database, logs } = await setUp();
    const writer = new LogWriter(logs, { batchLines: 10, flushIntervalMs: 60_000 });
    for (let index = 0; index < 9; index += 1) writer.write(line(index));
    writer.write(line(9));
    await vi.waitFor(async () => expect(await storedLines(database)).toBe(10), { timeout: 5000, interval: 20 });
    await writer.close();
  });

  it('refuses lines after close', async () => {
    const { logs } = await setUp();
    const writer = new LogWriter(logs);
    writer.write(line(1));
    await writer.close();
    expect(await logs.logsGet('demo')).toHaveLength(1);
    expect(() => writer.write(line(2))).toThrow('build log writer is closed');
  });

  it('reports a failed write on the next flush, then goes on', async () => {
    const { database, logs } = await setUp();
    const writer = new LogWriter(logs);
    await database.exec('break the table', 'ALTER TABLE logs RENAME TO logs_elsewhere');
    writer.write(line(1));
    await expect(writer.flush()).rejects.toThrow('cannot store 1 build log lines: SQLITE_ERROR: no such table: logs');

    await database.exec('repair the table', 'ALTER TABLE logs_elsewhere RENAME TO logs');
    writer.write(line(2));
    await writer.close();
    expect((await logs.logsGet('demo')).map((record) => record.message)).toEqual(['line 2']);
  });
});
