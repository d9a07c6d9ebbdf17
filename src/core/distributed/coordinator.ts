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
import { checkQueueReachable, describeQueue, redisOptions } from './connection.js';
import { type BuildJob, jobId, queueName } from './job.js';
import type { DistributedSettings } from './settings.js';
import { runStaging } from './staging.js';
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
  const { Queue, QueueEvents } = await import('bullmq');
  const { paths, state } = services;
  const { run, resumed } = await state.distributedRuns.runOpen();
  logger.info(`${resumed ? 'resuming' : 'starting'} distributed run ${run} on ${describeQueue(settings.queueUrl)}`);
  const options = { connection: redisOptions(settings.queueUrl), prefix: settings.prefix };
  const name = queueName(paths.repositoryId.architecture);
  const queue = new Queue<BuildJob>(name, options);
  const events = new QueueEvents(name, options);
  // every job of a level is awaited at once, and each wait listens on both
  queue.setMaxListeners(0);
  events.setMaxListeners(0);
  const bases = new Map<string, string>();
  events.on('progress', ({ jobId: id, data }) => {
    const base = bases.get(id);
    const worker = (data as { worker?: unknown }).worker;
    if (base === undefined || typeof worker !== 'string') return;
    logger.info(`${base}: building on ${worker}`);
    void state.packages.updateStatus(base, 'building').catch((error: unknown) => logger.warning(`${base}: ${errorMessage(error)}`));
  });
  const built = new Map<string, { version: string; duration: number }>();
  try {
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
      for (const job of added) bases.set(job.id!, job.data.base);
      logger.info(`level ${index + 1} of ${plan.levels.length}: ${jobs.length} job(s) queued (${jobs.map((job) => job.base).join(', ')})`);
      await Promise.all(added.map((job, position) => finish(job, jobs[position]!)));
    }
  } finally {
    await events.close();
    await queue.close();
  }
  return {
    built,
    close: async () => {
      await state.distributedRuns.runClose(run);
      await fs.rm(runStaging(paths, run), { recursive: true, force: true });
    },
  };

  async function finish(job: Job<BuildJob>, data: BuildJob): Promise<void> {
    try {
      const value: unknown = await job.waitUntilFinished(events);
      const outcome = await acceptOutcome(paths, data, value);
      built.set(data.base, { version: data.version, duration: outcome.duration });
      logger.info(`${data.base}: built ${data.version} on ${outcome.worker}`);
    } catch (error) {
      plan.failed.set(data.base, errorMessage(error));
      logger.error(`${data.base}: ${errorMessage(error)}`);
    }
  }
}
