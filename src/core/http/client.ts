import { AhrimanError, errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';

/** Timeouts and retry policy of one remote service (the `[aur]`-style `timeout`, `max_retries`, `retry_backoff` keys). */
export interface HttpPolicy {
  timeoutMs: number;
  maxRetries: number;
  /** First delay between retries in seconds; doubles on every retry unless the server sends Retry-After. */
  retryBackoffSeconds: number;
}

export class HttpError extends AhrimanError {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

const RETRIED_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const MAX_RETRY_AFTER_SECONDS = 300;
const logger = getLogger('http');

/** Retry-After is either delta-seconds or an HTTP date; anything else is ignored. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, MAX_RETRY_AFTER_SECONDS);
  const date = Date.parse(header);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, (date - now) / 1000), MAX_RETRY_AFTER_SECONDS);
}

function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

/**
 * fetch with a timeout per attempt and bounded retries: network errors, timeouts, 408/429/5xx are retried with
 * exponential backoff (or the server's Retry-After); any other status is returned to the caller as is.
 * Node's fetch keeps connections alive, so repeated calls to one host reuse them.
 */
export async function fetchWithRetries(url: string, init: RequestInit, policy: HttpPolicy): Promise<Response> {
  for (let attempt = 0; ; attempt += 1) {
    const backoff = policy.retryBackoffSeconds * 2 ** attempt;
    let reason: string;
    let wait = backoff;
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(policy.timeoutMs) });
      if (!RETRIED_STATUSES.has(response.status)) return response;
      await response.body?.cancel();
      reason = `HTTP ${response.status}`;
      wait = retryAfterSeconds(response.headers.get('retry-after')) ?? backoff;
      if (attempt >= policy.maxRetries) throw new HttpError(`${init.method ?? 'GET'} ${url} failed: ${reason} after ${attempt + 1} attempts`, response.status);
    } catch (error) {
      if (error instanceof HttpError) throw error;
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      reason = timedOut ? `no answer within ${policy.timeoutMs} ms` : errorMessage(error instanceof Error && error.cause ? error.cause : error);
      if (attempt >= policy.maxRetries) throw new HttpError(`${init.method ?? 'GET'} ${url} failed: ${reason} after ${attempt + 1} attempts`, undefined);
    }
    logger.warning(`${url}: ${reason}, retrying in ${wait.toFixed(1)} s (${attempt + 1}/${policy.maxRetries})`);
    await sleep(wait);
  }
}
