/**
 * The dashboard in headless Chromium against our own server (`ahriman web`) on 127.0.0.1, over a repository built in
 * the test with real makepkg: logging in, the package table, a build log growing live while a real build runs, and
 * adding a package from the dialog with the table refreshed by the server's event.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/core/database/connection.js';
import { RebuildOperations } from '../../../src/core/database/operations/rebuilds.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { CLI } from '../../support/cli.js';
import { launchBrowser, type Browser } from '../../support/browser.js';
import { Service, gatedPackageBody } from '../e2e/support.js';

const USER = 'admin';
const PASSWORD = 'dashboard-secret';

/** A port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers (bounded), failing early with the server's output if the server exits. */
async function waitForServer(url: string, server: ChildProcess, output: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`ahriman web exited with ${server.exitCode}:\n${output.join('')}`);
    const answered = await fetch(url).then((response) => response.ok, () => false);
    if (answered) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`ahriman web did not answer ${url} within 60 s:\n${output.join('')}`);
}

/** The package bases the table shows, in table order. */
async function tableRows(page: Page): Promise<string[]> {
  const rows = await page.locator('tr[data-package]').all();
  return Promise.all(rows.map(async (row) => (await row.getAttribute('data-package')) ?? ''));
}

describe('dashboard in Chromium', () => {
  let service: Service;
  let server: ChildProcess;
  let serverOutput: string[];
  let base: string;
  let browser: Browser;
  let page: Page;
  /** The gated package's build waits in package() until this file exists (visible inside the build sandbox). */
  let gate: string;

  beforeAll(async () => {
    service = await Service.create({ sign: false });
    await service.publishToAur({ pkgname: 'alpha', pkgver: '1.0' });
    await service.publishToAur({ pkgname: 'beta', pkgver: '2.1', variables: { groups: ['demo-group'], license: ['MIT'] } });
    await service.expectCli(['package-add', 'alpha', 'beta', '--now']);

    const gateDirectory = await mkdtemp('/var/tmp/ahriman-gate-');
    await chmod(gateDirectory, 0o755);
    gate = path.join(gateDirectory, 'open');
    await service.publishToAur({
      pkgname: 'gamma',
      pkgver: '3.0',
      package: gatedPackageBody(gate),
    });

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const includes = path.join(service.sandbox.root, '.config', 'ahriman', 'ahriman.ini.d');
    await mkdir(includes, { recursive: true });
    await writeFile(path.join(includes, '90-dashboard-test.ini'), [
      '[web]', 'host = 127.0.0.1', `port = ${port}`, '',
      '[auth]', 'target = configuration', 'salt = dashboard-test-salt', 'allow_read_only = yes', '',
      // the builds the server spawns report their statuses and logs back to it
      '[status]', `address = ${base}`, `username = ${USER}`, `password = ${PASSWORD}`, '',
    ].join('\n'));
    await service.expectCli(['user-add', USER, '-R', 'full', '-p', PASSWORD]);

    serverOutput = [];
    server = spawn(process.execPath, [CLI, '-c', service.sandbox.configuration, 'web'], { stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (chunk: Buffer) => serverOutput.push(chunk.toString()));
    server.stderr!.on('data', (chunk: Buffer) => serverOutput.push(chunk.toString()));
    await waitForServer(`${base}/api/v1/info`, server, serverOutput);

    browser = await launchBrowser();
    page = await browser.context.newPage();
  }, 300_000);

  /** Waits for what a build makes appear (builds are slow on a busy machine); on a timeout says what the page and server said. */
  async function waitOrExplain(locator: Locator): Promise<void> {
    try {
      await locator.waitFor({ timeout: 120_000 });
    } catch (error) {
      const notices = await page.locator('.notice').allTextContents();
      // the output of the CLI children the server started ("... as <process id>" in its log)
      const children: string[] = [];
      for (const [, id] of serverOutput.join('').matchAll(/ as ([0-9a-f-]{36})/g)) {
        const state = await page.request.get(`${base}/api/v1/service/process/${id}`).then((response) => response.text());
        children.push(`${id}: ${state}`);
      }
      throw new Error(
        `${(error as Error).message}\npage notices: ${notices.join(' | ')}\nserver output:\n${serverOutput.join('')}\n` +
          `processes:\n${children.join('\n')}`,
        { cause: error },
      );
    }
  }

  afterAll(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    await service?.cleanup();
    if (gate) await rm(path.dirname(gate), { recursive: true, force: true });
  });

  it('logs in and shows every package of the repository', async () => {
    await page.goto(base);
    await page.waitForSelector('tr[data-package]');
    // read-only visitors see the table but no actions
    expect(await page.locator('[role=toolbar]').count()).toBe(0);

    await page.getByRole('button', { name: 'Log in' }).click();
    await page.fill('dialog input[name=username]', USER);
    await page.fill('dialog input[name=password]', PASSWORD);
    await page.click('dialog button[type=submit]');
    await page.getByRole('button', { name: `Log out ${USER}` }).waitFor();
    await page.locator('[role=toolbar]').waitFor();

    expect(await tableRows(page)).toEqual(Object.keys(await service.statuses()).sort());
    expect(await tableRows(page)).toEqual(['alpha', 'beta']);
    for (const row of ['alpha', 'beta']) {
      expect(await page.locator(`tr[data-package="${row}"] .chip.status-success`).textContent()).toBe('success');
    }
    expect(await page.locator('tr[data-package="beta"] td.version').textContent()).toBe('2.1-1');
  });

  it('searches, sorts and exports the table', async () => {
    const search = page.getByLabel('Search packages');
    await search.fill('demo-group');
    await page.locator('tr[data-package="alpha"]').waitFor({ state: 'detached' });
    expect(await tableRows(page)).toEqual(['beta']);
    await search.fill('');
    await page.locator('tr[data-package="alpha"]').waitFor();

    await page.getByRole('button', { name: 'package base' }).click();
    await page.locator('tbody tr:first-child[data-package="beta"]').waitFor();
    expect(await tableRows(page)).toEqual(['beta', 'alpha']);
    await page.getByRole('button', { name: 'package base' }).click();
    await page.locator('tbody tr:first-child[data-package="alpha"]').waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('demo-packages.csv');
    const lines = (await readFile(await download.path(), 'utf8')).split('\r\n');
    expect(lines[0]).toBe('package base,version,packages,groups,licenses,packager,last update,status,held');
    expect(lines.slice(1).map((line) => line.split(',').slice(0, 5).join(','))).toEqual([
      'alpha,1.0-1,alpha,,', 'beta,2.1-1,beta,demo-group,MIT',
    ]);
  });

  it('opens a package: its details and the log of the build that made it; holding it marks it held from the event', async () => {
    await page.locator('tr[data-package="alpha"] td.base').click();
    const dialog = page.getByRole('dialog', { name: 'Package alpha' });
    await dialog.getByLabel('Build log').filter({ hasText: 'Finished making: alpha 1.0-1' }).waitFor();
    expect(await dialog.locator('.details').textContent()).toContain('test package alpha');

    await dialog.getByRole('button', { name: 'Hold', exact: true }).click();
    await dialog.locator('.dialog-title .chip.held').waitFor();
    await page.locator('tr[data-package="alpha"] .chip.held').waitFor();
    await dialog.getByRole('button', { name: 'Unhold', exact: true }).click();
    await page.locator('tr[data-package="alpha"] .chip.held').waitFor({ state: 'detached' });
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('switches to the dark theme and keeps it across a reload', async () => {
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await page.locator('html[data-theme="dark"]').waitFor({ state: 'attached' });
    await page.reload();
    await page.locator('tr[data-package]').first().waitFor();
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
    await page.locator('html[data-theme="light"]').waitFor({ state: 'attached' });
  });

  it('shows the dependency-change rebuild queue with its reasons in the dashboard dialog', async () => {
    const reason = 'libfoo.so.1 -> libfoo.so.2 (foo 1.0-1 -> 2.0-1)';
    const database = await Database.open(path.join(service.sandbox.root, 'ahriman.db'));
    try {
      await new RebuildOperations(database, new RepositoryId('x86_64', 'demo')).rebuildSchedule({
        base: 'alpha', priority: 1011, reason, signature: reason, scheduled: 1_700_000_000, failed: null,
      });
    } finally {
      await database.close();
    }
    await page.locator('button.service-status').click();
    const dialog = page.getByRole('dialog', { name: 'Dashboard' });
    const row = dialog.getByRole('table', { name: 'Scheduled rebuilds' }).locator('tbody tr');
    await row.first().waitFor();
    expect(await row.allInnerTexts()).toEqual([expect.stringMatching(/^alpha\s+1011\s+libfoo\.so\.1 -> libfoo\.so\.2 \(foo 1\.0-1 -> 2\.0-1\)/)]);
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  const report = async (method: 'POST' | 'DELETE', url: string, body?: unknown): Promise<void> => {
    // the page's own session (full access) stands in for a worker reporting to the service
    const response = await page.request.fetch(`${base}${url}?architecture=x86_64&repository=demo`, { method, data: body });
    expect(response.status(), `${method} ${url}: ${await response.text()}`).toBe(204);
  };
  const line = (message: string) => ({ created: Date.now() / 1000, message, version: '4.0-1', process_id: 'worker-run-1' });

  it('shows live what a reporter sends: a new package from its status event, its build log line by line, its removal', async () => {
    await report('POST', '/api/v1/packages/delta', {
      status: 'building',
      package: { base: 'delta', version: '4.0-1', packages: { delta: { description: 'built by a worker' } } },
    });
    await page.locator('tr[data-package="delta"] .chip.status-building').waitFor();

    await page.locator('tr[data-package="delta"] td.base').click();
    const dialog = page.getByRole('dialog', { name: 'Package delta' });
    await dialog.getByText('No build logs yet.').waitFor();
    await report('POST', '/api/v1/packages/delta/logs', line('==> first line'));
    const log = dialog.getByLabel('Build log');
    await log.filter({ hasText: '==> first line' }).waitFor();
    await log.evaluate((element: { marker?: string }) => {
      element.marker = 'same view';
    });
    await report('POST', '/api/v1/packages/delta/logs', line('==> second line'));
    await log.filter({ hasText: '==> second line' }).waitFor();
    expect(await log.evaluate((element: { marker?: string }) => element.marker)).toBe('same view');

    await report('POST', '/api/v1/packages/delta', { status: 'success' });
    await dialog.locator('.dialog-title .chip.status-success').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    // forgetting a package publishes its package-removed event: the table drops it in place
    await report('DELETE', '/api/v1/packages/delta');
    await page.locator('tr[data-package="delta"]').waitFor({ state: 'detached' });
    expect(await tableRows(page)).toEqual(['alpha', 'beta']);
  });

  it('shows a build log line sent while the package dialog was still connecting to its event stream', async () => {
    await report('POST', '/api/v1/packages/epsilon', {
      status: 'building',
      package: { base: 'epsilon', version: '4.0-1', packages: { epsilon: { description: 'built by a worker' } } },
    });
    await page.locator('tr[data-package="epsilon"] .chip.status-building').waitFor();
    // the dialog's build-log stream stays unconnected until the line is sent: the event reaches no subscriber
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const buildLogStream = (url: URL): boolean => url.pathname === '/api/v1/events/stream' && url.searchParams.get('object_id') === 'epsilon';
    await page.route(buildLogStream, async (route) => {
      await held;
      await route.continue();
    });
    try {
      await page.locator('tr[data-package="epsilon"] td.base').click();
      const dialog = page.getByRole('dialog', { name: 'Package epsilon' });
      await dialog.getByText('No build logs yet.').waitFor();
      await report('POST', '/api/v1/packages/epsilon/logs', line('==> sent before the stream opened'));
      release();
      // found by loading the runs once the stream opened
      await dialog.getByLabel('Build log').filter({ hasText: '==> sent before the stream opened' }).waitFor();
      await dialog.getByRole('button', { name: 'Close' }).click();
    } finally {
      release();
      await page.unroute(buildLogStream);
    }
    await report('DELETE', '/api/v1/packages/epsilon');
    await page.locator('tr[data-package="epsilon"]').waitFor({ state: 'detached' });
  });

  it('shows a package reported while the table was still connecting to its event stream', async () => {
    // the repository's stream stays unconnected while the package is reported: its event reaches no subscriber
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let requested!: () => void;
    const streamRequested = new Promise<void>((resolve) => {
      requested = resolve;
    });
    const repositoryStream = (url: URL): boolean => url.pathname === '/api/v1/events/stream' && !url.searchParams.has('object_id');
    const tableLoads: Promise<unknown>[] = [];
    const onRequest = (request: { url(): string; response(): Promise<unknown> }): void => {
      if (new URL(request.url()).pathname === '/api/v1/packages') tableLoads.push(request.response());
    };
    page.on('request', onRequest);
    await page.route(repositoryStream, async (route) => {
      requested();
      await held;
      await route.continue();
    });
    try {
      await page.reload();
      await streamRequested;
      await Promise.all(tableLoads); // a table loaded before its stream opened has its answer, without zeta
      await report('POST', '/api/v1/packages/zeta', {
        status: 'building',
        package: { base: 'zeta', version: '1.0-1', packages: { zeta: { description: 'reported while the page connected' } } },
      });
      release();
      await page.locator('tr[data-package="zeta"] .chip.status-building').waitFor();
    } finally {
      release();
      page.off('request', onRequest);
      await page.unroute(repositoryStream);
    }
    await report('DELETE', '/api/v1/packages/zeta');
    await page.locator('tr[data-package="zeta"]').waitFor({ state: 'detached' });
  });

  it('adds a package from the dialog, refreshes the table on the event and streams its build log live', async () => {
    // a full page load would reset this: the table must refresh in place
    await page.evaluate(() => {
      (globalThis as { marker?: string }).marker = 'same page';
    });

    await page.getByRole('toolbar').getByRole('button', { name: 'Add', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Add package' });
    await dialog.locator('input[name=package]').fill('gamma');
    // AUR suggestions come from service/search
    await dialog.locator('datalist option[value="gamma"]').waitFor({ state: 'attached' });
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await dialog.getByRole('status').filter({ hasText: 'Adding gamma' }).waitFor();

    // the dialog stays open meanwhile: it would say how the spawned package-add ended
    await waitOrExplain(page.locator('tr[data-package="gamma"]'));
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect(await page.evaluate(() => (globalThis as { marker?: string }).marker)).toBe('same page');

    await page.locator('tr[data-package="gamma"] td.base').click();
    const packageDialog = page.getByRole('dialog', { name: 'Package gamma' });
    const log = packageDialog.getByLabel('Build log');
    await waitOrExplain(log.filter({ hasText: 'gate-reached' }));
    expect(await log.textContent()).not.toContain('gate-passed');
    // the build is still running: what follows can only arrive live
    expect(await packageDialog.locator('.dialog-title .chip').first().textContent()).toBe('building');
    await log.evaluate((element: { marker?: string }) => {
      element.marker = 'same view';
    });

    await writeFile(gate, '');
    await waitOrExplain(log.filter({ hasText: 'gate-passed' }));
    expect(await log.evaluate((element: { marker?: string }) => element.marker)).toBe('same view');

    await waitOrExplain(packageDialog.locator('.dialog-title .chip.status-success'));
    await page.keyboard.press('Escape');
    await page.locator('tr[data-package="gamma"] .chip.status-success').waitFor();
    expect(await tableRows(page)).toEqual(['alpha', 'beta', 'gamma']);
  }, 300_000);
});
