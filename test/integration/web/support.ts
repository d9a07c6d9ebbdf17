import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, vi } from 'vitest';
import { hashPassword } from '../../../src/core/auth/passwords.js';
import { Configuration } from '../../../src/core/configuration/configuration.js';
import { UserOperations } from '../../../src/core/database/operations/users.js';
import { RepositoryState } from '../../../src/core/repository/state.js';
import type { PackageRecord } from '../../../src/models/package-record.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import type { UserAccess } from '../../../src/models/user.js';
import { type RunningServer, startServer } from '../../../src/web/server.js';

export const REPOSITORY = new RepositoryId('x86_64', 'aur');
export const SALT = 'pepper';
export const PASSWORD = 'correct horse';

export interface TestServer {
  root: string;
  configurationPath: string;
  server: RunningServer;
  url: string;
  socket: string;
  stop(): Promise<void>;
  /** Stops the server but keeps its tree and database, so `resume` starts it again at the same address. */
  pause(): Promise<void>;
  resume(): Promise<void>;
}

export function record(base: string, version = '1.0-1'): PackageRecord {
  return {
    base,
    version,
    packager: null,
    remote: { source: 'aur', gitUrl: `https://aur.archlinux.org/${base}.git`, webUrl: null, path: null, branch: null },
    packages: {
      [base]: {
        architecture: 'x86_64', archiveSize: 100, buildDate: 1, depends: [], makeDepends: [], optDepends: [], checkDepends: [],
        description: `${base} package`, filename: `${base}-${version}-x86_64.pkg.tar.zst`, groups: [], installedSize: 200, licenses: ['MIT'], provides: [], url: null,
      },
    },
  };
}

/**
 * A real server on a free 127.0.0.1 port and on a unix socket, over a fresh tree and state database holding the
 * given packages (and whatever `seed` adds) and one user per role (named after it, password PASSWORD).
 */
export async function startTestServer(
  options: { ini?: string; packages?: string[]; repository?: RepositoryId; port?: number; seed?: (state: RepositoryState) => Promise<void> } = {},
): Promise<TestServer> {
  const repository = options.repository ?? REPOSITORY;
  const root = await mkdtemp(path.join(tmpdir(), 'ahriman-web-'));
  const socket = path.join(root, 'web.sock');
  const configurationPath = path.join(root, 'ahriman.ini');
  await mkdir(path.join(root, 'repository', repository.name, repository.architecture), { recursive: true });
  await writeFile(
    configurationPath,
    `[repository]\nroot = ${root}\nname = ${repository.name}\narchitecture = ${repository.architecture}\n[web]\nhost = 127.0.0.1\nport = ${options.port ?? 0}\nunix_socket = ${socket}\n` +
      `[auth]\ntarget = configuration\nsalt = ${SALT}\ncookie_secret_key = ${'k'.repeat(32)}\n${options.ini ?? ''}`,
  );
  const state = await RepositoryState.open(Configuration.load(configurationPath, repository), repository);
  const users = new UserOperations(state.database);
  const hash = await hashPassword(PASSWORD, SALT);
  for (const access of ['read', 'reporter', 'full'] as UserAccess[]) {
    await users.userUpdate({ username: access, access, password: hash, packagerId: null, keyId: null });
  }
  for (const base of options.packages ?? []) await state.packages.upsertPackage(record(base));
  await options.seed?.(state);
  const start = () => startServer({ configurationPath, repositories: [repository], version: 'test' });
  let server = await start();
  let running = true;
  await state.close();
  return {
    root,
    configurationPath,
    get server() {
      return server;
    },
    url: `http://${server.address}`,
    socket,
    async stop() {
      if (running) await server.close();
      running = false;
      await rm(root, { recursive: true, force: true });
    },
    async pause() {
      await server.close();
      running = false;
    },
    async resume() {
      server = await start();
      running = true;
    },
  };
}

/** Logs in and returns the session cookie. */
export async function login(url: string, username: string, password = PASSWORD): Promise<string> {
  const response = await fetch(`${url}/api/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
    redirect: 'manual',
  });
  if (response.status !== 302) throw new Error(`login of ${username} answered ${response.status}: ${await response.text()}`);
  return response.headers.get('set-cookie')!.split(';')[0]!;
}

/** One request over the unix socket. */
export function socketRequest(socket: string, method: string, url: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ socketPath: socket, method, path: url, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

export interface ProcessStatus {
  is_alive: boolean;
  status: string;
  exit_code: number | null;
  command: string[];
  output: string[];
}

/** Starts a service action (`service/<action>`) and returns its process id. */
export async function startAction(url: string, cookie: string, action: string, body: unknown, query = ''): Promise<string> {
  const response = await fetch(`${url}/api/v1/service/${action}${query}`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`service/${action} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { process_id: string }).process_id;
}

export async function processStatus(url: string, cookie: string, id: string): Promise<ProcessStatus> {
  return (await (await fetch(`${url}/api/v1/service/process/${id}`, { headers: { cookie } })).json()) as ProcessStatus;
}

/** Polls the process until it has exited (bounded), and returns its final state. */
export async function finishedProcess(url: string, cookie: string, id: string, timeout = 120_000): Promise<ProcessStatus> {
  await vi.waitFor(async () => expect((await processStatus(url, cookie, id)).is_alive).toBe(false), { timeout, interval: 100 });
  return processStatus(url, cookie, id);
}
