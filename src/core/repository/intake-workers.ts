/**
 * Worker threads that inspect archives (intake.ts) for the main thread: a directory of many archives is read by one
 * worker per core (up to 8), so decompressing, hashing and parsing use every core. In a worker the whole inspection
 * of a small archive is synchronous, and the main thread only hands out file names and moves the staged copies into
 * place.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PackageMetadata } from '../../models/package-metadata.js';
import { defaultConcurrency } from '../concurrency.js';
import { InvalidInputError } from '../errors.js';
import type { InspectionAnswer, InspectionRequest } from './intake-protocol.js';
import type { InspectOptions } from './intake.js';

/**
 * Fewer archives than this are read on the main thread: starting a worker (a V8 isolate that loads the intake code)
 * costs more than a few archives take.
 */
export const INTAKE_WORKERS_THRESHOLD = 32;
/**
 * Workers at most, however many cores: each is an isolate of some tens of MB, and beyond this the main thread, which
 * moves every staged copy into place, and the disk set the pace.
 */
const MAX_WORKERS = 8;
/** Archives sent to one worker at a time, so it never waits for the main thread between two. */
const REQUESTS_PER_WORKER = 2;

/** The built worker script: tsc's dist/ and the CLI bundle (dist/cli/) each have one beside this module. */
const SCRIPT = fileURLToPath(new URL('./intake-worker.js', import.meta.url));

interface Pending {
  resolve: (metadata: PackageMetadata) => void;
  reject: (error: Error) => void;
}

/** A started worker with the requests it has not answered yet. */
class IntakeWorker {
  readonly pending = new Map<number, Pending>();
  readonly thread: Worker;
  /** Why the worker stopped, once it has. */
  failure: Error | undefined;

  constructor(script: string) {
    this.thread = new Worker(script);
    this.thread.on('message', (answer: InspectionAnswer) => {
      const pending = this.pending.get(answer.id);
      this.pending.delete(answer.id);
      if ('metadata' in answer) pending?.resolve(answer.metadata);
      else pending?.reject(answer.invalidInput ? new InvalidInputError(answer.error) : new Error(answer.error));
    });
    this.thread.on('error', (error) => this.fail(error));
    this.thread.on('exit', (code) => this.fail(new Error(`an intake worker stopped (exit code ${code})`)));
  }

  /** A worker that failed or stopped fails what it still had to answer. */
  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

export class IntakeWorkers {
  private readonly workers: IntakeWorker[];
  private nextId = 0;

  private constructor(count: number, script: string) {
    this.workers = Array.from({ length: count }, () => new IntakeWorker(script));
  }

  /**
   * Workers for `archives` archives, or undefined when the main thread should read them: few archives, or no built
   * worker script (run from the sources, as tests do in process).
   */
  static forArchives(archives: number, script = SCRIPT): IntakeWorkers | undefined {
    if (archives < INTAKE_WORKERS_THRESHOLD || !existsSync(script)) return undefined;
    return new IntakeWorkers(Math.min(defaultConcurrency(), MAX_WORKERS), script);
  }

  /** Requests in flight that keep every worker busy. */
  get capacity(): number {
    return this.workers.length * REQUESTS_PER_WORKER;
  }

  /** {@link inspectArchive} on the least busy worker. */
  inspect(file: string, options: Omit<InspectOptions, 'validated'>): Promise<PackageMetadata> {
    const running = this.workers.filter((worker) => worker.failure === undefined);
    if (running.length === 0) return Promise.reject(this.workers[0]!.failure!);
    const worker = running.reduce((least, candidate) => (candidate.pending.size < least.pending.size ? candidate : least));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      worker.pending.set(id, { resolve, reject });
      worker.thread.postMessage({ id, file, options } satisfies InspectionRequest);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.thread.terminate()));
  }
}
