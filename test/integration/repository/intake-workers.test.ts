/**
 * The intake's worker threads, running the worker script the build bundles (dist/cli/intake-worker.js): each archive
 * gets exactly what the main thread's inspection gives, metadata or the error, and its staged copy.
 */
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import { INTAKE_WORKERS_THRESHOLD, IntakeWorkers } from '../../../src/core/repository/intake-workers.js';
import { inspectArchive } from '../../../src/core/repository/intake.js';
import { craftArchive, writeHostileArchives } from '../../support/crafted-archives.js';

const BUNDLED_WORKER = path.resolve(import.meta.dirname, '../../../dist/cli/intake-worker.js');

let scratch: string;
let archives: string[];
let good: string[];

beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-intake-workers-'));
  const incoming = path.join(scratch, 'incoming');
  const hostile = await writeHostileArchives(incoming);
  const regular = [...hostile.keys()].filter((name) => !['passwd', 'fifo', 'subdir'].some((prefix) => name.startsWith(`${prefix}-`)));
  good = [
    await craftArchive(incoming, { pkgname: 'ahr-small', version: '1.0-1' }),
    await craftArchive(incoming, { pkgname: 'ahr-big', version: '2:1.0-1', arch: 'x86_64', payload: 3 * 1024 * 1024 }),
    await craftArchive(incoming, { pkgname: 'ahr-big-xz', version: '1.0-1', arch: 'x86_64', payload: 3 * 1024 * 1024 }, 'ahr-big-xz-1.0-1-x86_64.pkg.tar.xz'),
  ];
  archives = [...good, ...regular.map((name) => path.join(incoming, name))];
});

afterAll(() => fs.rm(scratch, { recursive: true, force: true }));

/** The metadata of an archive or the error it was refused with, as comparable data. */
async function outcome(inspection: Promise<unknown>): Promise<unknown> {
  return inspection.then(
    (metadata) => ({ metadata }),
    (error: Error) => ({ error: error.message, invalidInput: error instanceof InvalidInputError }),
  );
}

describe('IntakeWorkers', () => {
  it('inspects every archive as the main thread does, good or bad, small or streamed, and stages the copies', async () => {
    const workers = IntakeWorkers.forArchives(INTAKE_WORKERS_THRESHOLD, BUNDLED_WORKER);
    expect(workers).toBeDefined();
    try {
      for (const [index, file] of archives.entries()) {
        const copyTo = path.join(scratch, `copy-${index}`);
        const options = { architecture: 'x86_64', copyTo };
        const [threaded, local] = [await outcome(workers!.inspect(file, options)), await outcome(inspectArchive(file, { ...options, copyTo: `${copyTo}-local` }))];
        expect(threaded, path.basename(file)).toEqual(local);
        if ('metadata' in (local as object)) expect(readFileSync(copyTo).equals(readFileSync(file))).toBe(true);
      }
    } finally {
      await workers!.close();
    }
    const refused = await Promise.all(archives.map((file) => outcome(inspectArchive(file, { architecture: 'x86_64' }))));
    expect(refused.filter((result) => 'metadata' in (result as object))).toHaveLength(good.length);
    expect(refused.filter((result) => (result as { invalidInput?: boolean }).invalidInput)).toHaveLength(archives.length - good.length);
  });

  it('reads few archives on the main thread, and none where the worker script is not built', () => {
    expect(IntakeWorkers.forArchives(INTAKE_WORKERS_THRESHOLD - 1, BUNDLED_WORKER)).toBeUndefined();
    expect(IntakeWorkers.forArchives(INTAKE_WORKERS_THRESHOLD, path.join(scratch, 'missing.js'))).toBeUndefined();
  });

  it('fails what a stopped worker still had to answer, and what is asked of it later', async () => {
    const workers = IntakeWorkers.forArchives(INTAKE_WORKERS_THRESHOLD, BUNDLED_WORKER)!;
    const pending = expect(workers.inspect(archives[1]!, { architecture: 'x86_64' })).rejects.toThrow(/an intake worker stopped/);
    await workers.close();
    await pending;
    await expect(workers.inspect(archives[0]!, { architecture: 'x86_64' })).rejects.toThrow(/an intake worker stopped/);
  });
});
