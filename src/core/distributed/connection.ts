/**
 * The Redis connection of the build queue: options from `queue_url` for BullMQ (which brings ioredis), a
 * description without the password for every message, and a reachability check before anything is built.
 */
import type { RedisOptions } from 'bullmq';
import { AhrimanError, errorMessage } from '../errors.js';
import type { DistributedSettings } from './settings.js';

export class QueueUnreachableError extends AhrimanError {}

/** How long connecting to Redis may take before the queue counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5000;

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

/** Connects once without retrying and pings: the one clear error when the queue cannot be used. */
export async function checkQueueReachable(settings: DistributedSettings): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis({ ...redisOptions(settings.queueUrl), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => undefined); // the failure is reported by connect() below
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new QueueUnreachableError(`the build queue ${describeQueue(settings.queueUrl)} is unreachable: ${errorMessage(error).replace(/:\/\/[^@\s]*@/g, '://')}`);
  } finally {
    client.disconnect();
  }
}
