#!/usr/bin/env node
/**
 * Syncing a repository of N objects to S3 with our `s3` upload: the first run uploads everything, the second finds
 * nothing changed (it should list the bucket and send nothing), the third finds one package rewritten (same size,
 * other bytes) and sends only that one. Requests are counted as s3rver answers them.
 *
 *   node bench/s3-sync.mjs [objects=1000]
 *
 * The N objects are N - 4 package-shaped files of random bytes (`pkg-<i>-1.0-1-any.pkg.tar.zst`, a few KiB each) and
 * the databases `<repo>.db.tar.gz`, `<repo>.files.tar.gz` with their `<repo>.db`, `<repo>.files` links: the upload
 * only hashes and sends bytes, it does not read what they hold. s3rver runs in this process on 127.0.0.1 (path-style,
 * as in the tests). Above 1000 objects s3rver pages its listings with DES-based tokens, which Node 20 refuses without
 * the legacy OpenSSL provider, so the bench then restarts itself with NODE_OPTIONS=--openssl-legacy-provider.
 *
 * Needs `dist/` (npm run build) and the s3rver dev dependency.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { configureLogging } from '../dist/core/log/logger.js';
import { run } from '../dist/core/process.js';
import { UploadSource } from '../dist/core/upload/files.js';
import { s3Schema, uploadS3 } from '../dist/core/upload/s3.js';
import { RepositoryId } from '../dist/models/repository-id.js';
import { RepositoryPaths } from '../dist/models/repository-paths.js';

const REPOSITORY = 'bench';
const ARCHITECTURE = 'x86_64';
const BUCKET = 'repo';
const DATABASE_OBJECTS = 4;
/** Package files get a random size in this range, about what small `any` packages weigh. */
const MIN_PACKAGE_BYTES = 2 * 1024;
const MAX_PACKAGE_BYTES = 8 * 1024;
/** s3rver answers at most this many keys per listing; more need paging, see the header comment. */
const KEYS_PER_LISTING = 1000;
const LEGACY_PROVIDER = '--openssl-legacy-provider';

function usage(message) {
  console.error(`${message}\nusage: node bench/s3-sync.mjs [objects=1000] (at least ${DATABASE_OBJECTS + 1})`);
  process.exit(2);
}

const objects = Number(process.argv[2] ?? 1000);
if (!Number.isInteger(objects) || objects <= DATABASE_OBJECTS) usage(`invalid object count '${process.argv[2]}'`);

const legacyProviderLoaded = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].includes(LEGACY_PROVIDER);
if (objects > KEYS_PER_LISTING && !legacyProviderLoaded) {
  const nodeOptions = `${process.env.NODE_OPTIONS ?? ''} ${LEGACY_PROVIDER}`.trim();
  const { code } = await run(process.execPath, [import.meta.filename, ...process.argv.slice(2)], {
    passthrough: true,
    allowFailure: true,
    env: { NODE_OPTIONS: nodeOptions },
  });
  process.exit(code);
}

/** s3rver has no type declarations and no ESM entry point. */
const S3rver = createRequire(import.meta.url)('s3rver');

/** s3rver on 127.0.0.1 in a temporary directory, with a count of the requests it answered by S3 operation. */
async function startS3(directory) {
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const counts = new Map();
  server.httpServer.prependListener('request', (request) => {
    const url = new URL(request.url ?? '/', endpoint);
    const key = url.pathname.split('/').slice(2).join('/'); // '', bucket, key...
    const operation = operationOf(request.method ?? 'GET', key, url.searchParams);
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
  });
  return { server, endpoint, counts };
}

/** The S3 operation of a path-style request, as far as this bench tells them apart. */
function operationOf(method, key, query) {
  if (method === 'GET') return key === '' ? 'list' : 'get';
  if (method === 'PUT') return query.has('partNumber') ? 'part' : 'put';
  if (method === 'POST' && query.has('delete')) return 'delete';
  return 'other';
}

/** The served repository: `objects - 4` package files, then both databases with their links. */
async function createRepository(directory) {
  await mkdir(directory, { recursive: true });
  const packages = [];
  for (let index = 0; index < objects - DATABASE_OBJECTS; index++) {
    const file = path.join(directory, `pkg-${String(index).padStart(5, '0')}-1.0-1-any.pkg.tar.zst`);
    const size = MIN_PACKAGE_BYTES + Math.floor(Math.random() * (MAX_PACKAGE_BYTES - MIN_PACKAGE_BYTES));
    await writeFile(file, randomBytes(size));
    packages.push({ file, size });
  }
  for (const database of ['db', 'files']) {
    const archive = `${REPOSITORY}.${database}.tar.gz`;
    await writeFile(path.join(directory, archive), randomBytes(MAX_PACKAGE_BYTES));
    await symlink(archive, path.join(directory, `${REPOSITORY}.${database}`));
  }
  return packages;
}

/** One upload run: wall seconds and the requests s3rver answered during it. */
async function timedSync(settings, paths, counts) {
  counts.clear();
  const start = process.hrtime.bigint();
  await uploadS3(settings, new UploadSource(paths));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { seconds, requests: new Map(counts) };
}

async function main() {
  configureLogging({ level: 'warning' });
  const root = await mkdtemp(path.join(os.tmpdir(), 'ahriman-bench-s3-sync-'));
  const s3 = await startS3(path.join(root, 's3rver'));
  try {
    const paths = new RepositoryPaths(path.join(root, 'ahriman'), new RepositoryId(ARCHITECTURE, REPOSITORY));
    const packages = await createRepository(paths.repository);
    const settings = s3Schema.parse({
      bucket: BUCKET,
      region: 'us-east-1',
      endpoint_url: s3.endpoint,
      force_path_style: 'yes',
      access_key: 'S3RVER',
      secret_key: 'S3RVER',
    });
    console.log(`${objects} objects (${packages.length} packages, ${DATABASE_OBJECTS} database names), s3rver at ${s3.endpoint}`);

    const results = [];
    results.push(['first upload', await timedSync(settings, paths, s3.counts)]);
    results.push(['nothing changed', await timedSync(settings, paths, s3.counts)]);
    const changed = packages[Math.floor(packages.length / 2)];
    await writeFile(changed.file, randomBytes(changed.size));
    results.push(['1 package changed', await timedSync(settings, paths, s3.counts)]);

    const operations = ['list', 'put', 'part', 'delete', 'get', 'other'];
    const shown = operations.filter((operation) => results.some(([, { requests }]) => requests.has(operation)));
    console.log(['run'.padEnd(18), 'seconds'.padStart(8), ...shown.map((operation) => operation.padStart(7))].join(' '));
    for (const [name, { seconds, requests }] of results) {
      const cells = shown.map((operation) => String(requests.get(operation) ?? 0).padStart(7));
      console.log([name.padEnd(18), seconds.toFixed(2).padStart(8), ...cells].join(' '));
    }
  } finally {
    s3.server.httpServer.closeAllConnections();
    await s3.server.close();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
