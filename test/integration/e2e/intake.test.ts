/**
 * `package-add` of archives (a directory, a file, a URL) reads every archive in full before staging it: corrupt,
 * lying and hostile archives, and symbolic links, FIFOs and directories named like archives, are each refused with
 * one line and exit code 1, without blocking the good archives beside them or any later run.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTAKE_WORKERS_THRESHOLD } from '../../../src/core/repository/intake-workers.js';
import { craftArchive, writeHostileArchives } from '../../support/crafted-archives.js';
import { LocalHttpServer } from '../../support/local-http-server.js';
import { removeKeyringTemplate } from '../../support/pacman-client.js';
import { Service, type DatabaseEntry } from './support.js';

/** Serves the files of one directory. */
class FileServer extends LocalHttpServer {
  constructor(private readonly directory: string) {
    super();
  }

  protected async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const file = path.join(this.directory, path.basename(new URL(request.url ?? '/', this.url).pathname));
    if (!existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    createReadStream(file).pipe(response);
  }
}

/** The lines of the command's error output that name a rejected archive. */
const rejections = (stderr: string): string[] => stderr.split('\n').filter((line) => line.includes('rejected '));

describe('package-add of archives', () => {
  let service: Service;
  let incoming: string;
  let cases: Map<string, string>;
  let served: DatabaseEntry[];

  beforeAll(async () => {
    service = await Service.create({ sign: false });
    const first = await service.temporaryDirectory();
    await service.expectCli(['package-add', await craftArchive(first, { pkgname: 'ahr-served', version: '1.0-1' })]);
    await service.expectCli(['repo-update']);
    served = await service.checkServedFiles();
    incoming = await service.temporaryDirectory();
    cases = await writeHostileArchives(incoming);
    await craftArchive(incoming, { pkgname: 'ahr-good', version: '1.0-1' });
  });

  afterAll(async () => {
    await service?.cleanup();
    await removeKeyringTemplate();
  });

  it('of a directory: stages the good archive, refuses every bad entry with one line, exits 1', async () => {
    const result = await service.cli(['package-add', incoming]);
    expect(result.code).toBe(1);
    const lines = rejections(result.stderr);
    expect(lines).toHaveLength(cases.size);
    for (const name of cases.keys()) expect(lines.filter((line) => line.includes(`/${name}:`)), `${name} (${cases.get(name)})`).toHaveLength(1);
    expect(result.stdout.trim()).toBe(`staged ${path.join(service.incoming, 'ahr-good-1.0-1-any.pkg.tar.zst')}`);
    expect((await fs.readdir(service.incoming)).filter((name) => !name.startsWith('.'))).toEqual(['ahr-good-1.0-1-any.pkg.tar.zst']);
    expect(existsSync('/tmp/ahriman-intake-pwned')).toBe(false);
  });

  it('the next repo-update publishes the good archive; the served ones are unchanged', async () => {
    await service.expectCli(['repo-update']);
    const entries = await service.checkServedFiles();
    expect(entries.map((entry) => `${entry.name} ${entry.version}`)).toEqual(['ahr-good 1.0-1', 'ahr-served 1.0-1']);
    expect(entries.find((entry) => entry.name === 'ahr-served')).toEqual(served[0]);
    const pacman = await service.pacman();
    expect((await pacman.sync()).code).toBe(0);
  });

  it('of one bad file: one line, exit 1, nothing staged', async () => {
    const result = await service.cli(['package-add', path.join(incoming, 'mismatch-1.0-1-any.pkg.tar.zst')]);
    expect(result.code).toBe(1);
    expect(rejections(result.stderr)).toEqual([expect.stringMatching(/mismatch-1\.0-1-any\.pkg\.tar\.zst: the file name says mismatch 1\.0-1 \(any\), its \.PKGINFO says ahr-good 9\.9-1/)]);
    expect((await fs.readdir(service.incoming)).filter((name) => !name.startsWith('.'))).toEqual([]);
  });

  it('of URLs: a bad download is refused with one line, a good one is staged', async () => {
    const server = await new FileServer(incoming).start();
    try {
      await craftArchive(incoming, { pkgname: 'ahr-remote', version: '1.0-1' });
      const bad = await service.cli(['package-add', `${server.url}/verskew-1.0-1-any.pkg.tar.zst`]);
      expect(bad.code).toBe(1);
      expect(rejections(bad.stderr)).toEqual([expect.stringContaining(`rejected ${server.url}/verskew-1.0-1-any.pkg.tar.zst: the file name says verskew 1.0-1 (any), its .PKGINFO says verskew 7.0-1`)]);
      const good = await service.expectCli(['package-add', `${server.url}/ahr-remote-1.0-1-any.pkg.tar.zst`]);
      expect(good.stdout.trim()).toBe(`staged ${path.join(service.incoming, 'ahr-remote-1.0-1-any.pkg.tar.zst')}`);
    } finally {
      await server.stop();
    }
    await service.expectCli(['repo-update']);
    expect((await service.checkServedFiles()).map((entry) => entry.name)).toEqual(['ahr-good', 'ahr-remote', 'ahr-served']);
  });

  it(`of a directory of ${INTAKE_WORKERS_THRESHOLD} archives or more (read by worker threads): the same refusals, every good one staged`, async () => {
    const many = await service.temporaryDirectory();
    await writeHostileArchives(many);
    const names = Array.from({ length: INTAKE_WORKERS_THRESHOLD }, (_, index) => `ahr-many-${index}`);
    for (const name of names) await craftArchive(many, { pkgname: name, version: '1.0-1' });
    const result = await service.cli(['package-add', many]);
    expect(result.code).toBe(1);
    const lines = rejections(result.stderr);
    for (const name of cases.keys()) expect(lines.filter((line) => line.includes(`/${name}:`)), `${name} (${cases.get(name)})`).toHaveLength(1);
    expect(lines).toHaveLength(cases.size);
    expect(existsSync('/tmp/ahriman-intake-pwned')).toBe(false);
    await service.expectCli(['repo-update']);
    const published = (await service.checkServedFiles()).map((entry) => entry.name);
    expect(published).toEqual(['ahr-good', ...names.sort(), 'ahr-remote', 'ahr-served']);
  });

  it(`repo-update of ${INTAKE_WORKERS_THRESHOLD} archives or more staged as builds stage them (read by worker threads)`, async () => {
    const before = (await service.checkServedFiles()).map((entry) => entry.name);
    const names = Array.from({ length: INTAKE_WORKERS_THRESHOLD }, (_, index) => `ahr-built-${index}`);
    for (const name of names) await craftArchive(service.incoming, { pkgname: name, version: '1.0-1' });
    await fs.writeFile(path.join(service.incoming, 'broken-1.0-1-any.pkg.tar.zst'), randomBytes(512));
    const result = await service.cli(['repo-update']);
    expect(result.code).toBe(1);
    expect(rejections(result.stderr)).toEqual([
      expect.stringContaining(`rejected ${path.join(service.incoming, 'broken-1.0-1-any.pkg.tar.zst')}: not a tar archive`),
    ]);
    expect(await fs.readdir(path.join(service.incoming, 'rejected'))).toEqual(['broken-1.0-1-any.pkg.tar.zst']);
    expect((await service.checkServedFiles()).map((entry) => entry.name)).toEqual([...before, ...names].sort());
  });
});
