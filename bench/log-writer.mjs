#!/usr/bin/env node
/**
 * Storing a build log: our batched LogWriter against one INSERT per line (what the reference does), for the same
 * lines into the same kind of database (SQLite, WAL).
 *
 *   node bench/log-writer.mjs [lines=10000]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Database } from '../dist/core/database/connection.js';
import { LogOperations } from '../dist/core/database/operations/logs.js';
import { LogWriter } from '../dist/core/database/operations/log-writer.js';
import { RepositoryId } from '../dist/models/repository-id.js';

const count = Number(process.argv[2] ?? 10_000);
const repository = new RepositoryId('x86_64', 'bench');
const lines = Array.from({ length: count }, (_, index) => ({
  packageBase: 'bench',
  version: '1.0-1',
  processId: 'bench',
  created: Date.now() / 1000,
  message: `==> line ${index} of a build log, about as long as a compiler command line usually is`,
}));

async function measure(label, store) {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'ahriman-bench-logs-'));
  const database = await Database.open(path.join(directory, 'ahriman.db'));
  const started = performance.now();
  await store(database);
  const elapsed = performance.now() - started;
  await database.close();
  await rm(directory, { recursive: true, force: true });
  return { label, elapsed };
}

const batched = await measure('LogWriter (batched)', async (database) => {
  const writer = new LogWriter(new LogOperations(database, repository));
  for (const line of lines) writer.write(line);
  await writer.close();
});
const perLine = await measure('one INSERT per line', async (database) => {
  for (const line of lines) {
    await database.run(
      'store one log line',
      'INSERT INTO logs (repository, package_base, version, process_id, created, message) VALUES (?, ?, ?, ?, ?, ?)',
      [repository.id, line.packageBase, line.version, line.processId, line.created, line.message],
    );
  }
});

console.log(`build log of ${count} lines`);
for (const { label, elapsed } of [batched, perLine]) console.log(`  ${label.padEnd(22)} ${(elapsed / 1000).toFixed(3)} s`);
console.log(`  speed-up                ${(perLine.elapsed / batched.elapsed).toFixed(1)}x`);
