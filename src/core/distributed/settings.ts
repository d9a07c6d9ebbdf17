import os from 'node:os';
import type { Configuration } from '../configuration/configuration.js';
import { coreSchemas, DISTRIBUTED_FALLBACKS } from '../configuration/schema.js';
import { readSection } from '../configuration/validator.js';

/** `[distributed]`, read once per run; absent when the section is not there (everything builds locally). */
export interface DistributedSettings {
  queueUrl: string;
  prefix: string;
  /** The web service workers upload to and report to; `[status] address` when not set. */
  coordinator: string | undefined;
  workerId: string;
  concurrency: number;
  jobTimeoutSeconds: number;
  maxAttempts: number;
  heartbeatSeconds: number;
  fallback: (typeof DISTRIBUTED_FALLBACKS)[number];
}

export function readDistributedSettings(configuration: Configuration): DistributedSettings | undefined {
  if (!configuration.sections().includes('distributed')) return undefined;
  const section = readSection(configuration, 'distributed', coreSchemas.distributed);
  return {
    queueUrl: section.queue_url,
    prefix: section.prefix,
    coordinator: section.coordinator ?? configuration.getString('status', 'address', undefined),
    workerId: section.worker_id ?? `${os.hostname()}-${process.pid}`,
    concurrency: section.concurrency,
    jobTimeoutSeconds: section.job_timeout,
    maxAttempts: section.max_attempts,
    heartbeatSeconds: section.heartbeat,
    fallback: section.fallback,
  };
}
