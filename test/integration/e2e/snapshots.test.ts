/**
 * Snapshots end to end with the built CLI, real builds, a signed repository and real pacman: three runs make three
 * snapshots, `consistent` skips the run with a failure, pacman clients on `consistent` and `current` see the older
 * and the newer versions, votes of two jobs promote a snapshot to `stable` (a failed vote blocks it), and a purge
 * keeps the pointed snapshots, removes the others and the pool files only they linked to, while pacman still installs
 * from every remaining pointer.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotView } from '../../../src/models/snapshot.js';
import { removeBuildDirectories, type PkgbuildSpec } from '../../support/makepkg.js';
import { removeKeyringTemplate } from '../../support/pacman-client.js';
import { Service } from './support.js';

const install = (name: string): string => `mkdir -p "$pkgdir/usr/share/${name}" && echo ${name} > "$pkgdir/usr/share/${name}/marker"`;
const alpha = (pkgver: string): PkgbuildSpec => ({ pkgname: 'ahr-alpha', pkgver, package: install('ahr-alpha') });
const beta = (pkgver: string): PkgbuildSpec => ({ pkgname: 'ahr-beta', pkgver, package: install('ahr-beta') });
const BROKEN: PkgbuildSpec = { pkgname: 'ahr-broken', package: 'echo "ahr-broken fails on purpose" >&2\nexit 3' };

interface Listing {
  snapshots: SnapshotView[];
  pointers: Record<string, string>;
}

describe('snapshots, pointers, votes and purge', () => {
  let service: Service;
  let snapshots: string;
  let page: string;
  const ids: string[] = [];

  const listing = async (): Promise<Listing> => JSON.parse((await service.expectCli(['snapshot-list', '--json'])).stdout) as Listing;
  const addAndUpdate = async (specs: readonly PkgbuildSpec[], code: number): Promise<void> => {
    await service.expectCli(['package-add', ...(await Promise.all(specs.map((spec) => service.localPackage(spec))))]);
    await service.expectCli(['repo-update'], code);
  };
  /** Versions a fresh pacman client pointed at `pointer` installs of both packages. */
  const installedFrom = async (pointer: string): Promise<Record<string, string>> => {
    const pacman = await service.pacman(path.join(snapshots, pointer));
    const synced = await pacman.sync();
    expect(synced.code, synced.stderr).toBe(0);
    const installed = await pacman.install(['ahr-alpha', 'ahr-beta']);
    expect(installed.code, installed.stderr).toBe(0);
    return Object.fromEntries(await pacman.query());
  };

  beforeAll(async () => {
    page = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-snapshot-report-')), 'index.html');
    service = await Service.create({
      configuration: [
        '[snapshots]', 'enabled = yes', 'keep = 10', 'pointers = stable', 'promote_stable = unit integration',
        '[report]', 'target = html', '[html]', `path = ${page}`, 'link_path = https://repo.example/demo/x86_64',
      ],
    });
    snapshots = path.join(service.sandbox.root, 'snapshots', 'demo', 'x86_64');
  });

  afterAll(async () => {
    await service?.cleanup();
    if (page) await fs.rm(path.dirname(page), { recursive: true, force: true });
    await removeBuildDirectories();
    await removeKeyringTemplate();
  });

  it('makes one snapshot per run that changed the repository; consistent skips the run with a failure', async () => {
    await addAndUpdate([alpha('1.0'), beta('1.0')], 0);
    await addAndUpdate([alpha('2.0'), BROKEN], 1);
    let state = await listing();
    expect(state.snapshots.map((item) => item.failed)).toEqual([false, true]);
    ids.push(...state.snapshots.map((item) => item.id));
    expect(state.pointers).toEqual({ consistent: ids[0], current: ids[1] });
    expect(state.snapshots[1]!.results.failed['ahr-broken']).toContain('fails on purpose');
    expect(state.snapshots[1]!.changes.added).toEqual([{ name: 'ahr-alpha', version: '2.0-1' }]);

    expect(await installedFrom('consistent')).toEqual({ 'ahr-alpha': '1.0-1', 'ahr-beta': '1.0-1' });
    expect(await installedFrom('current')).toEqual({ 'ahr-alpha': '2.0-1', 'ahr-beta': '1.0-1' });

    await service.expectCli(['package-remove', 'ahr-broken']);
    await addAndUpdate([beta('2.0')], 0);
    state = await listing();
    expect(state.snapshots).toHaveLength(3);
    ids.push(state.snapshots[2]!.id);
    expect(new Set(ids).size).toBe(3);
    expect(state.pointers).toEqual({ consistent: ids[2], current: ids[2] });
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{12}$/);
      expect(existsSync(path.join(snapshots, id, 'demo.db.sig'))).toBe(true);
      // links into the pool, never copies
      const archive = (await fs.readdir(path.join(snapshots, id))).find((name) => name.startsWith('ahr-alpha-'))!;
      expect((await fs.lstat(path.join(snapshots, id, archive))).isSymbolicLink()).toBe(true);
    }
  });

  it('promotes to stable when both required jobs passed, and a failed vote blocks it', async () => {
    await service.expectCli(['snapshot-vote', ids[1]!, '--job', 'unit', '--passed']);
    const blocked = await service.expectCli(['snapshot-vote', ids[1]!, '--job', 'integration', '--failed', '--url', 'https://ci.example/1', '--json']);
    expect(JSON.parse(blocked.stdout)).toEqual([]);
    expect((await listing()).pointers.stable).toBeUndefined();

    await service.expectCli(['snapshot-vote', ids[0]!, '--job', 'unit', '--passed']);
    const promoted = await service.expectCli(['snapshot-vote', ids[0]!, '--job', 'integration', '--passed', '--json']);
    expect(JSON.parse(promoted.stdout)).toEqual([{ pointer: 'stable', snapshot: ids[0], previous: null, jobs: ['unit', 'integration'] }]);
    expect((await listing()).pointers.stable).toBe(ids[0]);

    const shown = JSON.parse((await service.expectCli(['snapshot-show', 'stable', '--json'])).stdout) as SnapshotView;
    expect(shown.pointers).toEqual(['stable']);
    expect(shown.votes.map((vote) => `${vote.job} ${vote.passed}`)).toEqual(['integration true', 'unit true']);

    // the promotion ran the triggers: the report lists every snapshot and the pointers with their pacman lines
    const html = await fs.readFile(page, 'utf8');
    for (const id of ids) expect(html).toContain(`<a href="https://repo.example/demo/x86_64/snapshots/${id}/">${id}</a>`);
    for (const pointer of ['current', 'consistent', 'stable']) expect(html).toContain(`Server = https://repo.example/demo/x86_64/snapshots/${pointer}</code>`);
  });

  it('refuses votes for unknown snapshots and promotions to unconfigured pointers with one line', async () => {
    const unknown = await service.cli(['snapshot-vote', 'abcdefabcdef', '--job', 'unit', '--passed']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no snapshot abcdefabcdef');
    const pointer = await service.cli(['snapshot-promote', ids[2]!, 'production']);
    expect(pointer.code).toBe(1);
    expect(pointer.stderr).toContain("pointer 'production' is not configured");
  });

  it('purges the unpointed snapshot and the archives only it linked to; pacman installs from every pointer', async () => {
    const middle = path.join(snapshots, ids[1]!);
    const alphaTwo = await fs.realpath(path.join(middle, (await fs.readdir(middle)).find((name) => name.startsWith('ahr-alpha-2.0'))!));

    const dryRun = JSON.parse((await service.expectCli(['snapshot-purge', '--keep', '0', '--dry-run', '--json'])).stdout) as { snapshots: string[]; files: string[] };
    expect(dryRun.snapshots).toEqual([ids[1]]);
    expect(existsSync(middle)).toBe(true);

    const purged = JSON.parse((await service.expectCli(['snapshot-purge', '--keep', '0', '--json'])).stdout) as { snapshots: string[]; files: string[] };
    expect(purged).toEqual(dryRun);
    expect(existsSync(middle)).toBe(false);
    // ahr-alpha 2.0 is still served by the current snapshot and the repository: it stays
    expect(purged.files).not.toContain(alphaTwo);
    expect(existsSync(alphaTwo)).toBe(true);
    expect((await listing()).snapshots.map((item) => item.id)).toEqual([ids[0], ids[2]]);

    expect(await installedFrom('stable')).toEqual({ 'ahr-alpha': '1.0-1', 'ahr-beta': '1.0-1' });
    expect(await installedFrom('consistent')).toEqual({ 'ahr-alpha': '2.0-1', 'ahr-beta': '2.0-1' });
    expect(await installedFrom('current')).toEqual({ 'ahr-alpha': '2.0-1', 'ahr-beta': '2.0-1' });
  });

  it('removes archives no remaining snapshot links to once the pointer that kept them moves on', async () => {
    await service.expectCli(['snapshot-promote', ids[2]!, 'stable']);
    const first = path.join(snapshots, ids[0]!);
    const oldArchives = await Promise.all(
      (await fs.readdir(first)).filter((name) => /^ahr-(alpha|beta)-1\.0/.test(name)).map((name) => fs.realpath(path.join(first, name))),
    );
    expect(oldArchives.length).toBe(4); // two archives and their signatures
    const purged = JSON.parse((await service.expectCli(['snapshot-purge', '--keep', '0', '--json'])).stdout) as { snapshots: string[]; files: string[] };
    expect(purged.snapshots).toEqual([ids[0]]);
    expect(purged.files.sort()).toEqual(oldArchives.sort());
    for (const file of oldArchives) expect(existsSync(file)).toBe(false);
    expect(await installedFrom('stable')).toEqual({ 'ahr-alpha': '2.0-1', 'ahr-beta': '2.0-1' });
  });
});
