#!/usr/bin/env node
/**
 * Renders the HTML report of N synthetic packages (see report-html.mjs), or takes an existing page, and saves a PNG
 * of it as headless Chromium draws it: for people to look at the page without a browser at hand.
 *
 *   node bench/report-screenshot.mjs [count=40 | page.html] [out=$TMPDIR/ahriman-report.png] [search]
 *
 * `search` is typed into the filter box (through the URL fragment) before the picture is taken.
 * Needs `dist/` (npm run build) and Debian's `chromium`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { run } from '../dist/core/process.js';
import { renderReport, syntheticEntries } from './report-html.mjs';

const source = process.argv[2] ?? '40';
const output = path.resolve(process.argv[3] ?? path.join(os.tmpdir(), 'ahriman-report.png'));
const search = process.argv[4];

const directory = await mkdtemp(path.join(os.tmpdir(), 'ahriman-screenshot-'));
try {
  let page = path.resolve(source);
  if (/^\d+$/.test(source)) {
    page = path.join(directory, 'index.html');
    await renderReport(syntheticEntries(Number(source)), page);
  }
  const url = pathToFileURL(page).href + (search ? `#${encodeURIComponent(search)}` : '');
  await run(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--hide-scrollbars',
      `--user-data-dir=${path.join(directory, 'profile')}`,
      '--window-size=1280,900',
      `--screenshot=${output}`,
      url,
    ],
    { timeoutMs: 60_000 },
  );
  const what = /^\d+$/.test(source) ? `the report of ${source} synthetic packages` : page;
  console.log(`screenshot of ${what} saved to ${output}`);
} finally {
  await rm(directory, { recursive: true, force: true });
}
