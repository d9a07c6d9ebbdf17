import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CLI, makeSandbox } from '../../support/cli.js';

const sandbox = makeSandbox('[web]\nport = 0\nunix_socket = ${repository:root}/web.sock\n');
afterAll(() => rmSync(sandbox.directory, { recursive: true, force: true }));

describe('web', () => {
  it('serves the repositories of the tree until SIGTERM, reloads on SIGHUP, and removes its socket', async () => {
    mkdirSync(path.join(sandbox.root, 'repository', 'demo', 'x86_64'), { recursive: true });
    const server = spawn(process.execPath, [CLI, '-c', sandbox.configuration, 'web']);
    let output = '';
    server.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await vi.waitFor(() => expect(output).toMatch(/serving x86_64-demo on 127\.0\.0\.1:\d+ and /), { timeout: 30_000, interval: 50 });
      const address = /on (127\.0\.0\.1:\d+)/.exec(output)![1]!;
      const info = (await (await fetch(`http://${address}/api/v1/info`)).json()) as { repositories: Array<{ id: string }> };
      expect(info.repositories.map((repository) => repository.id)).toEqual(['x86_64-demo']);
      expect(existsSync(path.join(sandbox.root, 'web.sock'))).toBe(true);
      server.kill('SIGHUP');
      await vi.waitFor(() => expect(output).toContain('configuration reloaded'), { timeout: 10_000, interval: 50 });
    } finally {
      server.kill('SIGTERM');
    }
    const [code] = (await once(server, 'close')) as [number | null];
    expect(code, output).toBe(0);
    expect(existsSync(path.join(sandbox.root, 'web.sock'))).toBe(false);
  });
});
