import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/core/database/connection.js';
import { LogOperations } from '../../../src/core/database/operations/logs.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import type { LogRecord } from '../../../src/models/log-record.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { cleanUp, countStatements, openTemporaryDatabase } from './support.js';

afterEach(cleanUp);

const repository = new RepositoryId('x86_64', 'test');

function line(created: number, overrides: Partial<LogRecord> = {}): LogRecord {
  return { packageBase: 'demo', version: '1-1', processId: 'p1', created, message: `line at ${created}`, ...overrides };
}

async function setUp(): Promise<{ database: Database; logs: LogOperations }> {
  const database = await openTemporaryDatabase();
  return { database, logs: new LogOperations(database, repository) };
}

describe('LogOperations', () => {
  it('returns the lines of a base oldest first, filtered by version and process', async () => {
    const { database, logs } = await setUp();
    await logs.logsInsert([
      line(3, { version: '1-2', processId: 'p2' }),
      line(1),
      line(2, { message: 'same instant, first' }),
      line(2, { message: 'same instant, second' }),
      line(9, { packageBase: 'other' }),
    ]);
    expect((await logs.logsGet('demo')).map((record) => record.message)).toEqual([
      'line at 1',
      'same instant, first',
      'same instant, second',
      'line at 3',
    ]);
    expect((await logs.logsGet('demo', { version: '1-2' })).map((record) => record.created)).toEqual([3]);
    expect((await logs.logsGet('demo', { processId: 'p1' })).map((record) => record.created)).toEqual([1, 2, 2]);
    expect(await logs.logsGet('other')).toEqual([line(9, { packageBase: 'other' })]);
    expect(await new LogOperations(database, new RepositoryId('aarch64', 'test')).logsGet('demo')).toEqual([]);
  });

  it('pages from the newest line back', async () => {
    const { logs } = await setUp();
    await logs.logsInsert([1, 2, 3, 4, 5].map((created) => line(created)));
    const page = async (limit: number, offset: number) =>
      (await logs.logsGet('demo', { limit, offset })).map((record) => record.created);
    expect(await page(2, 0)).toEqual([4, 5]);
    expect(await page(2, 2)).toEqual([2, 3]);
    expect(await page(2, 4)).toEqual([1]);
  });

  it('stores large batches in few statements, all or nothing', async () => {
    const { database, logs } = await setUp();
    const inserts = countStatements(database, 'INSERT');
    await logs.logsInsert(Array.from({ length: 4500 }, (_, index) => line(index)));
    expect(inserts.count).toBe(3);
    expect(await logs.logsGet('demo')).toHaveLength(4500);

    const broken = Array.from({ length: 4500 }, (_, index) => line(index, { packageBase: 'broken' }));
    broken[4400] = { ...line(0), message: null as unknown as string };
    await expect(logs.logsInsert(broken)).rejects.toThrow('NOT NULL constraint failed: logs.message');
    expect(await logs.logsGet('broken')).toEqual([]);
  });

  it('removes the logs of a base, optionally keeping one version', async () => {
    const { logs } = await setUp();
    await logs.logsInsert([line(1), line(2, { version: '1-2' }), line(3, { packageBase: 'other' })]);
    await logs.logsRemove('demo', '1-2');
    expect((await logs.logsGet('demo')).map((record) => record.version)).toEqual(['1-2']);
    await logs.logsRemove('demo');
    expect(await logs.logsGet('demo')).toEqual([]);
    expect(await logs.logsGet('other')).toHaveLength(1);
  });

  it('rotates: keeps the latest run of each version, then the newest builds of each base', async () => {
    const { database, logs } = await setUp();
    const otherRepository = new LogOperations(database, new RepositoryId('aarch64', 'test'));
    await logs.logsInsert([
      line(10, { version: '1-1', processId: 'first-run' }),
      line(11, { version: '1-1', processId: 'first-run' }),
      line(20, { version: '1-1', processId: 'second-run' }),
      line(30, { version: '1-2', processId: 'third-run' }),
      line(40, { version: '1-3', processId: 'fourth-run' }),
      line(41, { version: '1-3', processId: 'fourth-run' }),
      line(5, { packageBase: 'other', version: '1', processId: 'first-run' }),
    ]);
    await otherRepository.logsInsert(['a', 'b', 'c'].map((processId, index) => line(index, { processId })));

    await logs.logsRotate(2);

    const builds = async (operations: LogOperations, base: string) => [
      ...new Set((await operations.logsGet(base)).map((record) => `${record.version}/${record.processId}`)),
    ];
    expect(await builds(logs, 'demo')).toEqual(['1-2/third-run', '1-3/fourth-run']);
    expect(await logs.logsGet('demo', { version: '1-3' })).toHaveLength(2);
    expect(await builds(logs, 'other')).toEqual(['1/first-run']);
    expect(await builds(otherRepository, 'demo')).toEqual(['1-1/a', '1-1/b', '1-1/c']);

    await logs.logsRotate(0);
    expect(await logs.logsGet('demo')).toEqual([]);
  });

  it('refuses a negative number of logs to keep', async () => {
    const { logs } = await setUp();
    await expect(logs.logsRotate(-1)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(logs.logsRotate(1.5)).rejects.toThrow('invalid number of build logs to keep: 1.5');
  });
});
