/** Detection against a real state database: scheduling, the failed-rebuild rule, and the priority after failures. */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectRebuilds } from '../../../src/core/rebuilds/detect.js';
import type { RepositoryServices } from '../../../src/core/repository/services.js';
import { RepositoryState } from '../../../src/core/repository/state.js';
import type { BuildRecord, RebuildMode } from '../../../src/models/rebuild.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { cleanUp, openTemporaryDatabase, temporaryDirectory } from '../database/support.js';

const NOW = 1_800_000_000;
const DAY = 86_400;

interface Served {
  name: string;
  base: string;
  version: string;
  provides: string[];
}

describe('dependency-change detection', () => {
  let state: RepositoryState;
  let served: Served[];
  let mode: RebuildMode;
  let services: RepositoryServices;

  beforeEach(async () => {
    state = new RepositoryState(await openTemporaryDatabase(), new RepositoryId('x86_64', 'demo'));
    const pacman = await temporaryDirectory();
    mode = 'soname';
    served = [];
    // only what detection touches: the state, the served index, [build] rebuild settings and [alpm] (no sync databases)
    services = {
      state,
      paths: { pacman: path.join(pacman, 'none'), repositoryId: state.repositoryId },
      configuration: { getBool: (_s: string, _k: string, fallback: boolean) => fallback, getList: (_s: string, _k: string, fallback: string[]) => fallback, getString: (_s: string, _k: string, fallback: string) => fallback },
      publisher: {
        index: async () => new Map(served.map((entry) => [entry.name, entry])),
        baseVersions: async () => new Map(served.map((entry) => [entry.base, entry.version])),
      },
      get settings() {
        return { rebuilds: { mode, maxPerRun: 10, scanPaths: [/^usr\/lib/] } };
      },
    } as unknown as RepositoryServices;
  });
  afterEach(cleanUp);

  async function build(record: Omit<BuildRecord, 'built'>, built = NOW - DAY): Promise<void> {
    await state.rebuilds.buildRecordInsert({ ...record, built });
    served = served.filter((entry) => entry.base !== record.base);
    for (const name of Object.keys(record.sonames)) served.push({ name, base: record.base, version: record.version, provides: [] });
  }

  async function givenAppBuiltAgainstFoo1(): Promise<void> {
    await build({ base: 'foo', version: '1.0-1', used: {}, needed: {}, sonames: { foo: ['libfoo.so.1'] } });
    await build({ base: 'app', version: '1.0-1', used: { foo: '1.0-1' }, needed: { 'libfoo.so.1': { provider: 'foo', version: '1.0-1' } }, sonames: { app: [] } });
  }

  it('schedules a soname change once (one audit event), and drops it when the soname is back', async () => {
    await givenAppBuiltAgainstFoo1();
    expect(await detectRebuilds(services, NOW)).toEqual([]);

    await build({ base: 'foo', version: '2.0-1', used: {}, needed: {}, sonames: { foo: ['libfoo.so.2'] } });
    const reason = 'libfoo.so.1 -> libfoo.so.2 (foo 1.0-1 -> 2.0-1)';
    expect(await detectRebuilds(services, NOW)).toEqual([{ base: 'app', priority: 1000 + 100 + 10 + 1, reason, signature: reason, scheduled: NOW, failed: null }]);
    await detectRebuilds(services, NOW + 60);
    expect((await state.events.eventList({ event: 'package-outdated' })).map((event) => event.message)).toEqual([`rebuild: ${reason}`]);

    await build({ base: 'foo', version: '2.0-2', used: {}, needed: {}, sonames: { foo: ['libfoo.so.1'] } });
    expect(await detectRebuilds(services, NOW)).toEqual([]);
  });

  it('does not retry a failed rebuild until something changes again, and a recent failure lowers the priority', async () => {
    await givenAppBuiltAgainstFoo1();
    await build({ base: 'foo', version: '2.0-1', used: {}, needed: {}, sonames: { foo: ['libfoo.so.2'] } });
    await detectRebuilds(services, NOW);
    await state.rebuilds.rebuildFailed('app', NOW + 10);
    await state.events.eventInsert({ event: 'package-update-failed', objectId: 'app', message: 'build failed', created: NOW + 10, data: {} });

    const [failed] = await detectRebuilds(services, NOW + 20);
    expect(failed).toMatchObject({ base: 'app', failed: NOW + 10, priority: 1111 - 300 });

    await build({ base: 'foo', version: '2.0-2', used: {}, needed: {}, sonames: { foo: ['libfoo.so.2'] } });
    const [again] = await detectRebuilds(services, NOW + 30);
    expect(again).toMatchObject({ base: 'app', failed: null, scheduled: NOW + 30, reason: 'libfoo.so.1 -> libfoo.so.2 (foo 1.0-1 -> 2.0-2)' });
  });

  it('in soname mode ignores version-only changes, which always mode schedules; no mode schedules nothing', async () => {
    await givenAppBuiltAgainstFoo1();
    await build({ base: 'foo', version: '1.0-2', used: {}, needed: {}, sonames: { foo: ['libfoo.so.1'] } });
    expect(await detectRebuilds(services, NOW)).toEqual([]);
    mode = 'no';
    expect(await detectRebuilds(services, NOW)).toEqual([]);
    mode = 'always';
    expect(await detectRebuilds(services, NOW)).toEqual([expect.objectContaining({ base: 'app', reason: 'foo 1.0-1 -> 1.0-2', priority: 11 })]);
  });
});
