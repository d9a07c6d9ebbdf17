/** What `GET /api/v1/distributed` shows: the live workers (from their heartbeats) and the depth of each queue. */
import { redisOptions } from './connection.js';
import { queueName } from './job.js';
import type { DistributedSettings } from './settings.js';

/** A worker's heartbeat, kept in Redis for three heartbeats: a worker that stops beating drops out by itself. */
export interface WorkerBeat {
  id: string;
  architecture: string;
  concurrency: number;
  /** The builds under way: base and start (unix seconds). */
  jobs: Array<{ base: string; started: number }>;
  seen: number;
}

export interface QueueDepth {
  architecture: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  /** Mean build time of the last finished jobs, seconds (null before any). */
  average_duration: number | null;
  /** (waiting + delayed + active) x average / the live workers' concurrency for this architecture (null when unknown). */
  estimated_seconds: number | null;
}

export interface DistributedOverview {
  workers: WorkerBeat[];
  queues: QueueDepth[];
}

/** How many finished jobs the average build time is taken from. */
const SAMPLE = 20;

export function heartbeatKey(prefix: string, workerId: string): string {
  return `${prefix}:workers:${workerId}`;
}

export async function distributedOverview(settings: DistributedSettings, architectures: readonly string[]): Promise<DistributedOverview> {
  const { Queue } = await import('bullmq');
  const { Redis } = await import('ioredis');
  const client = new Redis({ ...redisOptions(settings.queueUrl), maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await client.scan(cursor, 'MATCH', heartbeatKey(settings.prefix, '*'), 'COUNT', 1000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    const workers = (keys.length > 0 ? await client.mget(keys) : [])
      .flatMap((value) => (value === null ? [] : [JSON.parse(value) as WorkerBeat]))
      .sort((left, right) => left.id.localeCompare(right.id));
    const queues = await Promise.all(
      architectures.map(async (architecture): Promise<QueueDepth> => {
        const queue = new Queue(queueName(architecture), { connection: client, prefix: settings.prefix });
        try {
          const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
          const finished = await queue.getJobs(['completed'], 0, SAMPLE - 1);
          const durations = finished.flatMap((job) => (job.finishedOn && job.processedOn ? [(job.finishedOn - job.processedOn) / 1000] : []));
          const average = durations.length > 0 ? durations.reduce((sum, value) => sum + value, 0) / durations.length : null;
          const slots = workers.filter((worker) => worker.architecture === architecture).reduce((sum, worker) => sum + worker.concurrency, 0);
          const pending = (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.active ?? 0);
          return {
            architecture,
            waiting: counts.waiting ?? 0,
            active: counts.active ?? 0,
            delayed: counts.delayed ?? 0,
            failed: counts.failed ?? 0,
            completed: counts.completed ?? 0,
            average_duration: average,
            estimated_seconds: average === null || slots === 0 ? (pending === 0 ? 0 : null) : Math.ceil(pending / slots) * average,
          };
        } finally {
          await queue.close();
        }
      }),
    );
    return { workers, queues };
  } finally {
    client.disconnect();
  }
}
