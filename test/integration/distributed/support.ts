/** What the distributed tests share: CLI processes they start and stop, bounded polling, a worker's configuration. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CLI } from '../../support/cli.js';

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
  await fs.mkdir(path.join(setup.directory, 'root'), { recursive: true });
  const configuration = path.join(setup.directory, 'ahriman.ini');
  await fs.writeFile(configuration, [
    '[repository]', `root = ${setup.directory}/root`, '',
    '[build]', `driver = ${setup.driver ?? 'sandbox'}`, '',
    '[distributed]', `queue_url = ${setup.queueUrl}`, `prefix = ${setup.prefix}`, 'heartbeat = 1', `coordinator = ${setup.coordinator}`, `worker_id = ${setup.id}`, '',
    '[status]', `username = ${setup.username}`, `password = ${setup.password}`, '',
  ].join('\n'));
  const worker = start(['-c', configuration, '-a', 'x86_64', '-r', 'demo', 'repo-worker'], { TMPDIR: setup.temporary });
  await waitFor(() => worker.output.join('').includes('takes x86_64 jobs'), `${setup.id} to start`, () => worker.output.join(''));
  return worker;
}
