/** GET /api/v1/rebuilds: the dependency-change rebuild queue with reasons, highest priority first. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support.js';

const SONAME = 'libfoo.so.1 -> libfoo.so.2 (foo 1.0-1 -> 2.0-1)';

describe('rebuild queue over the API', () => {
  let test: TestServer;

  beforeAll(async () => {
    test = await startTestServer({
      packages: ['alpha', 'beta'],
      seed: async (state) => {
        await state.rebuilds.rebuildSchedule({ base: 'alpha', priority: 12, reason: 'foo 1.0-1 -> 1.0-2', signature: 'a', scheduled: 1_700_000_000, failed: 1_700_000_100 });
        await state.rebuilds.rebuildSchedule({ base: 'beta', priority: 1011, reason: SONAME, signature: 'b', scheduled: 1_700_000_050, failed: null });
      },
    });
  });
  afterAll(() => test?.stop());

  it('lists reasons and priorities in queue order (read access, anonymous allowed by allow_read_only)', async () => {
    const response = await fetch(`${test.url}/api/v1/rebuilds?architecture=x86_64&repository=aur`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      { package_base: 'beta', priority: 1011, reason: SONAME, scheduled: 1_700_000_050, failed: null },
      { package_base: 'alpha', priority: 12, reason: 'foo 1.0-1 -> 1.0-2', scheduled: 1_700_000_000, failed: 1_700_000_100 },
    ]);
  });

  it('names an unknown repository', async () => {
    const response = await fetch(`${test.url}/api/v1/rebuilds?architecture=x86_64&repository=nosuch`);
    expect(response.status).toBe(404);
  });
});
