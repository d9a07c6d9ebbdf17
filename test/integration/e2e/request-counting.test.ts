/**
 * The AUR is asked in batches, never one package at a time: adding 300 AUR names and checking 300 AUR packages for
 * updates each take one RPC request per ~200 names (counted by the fake AUR).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Service } from './support.js';

const COUNT = 300;
const NAMES = Array.from({ length: COUNT }, (_, index) => `ahr-many-${String(index + 1).padStart(3, '0')}`);
/** What the client may put into one `info` request. */
const CHUNK = 200;

describe('AUR requests for 300 packages', () => {
  let service: Service;

  beforeAll(async () => {
    service = await Service.create({ sign: false });
    for (const name of NAMES) await service.aur.add({ name, version: '1.0-1' });
  });

  afterAll(async () => {
    await service?.cleanup();
  });

  /** Runs the CLI and returns the RPC requests the fake AUR received meanwhile. */
  async function requestsOf(args: string[]): Promise<{ stdout: string; requests: Array<{ kind: string; names: string[] }> }> {
    const before = service.aur.requests.length;
    const result = await service.expectCli(args);
    return { stdout: result.stdout, requests: service.aur.requests.slice(before) };
  }

  it('package-add of 300 AUR names (without --now) takes at most 3 requests and queues all of them', async () => {
    const { stdout, requests } = await requestsOf(['package-add', ...NAMES]);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.length).toBeLessThanOrEqual(3);
    expect(requests.every((request) => request.kind === 'info' && request.names.length <= CHUNK)).toBe(true);
    expect(new Set(requests.flatMap((request) => request.names))).toEqual(new Set(NAMES));
    expect(stdout.split('\n').filter(Boolean)).toEqual(NAMES.map((name) => `queued ${name}`));

    const status = await service.expectCli(['package-status', '--json']);
    const sources = (JSON.parse(status.stdout) as Array<{ package: { base: string; remote: { source: string } } }>).map(
      (entry) => `${entry.package.base} ${entry.package.remote.source}`,
    );
    expect(sources).toEqual(NAMES.map((name) => `${name} aur`));
  });

  it('repo-check of the 300 AUR packages takes one request per 200 names and finds exactly the bumped ones', async () => {
    const unchanged = await requestsOf(['repo-check']);
    expect(unchanged.stdout.trim()).toBe('everything is up to date');
    expect(unchanged.requests).toHaveLength(Math.ceil(COUNT / CHUNK));
    expect(new Set(unchanged.requests.flatMap((request) => request.names))).toEqual(new Set(NAMES));

    for (const name of ['ahr-many-007', 'ahr-many-150', 'ahr-many-299']) await service.aur.add({ name, version: '1.1-1' });
    const bumped = await requestsOf(['repo-check']);
    expect(bumped.requests).toHaveLength(Math.ceil(COUNT / CHUNK));
    expect(bumped.stdout.trim().split('\n')).toEqual([
      'ahr-many-007 1.0-1 -> 1.1-1  (AUR has 1.1-1)',
      'ahr-many-150 1.0-1 -> 1.1-1  (AUR has 1.1-1)',
      'ahr-many-299 1.0-1 -> 1.1-1  (AUR has 1.1-1)',
    ]);
  });
});
