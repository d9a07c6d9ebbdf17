#!/usr/bin/env node
/**
 * Reading the metadata of many package archives: our in-process reader (one pass: hashes, file list, .PKGINFO)
 * against spawning `bsdtar -xOf <pkg> .PKGINFO` per archive, with the same number of archives in flight.
 *
 *   node bench/archive-read.mjs [count=1000] [concurrency=number of CPUs]
 *
 * Needs `dist/` (npm run build), bsdtar, and what bench/support/archives.mjs needs to create the archives.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readPackageArchive } from '../dist/core/alpm/package-archive.js';
import { mapLimit } from '../dist/core/concurrency.js';
import { run } from '../dist/core/process.js';
import { createPackageArchives } from './support/archives.mjs';

const count = Number(process.argv[2] ?? 1000);
const concurrency = Number(process.argv[3] ?? os.availableParallelism());
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(concurrency) || concurrency < 1) {
  console.error('usage: node bench/archive-read.mjs [count] [concurrency]');
  process.exit(2);
}

async function timed(archives, task) {
  const start = process.hrtime.bigint();
  await mapLimit(archives, concurrency, task);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const bsdtarPkginfo = (archive) => run('bsdtar', ['-xOf', archive, '.PKGINFO']);

async function main() {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'ahriman-bench-archive-read-'));
  try {
    const start = Date.now();
    const archives = await createPackageArchives(directory, count);
    let totalSize = 0;
    for (const archive of archives) totalSize += (await stat(archive)).size;
    const averageKib = (totalSize / archives.length / 1024).toFixed(1);
    const preparation = ((Date.now() - start) / 1000).toFixed(1);
    console.log(
      `${archives.length} archives (80 % zstd, 10 % xz, 10 % gzip), ${averageKib} KiB on average, ` +
        `prepared in ${preparation} s; ${concurrency} at a time`,
    );

    // Same answers from both, and warm caches for both.
    for (const archive of archives.slice(0, 20)) {
      const ours = await readPackageArchive(archive);
      const theirs = (await bsdtarPkginfo(archive)).stdout;
      if (!theirs.includes(`pkgname = ${ours.name}\n`)) throw new Error(`${archive}: readers disagree on the name`);
    }

    const ours = await timed(archives, readPackageArchive);
    const spawned = await timed(archives, bsdtarPkginfo);
    const row = (label, seconds) => {
      const perPackage = (seconds * 1000) / archives.length;
      return `${label.padEnd(52)} ${seconds.toFixed(2).padStart(8)} ${perPackage.toFixed(2).padStart(12)}`;
    };
    console.log(`${''.padEnd(52)} ${'total s'.padStart(8)} ${'per pkg ms'.padStart(12)}`);
    console.log(row('in-process readPackageArchive (+md5, sha256, files)', ours));
    console.log(row('spawned bsdtar -xOf <pkg> .PKGINFO', spawned));
    console.log(`bsdtar / in-process: ${(spawned / ours).toFixed(2)}x`);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

await main();
