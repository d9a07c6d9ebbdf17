#!/usr/bin/env node
/**
 * An update check of N AUR packages against a local fake AUR that adds `latency` ms to every request: our AurClient
 * (batched `info`: many `arg[]` per POST, one keep-alive connection pool) against the reference's way (one
 * `GET /rpc/v5/info/<name>` per package, each through a new client, so a new connection each time).
 *
 *   node bench/aur-check.mjs [count=1000] [latency=50]
 *
 * Needs `dist/` (npm run build). The server listens on 127.0.0.1 only and stops when the benchmark ends.
 */
import http from 'node:http';
import { URL, URLSearchParams } from 'node:url';
import { AurClient } from '../dist/core/alpm/remote/aur.js';
import { vercmp } from '../dist/core/alpm/vercmp.js';

const count = Number(process.argv[2] ?? 1000);
const latencyMs = Number(process.argv[3] ?? 50);
if (!Number.isInteger(count) || count < 1 || !Number.isFinite(latencyMs) || latencyMs < 0) {
  console.error('usage: node bench/aur-check.mjs [count=1000] [latency-ms=50]');
  process.exit(2);
}

const POLICY = { timeoutMs: 30_000, maxRetries: 0, retryBackoffSeconds: 1 };

/** The repository's view: N packages at 1.0-1; the AUR has a newer version of every third one. */
function packageSet() {
  const local = new Map();
  const remote = new Map();
  for (let index = 0; index < count; index++) {
    const name = `bench-aur-${String(index).padStart(5, '0')}`;
    local.set(name, '1.0-1');
    remote.set(name, index % 3 === 0 ? '1.1-1' : '1.0-1');
  }
  return { local, remote };
}

function aurResult(name, version) {
  return {
    Name: name,
    PackageBase: name,
    Version: version,
    Description: `${name} package`,
    URL: null,
    NumVotes: 1,
    Popularity: 0.1,
    OutOfDate: null,
    Maintainer: 'someone',
    FirstSubmitted: 1_600_000_000,
    LastModified: 1_600_000_000,
    Depends: ['glibc'],
    MakeDepends: [],
    License: ['MIT'],
    Keywords: [],
  };
}

/** The names an `info` request asks for: path-style `GET /rpc/v5/info/<name>` or `POST /rpc/v5/info` with `arg[]`. */
async function requestedNames(request) {
  const { pathname } = new URL(request.url ?? '/', 'http://localhost');
  if (request.method === 'GET' && pathname.startsWith('/rpc/v5/info/')) return [decodeURIComponent(pathname.slice('/rpc/v5/info/'.length))];
  if (request.method !== 'POST' || pathname !== '/rpc/v5/info') return undefined;
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8')).getAll('arg[]');
}

/** A minimal AUR RPC v5 `info` endpoint. Counts requests and TCP connections; every answer waits `latencyMs` first. */
async function startFakeAur(versions) {
  const counters = { requests: 0, connections: 0 };
  const server = http.createServer(async (request, response) => {
    counters.requests += 1;
    const names = await requestedNames(request);
    if (names === undefined) {
      response.writeHead(404).end('not found');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, latencyMs));
    const results = names.filter((name) => versions.has(name)).map((name) => aurResult(name, versions.get(name)));
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ version: 5, type: 'multiinfo', resultcount: results.length, results }));
  });
  server.on('connection', () => {
    counters.connections += 1;
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stop = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return { url: `http://127.0.0.1:${server.address().port}`, counters, stop };
}

function outdated(local, remoteVersions) {
  return [...local].filter(([name, version]) => remoteVersions.has(name) && vercmp(remoteVersions.get(name), version) > 0).map(([name]) => name);
}

async function checkWithOurs(url, local) {
  const found = await new AurClient(url, POLICY).info(local.keys());
  return outdated(local, new Map([...found].map(([name, aurPackage]) => [name, aurPackage.version])));
}

/** One lookup the reference's way: a fresh client (own connection, no keep-alive) and one name in the path. */
function infoWithNewClient(url, name) {
  return new Promise((resolve, reject) => {
    const agent = new http.Agent({ keepAlive: false });
    const request = http.get(`${url}/rpc/v5/info/${encodeURIComponent(name)}`, { agent, timeout: POLICY.timeoutMs }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        agent.destroy();
        if (response.statusCode !== 200) reject(new Error(`info ${name}: HTTP ${response.statusCode}`));
        else resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')).results[0]);
      });
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`info ${name}: no answer within ${POLICY.timeoutMs} ms`)));
    request.on('error', reject);
  });
}

async function checkOnePerPackage(url, local) {
  const remoteVersions = new Map();
  for (const name of local.keys()) {
    const result = await infoWithNewClient(url, name);
    if (result) remoteVersions.set(name, result.Version);
  }
  return outdated(local, remoteVersions);
}

async function measure(label, versions, local, check) {
  const aur = await startFakeAur(versions);
  try {
    const start = process.hrtime.bigint();
    const found = await check(aur.url, local);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return { label, seconds, found, ...aur.counters };
  } finally {
    await aur.stop();
  }
}

async function main() {
  const { local, remote } = packageSet();
  const ours = await measure('AurClient.info (batched POST, keep-alive)', remote, local, checkWithOurs);
  const reference = await measure('GET info/<name> per package, new client each', remote, local, checkOnePerPackage);
  if (ours.found.join() !== reference.found.join()) throw new Error('the two checks disagree on the outdated packages');

  console.log(`Update check of ${count} AUR packages (${ours.found.length} outdated), ${latencyMs} ms added per request`);
  console.log(`${''.padEnd(46)} ${'requests'.padStart(9)} ${'connections'.padStart(12)} ${'wall s'.padStart(9)}`);
  for (const row of [ours, reference]) {
    console.log(`${row.label.padEnd(46)} ${String(row.requests).padStart(9)} ${String(row.connections).padStart(12)} ${row.seconds.toFixed(2).padStart(9)}`);
  }
  console.log(`per package / batched: ${(reference.seconds / ours.seconds).toFixed(1)}x faster, ${reference.requests / ours.requests}x fewer requests`);
}

await main();
