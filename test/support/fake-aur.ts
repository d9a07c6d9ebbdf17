import { createReadStream, existsSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../src/core/process.js';
import { LocalHttpServer } from './local-http-server.js';

/** One AUR package as the fake serves it over RPC; `files` (PKGBUILD, .SRCINFO, ...) make up its git repository. */
export interface FakeAurPackage {
  name: string;
  packageBase?: string;
  version: string;
  description?: string;
  depends?: string[];
  makeDepends?: string[];
  checkDepends?: string[];
  provides?: string[];
  lastModified?: number;
  files?: Record<string, string>;
}

/** A planned misbehaviour for the next RPC request. */
export type Fault = { status: number; retryAfter?: string } | { garbage: string } | { hangMs: number };

/**
 * Local stand-in for aur.archlinux.org: RPC v5 (`info` by GET or POST with many `arg[]`, `search` with `by`),
 * git repositories over git's dumb HTTP protocol, request counting, added latency and injected faults.
 */
export class FakeAur extends LocalHttpServer {
  readonly packages = new Map<string, FakeAurPackage>();
  readonly requests: { kind: string; names: string[] }[] = [];
  readonly faults: Fault[] = [];
  latencyMs = 0;
  private gitRoot = '';

  override async start(): Promise<this> {
    this.gitRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'fake-aur-git-'));
    return super.start();
  }

  override async stop(): Promise<void> {
    await super.stop();
    await fs.rm(this.gitRoot, { recursive: true, force: true });
  }

  rpcRequests(kind?: string): number {
    return this.requests.filter((request) => kind === undefined || request.kind === kind).length;
  }

  /** Adds or replaces a package; with `files`, (re)commits them to the base's git repository. */
  async add(aurPackage: FakeAurPackage): Promise<void> {
    this.packages.set(aurPackage.name, aurPackage);
    if (!aurPackage.files) return;
    const base = aurPackage.packageBase ?? aurPackage.name;
    const work = path.join(this.gitRoot, 'work', base);
    const bare = path.join(this.gitRoot, `${base}.git`);
    if (!existsSync(bare)) {
      await fs.mkdir(work, { recursive: true });
      await run('git', ['init', '-q', '-b', 'master', work]);
    }
    for (const [name, content] of Object.entries(aurPackage.files)) await fs.writeFile(path.join(work, name), content);
    const git = (...args: string[]) => run('git', ['-C', work, '-c', 'user.name=aur', '-c', 'user.email=aur@localhost', ...args]);
    await git('add', '-A');
    await git('commit', '-q', '-m', `${base} ${aurPackage.version}`, '--allow-empty');
    await fs.rm(bare, { recursive: true, force: true });
    await run('git', ['clone', '-q', '--bare', work, bare]);
    await run('git', ['-C', bare, 'update-server-info']);
  }

  private json(response: http.ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private result(aurPackage: FakeAurPackage, detailed: boolean): Record<string, unknown> {
    const summary = {
      Name: aurPackage.name,
      PackageBase: aurPackage.packageBase ?? aurPackage.name,
      Version: aurPackage.version,
      Description: aurPackage.description ?? `${aurPackage.name} package`,
      URL: null,
      NumVotes: 1,
      Popularity: 0.1,
      OutOfDate: null,
      Maintainer: 'someone',
      FirstSubmitted: 1_600_000_000,
      LastModified: aurPackage.lastModified ?? 1_600_000_000,
      URLPath: `/cgit/aur.git/snapshot/${aurPackage.name}.tar.gz`,
    };
    if (!detailed) return summary;
    return {
      ...summary,
      Depends: aurPackage.depends ?? [],
      MakeDepends: aurPackage.makeDepends ?? [],
      CheckDepends: aurPackage.checkDepends ?? [],
      Provides: aurPackage.provides ?? [],
      License: ['MIT'],
      Keywords: [],
    };
  }

  private async readBody(request: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  protected async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    if (url.pathname.startsWith('/rpc')) {
      await this.handleRpc(request, response, url);
      return;
    }
    const file = path.join(this.gitRoot, path.normalize(decodeURIComponent(url.pathname)));
    if (!file.startsWith(`${this.gitRoot}/`) || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    createReadStream(file).pipe(response);
  }

  private async handleRpc(request: http.IncomingMessage, response: http.ServerResponse, url: URL): Promise<void> {
    const form = new URLSearchParams(request.method === 'POST' ? await this.readBody(request) : url.search);
    const [, , version, kind, term] = url.pathname.split('/');
    const names = form.getAll('arg[]');
    this.requests.push({ kind: kind ?? '', names });
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));

    const fault = this.faults.shift();
    if (fault && 'hangMs' in fault) await new Promise((resolve) => setTimeout(resolve, fault.hangMs));
    if (fault && 'status' in fault) {
      response.writeHead(fault.status, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}).end('failure');
      return;
    }
    if (fault && 'garbage' in fault) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(fault.garbage);
      return;
    }
    if (version !== 'v5') {
      this.json(response, 200, { type: 'error', error: 'Invalid version specified.', resultcount: 0, results: [], version: 5 });
      return;
    }
    if (kind === 'info') {
      const results = names.flatMap((name) => {
        const aurPackage = this.packages.get(name);
        return aurPackage ? [this.result(aurPackage, true)] : [];
      });
      this.json(response, 200, { type: 'multiinfo', resultcount: results.length, results, version: 5 });
      return;
    }
    if (kind === 'search' && term) {
      const by = url.searchParams.get('by') ?? 'name-desc';
      const needle = decodeURIComponent(term);
      const matches = [...this.packages.values()].filter((aurPackage) =>
        by === 'provides'
          ? [aurPackage.name, ...(aurPackage.provides ?? [])].some((provided) => provided.split('=')[0] === needle)
          : aurPackage.name.includes(needle) || (by === 'name-desc' && (aurPackage.description ?? '').includes(needle)),
      );
      this.json(response, 200, { type: 'search', resultcount: matches.length, results: matches.map((item) => this.result(item, false)), version: 5 });
      return;
    }
    this.json(response, 200, { type: 'error', error: 'Incorrect request type specified.', resultcount: 0, results: [], version: 5 });
  }
}
