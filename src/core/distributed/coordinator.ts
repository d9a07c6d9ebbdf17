/**
 * The coordinator side of a distributed run: the bases of an update go to the build queue (BullMQ on Redis) level
 * by level, workers build them, and each finished job's archives are verified and put into `packages/`, from
 * where the caller publishes the whole run once.
 *
 * Dependencies form a graph while BullMQ flows are trees (a child has one parent), so a level is enqueued only
 * once every job of the level before has finished: a base is built after what it needs is verified.
 */
import fs from 'node:fs/promises';
import type { Job } from 'bullmq';
import type { PackageRecord } from '../../models/package-record.js';
import type { PkgbuildPatch } from '../../models/patch.js';
import { errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';
import type { RepositoryServices } from '../repository/services.js';
import { QueueUnreachableError, checkQueueReachable, describeQueue, redisOptions, reportQueueOutages, watchQueue } from './connection.js';
import { type BuildJob, jobId, queueName } from './job.js';
import type { DistributedSettings } from './settings.js';
import { runStaging } from './staging.js';
import { type StagedArchive, StagingRepository } from './staging-repository.js';
import { acceptOutcome } from './verify.js';

const logger = getLogger('distributed');

/** Jobs stay in Redis this long after they finish, so a coordinator restarted within it finds them. */
const KEEP_FINISHED_SECONDS = 7 * 24 * 60 * 60;

export interface PlannedBuild {
  version: string;
  patches: PkgbuildPatch[];
}

export interface DistributedPlan {
  levels: string[][];
  records: ReadonlyMap<string, PackageRecord>;
  /** Reasons of the bases that failed so far; the run adds its own. */
  failed: Map<string, string>;
  /** The base whose failure blocks this one, if any. */
  blocker(base: string): string | undefined;
  /** The version to build and the patches to apply, as a local build would. */
  plan(record: PackageRecord): Promise<PlannedBuild>;
  /** The packager of a base's build. */
  packager(record: PackageRecord): string;
  /** Records what a build used and produced, as after a local build; `archives` are its verified archives. */
  recordBuild(base: string, version: string, archives: readonly string[]): Promise<void>;
}

export interface DistributedResult {
  built: Map<string, { version: string; duration: number }>;
  /** Forgets the run once its archives are published: the next run gets a new id. */
  close(): Promise<void>;
}

/** Connects and checks the queue: the one clear error (or undefined with `fallback = local`) before anything is built. */
export async function queueAvailable(settings: DistributedSettings): Promise<boolean> {
  try {
    await checkQueueReachable(settings);
    return true;
  } catch (error) {
    if (settings.fallback !== 'local') throw error;
    logger.warning(`${errorMessage(error)}; building locally ([distributed] fallback = local)`);
    return false;
  }
}

export async function buildOnWorkers(services: RepositoryServices, settings: DistributedSettings, plan: DistributedPlan): Promise<DistributedResult> {
  const [{ Queue, QueueEvents }, { Redis }] = await Promise.all([import('bullmq'), import('ioredis')]);
  const { paths, state } = services;
  const { run, resumed } = await state.distributedRuns.runOpen();
  logger.info(`${resumed ? 'resuming' : 'starting'} distributed run ${run} on ${describeQueue(settings.queueUrl)}`);
  // connections of our own: one that is lost is dropped at once, where BullMQ's close would wait for Redis
  const connections = [new Redis(redisOptions(settings.queueUrl)), new Redis(redisOptions(settings.queueUrl))] as const;
  reportQueueOutages(settings, logger, connections);
  const name = queueName(paths.repositoryId.architecture);
  const queue = new Queue<BuildJob>(name, { connection: connections[0], prefix: settings.prefix });
  const events = new QueueEvents(name, { connection: connections[1], prefix: settings.prefix });
  // every job of a level is awaited at once, and each wait listens on both
  queue.setMaxListeners(0);
  events.setMaxListeners(0);
  // the errors of their connections are reported once, above
  queue.on('error', () => undefined);
  events.on('error', () => undefined);
  const tracked = new Map<string, { base: string; version: string; worker?: string }>();
  // status reports go out one after the other, so that `built on W` never lands before `building on W`
  let reporting = Promise.resolve();
  const report = (base: string, step: () => Promise<void>): void => {
    reporting = reporting.then(step).catch((error: unknown) => logger.warning(`${base}: the status report failed: ${errorMessage(error)}`));
  };
  events.on('progress', ({ jobId: id, data }) => {
    const job = tracked.get(id);
    const worker = (data as { worker?: unknown }).worker;
    if (job === undefined || typeof worker !== 'string') return;
    job.worker = worker;
    logger.info(`${job.base}: building on ${worker}`);
    report(job.base, () => services.status.remoteStep(job.base, job.version, 'building', `building on ${worker}`, { worker }));
  });
  const built = new Map<string, { version: string; duration: number }>();
  const staging = new StagingRepository(paths, run);
  const watch = watchQueue(settings);
  let queueLost = false;
  const levels = buildLevels();
  levels.catch(() => undefined); // once the queue is lost, nobody waits for what it still waits on
  try {
    await Promise.race([
      levels,
      watch.lost.catch((error: unknown) => {
        queueLost = true;
        throw new QueueUnreachableError(`${errorMessage(error)}; distributed run ${run} stops with nothing published, and the next run resumes it`);
      }),
    ]);
  } finally {
    watch.stop();
    await reporting;
    if (queueLost) {
      for (const connection of connections) connection.disconnect();
      // only to stop them reading: what they wait for never comes
      void events.close().catch(() => undefined);
      void queue.close().catch(() => undefined);
    } else {
      await Promise.all([events.close(), queue.close()]);
      await Promise.all(connections.map((connection) => connection.quit()));
    }
  }
  return {
    built,
    close: async () => {
      await state.distributedRuns.runClose(run);
      await fs.rm(runStaging(paths, run), { recursive: true, force: true });
    },
  };

  async function buildLevels(): Promise<void> {
    await events.waitUntilReady();
    for (const [index, level] of plan.levels.entries()) {
      const jobs: BuildJob[] = [];
      for (const base of level) {
        const blocker = plan.blocker(base);
        if (blocker !== undefined) {
          plan.failed.set(base, `dependency ${blocker} failed`);
          continue;
        }
        const record = plan.records.get(base)!;
        const { version, patches } = await plan.plan(record);
        jobs.push({
          repository: { architecture: paths.repositoryId.architecture, name: paths.repositoryId.name },
          run,
          base,
          version,
          packages: Object.keys(record.packages).length > 0 ? Object.keys(record.packages) : [base],
          packager: plan.packager(record),
          remote: record.remote,
          patches,
          staged: !staging.empty,
        });
      }
      if (jobs.length === 0) continue;
      const added = await queue.addBulk(
        jobs.map((job) => ({
          name: job.base,
          data: job,
          opts: {
            jobId: jobId(job),
            attempts: settings.maxAttempts,
            backoff: { type: 'exponential', delay: 1000 },
            removeOnComplete: { age: KEEP_FINISHED_SECONDS },
            removeOnFail: { age: KEEP_FINISHED_SECONDS },
          },
        })),
      );
      for (const job of added) tracked.set(job.id!, { base: job.data.base, version: job.data.version });
      // after queueing, not before: the reports (the first one logs in to the web service) delay no build; the
      // logs of other versions go as before a local build, and the job's own are kept whenever this lands
      report(name, () =>
        services.status.client.batch(async () => {
          for (const job of added) {
            await services.status.client.logsRemove(job.data.base, job.data.version);
            await services.status.remoteStep(job.data.base, job.data.version, 'pending', `queued on ${name}`, { queue: name });
          }
        }),
      );
      logger.info(`level ${index + 1} of ${plan.levels.length}: ${jobs.length} job(s) queued (${jobs.map((job) => job.base).join(', ')})`);
      const accepted = await Promise.all(added.map((job, position) => finish(job, jobs[position]!)));
      // what the next levels depend on, for workers whose build environment installs dependencies
      await staging.add(accepted.flat());
    }
  }

  async function finish(job: Job<BuildJob>, data: BuildJob): Promise<StagedArchive[]> {
    try {
      const value: unknown = await job.waitUntilFinished(events);
      const { outcome, archives } = await acceptOutcome(paths, data, value);
      await plan.recordBuild(data.base, data.version, archives.map((archive) => archive.file));
      built.set(data.base, { version: data.version, duration: outcome.duration });
      logger.info(`${data.base}: built ${data.version} on ${outcome.worker}`);
      report(data.base, () => services.status.remoteStep(data.base, data.version, undefined, `built on ${outcome.worker}`, { worker: outcome.worker, duration: outcome.duration }));
      return archives;
    } catch (error) {
      const reason = errorMessage(error);
      plan.failed.set(data.base, reason);
      logger.error(`${data.base}: ${reason}`);
      const worker = tracked.get(job.id!)?.worker;
      const where = worker === undefined ? '' : ` on ${worker}`;
      report(data.base, () => services.status.remoteStep(data.base, data.version, 'failed', `failed${where}: ${reason}`, worker === undefined ? {} : { worker }));
      return [];
    }
  }
}
