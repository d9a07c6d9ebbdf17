#!/usr/bin/env node
/**
 * The web service under load: the package list of a repository of N packages and the event stream fanned out to
 * 100 subscribers, beside a static file served by the same server (the floor: what Fastify itself costs).
 *
 *   node bench/web.mjs [packages=5000] [seconds=10]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { Configuration } from '../dist/core/configuration/configuration.js';
import { RepositoryState } from '../dist/core/repository/state.js';
import { RepositoryId } from '../dist/models/repository-id.js';
import { startServer } from '../dist/web/server.js';

const count = Number(process.argv[2] ?? 5000);
const seconds = Number(process.argv[3] ?? 10);
const SUBSCRIBERS = 100;
const EVENTS = 2000;
const repository = new RepositoryId('x86_64', 'bench');

const root = await mkdtemp(path.join(os.tmpdir(), 'ahriman-bench-web-'));
const staticPath = path.join(root, 'static');
await mkdir(path.join(root, 'repository', 'bench', 'x86_64'), { recursive: true });
await mkdir(staticPath);
await writeFile(path.join(staticPath, 'file.json'), JSON.stringify({ hello: 'world' }));
const configurationPath = path.join(root, 'ahriman.ini');
await writeFile(configurationPath, `[repository]\nroot = ${root}\n[web]\nport = 0\nstatic_path = ${staticPath}\nmax_queue_size = ${EVENTS}\n`);

const state = await RepositoryState.open(Configuration.load(configurationPath, repository), repository);
await state.database.transaction(async () => {
  for (let index = 0; index < count; index += 1) {
    const base = `package-${String(index).padStart(5, '0')}`;
    const description = {
      architecture: 'x86_64', archiveSize: 1000, buildDate: 1, depends: ['glibc'], makeDepends: [], optDepends: [], checkDepends: [],
      description: `benchmark package ${index}`, filename: `${base}-1.0-1-x86_64.pkg.tar.zst`, groups: [], installedSize: 4000, licenses: ['MIT'], provides: [], url: null,
    };
    await state.packages.upsertPackage({
      base, version: '1.0-1', packager: null,
      remote: { source: 'aur', gitUrl: null, webUrl: null, path: null, branch: null },
      packages: { [base]: description },
    });
  }
});
await state.close();

const server = await startServer({ configurationPath, repositories: [repository], version: 'bench' });
const url = `http://${server.address}`;

async function load(label, pathname) {
  const result = await autocannon({ url: `${url}${pathname}`, connections: 10, duration: seconds });
  return { label, 'requests/s': Math.round(result.requests.average), 'p99 ms': result.latency.p99, 'MB/s': (result.throughput.average / 1e6).toFixed(1), errors: result.errors + result.non2xx };
}

/** Subscribers that count the messages they receive and note when each arrives. */
function subscribe() {
  return new Promise((resolve, reject) => {
    const received = [];
    http
      .get(`${url}/api/v1/events/stream?event=package-outdated`, (response) => {
        let buffer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          buffer += chunk;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (data) received.push(performance.now() - Number(JSON.parse(data).message));
          }
        });
        resolve({ received, close: () => response.destroy() });
      })
      .on('error', reject);
  });
}

async function fanOut() {
  const subscribers = await Promise.all(Array.from({ length: SUBSCRIBERS }, subscribe));
  const started = performance.now();
  for (let index = 0; index < EVENTS; index += 1) {
    server.web.bus.publish(repository, { event: 'package-outdated', objectId: 'package-00001', message: String(performance.now()), created: 1, data: {} });
    if (index % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
  }
  const deadline = Date.now() + 60_000;
  while (subscribers.some((subscriber) => subscriber.received.length < EVENTS) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  const elapsed = (performance.now() - started) / 1000;
  const latencies = subscribers.flatMap((subscriber) => subscriber.received).sort((left, right) => left - right);
  for (const subscriber of subscribers) subscriber.close();
  return {
    label: `SSE: ${EVENTS} events to ${SUBSCRIBERS} subscribers`,
    'messages/s': Math.round(latencies.length / elapsed),
    'p99 ms': latencies[Math.floor(latencies.length * 0.99)]?.toFixed(1),
    delivered: `${latencies.length}/${EVENTS * SUBSCRIBERS}`,
  };
}

try {
  console.log(`web service: ${count} packages, ${seconds} s per HTTP measurement, 10 connections`);
  console.table([await load('static file (floor)', '/static/file.json'), await load(`GET /api/v1/packages (${count})`, '/api/v1/packages'), await load('GET /api/v1/status', '/api/v1/status')]);
  console.table([await fanOut()]);
} finally {
  await server.close();
  await rm(root, { recursive: true, force: true });
}
