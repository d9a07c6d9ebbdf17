#!/usr/bin/env node
/**
 * Distributed builds with the real pieces on this machine: our own redis-server, `ahriman web` as the coordinator's
 * API, N `ahriman repo-worker` processes.
 *
 * 1. speedup: K = 12 independent local PKGBUILDs whose build() sleeps 4 s, built by `repo-update` with 1, 2, 4 and
 *    6 workers (sandbox driver): wall time of the whole run, speedup against 1 worker, and the ideal ceil(K/J) x 4 s.
 * 2. scale: 2,000 jobs over 20 workers whose build driver (test/support/prebuilt-driver.mjs, loaded from a module
 *    path) makes a tiny archive without makepkg. The coordinator's part is called directly (no update collection):
 *    its CPU time per job, Redis commands per job (INFO total_commands_processed, workers included), wall time, then
 *    the time of the one publish of the 2,000 verified archives.
 *
 *   node bench/distributed.mjs [speedup|scale|all] [scale-jobs=2000] [scale-workers=20]
 *
 * Needs `dist/` (npm run build), redis-server, makepkg, bubblewrap and bsdtar; run as root (builds as ahriman) or
 * as a user makepkg accepts.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Configuration } from '../dist/core/configuration/configuration.js';
import { buildOnWorkers } from '../dist/core/distributed/coordinator.js';
import { readDistributedSettings } from '../dist/core/distributed/settings.js';
import { BuildRecorder } from '../dist/core/rebuilds/recorder.js';
import { publishStaged } from '../dist/core/repository/publish-staged.js';
import { loadServices } from '../dist/core/repository/services.js';
import { RepositoryState } from '../dist/core/repository/state.js';
import { RepositoryId } from '../dist/models/repository-id.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist', 'main.cjs');
const PREBUILT = path.join(ROOT, 'test', 'support', 'prebuilt-driver.mjs');
const USER = 'bench';
const PASSWORD = 'bench-password-1234';
const SLEEP_SECONDS = 4;
const K = 12;

const part = process.argv[2] ?? 'all';
const scaleJobs = Number(process.argv[3] ?? 2000);
const scaleWorkers = Number(process.argv[4] ?? 20);

async function freePort() {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

function start(args, env = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  child.stdout.on('data', (chunk) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk) => output.push(chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited };
}

async function cli(args, env) {
  const running = start(args, env);
  const code = await running.exited;
  if (code !== 0) throw new Error(`ahriman ${args.join(' ')} exited with ${code}:\n${running.output.join('')}`);
  return running.output.join('');
}

async function until(condition, what, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Redis, a coordinator configuration with its web service, and workers started on demand. */
async function cluster(driver) {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-bench-distributed-'));
  await fs.chmod(directory, 0o755);
  const temporary = path.join(directory, 'tmp');
  await fs.mkdir(temporary, { mode: 0o1777 });
  await fs.chmod(temporary, 0o1777);
  const redisPort = await freePort();
  const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', directory, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let redisOutput = '';
  await new Promise((resolve, reject) => {
    redis.stdout.on('data', (chunk) => {
      redisOutput += chunk.toString();
      if (redisOutput.includes('Ready to accept connections')) resolve();
    });
    redis.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  try {
    return await coordinator(driver, directory, temporary, redis, redisPort);
  } catch (error) {
    redis.kill('SIGTERM');
    await once(redis, 'exit');
    throw error;
  }
}

async function coordinator(driver, directory, temporary, redis, redisPort) {
  const webPort = await freePort();
  const base = `http://127.0.0.1:${webPort}`;
  const queueUrl = `redis://127.0.0.1:${redisPort}`;
  const configuration = path.join(directory, 'ahriman.ini');
  await fs.writeFile(configuration, [
    '[settings]', `database = ${directory}/root/ahriman.db`, '',
    '[repository]', `root = ${directory}/root`, '',
    '[build]', 'driver = sandbox', 'triggers =', '',
    '[web]', 'host = 127.0.0.1', `port = ${webPort}`, 'enable_archive_upload = yes', '',
    '[auth]', 'target = configuration', 'salt = bench-salt', '',
    '[status]', `address = ${base}`, `username = ${USER}`, `password = ${PASSWORD}`, '',
    '[distributed]', `queue_url = ${queueUrl}`, 'prefix = bench', 'heartbeat = 2', '',
  ].join('\n'));
  await fs.mkdir(path.join(directory, 'root'), { recursive: true });
  const repository = ['-c', configuration, '-a', 'x86_64', '-r', 'bench'];
  await cli([...repository, 'service-setup', '--packager', 'Bench <bench@localhost>'], { TMPDIR: temporary });
  await cli([...repository, 'user-add', USER, '-R', 'full', '-p', PASSWORD]);
  const web = start(['-c', configuration, 'web']);
  process.once('exit', () => web.child.kill('SIGTERM'));
  await until(() => {
    if (web.child.exitCode !== null) throw new Error(`ahriman web exited with ${web.child.exitCode}:\n${web.output.join('')}`);
    return fetch(`${base}/api/v1/info`).then((response) => response.ok, () => false);
  }, 'the web service', 60_000);
  const workers = [];
  return {
    directory,
    configuration,
    repository,
    temporary,
    queueUrl,
    redisPort,
    async workers(count) {
      while (workers.length > count) {
        const worker = workers.pop();
        worker.child.kill('SIGTERM');
        await worker.exited;
      }
      while (workers.length < count) {
        const index = workers.length + 1;
        const root = path.join(directory, `worker-${index}`);
        await fs.mkdir(root, { recursive: true });
        const file = path.join(root, 'ahriman.ini');
        await fs.writeFile(file, [
          '[repository]', `root = ${root}`, '',
          '[build]', `driver = ${driver}`, '',
          '[distributed]', `queue_url = ${queueUrl}`, 'prefix = bench', 'heartbeat = 2', `coordinator = ${base}`, `worker_id = worker-${index}`, '',
          '[status]', `username = ${USER}`, `password = ${PASSWORD}`, '',
        ].join('\n'));
        const worker = start(['-c', file, '-a', 'x86_64', '-r', 'bench', 'repo-worker'], { TMPDIR: temporary });
        workers.push(worker);
      }
      await until(() => workers.every((worker) => worker.output.join('').includes('takes x86_64 jobs')), 'the workers');
    },
    async stop() {
      await this.workers(0);
      web.child.kill('SIGTERM');
      await web.exited;
      redis.kill('SIGTERM');
      await once(redis, 'exit');
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}

async function writePkgbuild(directory, name, body) {
  await fs.mkdir(directory, { recursive: true });
  await fs.writeFile(path.join(directory, 'PKGBUILD'), [`pkgname=${name}`, 'pkgver=1.0', 'pkgrel=1', "arch=('any')", body].join('\n'));
  await fs.chmod(directory, 0o755);
}

async function speedup() {
  const state = await cluster('sandbox');
  try {
    const results = [];
    for (const workers of [1, 2, 4, 6]) {
      await state.workers(workers);
      const names = Array.from({ length: K }, (_, index) => `sleep-${workers}-${index}`);
      for (const name of names) {
        const directory = path.join(state.directory, 'sources', name);
        await writePkgbuild(directory, name, `build() { sleep ${SLEEP_SECONDS}; }\npackage() { mkdir -p "$pkgdir/usr/share/${name}"; }`);
      }
      await cli([...state.repository, 'package-add', ...names.map((name) => path.join(state.directory, 'sources', name))], { TMPDIR: state.temporary });
      const started = performance.now();
      await cli([...state.repository, 'repo-update', '--no-aur', '--no-vcs'], { TMPDIR: state.temporary });
      const seconds = (performance.now() - started) / 1000;
      results.push({ workers, seconds, ideal: Math.ceil(K / workers) * SLEEP_SECONDS });
      // every configuration starts from the same repository: an update checks each local package's sources
      await cli([...state.repository, 'package-remove', ...names], { TMPDIR: state.temporary });
    }
    const single = results[0].seconds;
    console.log(`\nK = ${K} packages, build() sleeps ${SLEEP_SECONDS} s, sandbox driver, whole repo-update runs:`);
    console.log('workers | wall (s) | speedup vs 1 | ideal ceil(K/J) x t (s) | wall / ideal');
    for (const row of results) {
      console.log(`${String(row.workers).padStart(7)} | ${row.seconds.toFixed(1).padStart(8)} | ${(single / row.seconds).toFixed(2).padStart(12)} | ${String(row.ideal).padStart(23)} | ${(row.seconds / row.ideal).toFixed(2)}`);
    }
  } finally {
    await state.stop();
  }
}

async function redisCommands(port) {
  const { Redis } = await import('ioredis');
  const client = new Redis({ host: '127.0.0.1', port });
  const info = await client.info('stats');
  client.disconnect();
  return Number(/total_commands_processed:(\d+)/.exec(info)[1]);
}

async function scale() {
  const state = await cluster(PREBUILT);
  try {
    await state.workers(scaleWorkers);
    const sources = path.join(state.directory, 'sources');
    const records = new Map();
    for (let index = 0; index < scaleJobs; index++) {
      const name = `pre-${index}`;
      await writePkgbuild(path.join(sources, name), name, '');
      records.set(name, { base: name, version: '1.0-1', packager: null, packages: { [name]: {} }, remote: { source: 'local', gitUrl: null, webUrl: null, path: path.join(sources, name), branch: null } });
    }
    const configuration = Configuration.load(state.configuration, new RepositoryId('x86_64', 'bench'));
    const paths = configuration.repositoryPaths();
    const repositoryState = await RepositoryState.open(configuration, paths.repositoryId);
    const services = await loadServices(configuration, paths, repositoryState);
    const settings = readDistributedSettings(configuration);
    const recorder = new BuildRecorder(services);
    const commandsBefore = await redisCommands(state.redisPort);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const failed = new Map();
    const result = await buildOnWorkers(services, settings, {
      levels: [[...records.keys()]],
      records,
      failed,
      blocker: () => undefined,
      plan: async () => ({ version: '1.0-1', patches: [] }),
      packager: () => 'Bench <bench@localhost>',
      recordBuild: (base, version, archives) => recorder.record(base, version, archives),
    });
    const wall = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const commands = (await redisCommands(state.redisPort)) - commandsBefore;
    const publishStarted = performance.now();
    const published = await publishStaged(services);
    const publishSeconds = (performance.now() - publishStarted) / 1000;
    await result.close();
    await repositoryState.close();
    console.log(`\n${scaleJobs} jobs over ${scaleWorkers} workers, prebuilt-package driver (loaded from ${path.relative(ROOT, PREBUILT)}):`);
    console.log(`built ${result.built.size}, failed ${failed.size}${failed.size > 0 ? ` (first: ${[...failed.values()][0]})` : ''}`);
    console.log(`wall time of the coordinator's part: ${wall.toFixed(1)} s (${((wall * 1000) / scaleJobs).toFixed(1)} ms per job)`);
    console.log(`coordinator CPU per job (queueing, waiting, verifying, copying, recording): ${(((cpu.user + cpu.system) / 1000) / scaleJobs).toFixed(2)} ms`);
    console.log(`Redis commands per job (coordinator and workers): ${(commands / scaleJobs).toFixed(1)}`);
    console.log(`publish of ${published.added.length} archives (one generation, no signing): ${publishSeconds.toFixed(1)} s`);
  } finally {
    await state.stop();
  }
}

if (part === 'speedup' || part === 'all') await speedup();
if (part === 'scale' || part === 'all') await scale();
