import { existsSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/core/database/connection.js';
import { schemaVersion } from '../../../src/core/database/migrations.js';
import { packageRoot } from '../../../src/core/package-root.js';
import { run } from '../../../src/core/process.js';
import { cleanUp, temporaryDirectory } from './support.js';

const ITERATIONS = 150;
const LINES_PER_ITERATION = 40;

/**
 * Each child opens the same new database (so both race to migrate it) and then, in a loop, saves a package and its
 * status in transactions, lists the packages and writes build log lines, while the other child does the same.
 */
const WORKER = `
import { Database } from './dist/core/database/connection.js';
import { LogWriter } from './dist/core/database/operations/log-writer.js';
import { LogOperations } from './dist/core/database/operations/logs.js';
import { PackageOperations } from './dist/core/database/operations/packages.js';
import { RepositoryId } from './dist/models/repository-id.js';

const [file, worker, iterations, linesPerIteration] = process.argv.slice(2);
const started = Date.now();
const database = await Database.open(file);
const repository = new RepositoryId('x86_64', 'shared');
const packages = new PackageOperations(database, repository);
const writer = new LogWriter(new LogOperations(database, repository), { batchLines: 25 });
for (let index = 0; index < Number(iterations); index += 1) {
  const base = worker + '-' + index;
  await packages.upsertPackage({
    base,
    version: '1-1',
    remote: { source: 'local', gitUrl: null, webUrl: null, path: null, branch: null },
    packager: null,
    packages: {},
  });
  await packages.updateStatus(base, 'success');
  await packages.listPackages();
  for (let line = 0; line < Number(linesPerIteration); line += 1) {
    const created = Date.now() / 1000;
    writer.write({ packageBase: base, version: '1-1', processId: worker, created, message: 'line ' + line });
  }
}
await writer.close();
await database.close();
console.log(JSON.stringify({ started, finished: Date.now() }));
`;

let workspace: string;

/** Compiles the database modules into a scratch package that plain `node` children can import. */
beforeAll(async () => {
  workspace = await temporaryDirectory();
  const root = packageRoot();
  const sources = [
    'core/database/connection.ts',
    'core/database/operations/packages.ts',
    'core/database/operations/log-writer.ts',
  ];
  await writeFile(
    path.join(workspace, 'tsconfig.json'),
    JSON.stringify({
      extends: path.join(root, 'tsconfig.json'),
      // Type checking is the job of the main build; here only JavaScript is needed, fast.
      compilerOptions: {
        outDir: path.join(workspace, 'dist'),
        sourceMap: false,
        noCheck: true,
        typeRoots: [path.join(root, 'node_modules', '@types')],
      },
      include: [],
      files: sources.map((source) => path.join(root, 'src', source)),
    }),
  );
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', path.join(workspace, 'tsconfig.json')], { cwd: workspace });
  await writeFile(path.join(workspace, 'package.json'), JSON.stringify({ type: 'module' }));
  await symlink(path.join(root, 'node_modules'), path.join(workspace, 'node_modules'));
  await symlink(path.join(root, 'migrations'), path.join(workspace, 'migrations'));
  await writeFile(path.join(workspace, 'worker.mjs'), WORKER);
  expect(existsSync(path.join(workspace, 'dist', 'core', 'database', 'connection.js'))).toBe(true);
});

afterAll(cleanUp);

describe('two processes sharing the database', () => {
  it('migrate and write concurrently without failing on a lock', async () => {
    const directory = path.join(workspace, 'state');
    await mkdir(directory);
    const file = path.join(directory, 'ahriman.db');

    const children = await Promise.all(
      ['first', 'second'].map((worker) =>
        run(
          process.execPath,
          [path.join(workspace, 'worker.mjs'), file, worker, String(ITERATIONS), String(LINES_PER_ITERATION)],
          { cwd: workspace, timeoutMs: 60_000 },
        ),
      ),
    );
    const [first, second] = children.map((child) => JSON.parse(child.stdout) as { started: number; finished: number });
    // The children really ran at the same time.
    expect(first!.started).toBeLessThan(second!.finished);
    expect(second!.started).toBeLessThan(first!.finished);

    const database = await Database.open(file);
    expect(await schemaVersion(database)).toBeGreaterThan(0);
    expect(
      await database.get('count statuses', "SELECT count(*) AS bases FROM package_statuses WHERE status = 'success'"),
    ).toEqual({ bases: 2 * ITERATIONS });
    expect(await database.get('count log lines', 'SELECT count(*) AS lines FROM logs')).toEqual({
      lines: 2 * ITERATIONS * LINES_PER_ITERATION,
    });
    await database.close();
  });
});
