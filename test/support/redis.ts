/**
 * A private redis-server for a test: loopback, a free port, a temp directory, no persistence. Never the system one.
 * Found as `redis-server` (Debian) or `valkey-server` (Arch).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';

const BINARIES = ['/usr/bin/redis-server', '/usr/bin/valkey-server'];

export class RedisServer {
  private constructor(
    private child: ChildProcess | undefined,
    readonly port: number,
    private readonly directory: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RedisServer> {
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-redis-'));
    const server = new RedisServer(undefined, await freePort(), directory);
    await server.restart();
    return server;
  }

  /** Starts the server (again, on the same port) and resolves once it accepts connections. */
  async restart(): Promise<void> {
    const binary = BINARIES.find((file) => existsSync(file));
    if (binary === undefined) throw new Error(`no redis-server: install it with scripts/setup.sh --tests (looked for ${BINARIES.join(', ')})`);
    const child = spawn(binary, ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.directory, '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }

  async remove(): Promise<void> {
    await this.stop();
    await fs.rm(this.directory, { recursive: true, force: true });
  }
}
