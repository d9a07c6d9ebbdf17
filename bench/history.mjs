#!/usr/bin/env node
/**
 * The content history at scale: fills a fresh state database with CHANGES recorded changes through the real
 * recording code (recordHistory, inside a state transaction as the publish calls it), then times each query that
 * `repo-history` and its API make (median of 5) and prints SQLite's EXPLAIN QUERY PLAN for it.
 *
 *   node bench/history.mjs [changes=100000] [packages=2000]
 *
 * The repository first gets `packages` packages in one run; every later run upgrades 50 of them (50 removals and 50
 * additions), until `changes` changes are recorded. Needs `dist/` (npm run build).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Database } from '../dist/core/database/connection.js';
import { recordHistory } from '../dist/core/repository/history.js';
import { RepositoryState } from '../dist/core/repository/state.js';
import { RepositoryId } from '../dist/models/repository-id.js';

const CHANGES = Number(process.argv[2] ?? 100_000);
const PACKAGES = Number(process.argv[3] ?? 2000);
const PER_RUN = 50;
const TRIALS = 5;
if (!Number.isInteger(CHANGES) || !Number.isInteger(PACKAGES) || CHANGES < PACKAGES || PACKAGES < PER_RUN) {
  console.error('usage: node bench/history.mjs [changes=100000] [packages=2000] (changes >= packages >= 50)');
  process.exit(2);
}

const entry = (index, release) => {
  const name = `pkg-${String(index).padStart(5, '0')}`;
  const version = `1.0-${release}`;
  return { name, base: name, version, architecture: 'x86_64', sha256: createHash('sha256').update(`${name} ${version}`).digest('hex') };
};

const directory = await mkdtemp(path.join(os.tmpdir(), 'ahriman-history-bench-'));
const database = await Database.open(path.join(directory, 'ahriman.db'));
const state = new RepositoryState(database, new RepositoryId('x86_64', 'bench'));
try {
  const releases = Array.from({ length: PACKAGES }, () => 1);
  const listed = () => releases.map((release, index) => entry(index, release));
  const record = () => state.database.transaction(() => recordHistory(state, listed()));
  const fillStarted = performance.now();
  let changes = PACKAGES;
  await record();
  const runTimes = [];
  for (let run = 0; changes < CHANGES; run += 1) {
    for (let step = 0; step < PER_RUN / 2; step += 1) releases[(run * (PER_RUN / 2) + step) % PACKAGES] += 1;
    const started = performance.now();
    await record();
    runTimes.push(performance.now() - started);
    changes += PER_RUN;
  }
  const fillSeconds = (performance.now() - fillStarted) / 1000;
  runTimes.sort((a, b) => a - b);
  const [{ count }] = await database.all('count', 'SELECT count(*) AS count FROM history_changes');
  const runs = await state.history.historyRuns();
  console.log(`recorded ${count} changes in ${runs.length} runs through recordHistory in ${fillSeconds.toFixed(1)} s`);
  console.log(`one publish's record (diff against the history, insert) with ${count} changes recorded: median ${runTimes[runTimes.length >> 1].toFixed(1)} ms`);

  // Captures the statements a query sends, to explain them with the same parameters.
  let captured = [];
  const all = database.all.bind(database);
  const get = database.get.bind(database);
  database.all = (purpose, sql, parameters) => (captured.push({ sql, parameters }), all(purpose, sql, parameters));
  database.get = (purpose, sql, parameters) => (captured.push({ sql, parameters }), get(purpose, sql, parameters));

  const middle = runs[runs.length >> 1];
  const early = runs[runs.length - 10];
  const queries = [
    ['repo-history pkg-00007 (a package\'s versions)', () => state.history.historyPackage('pkg-00007')],
    ['repo-history --at <middle date> (resolve the date)', () => state.history.historyResolve({ kind: 'date', time: middle.created })],
    ['repo-history --at <middle run> (content)', () => state.history.historyContent(middle.id)],
    ['repo-history --diff <early run> <latest run>', () => state.history.historyDiff(early.id, runs[0].id)],
    ['repo-history --diff <run> <next run>', () => state.history.historyDiff(middle.id, middle.id + 1)],
    ['repo-history (the last 20 runs)', () => state.history.historyRuns(20)],
  ];
  for (const [label, query] of queries) {
    const times = [];
    let rows = 0;
    for (let trial = 0; trial < TRIALS; trial += 1) {
      captured = [];
      const started = performance.now();
      const result = await query();
      times.push(performance.now() - started);
      rows = Array.isArray(result) ? result.length : result && 'added' in result && Array.isArray(result.added) ? result.added.length + result.removed.length : 1;
    }
    times.sort((a, b) => a - b);
    console.log(`\n${label}: median ${times[TRIALS >> 1].toFixed(2)} ms (min ${times[0].toFixed(2)}, max ${times[TRIALS - 1].toFixed(2)}), ${rows} row(s)`);
    for (const { sql, parameters } of captured) {
      const plan = await all('explain', `EXPLAIN QUERY PLAN ${sql}`, parameters);
      for (const step of plan) console.log(`  ${step.detail}`);
    }
  }
} finally {
  await database.close();
  await rm(directory, { recursive: true, force: true });
}
