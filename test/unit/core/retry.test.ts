import { describe, expect, it } from 'vitest';
import { MAX_RETRY_DELAY_SECONDS, backoffSeconds, retryAfterSeconds, withRetries } from '../../../src/core/retry.js';

const retryAll = { what: 'operation', retryable: () => true };

describe('withRetries', () => {
  it('tries 1 + maxRetries times and throws the last failure', async () => {
    const attempts: number[] = [];
    const failing = withRetries({ maxRetries: 2, backoffSeconds: 0 }, retryAll, async (attempt) => {
      attempts.push(attempt);
      throw new Error(`failure ${attempt}`);
    });
    await expect(failing).rejects.toThrow('failure 3');
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('returns the first success, and stops at once on a failure that is not retryable', async () => {
    await expect(withRetries({ maxRetries: 5, backoffSeconds: 0 }, retryAll, async (attempt) => {
      if (attempt < 2) throw new Error('hiccup');
      return attempt;
    })).resolves.toBe(2);
    let calls = 0;
    const final = withRetries({ maxRetries: 5, backoffSeconds: 0 }, { what: 'x', retryable: () => false }, async () => {
      calls += 1;
      throw new Error('refused');
    });
    await expect(final).rejects.toThrow('refused');
    expect(calls).toBe(1);
  });
});

describe('backoffSeconds', () => {
  it('doubles per retry, jittered between half and all of it, and is capped', () => {
    const policy = { maxRetries: 10, backoffSeconds: 2 };
    expect([0, 1, 2].map((retry) => backoffSeconds(policy, retry, () => 1))).toEqual([2, 4, 8]);
    expect([0, 1, 2].map((retry) => backoffSeconds(policy, retry, () => 0))).toEqual([1, 2, 4]);
    expect(backoffSeconds(policy, 30, () => 1)).toBe(MAX_RETRY_DELAY_SECONDS);
  });
});

describe('retryAfterSeconds', () => {
  it('reads delta-seconds and HTTP dates, capped, and ignores anything else', () => {
    expect(retryAfterSeconds('3')).toBe(3);
    expect(retryAfterSeconds(new Date(10_000).toUTCString(), 4_000)).toBe(6);
    expect(retryAfterSeconds('100000')).toBe(MAX_RETRY_DELAY_SECONDS);
    expect(retryAfterSeconds('soon')).toBeUndefined();
    expect(retryAfterSeconds(null)).toBeUndefined();
  });
});
