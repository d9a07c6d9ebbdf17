/**
 * The Redis connection of the build queue: options from `queue_url` for BullMQ (which brings ioredis), a
 * description without the password for every message, and a reachability check before anything is built.
 */
import type { RedisOptions } from 'bullmq';
import { AhrimanError, errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { DistributedSettings } from './settings.js';

export class QueueUnreachableError extends AhrimanError {}

/** How long connecting to Redis may take before the queue counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5000;

/** A run gives up on a queue it could not reach for this many heartbeats in a row (a Redis restart takes less). */
const LOST_AFTER_HEARTBEATS = 10;

/** `redis://host:port/db` with the user and password left out. */
export function describeQueue(queueUrl: string): string {
  const url = new URL(queueUrl);
  return `${url.protocol}//${url.host}${url.pathname.length > 1 ? url.pathname : ''}`;
}

/** ioredis options for `queue_url` (`redis://[user:password@]host[:port][/db]`, `rediss://` for TLS). */
export function redisOptions(queueUrl: string): RedisOptions {
  const url = new URL(queueUrl);
  const database = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 6379,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    db: Number.isInteger(database) ? database : 0,
    ...(url.protocol === 'rediss:' ? { tls: { servername: url.hostname } } : {}),
    connectTimeout: CONNECT_TIMEOUT_MS,
    // BullMQ's blocking commands need this; workers and the coordinator wait for Redis to come back
    maxRetriesPerRequest: null,
  };
}

/** What emits the errors of a Redis connection, and `ready` once it is connected (again). */
interface ConnectionEvents {
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
}

/**
 * Says once per outage that the queue cannot be reached, where its connections repeat their error at every retry
 * (and would print it themselves without a listener), and once that it is back.
 */
export function reportQueueOutages(settings: DistributedSettings, logger: Logger, connections: readonly ConnectionEvents[]): void {
  const queue = describeQueue(settings.queueUrl);
  let down = false;
  for (const connection of connections) {
    connection.on('error', (error) => {
      if (!down) logger.warning(`the build queue ${queue} is unreachable (${unreachableReason(error)}); waiting for it`);
      down = true;
    });
    connection.on('ready', () => {
      if (down) logger.info(`the build queue ${queue} is reachable again`);
      down = false;
    });
  }
}

/** Connects once without retrying and pings; throws the connection's own error. */
async function pingQueue(settings: DistributedSettings): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis({ ...redisOptions(settings.queueUrl), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => undefined); // the failure is reported by connect() below
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}

/** Why the queue cannot be reached, without a password a URL in it may carry. */
function unreachableReason(error: unknown): string {
  return errorMessage(error).replace(/:\/\/[^@\s]*@/g, '://').replace(/\.$/, '');
}

/** Connects once without retrying and pings: the one clear error when the queue cannot be used. */
export async function checkQueueReachable(settings: DistributedSettings): Promise<void> {
  try {
    await pingQueue(settings);
  } catch (error) {
    throw new QueueUnreachableError(`the build queue ${describeQueue(settings.queueUrl)} is unreachable: ${unreachableReason(error)}`);
  }
}

export interface QueueWatch {
  /** Rejects with a {@link QueueUnreachableError} once the queue is lost; never resolves. */
  lost: Promise<never>;
  stop(): void;
}

/**
 * Checks the queue every heartbeat while a run waits on it. The connections of BullMQ wait for Redis to come back
 * without end; a run whose queue stays unreachable for {@link LOST_AFTER_HEARTBEATS} heartbeats stops instead, with
 * one clear error.
 */
export function watchQueue(settings: DistributedSettings): QueueWatch {
  const intervalMs = settings.heartbeatSeconds * 1000;
  const lostAfterMs = LOST_AFTER_HEARTBEATS * intervalMs;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let failingSince: number | undefined;
  const lost = new Promise<never>((_, reject) => {
    const check = async (): Promise<void> => {
      try {
        await pingQueue(settings);
        failingSince = undefined;
      } catch (error) {
        failingSince ??= Date.now();
        if (Date.now() - failingSince >= lostAfterMs) {
          const queue = describeQueue(settings.queueUrl);
          const span = `${lostAfterMs / 1000} s (${LOST_AFTER_HEARTBEATS} heartbeats)`;
          reject(new QueueUnreachableError(`the build queue ${queue} has been unreachable for ${span}: ${unreachableReason(error)}`));
          return;
        }
      }
      if (!stopped) timer = setTimeout(() => void check(), intervalMs).unref();
    };
    timer = setTimeout(() => void check(), intervalMs).unref();
  });
  lost.catch(() => undefined); // handled by whoever races it; a watch stopped first must not report it
  return {
    lost,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
