#!/usr/bin/env node
/**
 * Time to render and write the HTML report (repo-index.eta) of a repository of N packages: the work the report
 * trigger does after every run. The packages are synthetic database entries (names, versions, sizes, dependencies
 * of typical lengths), so only the report is measured.
 *
 *   node bench/report-html.mjs [count=5000] [keep-file]
 *
 * With `keep-file`, the page is written there and kept (to look at it, see bench/report-screenshot.mjs).
 * Needs `dist/` (npm run build).
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Configuration } from '../dist/core/configuration/configuration.js';
import { htmlReport } from '../dist/core/report/html.js';
import { RepositoryId } from '../dist/models/repository-id.js';

const REPOSITORY_ID = new RepositoryId('x86_64', 'bench');
/** Renders timed; the first one also pays for loading and compiling the template. */
const TRIALS = 5;
const WORDS = ['fast', 'tiny', 'library', 'for', 'parsing', 'the', 'network', 'daemon', 'with', 'plugins', 'python', 'bindings', 'and', 'tools'];
const LICENSES = ['MIT', 'GPL-3.0-or-later', 'Apache-2.0', 'BSD-3-Clause', 'LGPL-2.1-or-later'];

/** A deterministic pseudo-random sequence, so every run renders the same page. */
function sequence(seed) {
  let state = seed;
  return (limit) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return (state >>> 8) % limit; // the low bits of this generator repeat with a short period

  };
}

/** `count` database entries shaped like those of a real repository (some split packages, some `any`). */
export function syntheticEntries(count) {
  const next = sequence(42);
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, (_, index) => {
    const base = `pkg-${String(Math.floor(index / 2)).padStart(5, '0')}`;
    const name = index % 2 === 0 ? base : `${base}-${['docs', 'python', 'devel'][next(3)]}`;
    const architecture = next(4) === 0 ? 'any' : 'x86_64';
    const version = `${1 + next(9)}.${next(20)}.${next(100)}-${1 + next(3)}`;
    const description = Array.from({ length: 4 + next(8) }, () => WORDS[next(WORDS.length)]).join(' ');
    return {
      fileName: `${name}-${version}-${architecture}.pkg.tar.zst`,
      name,
      base,
      version,
      description: description[0].toUpperCase() + description.slice(1),
      groups: next(5) === 0 ? ['bench-group'] : [],
      compressedSize: 2000 + next(50_000_000),
      installedSize: 8000 + next(200_000_000),
      md5: '0'.repeat(32),
      sha256: '0'.repeat(64),
      pgpSignature: next(10) === 0 ? '' : 'c2lnbmF0dXJl',
      url: `https://example.org/${base}`,
      licenses: [LICENSES[next(LICENSES.length)]],
      architecture,
      buildDate: now - next(90 * 86400),
      packager: 'Bench <bench@localhost>',
      replaces: [],
      conflicts: [],
      provides: [],
      depends: Array.from({ length: next(6) }, () => `pkg-${String(next(count / 2)).padStart(5, '0')}`),
      optDepends: [],
      makeDepends: [],
      checkDepends: [],
      files: [],
    };
  });
}

/** Renders the HTML report of `entries` to `file` as the report trigger does; returns the seconds it took. */
export async function renderReport(entries, file) {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'ahriman-bench-report-'));
  try {
    const ini = path.join(directory, 'ahriman.ini');
    await writeFile(
      ini,
      [
        '[repository]',
        `root = ${directory}`,
        '[sign]',
        'target = package repository',
        'key = 0123456789ABCDEF0123456789ABCDEF01234567',
        '[html]',
        `path = ${file}`,
        `link_path = https://repo.example.org/bench/x86_64`,
        `homepage = https://example.org`,
        `rss_url = https://repo.example.org/bench/x86_64/rss.xml`,
      ].join('\n'),
    );
    const configuration = Configuration.load(ini, REPOSITORY_ID, {});
    const environment = { configuration, repositoryId: REPOSITORY_ID, paths: configuration.repositoryPaths(), state: undefined, section: 'html' };
    const result = { success: [], failed: [], removed: [] };
    const start = process.hrtime.bigint();
    await htmlReport.generate(environment, result, entries);
    return Number(process.hrtime.bigint() - start) / 1e9;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

async function main() {
  const count = Number(process.argv[2] ?? 5000);
  if (!Number.isInteger(count) || count < 1) {
    console.error(`invalid count '${process.argv[2]}'\nusage: node bench/report-html.mjs [count=5000] [keep-file]`);
    process.exit(2);
  }
  const keep = process.argv[3];
  const directory = await mkdtemp(path.join(os.tmpdir(), 'ahriman-bench-page-'));
  const file = keep ? path.resolve(keep) : path.join(directory, 'index.html');
  try {
    const entries = syntheticEntries(count);
    const runs = [];
    for (let trial = 0; trial < TRIALS; trial++) runs.push(await renderReport(entries, file));
    const { size } = await stat(file);
    const milliseconds = runs.map((seconds) => Math.round(seconds * 1000));
    const median = [...milliseconds].sort((a, b) => a - b)[Math.floor(TRIALS / 2)];
    console.log(`HTML report of ${count} packages (page of ${(size / 1024 / 1024).toFixed(2)} MiB): ${milliseconds.join(' / ')} ms, median ${median} ms`);
    if (keep) console.log(`page kept at ${file}`);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
