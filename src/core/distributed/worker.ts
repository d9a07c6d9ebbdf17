/**
 * `repo-worker`: pulls build jobs of its architecture from the queue, builds each with the configured driver, streams
 * the build log to the coordinator's status API, uploads the archives to the coordinator's staging area for the job
 * (`service/upload` with `run` and `base`, as a user of role full, retried), and completes the job with what it
 * built (names, versions, sha256), which the coordinator checks before it accepts anything.
 *
 * BullMQ renews the lock of a running job; a worker that dies stops renewing it, and the job returns to the queue
 * after the stall interval (three heartbeats), for another worker.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { readPackageArchive } from '../alpm/package-archive.js';
import { applyPatches } from '../build/patches.js';
import { prepareBuildDirectory } from '../build/sources.js';
import { LogWriter } from '../database/operations/log-writer.js';
import { ConfigurationError, InvalidInputError, errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';
import type { BuildSettings } from '../repository/build-settings.js';
import { SourceLoader } from '../repository/source-loader.js';
import { withRetries } from '../retry.js';
import { logRecordJson } from '../status/wire.js';
import { type WebEndpoint, WebServiceError, WebTransport } from '../status/web-transport.js';
import { describeQueue, redisOptions, reportQueueOutages } from './connection.js';
import { type BuildJob, type BuildOutcome, buildJobSchema, parsePayload, queueName } from './job.js';
import { type WorkerBeat, heartbeatKey } from './monitor.js';
import type { DistributedSettings } from './settings.js';
import { mirrorStagingRepository } from './staging-mirror.js';

const logger = getLogger('worker');

/** Retries of an upload to the coordinator (network failures and 5xx answers), with backoff from one second. */
const UPLOAD_POLICY = { maxRetries: 5, backoffSeconds: 1 };

export interface WorkerOptions {
  paths: RepositoryPaths;
  build: BuildSettings;
  settings: DistributedSettings;
  /** The coordinator's web service and the user (role full) to log in as. */
  coordinator: WebEndpoint;
}

/** A network failure, a 5xx or a 429: the same request may pass later. */
function transientFailure(error: unknown): boolean {
  return !(error instanceof WebServiceError) || error.status === undefined || error.status >= 500 || error.status === 429;
}

/**
 * Logs in to the coordinator before taking jobs: a password check costs the coordinator a bcrypt round, once per
 * worker instead of at the first job, and wrong credentials stop the worker here with one line. A coordinator that
 * cannot be reached yet is only a warning: the login is tried again at the first request.
 */
async function logInOnce(transport: WebTransport): Promise<void> {
  try {
    await transport.logIn();
  } catch (error) {
    if (!(error instanceof WebServiceError) || transientFailure(error)) {
      logger.warning(`${errorMessage(error)}; logging in again at the first job`);
      return;
    }
    throw new ConfigurationError(`${errorMessage(error)}: check [status] username and password (a user of role full on the coordinator)`);
  }
}

/** Builds one job; resolves to what the coordinator needs to verify it. */
async function buildJob(options: WorkerOptions, transport: WebTransport, job: BuildJob): Promise<BuildOutcome> {
  const { paths, build, settings } = options;
  const started = Date.now();
  const query = `architecture=${encodeURIComponent(job.repository.architecture)}&repository=${encodeURIComponent(job.repository.name)}`;
  const processId = randomUUID();
  // each chunk of lines (a few per second at most) is one request
  const log = new LogWriter({
    logsInsert: async (records) => {
      await transport.request('POST', `/api/v2/packages/${encodeURIComponent(job.base)}/logs?${query}`, records.map(logRecordJson));
    },
  });
  await fs.mkdir(paths.buildWorkspaces, { recursive: true });
  const workspace = await fs.mkdtemp(path.join(paths.buildWorkspaces, `${job.base}-`));
  try {
    const checkout = await new SourceLoader(paths, build.user).checkout(job.base, job.remote);
    const directory = path.join(workspace, job.base);
    await prepareBuildDirectory(checkout, directory);
    await applyPatches(directory, job.patches);
    const output = path.join(workspace, '.output');
    const driver = await build.driver();
    const repositories = job.staged && driver.installsDependencies ? [await mirrorStagingRepository(transport, paths, job)] : [];
    const archives = await driver.build({
      repositories,
      directory,
      packageBase: job.base,
      outputDirectory: output,
      packager: job.packager,
      makeFlags: build.makeFlags,
      makepkgFlags: build.makepkgFlags,
      user: build.user,
      includeDebug: build.includeDebug,
      timeoutMs: settings.jobTimeoutSeconds * 1000,
      onLine: (message) => log.write({ packageBase: job.base, version: job.version, processId, created: Date.now() / 1000, message }),
    });
    const built = await Promise.all(archives.map(async (file) => ({ file, metadata: await readPackageArchive(file) })));
    const wrong = built.find(({ metadata }) => metadata.version !== job.version);
    if (wrong) throw new InvalidInputError(`${job.base} built ${wrong.metadata.name} ${wrong.metadata.version}, the job asked for ${job.version}`);
    const uploadPath = `/api/v1/service/upload?${query}&run=${job.run}&base=${encodeURIComponent(job.base)}`;
    await withRetries(UPLOAD_POLICY, { what: `upload of ${job.base} to ${transport.description}`, retryable: transientFailure }, () =>
      transport.upload(uploadPath, archives),
    );
    return {
      worker: settings.workerId,
      duration: (Date.now() - started) / 1000,
      archives: built.map(({ file, metadata }) => ({
        file: path.basename(file),
        name: metadata.name,
        version: metadata.version,
        architecture: metadata.architecture,
        sha256: metadata.sha256,
      })),
    };
  } finally {
    await log.close().catch((error: unknown) => logger.warning(`${job.base}: the build log did not reach the coordinator: ${errorMessage(error)}`));
    await fs.rm(workspace, { recursive: true, force: true });
  }
}

/** Runs until `signal` aborts; then finishes the builds under way and returns. */
export async function runWorker(options: WorkerOptions, signal: AbortSignal): Promise<void> {
  const { Worker } = await import('bullmq');
  const { Redis } = await import('ioredis');
  const { paths, settings } = options;
  const architecture = paths.repositoryId.architecture;
  const transport = new WebTransport(options.coordinator);
  await logInOnce(transport);
  const running = new Map<string, { base: string; started: number }>();
  const connection = redisOptions(settings.queueUrl);
  const stallMs = settings.heartbeatSeconds * 3000;

  const beats = new Redis(connection);
  const beat = async (): Promise<void> => {
    const value: WorkerBeat = {
      id: settings.workerId,
      architecture,
      concurrency: settings.concurrency,
      jobs: [...running.values()].map((item) => ({ base: item.base, started: Math.floor(item.started / 1000) })),
      seen: Math.floor(Date.now() / 1000),
    };
    await beats.set(heartbeatKey(settings.prefix, settings.workerId), JSON.stringify(value), 'EX', settings.heartbeatSeconds * 3);
  };
  const processor = async (job: Job): Promise<BuildOutcome> => {
    const data = parsePayload(buildJobSchema, job.data, `job ${job.id}`);
    if (data.repository.architecture !== architecture) throw new InvalidInputError(`job ${job.id} is for ${data.repository.architecture}, this worker builds ${architecture}`);
    running.set(job.id!, { base: data.base, started: Date.now() });
    // the overview shows what a worker builds from the moment it starts, not from its next heartbeat
    void beat().catch(() => undefined);
    try {
      await job.updateProgress({ worker: settings.workerId });
      logger.info(`building ${data.base} ${data.version} (attempt ${job.attemptsMade + 1})`);
      const outcome = await buildJob(options, transport, data);
      logger.info(`finished build of ${data.base} ${data.version}: ${outcome.archives.map((archive) => archive.file).join(', ')}`);
      return outcome;
    } catch (error) {
      logger.error(`${data.base}: ${errorMessage(error)}`);
      throw error;
    } finally {
      running.delete(job.id!);
      void beat().catch(() => undefined);
    }
  };

  const worker = new Worker(queueName(architecture), processor, {
    connection,
    prefix: settings.prefix,
    concurrency: settings.concurrency,
    lockDuration: stallMs,
    stalledInterval: stallMs,
    maxStalledCount: settings.maxAttempts,
  });
  reportQueueOutages(settings, logger, [beats, worker]);
  const timer = setInterval(() => void beat().catch(() => undefined), settings.heartbeatSeconds * 1000);
  try {
    await worker.waitUntilReady();
    await beat();
    logger.info(`worker ${settings.workerId} takes ${architecture} jobs from ${describeQueue(settings.queueUrl)} (${settings.concurrency} at once)`);
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  } finally {
    clearInterval(timer);
    await leaveQueue(worker, beats, settings);
  }
}

/**
 * Finishes the builds under way and leaves the queue; without the queue it leaves at once, since no result could be
 * handed in (the jobs return to the queue for another worker once Redis is back). Redis going away while the builds
 * finish leaves the worker waiting for it, until the service manager's stop timeout.
 */
async function leaveQueue(worker: Worker, beats: Redis, settings: DistributedSettings): Promise<void> {
  if (beats.status === 'ready') {
    await worker.close();
    await beats.del(heartbeatKey(settings.prefix, settings.workerId)).catch(() => undefined);
    beats.disconnect();
    return;
  }
  logger.warning(`the build queue ${describeQueue(settings.queueUrl)} is unreachable: leaving without the builds under way, which the queue gives to a worker again`);
  beats.disconnect();
  await worker.close(true);
}
