/**
 * The one retry policy of every call to another system (HTTP services, GitHub, git remotes, rsync, SMTP): bounded
 * attempts, exponential backoff with jitter, or the delay the other side asked for (HTTP `Retry-After`).
 */
import { setTimeout as timersDelay } from 'node:timers/promises';
import { errorMessage } from './errors.js';
import { getLogger } from './log/logger.js';

export interface RetryPolicy {
  /** Further attempts after the first failed one. */
  maxRetries: number;
  /** Pause before the first retry, in seconds; it doubles with every further retry (jittered, at most 5 minutes). */
  backoffSeconds: number;
}

export interface RetryOptions {
  /** Names the operation in the warning logged before each retry. */
  what: string;
  /** Whether a failure may go away by trying again (a network hiccup, a time limit, HTTP 429/5xx). */
  retryable(error: unknown): boolean;
  /** The delay the other side asked for (e.g. HTTP Retry-After), which replaces the backoff. */
  requestedDelaySeconds?(error: unknown): number | undefined;
  /** The reason logged for a failure (default: its message). */
  describe?(error: unknown): string;
}

/** No pause between attempts is longer than this, whatever the backoff or the other side says. */
export const MAX_RETRY_DELAY_SECONDS = 300;

const logger = getLogger('retry');

export function sleep(milliseconds: number): Promise<void> {
  return timersDelay(milliseconds);
}

/**
 * The pause before retry number `retry` (0 for the first): between half and all of `backoff * 2^retry`, so clients
 * that failed together do not all come back at the same moment.
 */
export function backoffSeconds(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.backoffSeconds * 2 ** retry, MAX_RETRY_DELAY_SECONDS);
  return ceiling / 2 + (random() * ceiling) / 2;
}

/** Retry-After is either delta-seconds or an HTTP date; anything else is ignored. */
export function retryAfterSeconds(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, MAX_RETRY_DELAY_SECONDS);
  const date = Date.parse(header);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, (date - now) / 1000), MAX_RETRY_DELAY_SECONDS);
}

/**
 * Runs `operation` (given the attempt number, from 1) until it succeeds, fails in a way that is not retryable, or
 * has failed `1 + maxRetries` times; the last failure is thrown as it is.
 */
export async function withRetries<T>(policy: RetryPolicy, options: RetryOptions, operation: (attempt: number) => Promise<T>): Promise<T> {
  const attempts = 1 + policy.maxRetries;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= attempts || !options.retryable(error)) throw error;
      const requested = options.requestedDelaySeconds?.(error);
      const wait = requested === undefined ? backoffSeconds(policy, attempt - 1) : Math.min(requested, MAX_RETRY_DELAY_SECONDS);
      const reason = options.describe?.(error) ?? errorMessage(error);
      logger.warning(`${options.what}: ${reason}, retrying in ${wait.toFixed(1)} s (attempt ${attempt + 1} of ${attempts})`);
      await sleep(wait * 1000);
    }
  }
}
