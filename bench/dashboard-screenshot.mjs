#!/usr/bin/env node
/**
 * Pictures of the dashboard for people to look at: PNGs of the package table (light and dark), a package dialog
 * with its build log, the PKGBUILD tab, the dashboard of counters and the add-package dialog, drawn by headless
 * Chromium. Either of a running service, or (by default) of a throwaway one this script sets up: the example
 * PKGBUILDs built for real, plus one package whose build fails and one held, served by `ahriman web` on 127.0.0.1.
 *
 *   node bench/dashboard-screenshot.mjs [out-dir=$TMPDIR/ahriman-dashboard] [url]
 *
 * Needs `dist/` (npm run build), Debian's `chromium` and, without a url, what builds need (root, bubblewrap).
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { run } from '../dist/core/process.js';

const projectRoot = path.dirname(import.meta.dirname);
const output = path.resolve(process.argv[2] ?? path.join(os.tmpdir(), 'ahriman-dashboard'));
const givenUrl = process.argv[3];
const CLI = path.join(projectRoot, 'dist', 'main.cjs');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A repository of the example PKGBUILDs (built), a failing package and a held one, served by `ahriman web`. */
async function startService(directory) {
  const root = path.join(directory, 'root');
  const configuration = path.join(directory, 'ahriman.ini');
  const temporary = path.join(directory, 'tmp');
  await mkdir(temporary);
  // builds run as the unprivileged build user and make their workspaces here
  await chmod(directory, 0o755);
  await chmod(temporary, 0o1777);
  const port = await freePort();
  await writeFile(configuration, [
    '[settings]', 'include = ${repository:root}/.config/ahriman/ahriman.ini.d', 'database = ${repository:root}/ahriman.db', '',
    '[repository]', `root = ${root}`, '',
    '[build]', 'driver = sandbox', '',
    '[web]', 'host = 127.0.0.1', `port = ${port}`, '',
    '[auth]', 'target = disabled', '',
  ].join('\n'));
  const cli = (args) => run(process.execPath, [CLI, '-c', configuration, '-a', 'x86_64', '-r', 'demo', ...args], {
    env: { TMPDIR: temporary }, timeoutMs: 600_000,
  });

  const broken = path.join(directory, 'ahriman-demo-broken');
  await mkdir(broken);
  await writeFile(path.join(broken, 'PKGBUILD'), [
    'pkgname=ahriman-demo-broken', 'pkgver=0.3', 'pkgrel=1', "pkgdesc='An example whose build fails'", 'arch=(any)',
    "license=('MIT')", 'package() {', '  echo "==> running the test suite"', '  echo "FAIL: 1 of 12 checks" >&2', '  return 1', '}', '',
  ].join('\n'));
  await chmod(broken, 0o755);

  await cli(['service-setup', '--packager', 'ahriman demo <demo@localhost>']);
  const examples = path.join(projectRoot, 'examples', 'pkgbuilds');
  await cli(['package-add', ...['ahriman-demo-app', 'ahriman-demo-lib', 'ahriman-demo-split'].map((name) => path.join(examples, name)), broken]);
  // the examples need nothing from the AUR; the broken package fails, so the run exits non-zero
  await run(process.execPath, [CLI, '-c', configuration, '-a', 'x86_64', '-r', 'demo', 'repo-update', '--no-aur', '--no-dependencies'], {
    env: { TMPDIR: temporary }, timeoutMs: 600_000, allowFailure: true,
  });
  await cli(['package-hold', 'ahriman-demo-lib']);

  const server = spawn(process.execPath, [CLI, '-c', configuration, 'web'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  server.stdout.on('data', (chunk) => log.push(chunk.toString()));
  server.stderr.on('data', (chunk) => log.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (!(await fetch(`${url}/api/v1/info`).then((response) => response.ok, () => false))) {
    if (server.exitCode !== null || Date.now() > deadline) throw new Error(`ahriman web did not start:\n${log.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    stop: async () => {
      if (server.exitCode !== null) return;
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    },
  };
}

async function screenshots(url) {
  await mkdir(output, { recursive: true });
  const profile = await mkdtemp(path.join(os.tmpdir(), 'ahriman-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars'],
    viewport: { width: 1400, height: 860 },
    colorScheme: 'light',
  });
  const saved = [];
  try {
    const page = await context.newPage();
    const shot = async (name) => {
      const file = path.join(output, `${name}.png`);
      await page.screenshot({ path: file });
      saved.push(file);
    };
    await page.goto(url);
    await page.locator('tr[data-package]').first().waitFor();
    await shot('dashboard');

    const first = await page.locator('tr[data-package]').first().getAttribute('data-package');
    await page.locator(`tr[data-package="${first}"] td.base`).click();
    const dialog = page.getByRole('dialog', { name: `Package ${first}` });
    await dialog.getByLabel('Build log').or(dialog.getByText('No build logs yet.')).waitFor();
    await shot('package-logs');
    await dialog.getByRole('tab', { name: 'PKGBUILD' }).click();
    await dialog.getByLabel('PKGBUILD').or(dialog.getByText('No PKGBUILD stored.')).waitFor();
    await shot('package-pkgbuild');
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: /^Switch to dark theme/ }).click();
    await page.locator('.service-status').click();
    await page.getByRole('dialog', { name: 'Dashboard' }).waitFor();
    await shot('counters-dark');
    await page.keyboard.press('Escape');
    await shot('dashboard-dark');

    if (await page.getByRole('toolbar').count()) {
      await page.getByRole('toolbar').getByRole('button', { name: 'Add', exact: true }).click();
      await page.getByRole('dialog', { name: 'Add package' }).waitFor();
      await shot('add-package-dark');
    }
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
  return saved;
}

const directory = givenUrl ? undefined : await mkdtemp(path.join(os.tmpdir(), 'ahriman-dashboard-demo-'));
const service = directory ? await startService(directory) : undefined;
try {
  const saved = await screenshots(givenUrl ?? service.url);
  console.log(`dashboard screenshots saved:\n${saved.join('\n')}`);
} finally {
  await service?.stop();
  if (directory) await rm(directory, { recursive: true, force: true });
}
