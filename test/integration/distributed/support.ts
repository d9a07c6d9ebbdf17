/** What the distributed tests share: CLI processes they start and stop, bounded polling, a worker's configuration. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CLI } from '../../support/cli.js';
import { freePort } from '../../support/ports.js';
import type { RedisServer } from '../../support/redis.js';
import { Service } from '../e2e/support.js';

export const WAIT_MS = 240_000;

export interface Running {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

/** Polls `condition` until it holds, for at most WAIT_MS; on a timeout the error says what `explain` tells. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, explain: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${explain()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts the built CLI with `args`, collecting its output. */
export function start(args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited };
}

export async function stop(running: Running, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill(signal);
  await running.exited;
}

export interface WorkerSetup {
  /** The worker's own directory: its configuration and repository root go there. */
  directory: string;
  id: string;
  queueUrl: string;
  prefix: string;
  coordinator: string;
  username: string;
  password: string;
  /** TMPDIR of the worker (build workspaces). */
  temporary: string;
  /** `[build] driver`, default sandbox. */
  driver?: string;
}

/** Starts `repo-worker` (heartbeat every second) and resolves once it takes jobs. */
export async function startWorker(setup: WorkerSetup): Promise<Running> {
  const worker = start(['-c', await workerConfiguration(setup), '-a', 'x86_64', '-r', 'demo', 'repo-worker'], { TMPDIR: setup.temporary });
  await waitFor(() => worker.output.join('').includes('takes x86_64 jobs'), `${setup.id} to start`, () => worker.output.join(''));
  return worker;
}

/** Writes the configuration of a worker into its directory; resolves to its path. */
export async function workerConfiguration(setup: WorkerSetup): Promise<string> {
  await fs.mkdir(path.join(setup.directory, 'root'), { recursive: true });
  const configuration = path.join(setup.directory, 'ahriman.ini');
  await fs.writeFile(configuration, [
    '[repository]', `root = ${setup.directory}/root`, '',
    '[build]', `driver = ${setup.driver ?? 'sandbox'}`, '',
    '[distributed]', `queue_url = ${setup.queueUrl}`, `prefix = ${setup.prefix}`, 'heartbeat = 1', `coordinator = ${setup.coordinator}`, `worker_id = ${setup.id}`, '',
    '[status]', `username = ${setup.username}`, `password = ${setup.password}`, '',
  ].join('\n'));
  return configuration;
}

export const USER = 'builder';
export const PASSWORD = 'builder-secret-password';

export interface Coordinator {
  service: Service;
  web: Running;
  /** The web service's address. */
  base: string;
  /** A world-writable directory of the service for workers (their roots and TMPDIR). */
  temporary: string;
}

/**
 * A coordinator on `redis` (queue prefix `prefix`): a repository without signing, its web service on a free loopback
 * port with archive uploads, and the workers' user (role full) that it reports to as well.
 */
export async function startCoordinator(redis: RedisServer, prefix: string): Promise<Coordinator> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const service = await Service.create({
    sign: false,
    configuration: [
      '[web]', 'host = 127.0.0.1', `port = ${port}`, 'enable_archive_upload = yes', '',
      '[auth]', 'target = configuration', `salt = ${prefix}-salt`, 'allow_read_only = yes', '',
      '[status]', `address = ${base}`, `username = ${USER}`, `password = ${PASSWORD}`, '',
      '[distributed]', `queue_url = ${redis.url}`, `prefix = ${prefix}`, 'heartbeat = 1', '',
    ],
  });
  await service.expectCli(['user-add', USER, '-R', 'full', '-p', PASSWORD]);
  const web = start(['-c', service.sandbox.configuration, 'web'], {});
  await waitFor(() => fetch(`${base}/api/v1/info`).then((response) => response.ok, () => false), 'the web service', () => web.output.join(''));
  const temporary = await service.temporaryDirectory();
  await fs.chmod(temporary, 0o1777);
  return { service, web, base, temporary };
}
