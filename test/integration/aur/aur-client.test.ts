import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AurClient } from '../../../src/core/alpm/remote/aur.js';
import { FakeAur } from '../../support/fake-aur.js';

const POLICY = { timeoutMs: 2_000, maxRetries: 2, retryBackoffSeconds: 0.01 };

describe('AUR RPC client', () => {
  const aur = new FakeAur();

  beforeAll(async () => {
    await aur.start();
    for (let index = 0; index < 450; index += 1) {
      await aur.add({ name: `pkg-${index}`, version: `1.${index}-1`, depends: ['glibc'], provides: index === 7 ? ['virtual-thing=2'] : [] });
    }
  });
  afterAll(() => aur.stop());
  beforeEach(() => {
    aur.requests.length = 0;
    aur.faults.length = 0;
  });

  it('asks for many packages per request and never twice for the same name in a run', async () => {
    const client = new AurClient(aur.url, POLICY);
    const names = [...Array.from({ length: 450 }, (_, index) => `pkg-${index}`), 'not-in-aur'];
    const found = await client.info(names);
    expect(found.size).toBe(450);
    expect(found.get('pkg-12')).toMatchObject({ name: 'pkg-12', packageBase: 'pkg-12', version: '1.12-1', depends: ['glibc'] });
    expect(found.has('not-in-aur')).toBe(false);
    expect(aur.rpcRequests('info')).toBe(3);
    expect(aur.requests.map((request) => request.names.length)).toEqual([200, 200, 51]);

    await client.info(['pkg-1', 'pkg-300', 'not-in-aur']);
    expect(aur.rpcRequests('info')).toBe(3);
  });

  it('finds providers of a dependency', async () => {
    const providers = await new AurClient(aur.url, POLICY).providers('virtual-thing');
    expect(providers.map((item) => item.name)).toEqual(['pkg-7']);
  });

  it('retries 429 (honouring Retry-After) and 5xx, then succeeds', async () => {
    aur.faults.push({ status: 429, retryAfter: '1' }, { status: 503 });
    const started = Date.now();
    const found = await new AurClient(aur.url, POLICY).info(['pkg-1']);
    expect(found.get('pkg-1')?.version).toBe('1.1-1');
    expect(aur.rpcRequests()).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('gives up after max_retries with a reason naming the status', async () => {
    aur.faults.push({ status: 500 }, { status: 500 }, { status: 500 });
    await expect(new AurClient(aur.url, POLICY).info(['pkg-1'])).rejects.toThrow(/rpc\/v5\/info failed: HTTP 500 after 3 attempts/);
  });

  it('rejects invalid JSON and unexpected documents clearly', async () => {
    aur.faults.push({ garbage: '<html>oops' });
    await expect(new AurClient(aur.url, POLICY).info(['pkg-1'])).rejects.toThrow(/invalid JSON: "<html>oops"/);
    aur.faults.push({ garbage: '{"type":"multiinfo","results":[{"Name":1}]}' });
    await expect(new AurClient(aur.url, POLICY).info(['pkg-2'])).rejects.toThrow(/result 0 is malformed: Name/);
    aur.faults.push({ garbage: '{"type":"error","error":"Too many package results.","results":[]}' });
    await expect(new AurClient(aur.url, POLICY).info(['pkg-3'])).rejects.toThrow(/refused the request: Too many package results/);
  });

  it('times out a hanging request and retries it', async () => {
    aur.faults.push({ hangMs: 1_500 });
    const found = await new AurClient(aur.url, { ...POLICY, timeoutMs: 500 }).info(['pkg-4']);
    expect(found.get('pkg-4')?.version).toBe('1.4-1');
    expect(aur.rpcRequests()).toBe(2);
  });

  it('fails clearly when nothing listens', async () => {
    const client = new AurClient('http://127.0.0.1:1', { ...POLICY, maxRetries: 1 });
    await expect(client.info(['x'])).rejects.toThrow(/http:\/\/127\.0\.0\.1:1\/rpc\/v5\/info failed: .*after 2 attempts/);
  });
});
