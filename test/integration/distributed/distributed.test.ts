/**
 * Distributed builds on one machine, with the real pieces: redis-server (our own, on a loopback port), the web
 * service as the coordinator's API, `repo-update` as the coordinator, three `repo-worker` processes building with
 * the sandbox driver, signing on the coordinator only, and pacman installing the result with SigLevel = Required.
 *
 * Every wait is on a process exit or a polled condition with a bound; nothing sleeps to synchronise.
 */
import { createHash } from 'node:crypto';
import { existsSync, openAsBlob, readlinkSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Worker, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/core/database/connection.js';
import { RebuildOperations } from '../../../src/core/database/operations/rebuilds.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { craftArchive } from '../../support/crafted-archives.js';
import { removeBuildDirectories, type PkgbuildSpec } from '../../support/makepkg.js';
import { freePort } from '../../support/ports.js';
import { RedisServer } from '../../support/redis.js';
import { Service } from '../e2e/support.js';
import { PASSWORD, type Running, USER, WAIT_MS, type WorkerSetup, start, startWorker as startProcessWorker, stop, waitFor, workerConfiguration } from './support.js';

const PREFIX = 'ahriman-test';

const install = (name: string): string => `mkdir -p "$pkgdir/usr/share/${name}" && echo ${name} > "$pkgdir/usr/share/${name}/marker"`;

/** How often a line matching `pattern` appears in the outputs. */
function count(outputs: Running[], pattern: RegExp): number {
  return outputs.reduce((sum, running) => sum + (running.output.join('').match(new RegExp(pattern, 'g'))?.length ?? 0), 0);
}

describe('distributed builds: a coordinator, three workers and Redis', () => {
  let service: Service;
  let redis: RedisServer;
  let web: Running;
  let base: string;
  let temporary: string;
  const workers: Running[] = [];
  const gates: string[] = [];

  const currentGeneration = (): number => Number(readlinkSync(path.join(service.repository, '.db', 'current')));
  const everything = (): string => [web, ...workers].map((running) => running.output.join('')).join('\n----\n');

  /** The session cookie of the workers' user (role full). */
  async function login(): Promise<string> {
    const response = await fetch(`${base}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username: USER, password: PASSWORD }),
    });
    return response.headers.get('set-cookie')!.split(';')[0]!;
  }

  const workerSetup = (index: number): WorkerSetup => ({
    directory: path.join(temporary, `worker-${index}`), id: `worker-${index}`, queueUrl: redis.url, prefix: PREFIX, coordinator: base,
    username: USER, password: PASSWORD, temporary,
  });
  const startWorker = (index: number): Promise<Running> => startProcessWorker(workerSetup(index));

  /** A package whose package() waits for a file the test creates, so a test can act while it builds. */
  async function gated(name: string): Promise<{ spec: PkgbuildSpec; open: () => Promise<void> }> {
    const directory = await fs.mkdtemp('/var/tmp/ahriman-gate-');
    await fs.chmod(directory, 0o755);
    gates.push(directory);
    const gate = path.join(directory, 'open');
    const spec: PkgbuildSpec = {
      pkgname: name,
      pkgver: '1.0',
      package: [`echo gate-reached`, `for _ in $(seq 1200); do [ -e ${gate} ] && break; sleep 0.2; done`, `[ -e ${gate} ] || exit 1`, install(name)].join('\n'),
    };
    return { spec, open: () => fs.writeFile(gate, '') };
  }

  beforeAll(async () => {
    service = await Service.create();
    redis = await RedisServer.start();
    temporary = await service.temporaryDirectory();
    await fs.chmod(temporary, 0o1777);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const includes = path.join(service.sandbox.root, '.config', 'ahriman', 'ahriman.ini.d');
    await fs.mkdir(includes, { recursive: true });
    await fs.writeFile(path.join(includes, '90-distributed.ini'), [
      '[web]', 'host = 127.0.0.1', `port = ${port}`, 'enable_archive_upload = yes', '',
      '[auth]', 'target = configuration', 'salt = distributed-test-salt', 'allow_read_only = yes', '',
      '[status]', `address = ${base}`, `username = ${USER}`, `password = ${PASSWORD}`, '',
      '[distributed]', `queue_url = ${redis.url}`, `prefix = ${PREFIX}`, 'heartbeat = 1', '',
    ].join('\n'));
    await service.expectCli(['user-add', USER, '-R', 'full', '-p', PASSWORD]);
    web = start(['-c', service.sandbox.configuration, 'web'], {});
    await waitFor(() => fetch(`${base}/api/v1/info`).then((response) => response.ok, () => false), 'the web service', () => web.output.join(''));
    for (const index of [1, 2, 3]) workers.push(await startWorker(index));
  }, WAIT_MS);

  afterAll(async () => {
    for (const running of [...workers, web]) if (running) await stop(running);
    await redis?.remove();
    await service?.cleanup();
    for (const directory of gates) await fs.rm(directory, { recursive: true, force: true });
    await removeBuildDirectories();
  }, WAIT_MS);

  it('builds a dependency chain and a split package on the workers, each once, publishes once, pacman installs it', async () => {
    const specs: PkgbuildSpec[] = [
      { pkgname: 'dist-lib', pkgver: '1.0', package: install('dist-lib') },
      { pkgname: 'dist-app', pkgver: '2.0', variables: { depends: ['dist-lib'] }, package: install('dist-app') },
      { pkgname: 'dist-top', pkgver: '3.0', variables: { depends: ['dist-app>=2.0'] }, package: install('dist-top') },
      { pkgbase: 'dist-pair', pkgname: ['dist-left', 'dist-right'], pkgver: '4.0', package: { 'dist-left': install('dist-left'), 'dist-right': install('dist-right') } },
    ];
    for (const spec of specs) await service.expectCli(['package-add', await service.localPackage(spec)]);
    const before = currentGeneration();

    const update = await service.cli(['repo-update']);
    expect(update.code, `${update.stdout}\n${update.stderr}\n${everything()}`).toBe(0);
    const built = update.stdout.split('\n').filter((line) => line.startsWith('built ')).map((line) => line.split(' ').slice(1, 3).join(' '));
    expect(built.sort()).toEqual(['dist-app 2.0-1', 'dist-lib 1.0-1', 'dist-pair 4.0-1', 'dist-top 3.0-1']);
    expect(update.stderr).toMatch(/dist-lib: building on worker-\d/);

    for (const name of ['dist-lib', 'dist-app', 'dist-top', 'dist-pair']) {
      expect(count(workers, new RegExp(`\\[worker\\]: building ${name} `)), name).toBe(1);
      expect(count(workers, new RegExp(`finished build of ${name} `)), name).toBe(1);
    }
    expect(currentGeneration()).toBe(before + 1);
    const entries = await service.checkServedFiles();
    expect(entries.map((entry) => `${entry.name} ${entry.version}`)).toEqual(['dist-app 2.0-1', 'dist-left 4.0-1', 'dist-lib 1.0-1', 'dist-right 4.0-1', 'dist-top 3.0-1']);

    const pacman = await service.pacman();
    expect((await pacman.sync()).code).toBe(0);
    const installed = await pacman.install(['dist-top', 'dist-left', 'dist-right']);
    expect(installed.code, installed.stderr).toBe(0);
    expect(Object.fromEntries(await pacman.query())).toEqual({ 'dist-app': '2.0-1', 'dist-left': '4.0-1', 'dist-lib': '1.0-1', 'dist-right': '4.0-1', 'dist-top': '3.0-1' });

    // the coordinator reported every step through the status service: queued, building on W, built on W
    const cookie = await login();
    for (const name of ['dist-lib', 'dist-app', 'dist-top', 'dist-pair']) {
      const response = await fetch(`${base}/api/v1/events?event=package-status-changed&object_id=${name}`, { headers: { cookie, accept: 'application/json' } });
      const events = ((await response.json()) as Array<{ message: string; created: number; data: { worker?: string } }>).sort((left, right) => left.created - right.created);
      const builder = workers.findIndex((worker) => worker.output.join('').includes(`[worker]: building ${name} `));
      const steps = events.map((event) => event.message).filter((message) => / on /.test(message));
      expect(steps, name).toEqual(['queued on build-x86_64', `building on worker-${builder + 1}`, `built on worker-${builder + 1}`]);
      expect(events.find((event) => event.message.startsWith('built on'))!.data.worker).toBe(`worker-${builder + 1}`);
    }
    const statuses = (await (await fetch(`${base}/api/v1/packages?architecture=x86_64&repository=demo`, { headers: { accept: 'application/json' } })).json()) as Array<{ package: { base: string }; status: { status: string } }>;
    expect(statuses.filter((entry) => entry.package.base.startsWith('dist-')).map((entry) => entry.status.status)).toEqual(['success', 'success', 'success', 'success']);

    // the coordinator recorded what each remote build used and produced, as after a local build
    const database = await Database.open(path.join(service.sandbox.root, 'ahriman.db'));
    try {
      const records = await new RebuildOperations(database, new RepositoryId('x86_64', 'demo')).latestBuildRecords();
      const recorded = [...records.values()].filter((record) => record.base.startsWith('dist-'));
      expect(recorded.map((record) => [record.base, record.version, Object.keys(record.sonames).sort()]).sort()).toEqual([
        ['dist-app', '2.0-1', ['dist-app']],
        ['dist-lib', '1.0-1', ['dist-lib']],
        ['dist-pair', '4.0-1', ['dist-left', 'dist-right']],
        ['dist-top', '3.0-1', ['dist-top']],
      ]);
    } finally {
      await database.close();
    }

    // the workers streamed the build logs to the coordinator
    const logs = await service.expectCli(['package-logs', 'dist-top']);
    expect(logs.stdout).toContain('Finished making: dist-top 3.0-1');
  }, WAIT_MS);

  it('rebuilds on another worker the job of a worker killed mid-build, and lists live workers meanwhile', async () => {
    const slow = await gated('dist-slow');
    await service.expectCli(['package-add', await service.localPackage(slow.spec)]);
    const update = service.spawn(['repo-update']);
    await waitFor(() => workers.some((worker) => worker.output.join('').includes('[worker]: building dist-slow ')), 'a worker to take dist-slow', everything);
    const victim = workers.find((worker) => worker.output.join('').includes('[worker]: building dist-slow '))!;

    type Overview = { workers: Array<{ id: string; jobs: Array<{ base: string }> }>; queues: Array<{ active: number }> };
    const overview = (): Promise<Overview> => fetch(`${base}/api/v1/distributed`).then((response) => response.json() as Promise<Overview>);
    // the worker beats when it takes the job, which may come a moment after its log line
    await waitFor(async () => (await overview()).workers.some((worker) => worker.jobs.length > 0), 'the heartbeat naming the job', everything);
    const seen = await overview();
    expect(seen.workers.map((worker) => worker.id)).toEqual(['worker-1', 'worker-2', 'worker-3']);
    expect(seen.workers.flatMap((worker) => worker.jobs.map((job) => job.base))).toEqual(['dist-slow']);
    expect(seen.queues[0]!.active).toBe(1);

    await stop(victim, 'SIGKILL');
    workers.splice(workers.indexOf(victim), 1);
    await slow.open();
    expect(await update.exited, update.output.join('') + everything()).toBe(0);
    expect(update.output.join('')).toContain('built dist-slow 1.0-1');
    expect(count(workers, /\[worker\]: building dist-slow /)).toBe(1);
    expect(count(workers, /finished build of dist-slow /)).toBe(1);
    expect((await service.databaseEntries()).map((entry) => entry.name)).toContain('dist-slow');
    workers.push(await startWorker(4));
  }, WAIT_MS);

  it('resumes the run of a coordinator killed mid-run without rebuilding its finished jobs', async () => {
    const held = await gated('dist-held');
    await service.expectCli(['package-add', await service.localPackage(held.spec)]);
    await service.expectCli(['package-add', await service.localPackage({ pkgname: 'dist-quick', pkgver: '1.0', package: install('dist-quick') })]);
    const first = service.spawn(['repo-update']);
    await waitFor(() => count(workers, /finished build of dist-quick /) === 1 && count(workers, /\[worker\]: building dist-held /) === 1, 'dist-quick built and dist-held under way', everything);
    await stop(first as Running, 'SIGKILL');
    expect((await service.databaseEntries()).map((entry) => entry.name)).not.toContain('dist-quick');

    const second = service.spawn(['repo-update']);
    await waitFor(() => second.output.join('').includes('resuming distributed run'), 'the coordinator to resume its run', () => second.output.join(''));
    await held.open();
    expect(await second.exited, second.output.join('') + everything()).toBe(0);
    expect(second.output.join('')).toContain('built dist-quick 1.0-1');
    expect(second.output.join('')).toContain('built dist-held 1.0-1');
    expect(count(workers, /\[worker\]: building dist-quick /)).toBe(1);
    expect(count(workers, /\[worker\]: building dist-held /)).toBe(1);
    const names = (await service.checkServedFiles()).map((entry) => entry.name);
    expect(names).toEqual(expect.arrayContaining(['dist-held', 'dist-quick']));
  }, WAIT_MS);

  it('refuses archives that do not match their job: another version, a tampered file', async () => {
    for (const worker of workers.splice(0)) await stop(worker);
    for (const name of ['dist-liar', 'dist-tamper']) {
      await service.expectCli(['package-add', await service.localPackage({ pkgname: name, pkgver: '1.0', package: install(name) })]);
    }
    const upload = path.join(temporary, 'rogue');
    const cookie = await login();
    const rogue = new Worker(
      'build-x86_64',
      async (job: Job) => {
        const data = job.data as { base: string; run: string; version: string };
        const honest = await craftArchive(upload, { pkgname: data.base, version: data.version }, `${data.base}-honest.pkg.tar.zst`);
        const sent = data.base === 'dist-liar'
          ? await craftArchive(upload, { pkgname: data.base, version: '9.9-1' })
          : await craftArchive(upload, { pkgname: data.base, version: data.version });
        const reported = data.base === 'dist-liar' ? sent : honest;
        const form = new FormData();
        form.append('package', await openAsBlob(sent), path.basename(sent));
        const response = await fetch(`${base}/api/v1/service/upload?run=${data.run}&base=${data.base}`, { method: 'POST', body: form, headers: { cookie } });
        expect(response.status).toBe(201);
        const sha256 = createHash('sha256').update(await fs.readFile(reported)).digest('hex');
        const version = data.base === 'dist-liar' ? '9.9-1' : data.version;
        return { worker: 'rogue', duration: 0, archives: [{ file: path.basename(sent), name: data.base, version, architecture: 'any', sha256 }] };
      },
      { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null }, prefix: PREFIX },
    );
    try {
      const before = currentGeneration();
      const update = await service.cli(['repo-update']);
      expect(update.code).toBe(1);
      expect(update.stdout).toContain("failed dist-liar 1.0-1: refused dist-liar-9.9-1-any.pkg.tar.zst from worker rogue: its version 9.9-1 is not the job's 1.0-1");
      expect(update.stdout).toMatch(/failed dist-tamper 1\.0-1: refused dist-tamper-1\.0-1-any\.pkg\.tar\.zst from worker rogue: its sha256 [0-9a-f]{64} is not the [0-9a-f]{64} the worker reported/);
      const names = (await service.databaseEntries()).map((entry) => entry.name);
      expect(names).not.toContain('dist-liar');
      expect(names).not.toContain('dist-tamper');
      expect(currentGeneration()).toBe(before);
      expect(existsSync(path.join(service.incoming, 'dist-liar-9.9-1-any.pkg.tar.zst'))).toBe(false);
    } finally {
      await rogue.close();
    }
  }, WAIT_MS);

  it('stops a worker whose login the coordinator refuses before it takes a job, with one line', async () => {
    const configuration = await workerConfiguration({ ...workerSetup(9), password: 'not-the-password' });
    const refused = start(['-c', configuration, '-a', 'x86_64', '-r', 'demo', 'repo-worker'], { TMPDIR: temporary });
    expect(await refused.exited).toBe(1);
    const output = refused.output.join('');
    expect(output).toContain(`login as ${USER} on ${base} answered 401: check [status] username and password (a user of role full on the coordinator)`);
    expect(output).not.toContain('takes x86_64 jobs');
  });

  it('stops with one clear error when Redis goes away mid-run, publishing nothing, and resumes that run later', async () => {
    // the test before stopped every worker
    workers.push(await startWorker(5));
    const stranded = await gated('dist-stranded');
    await service.expectCli(['package-add', await service.localPackage(stranded.spec)]);
    const before = currentGeneration();
    const first = service.spawn(['repo-update']);
    await waitFor(() => count(workers, /\[worker\]: building dist-stranded /) === 1, 'a worker to take dist-stranded', everything);
    await redis.stop();
    // heartbeat = 1: the queue counts as lost after 10 s without it
    expect(await first.exited, first.output.join('')).toBe(1);
    const output = first.output.join('');
    expect(output).toMatch(
      new RegExp(`the build queue redis://127\\.0\\.0\\.1:${redis.port} has been unreachable for 10 s \\(10 heartbeats\\): [^\\n]+; distributed run [0-9a-f-]+ stops with nothing published, and the next run resumes it`),
    );
    // said once, without a trace of the connection's repeated errors
    expect(output.match(/is unreachable \(.*\); waiting for it/g)).toHaveLength(1);
    expect(output).not.toMatch(/Unhandled error event|at TCPConnectWrap/);
    expect(currentGeneration()).toBe(before);
    expect((await service.databaseEntries()).map((entry) => entry.name)).not.toContain('dist-stranded');

    // Redis is back (empty: the test server keeps nothing); the run it stopped is resumed and completes
    await redis.restart();
    await stranded.open();
    const second = await service.cli(['repo-update']);
    expect(second.code, second.stdout + second.stderr + everything()).toBe(0);
    expect(second.stdout + second.stderr).toMatch(/resuming distributed run/);
    expect(second.stdout).toContain('built dist-stranded 1.0-1');
    expect((await service.databaseEntries()).map((entry) => entry.name)).toContain('dist-stranded');
  }, WAIT_MS);

  it('stops with one clear error before building anything when Redis is down, publishing nothing', async () => {
    await service.expectCli(['package-add', await service.localPackage({ pkgname: 'dist-late', pkgver: '1.0', package: install('dist-late') })]);
    await redis.stop();
    const before = currentGeneration();
    const update = await service.cli(['repo-update']);
    expect(update.code).toBe(1);
    expect(update.stderr).toContain(`the build queue redis://127.0.0.1:${redis.port} is unreachable`);
    expect(currentGeneration()).toBe(before);
    expect((await fs.readdir(service.incoming).catch(() => [])).filter((name) => name.startsWith('dist-late'))).toEqual([]);

    // a worker told to stop while the queue is gone leaves at once; it said once per outage that the queue went
    // away (the test before stopped Redis too) and once that it came back
    const worker = workers.pop()!;
    await stop(worker);
    const said = worker.output.join('');
    expect(said).toContain('is unreachable: leaving without the builds under way, which the queue gives to a worker again');
    expect(said.match(/is unreachable \(.*\); waiting for it/g)).toHaveLength(2);
    expect(said.match(/is reachable again/g)).toHaveLength(1);
    expect(said).not.toMatch(/Unhandled error event|at TCPConnectWrap/);
  });
});
