/**
 * The content history over 50 runs of real publishes (crafted archives through the real publish transaction; some
 * runs remove packages as package-remove does): the content at each run and date, diffs between runs, and each
 * package's versions match what the runs did, and the history ends at what the repository serves. Then the
 * repo-history command (the built CLI) and the web API over the same database, and its charts as SVG and PNG.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Configuration } from '../../../src/core/configuration/configuration.js';
import { historyAt, historyBetween } from '../../../src/core/repository/history.js';
import { RepositoryPublisher } from '../../../src/core/repository/publisher.js';
import { RepositoryState } from '../../../src/core/repository/state.js';
import type { HistoryPackage, HistoryRun } from '../../../src/models/history.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import type { RepositoryPaths } from '../../../src/models/repository-paths.js';
import { ahriman, makeSandbox, type Sandbox } from '../../support/cli.js';
import { craftArchive } from '../../support/crafted-archives.js';
import { publishCopies, publishRemoval } from '../../support/publish.js';
import { startServer } from '../../../src/web/server.js';

const REPOSITORY = new RepositoryId('x86_64', 'demo');
const NAMES = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
const RUNS = 50;

/** name -> version and checksum of the file the repository lists. */
type Content = Map<string, { version: string; checksum: string }>;

/** A small deterministic generator (Park-Miller), so a failure can be replayed. */
function generator(seed: number): (bound: number) => number {
  let state = seed;
  return (bound) => {
    state = (state * 48271) % 2147483647;
    return state % bound;
  };
}

const sha256 = async (file: string) => createHash('sha256').update(await fs.readFile(file)).digest('hex');
const contentOf = (packages: readonly HistoryPackage[]): Content => new Map(packages.map((item) => [item.name, { version: item.version, checksum: item.checksum }]));
const difference = (from: Content, to: Content) =>
  [...to].filter(([name, item]) => from.get(name)?.checksum !== item.checksum).map(([name, item]) => `${name} ${item.version}`).sort();
const names = (packages: readonly HistoryPackage[]) => packages.map((item) => `${item.name} ${item.version}`).sort();

describe('content history', () => {
  let sandbox: Sandbox;
  let paths: RepositoryPaths;
  let state: RepositoryState;
  /** What each run left the repository listing, and the run the history recorded for it. */
  const expected: Content[] = [];
  const runs: HistoryRun[] = [];
  /** name -> [version, index of the run that added it, index of the run that removed it or null]. */
  const periods = new Map<string, Array<[string, number, number | null]>>();
  const cli = (args: string[]) => ahriman(['-c', sandbox.configuration, '-a', REPOSITORY.architecture, '-r', REPOSITORY.name, ...args]);

  beforeAll(async () => {
    sandbox = makeSandbox('[web]\nhost = 127.0.0.1\nport = 0\n');
    paths = Configuration.load(sandbox.configuration, REPOSITORY).repositoryPaths();
    const archives = path.join(sandbox.directory, 'archives');
    const random = generator(20261206);
    const releases = new Map<string, number>();
    let content: Content = new Map();
    for (let index = 0; index < RUNS; index += 1) {
      const present = NAMES.filter((name) => content.has(name));
      const absent = NAMES.filter((name) => !content.has(name));
      const kind = index === 0 ? 'add' : ['upgrade', 'upgrade', 'add', 'remove', 'mixed'][random(5)]!;
      const upgrades = kind === 'upgrade' || kind === 'mixed' ? [...new Set([present[random(present.length)]!, present[random(present.length)]!])] : [];
      const additions = (kind === 'add' || kind === 'mixed') && absent.length > 0 ? (index === 0 ? NAMES.slice(0, 4) : [absent[random(absent.length)]!]) : [];
      const removals = kind === 'remove' && present.length > 1 ? [present[random(present.length)]!] : [];
      const next: Content = new Map(content);
      if (removals.length > 0) {
        await publishRemoval(paths, {}, removals, removals);
        for (const name of removals) next.delete(name);
      } else {
        const files: string[] = [];
        for (const name of [...upgrades, ...additions.length > 0 ? additions : upgrades.length > 0 ? [] : [present[0]!]]) {
          const release = (releases.get(name) ?? 0) + 1;
          releases.set(name, release);
          const file = await craftArchive(archives, { pkgname: name, version: `1.${release}-1` });
          files.push(file);
          next.set(name, { version: `1.${release}-1`, checksum: await sha256(file) });
        }
        await publishCopies(paths, {}, files);
      }
      for (const [name, item] of next) {
        if (content.get(name)?.checksum === item.checksum) continue;
        const list = periods.get(name) ?? [];
        const open = list.at(-1);
        if (open && open[2] === null) open[2] = index;
        list.push([item.version, index, null]);
        periods.set(name, list);
      }
      for (const name of content.keys()) {
        const open = periods.get(name)?.at(-1);
        if (!next.has(name) && open && open[2] === null) open[2] = index;
      }
      content = next;
      expected.push(content);
    }
    state = await RepositoryState.open(Configuration.load(sandbox.configuration, REPOSITORY), REPOSITORY);
    runs.push(...(await state.history.historyRuns()).reverse());
  }, 300_000);

  afterAll(async () => {
    await state?.close();
    await fs.rm(sandbox.directory, { recursive: true, force: true });
  });

  it('records one run per publish, and ends at what the repository serves', async () => {
    expect(runs).toHaveLength(RUNS);
    // the runs did each kind of thing: added only, removed only, replaced files
    const summaries = await state.history.historyRuns();
    expect(summaries.some((run) => run.added > 0 && run.removed === 0)).toBe(true);
    expect(summaries.some((run) => run.removed > 0 && run.added === 0)).toBe(true);
    expect(summaries.some((run) => run.added > 0 && run.removed > 0)).toBe(true);
    const served = [...(await new RepositoryPublisher(paths).index()).values()];
    expect(contentOf(await state.history.historyListed())).toEqual(new Map(served.map((entry) => [entry.name, { version: entry.version, checksum: entry.sha256 }])));
    expect(contentOf(await state.history.historyListed())).toEqual(expected.at(-1));
  });

  it('--at gives the content each run left, named by run and by date', async () => {
    for (const [index, run] of runs.entries()) {
      expect(contentOf((await historyAt(state, { kind: 'run', id: run.id })).packages), `run ${index}`).toEqual(expected[index]);
      // the last run at or before the run's own time (several runs may share a millisecond)
      const last = runs.findLastIndex((other) => other.created <= run.created);
      expect(contentOf((await historyAt(state, { kind: 'date', time: run.created })).packages), `date of run ${index}`).toEqual(expected[last]);
    }
    expect(await historyAt(state, { kind: 'date', time: runs[0]!.created - 1 })).toEqual({ run: null, packages: [] });
  });

  it('--diff gives what changed between any two points, either way round', async () => {
    const random = generator(7);
    const pairs = [[0, RUNS - 1], [RUNS - 1, 0], [10, 11], [25, 25], ...Array.from({ length: 40 }, () => [random(RUNS), random(RUNS)])];
    for (const [from, to] of pairs as Array<[number, number]>) {
      const diff = await historyBetween(state, { kind: 'run', id: runs[from]!.id }, { kind: 'run', id: runs[to]!.id });
      expect(names(diff.added), `${from} -> ${to}`).toEqual(difference(expected[from]!, expected[to]!));
      expect(names(diff.removed), `${from} -> ${to}`).toEqual(difference(expected[to]!, expected[from]!));
    }
    const fromStart = await historyBetween(state, { kind: 'date', time: 0 }, { kind: 'date', time: runs[RUNS - 1]!.created });
    expect(names(fromStart.added)).toEqual(difference(new Map(), expected.at(-1)!));
  });

  it('each package\'s versions are the periods the runs listed it', async () => {
    for (const name of NAMES) {
      const recorded = (await state.history.historyPackage(name)).map((period) => [period.version, period.added.id, period.removed?.id ?? null]);
      const want = (periods.get(name) ?? []).map(([version, added, removed]) => [version, runs[added]!.id, removed === null ? null : runs[removed]!.id]);
      expect(recorded, name).toEqual(want);
    }
  });

  it('repo-history prints the same over the CLI, as JSON and as a table', async () => {
    const [a, b] = [runs[5]!, runs[40]!];
    const [versions, at, diff, list, table] = await Promise.all([
      cli(['repo-history', '--json', 'alpha']),
      cli(['repo-history', '--json', '--at', new Date(b.created).toISOString()]),
      cli(['repo-history', '--json', '--diff', `run:${a.id}`, `run:${b.id}`]),
      cli(['repo-history', '--json', '--limit', '3']),
      cli(['repo-history', '--diff', `run:${a.id}`, `run:${b.id}`]),
    ]);
    for (const result of [versions, at, diff, list, table]) expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(versions.stdout)).toEqual(await state.history.historyPackage('alpha'));
    const last = runs.findLastIndex((other) => other.created <= b.created);
    expect(contentOf((JSON.parse(at.stdout) as { packages: HistoryPackage[] }).packages)).toEqual(expected[last]);
    const parsed = JSON.parse(diff.stdout) as { added: HistoryPackage[]; removed: HistoryPackage[] };
    expect(names(parsed.added)).toEqual(difference(expected[5]!, expected[40]!));
    expect(names(parsed.removed)).toEqual(difference(expected[40]!, expected[5]!));
    expect((JSON.parse(list.stdout) as HistoryRun[]).map((run) => run.id)).toEqual(runs.slice(-3).map((run) => run.id).reverse());
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`run ${a.id} at ${new Date(a.created).toISOString()} -> run ${b.id} at ${new Date(b.created).toISOString()}: ${parsed.added.length} added, ${parsed.removed.length} removed`);
    expect(lines[1]).toMatch(/^ {3}NAME +VERSION +BASE +ARCH +SHA256$/);
    for (const item of parsed.added) expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^\\+  ${item.name} +${item.version} +${item.base} +any +${item.checksum}$`)));
  });

  it('repo-history refuses bad points and unknown runs with one line', async () => {
    const [date, run, chart, both] = await Promise.all([
      cli(['repo-history', '--at', 'yesterday']),
      cli(['repo-history', '--diff', 'run:99999', `run:${runs[0]!.id}`]),
      cli(['repo-history', 'alpha', '--chart', path.join(sandbox.directory, 'chart.gif')]),
      cli(['repo-history', '--at', 'run:1', '--diff', 'run:1', 'run:2']),
    ]);
    expect([date.code, date.stderr.trim()]).toEqual([1, expect.stringContaining('--at "yesterday": expected an ISO date such as 2024-05-01 or 2024-05-01T12:00:00Z, run:N or snapshot:ID')]);
    expect([run.code, run.stderr]).toEqual([1, expect.stringContaining('no run 99999 in the history of')]);
    expect([chart.code, chart.stderr]).toEqual([1, expect.stringContaining('charts are written as SVG or PNG')]);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('mutually exclusive');
  });

  it('repo-history --chart draws a package\'s versions as SVG or PNG, by the file name', async () => {
    const [svgFile, pngFile] = [path.join(sandbox.directory, 'alpha.svg'), path.join(sandbox.directory, 'alpha.png')];
    const results = await Promise.all([cli(['repo-history', 'alpha', '--chart', svgFile]), cli(['repo-history', 'alpha', '--chart', pngFile])]);
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const svg = await fs.readFile(svgFile, 'utf8');
    expect(svg).toMatch(/^<svg/);
    for (const [version] of periods.get('alpha')!) expect(svg).toContain(`>${version}<`);
    const png = await fs.readFile(pngFile);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const image = PNG.sync.read(png);
    const [width, height] = (/^<svg[^>]* width="(\d+)" height="(\d+)"/.exec(svg) ?? []).slice(1).map(Number);
    expect([image.width, image.height]).toEqual([width, height]);
    // drawn, not blank: some pixels are dark
    expect(image.data.some((value, offset) => offset % 4 === 0 && value < 100)).toBe(true);
  });

  it('the web API answers the same, and names a bad point in a 400', async () => {
    const server = await startServer({ configurationPath: sandbox.configuration, repositories: [REPOSITORY], version: 'test' });
    try {
      const get = async (url: string) => {
        const response = await fetch(`http://${server.address}${url}`);
        return { status: response.status, body: (await response.json()) as unknown };
      };
      const [a, b] = [runs[12]!, runs[33]!];
      const at = encodeURIComponent(new Date(b.created).toISOString());
      const [list, versions, content, diff, bad, unknown] = await Promise.all([
        get('/api/v1/history?limit=2'),
        get('/api/v1/history/packages/beta'),
        get(`/api/v1/history/content?at=${at}`),
        get(`/api/v1/history/diff?from=run:${a.id}&to=run:${b.id}`),
        get('/api/v1/history/content?at=soon'),
        get('/api/v1/history/diff?from=snapshot:nosuch&to=run:1'),
      ]);
      expect(list).toEqual({ status: 200, body: (await state.history.historyRuns(2)) });
      expect(versions).toEqual({ status: 200, body: await state.history.historyPackage('beta') });
      expect(content).toEqual({ status: 200, body: await historyAt(state, { kind: 'date', time: b.created }) });
      expect(diff).toEqual({ status: 200, body: await historyBetween(state, { kind: 'run', id: a.id }, { kind: 'run', id: b.id }) });
      expect(bad).toEqual({ status: 400, body: { error: expect.stringContaining('at "soon": expected an ISO date') } });
      expect(unknown).toEqual({ status: 400, body: { error: `no snapshot nosuch in the history of ${REPOSITORY.id}` } });
      const spec = (await (await fetch(`http://${server.address}/api-docs/swagger.json`)).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/v1/history', '/api/v1/history/packages/{package}', '/api/v1/history/content', '/api/v1/history/diff']));
    } finally {
      await server.close();
    }
  });
});
