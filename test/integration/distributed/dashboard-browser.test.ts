/**
 * The dashboard's distributed builds panel in headless Chromium, fed by the real pieces: our web service reading a
 * private redis-server, a `repo-worker` process writing its heartbeats there, and a `repo-update` coordinator whose
 * two gated packages keep the worker busy and one job waiting while the page looks.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type Browser } from '../../support/browser.js';
import { RedisServer } from '../../support/redis.js';
import { type Service, gatedPackageBody } from '../e2e/support.js';
import { PASSWORD, type Running, USER, WAIT_MS, startCoordinator, startWorker, stop, waitFor } from './support.js';


describe('dashboard: distributed builds panel in Chromium', () => {
  let service: Service;
  let redis: RedisServer;
  let web: Running;
  let worker: Running;
  let base: string;
  let temporary: string;
  let gates: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    redis = await RedisServer.start();
    ({ service, web, base, temporary } = await startCoordinator(redis, 'ahriman-panel'));
    worker = await startWorker({
      directory: path.join(temporary, 'worker'), id: 'panel-worker', queueUrl: redis.url, prefix: 'ahriman-panel', coordinator: base,
      username: USER, password: PASSWORD, temporary,
    });
    gates = await fs.mkdtemp('/var/tmp/ahriman-gate-');
    await fs.chmod(gates, 0o755);
    browser = await launchBrowser();
    page = await browser.context.newPage();
  }, WAIT_MS);

  afterAll(async () => {
    await browser?.close();
    for (const running of [worker, web]) if (running) await stop(running);
    await redis?.remove();
    await service?.cleanup();
    if (gates) await fs.rm(gates, { recursive: true, force: true });
  }, WAIT_MS);

  it('lists the live worker with the job it builds and the queue depth, and follows them to an empty queue', async () => {
    const gate = path.join(gates, 'open');
    for (const name of ['panel-one', 'panel-two']) {
      await service.expectCli(['package-add', await service.localPackage({ pkgname: name, pkgver: '1.0', package: gatedPackageBody(gate) })]);
    }
    const update = service.spawn(['repo-update']);
    const explain = (): string => `${update.output.join('')}\n----\n${worker.output.join('')}`;
    await waitFor(() => /\[worker\]: building panel-(one|two) /.test(worker.output.join('')), 'the worker to take a job', explain);
    const building = /\[worker\]: building (panel-one|panel-two) /.exec(worker.output.join(''))![1]!;

    const failedRequests: string[] = [];
    page.on('response', (response) => {
      if (response.status() >= 400) failedRequests.push(`${response.status()} ${response.url()}`);
    });
    page.on('requestfailed', (request) => failedRequests.push(`${request.failure()?.errorText} ${request.url()}`));
    await page.goto(base);
    // the button waits for the first service status; name what went wrong if it never comes
    const serviceStatus = page.locator('button.service-status');
    await serviceStatus.and(page.locator(':enabled')).waitFor({ timeout: 60_000 }).catch((error: Error) => {
      throw new Error(`the service status never loaded; failed requests: ${failedRequests.join(', ') || 'none'}\n${error.message}`);
    });
    await serviceStatus.click();
    const panel = page.getByRole('dialog', { name: 'Dashboard' }).getByRole('region', { name: 'Distributed builds' });
    const row = panel.getByRole('table', { name: 'Workers' }).locator('tr[data-worker="panel-worker"]');
    await row.filter({ hasText: building }).waitFor();
    expect(await row.locator('td').allInnerTexts()).toEqual(['panel-worker', 'x86_64', expect.stringMatching(new RegExp(`^${building} since \\d{4}-`)), expect.stringMatching(/^\d{4}-\d\d-\d\d /)]);
    const queue = panel.getByRole('table', { name: 'Build queues' }).locator('tr[data-queue="x86_64"]');
    // the other package waits for the only worker slot; nothing has finished yet, so no estimate
    await expect.poll(() => queue.locator('td').allInnerTexts(), { timeout: 30_000 }).toEqual(['x86_64', '1', '1', '0', 'unknown', 'unknown']);

    await fs.writeFile(gate, '');
    expect(await update.exited, explain()).toBe(0);
    // the panel asks again by itself: the worker idles, the queue is empty, the mean build time is known
    await row.filter({ hasText: 'idle' }).waitFor({ timeout: 30_000 });
    await expect
      .poll(() => queue.locator('td').allInnerTexts(), { timeout: 30_000 })
      .toEqual(['x86_64', '0', '0', '0', expect.stringMatching(/^\d.* (s|min)$/), '0.0 s']);
  }, WAIT_MS);
});
