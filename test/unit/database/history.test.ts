import { afterEach, describe, expect, it } from 'vitest';
import { HistoryOperations } from '../../../src/core/database/operations/history.js';
import type { HistoryPackage } from '../../../src/models/history.js';
import { parseHistoryPoint } from '../../../src/models/history.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { cleanUp, countStatements, openTemporaryDatabase } from './support.js';

const item = (name: string, version: string, checksum = `${name}-${version}`.padEnd(64, '0')): HistoryPackage => ({ name, version, base: name, architecture: 'any', checksum });

afterEach(cleanUp);

describe('history operations', () => {
  it('records nothing when nothing changed, unless there is a snapshot to note', async () => {
    const history = new HistoryOperations(await openTemporaryDatabase(), new RepositoryId('x86_64', 'demo'));
    const first = await history.historyRecord([item('a', '1-1')]);
    expect(first).toMatchObject({ snapshot: null });
    expect(await history.historyRecord([item('a', '1-1')])).toBeUndefined();
    const snapshot = await history.historyRecord([item('a', '1-1')], 'c0ffee');
    expect(await history.historyResolve({ kind: 'snapshot', id: 'c0ffee' })).toEqual(snapshot);
    expect((await history.historyRuns()).map((run) => [run.id, run.added, run.removed])).toEqual([[snapshot!.id, 0, 0], [first!.id, 1, 0]]);
  });

  it('keeps repositories apart and a file rebuilt under the same version as a new period', async () => {
    const database = await openTemporaryDatabase();
    const [demo, other] = [new HistoryOperations(database, new RepositoryId('x86_64', 'demo')), new HistoryOperations(database, new RepositoryId('x86_64', 'other'))];
    const one = await demo.historyRecord([item('a', '1-1'), item('b', '1-1')]);
    await other.historyRecord([item('z', '9-1')]);
    const two = await demo.historyRecord([item('a', '1-1', 'f'.repeat(64))]);
    const three = await demo.historyRecord([]);
    expect((await demo.historyPackage('a')).map((period) => [period.checksum[0], period.added.id, period.removed?.id ?? null])).toEqual([['a', one!.id, two!.id], ['f', two!.id, three!.id]]);
    expect(await demo.historyContent(two!.id)).toEqual([item('a', '1-1', 'f'.repeat(64))]);
    expect(await demo.historyDiff(one!.id, three!.id)).toEqual({ added: [], removed: [item('a', '1-1'), item('b', '1-1')] });
    expect(await other.historyListed()).toEqual([item('z', '9-1')]);
    await expect(other.historyResolve({ kind: 'run', id: one!.id })).rejects.toThrow(`no run ${one!.id} in the history of x86_64-other`);
  });

  it('records a run in a fixed number of statements, however many files change', async () => {
    const database = await openTemporaryDatabase();
    const history = new HistoryOperations(database, new RepositoryId('x86_64', 'demo'));
    const inserts = countStatements(database, 'INSERT');
    await history.historyRecord(Array.from({ length: 500 }, (_, index) => item(`p${index}`, '1-1')));
    inserts.stop();
    expect(inserts.count).toBe(3);
    expect(await history.historyListed()).toHaveLength(500);
  });

  it('reads points as run:N, snapshot:ID or an ISO date, and names what is wrong', () => {
    expect(parseHistoryPoint('--at', 'run:12')).toEqual({ kind: 'run', id: 12 });
    expect(parseHistoryPoint('--at', 'snapshot:ab12')).toEqual({ kind: 'snapshot', id: 'ab12' });
    expect(parseHistoryPoint('--at', '2024-05-01')).toEqual({ kind: 'date', time: Date.UTC(2024, 4, 1) });
    expect(parseHistoryPoint('--at', '2024-05-01T12:00:00')).toEqual({ kind: 'date', time: Date.UTC(2024, 4, 1, 12) });
    expect(() => parseHistoryPoint('--diff', 'run:x')).toThrow('--diff "run:x": expected an ISO date such as 2024-05-01 or 2024-05-01T12:00:00Z, run:N or snapshot:ID');
  });
});
