import { AhrimanError, errorMessage } from '../errors.js';
import { retryAfterSeconds, withRetries } from '../retry.js';

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
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** Answers worth another attempt (of HTTP services and of the GitHub API alike). */
export const RETRIED_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/**
 * fetch with a timeout per attempt and bounded retries: network errors, timeouts, 408/429/5xx are retried with
 * exponential backoff (or the server's Retry-After); any other status is returned to the caller as is.
 * Node's fetch keeps connections alive, so repeated calls to one host reuse them.
 */
export async function fetchWithRetries(url: string, init: RequestInit, policy: HttpPolicy): Promise<Response> {
  const attempt = async (): Promise<Response> => {
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.timeout(policy.timeoutMs) });
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      const reason = timedOut ? `no answer within ${policy.timeoutMs} ms` : errorMessage(error instanceof Error && error.cause ? error.cause : error);
      throw new HttpError(reason, undefined);
    }
    if (!RETRIED_STATUSES.has(response.status)) return response;
    await response.body?.cancel();
    throw new HttpError(`HTTP ${response.status}`, response.status, retryAfterSeconds(response.headers.get('retry-after')));
  };
  const retry = { maxRetries: policy.maxRetries, backoffSeconds: policy.retryBackoffSeconds };
  const options = {
    what: url,
    retryable: (error: unknown) => error instanceof HttpError,
    requestedDelaySeconds: (error: unknown) => (error as HttpError).retryAfterSeconds,
  };
  try {
    return await withRetries(retry, options, attempt);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    throw new HttpError(`${init.method ?? 'GET'} ${url} failed: ${error.message} after ${policy.maxRetries + 1} attempts`, error.status);
  }
}
