/** Fixtures for the build driver tests: temporary directories, PKGBUILD directories, the build user, probes. */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { BuildRequest } from '../../../src/core/build/drivers/driver.js';
import { lookupUser, run, type SystemUser } from '../../../src/core/process.js';

export const BUILD_USER = 'ahriman';
export const isRoot = process.getuid?.() === 0;

/** Temporary directories made by a test file; remove them with {@link TemporaryDirectories.removeAll}. */
export class TemporaryDirectories {
  private readonly made: string[] = [];

  /** A fresh directory, searchable by everyone (so the build user reaches workspaces made inside). */
  async make(prefix: string, parent = os.tmpdir()): Promise<string> {
    const directory = await fs.mkdtemp(path.join(parent, `ahriman-test-${prefix}-`));
    await fs.chmod(directory, 0o755);
    this.made.push(directory);
    return directory;
  }

  async removeAll(): Promise<void> {
    await Promise.all(this.made.map((directory) => fs.rm(directory, { recursive: true, force: true })));
  }
}

/** The build user when we are root (makepkg refuses root), optionally with another home directory. */
export async function buildUser(home?: string): Promise<SystemUser | undefined> {
  if (!isRoot) return undefined;
  const user = await lookupUser(BUILD_USER);
  return home === undefined ? user : { ...user, home };
}

/** Gives `target` (recursively) to the build user when we are root. */
export async function giveToBuildUser(target: string): Promise<void> {
  if (isRoot) await run('chown', ['-R', `${BUILD_USER}:`, target]);
}

/** Writes a PKGBUILD and the given extra files into `directory`. */
export async function writePackage(
  directory: string,
  pkgbuild: string,
  files: Record<string, string> = {},
): Promise<void> {
  await fs.mkdir(directory, { recursive: true });
  await fs.writeFile(path.join(directory, 'PKGBUILD'), pkgbuild);
  for (const [name, content] of Object.entries(files)) await fs.writeFile(path.join(directory, name), content);
}

export function sha256(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}

export type RequestFields = Partial<BuildRequest> & Pick<BuildRequest, 'directory' | 'packageBase' | 'outputDirectory'>;

/** A request with the defaults every test uses (the build user when we are root); lines go to `lines`. */
export async function buildRequest(fields: RequestFields): Promise<{ request: BuildRequest; lines: string[] }> {
  const lines: string[] = [];
  return {
    lines,
    request: {
      packager: 'Driver Test <driver@example.com>',
      makepkgFlags: ['--nocolor', '--ignorearch'],
      includeDebug: false,
      user: await buildUser(),
      onLine: (line) => lines.push(line),
      ...fields,
    },
  };
}

/** An HTTP server on 127.0.0.1 serving the files under `root` (enough for git's dumb HTTP protocol). */
export async function serveDirectory(root: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((incoming, response) => {
    const file = path.join(root, path.normalize(decodeURIComponent(new URL(incoming.url ?? '/', 'http://x').pathname)));
    fs.readFile(file).then(
      (content) => response.writeHead(200).end(content),
      () => response.writeHead(404).end('not found'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A TCP server on 127.0.0.1 that only counts the connections it receives. */
export async function connectionCounter(): Promise<{ port: number; connections(): number; close(): Promise<void> }> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Mode, owner and content of everything under `directory`, to prove a build left it untouched. */
export async function snapshot(directory: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const entry of await fs.readdir(directory, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    const stat = await fs.lstat(file);
    const content = stat.isFile() ? await fs.readFile(file, 'utf8') : '';
    result[path.relative(directory, file)] = `${stat.mode.toString(8)} ${stat.uid}:${stat.gid} ${content}`;
  }
  return result;
}
