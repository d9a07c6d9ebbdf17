/**
 * The housekeeping triggers against real state: logs rotation on a real SQLite state database, archive rotation on a
 * real archive tree whose files are served (or not) through relative links by two repositories.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Configuration } from '../../../src/core/configuration/configuration.js';
import { archiveRotationTrigger, rotateArchive } from '../../../src/core/housekeeping/archive-rotation.js';
import { logsRotationTrigger } from '../../../src/core/housekeeping/logs-rotation.js';
import { RepositoryState } from '../../../src/core/repository/state.js';
import type { TriggerContext } from '../../../src/core/triggers/trigger.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { RepositoryPaths } from '../../../src/models/repository-paths.js';
import { emptyResult } from '../../../src/models/result.js';

const REPOSITORY = new RepositoryId('x86_64', 'demo');

describe('housekeeping triggers', () => {
  let directory: string;
  let opened: RepositoryState[];

  beforeEach(() => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'ahriman-housekeeping-'));
    opened = [];
  });

  afterEach(async () => {
    for (const state of opened) await state.close();
    await fs.rm(directory, { recursive: true, force: true });
  });

  async function context(sections: string): Promise<TriggerContext> {
    const file = path.join(directory, 'ahriman.ini');
    writeFileSync(file, `[settings]\ndatabase = ${directory}/ahriman.db\n\n[repository]\nroot = ${directory}/root\n\n${sections}\n`);
    const configuration = Configuration.load(file, REPOSITORY);
    const state = await RepositoryState.open(configuration, REPOSITORY);
    opened.push(state);
    return { configuration, repositoryId: REPOSITORY, paths: configuration.repositoryPaths(), state };
  }

  it('logs rotation keeps the logs of the [logs-rotation] keep_last_logs newest builds of each package', async () => {
    const triggerContext = await context('[logs-rotation]\nkeep_last_logs = 2');
    const { logs } = triggerContext.state;
    const lines = ['1.0-1', '1.1-1', '1.2-1', '2.0-1'].flatMap((version, index) =>
      ['first', 'second'].map((message) => ({ packageBase: 'ahr-logs', version, processId: `run-${index}`, created: 1000 + index, message })),
    );
    await logs.logsInsert([...lines, { packageBase: 'ahr-other', version: '1.0-1', processId: 'run-9', created: 1, message: 'kept' }]);

    const trigger = await logsRotationTrigger.create(triggerContext);
    await trigger.onResult!(emptyResult(), []);

    const kept = await logs.logsGet('ahr-logs');
    expect([...new Set(kept.map((line) => line.version))]).toEqual(['1.2-1', '2.0-1']);
    expect(kept).toHaveLength(4);
    expect(await logs.logsGet('ahr-other')).toHaveLength(1);
  });

  it("logs rotation reads the reference's legacy [settings] keep_last_logs when [logs-rotation] has none", async () => {
    const triggerContext = await context('[settings]\nkeep_last_logs = 1');
    const { logs } = triggerContext.state;
    await logs.logsInsert(['1.0-1', '1.1-1'].map((version, index) => ({ packageBase: 'ahr-legacy', version, processId: `run-${index}`, created: 1000 + index, message: 'line' })));
    await (await logsRotationTrigger.create(triggerContext)).onResult!(emptyResult(), []);
    expect((await logs.logsGet('ahr-legacy')).map((line) => line.version)).toEqual(['1.1-1']);
  });

  it('logs rotation refuses an invalid keep_last_logs when it is created', async () => {
    await expect(async () => logsRotationTrigger.create(await context('[logs-rotation]\nkeep_last_logs = many'))).rejects.toThrow(
      /\[logs-rotation\] keep_last_logs/,
    );
  });

  describe('archive rotation', () => {
    let paths: RepositoryPaths;

    /** Creates `archive/packages/<l>/<base>/<file>` (and its signature); returns its path. */
    async function archived(base: string, file: string, signed = true): Promise<string> {
      const target = path.join(paths.archiveFor(base), file);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, file);
      if (signed) await fs.writeFile(`${target}.sig`, 'signature');
      return target;
    }

    /** Serves an archived file from `repository/<name>/<arch>/` through a relative link, as the publisher does. */
    async function serve(file: string, repository: RepositoryId): Promise<void> {
      const served = new RepositoryPaths(paths.root, repository).repository;
      await fs.mkdir(served, { recursive: true });
      await fs.symlink(path.relative(served, file), path.join(served, path.basename(file)));
    }

    async function archiveContents(base: string): Promise<string[]> {
      return (await fs.readdir(paths.archiveFor(base))).sort();
    }

    beforeEach(() => {
      paths = new RepositoryPaths(path.join(directory, 'root'), REPOSITORY);
    });

    it('keeps served files and the newest unserved versions of each package and architecture, by vercmp', async () => {
      const servedHere = await archived('ahr-a', 'ahr-a-2.0-1-any.pkg.tar.zst');
      const servedElsewhere = await archived('ahr-a', 'ahr-a-1.0-1-any.pkg.tar.zst');
      await archived('ahr-a', 'ahr-a-1.1-1-any.pkg.tar.zst');
      await archived('ahr-a', 'ahr-a-1.10-1-any.pkg.tar.zst');
      await archived('ahr-a', 'ahr-a-1.9-1-any.pkg.tar.zst', false);
      await archived('ahr-a', 'ahr-a-debug-1.1-1-any.pkg.tar.zst');
      await archived('ahr-a', 'ahr-a-debug-1.0-1-any.pkg.tar.zst');
      await archived('ahr-b', 'ahr-b-1:0.1-1-x86_64.pkg.tar.xz');
      await archived('ahr-b', 'ahr-b-2.0-1-x86_64.pkg.tar.xz');
      await archived('ahr-b', 'ahr-b-1.0-1-aarch64.pkg.tar.xz');
      await fs.writeFile(path.join(paths.archiveFor('ahr-b'), 'notes.txt'), 'not a package');
      await serve(servedHere, REPOSITORY);
      await serve(servedElsewhere, new RepositoryId('x86_64', 'other'));

      const trigger = await archiveRotationTrigger.create(await context('[archive]\nkeep_built_packages = 1'));
      const built = (base: string) => ({ base, version: '1', duration: 0 });
      await trigger.onResult!({ ...emptyResult(), success: [built('ahr-a'), built('ahr-b')] }, []);

      expect(await archiveContents('ahr-a')).toEqual([
        'ahr-a-1.0-1-any.pkg.tar.zst',
        'ahr-a-1.0-1-any.pkg.tar.zst.sig',
        'ahr-a-1.10-1-any.pkg.tar.zst',
        'ahr-a-1.10-1-any.pkg.tar.zst.sig',
        'ahr-a-2.0-1-any.pkg.tar.zst',
        'ahr-a-2.0-1-any.pkg.tar.zst.sig',
        'ahr-a-debug-1.1-1-any.pkg.tar.zst',
        'ahr-a-debug-1.1-1-any.pkg.tar.zst.sig',
      ]);
      // the epoch makes 1:0.1 newer than 2.0; each architecture keeps its own newest
      expect(await archiveContents('ahr-b')).toEqual([
        'ahr-b-1.0-1-aarch64.pkg.tar.xz',
        'ahr-b-1.0-1-aarch64.pkg.tar.xz.sig',
        'ahr-b-1:0.1-1-x86_64.pkg.tar.xz',
        'ahr-b-1:0.1-1-x86_64.pkg.tar.xz.sig',
        'notes.txt',
      ]);
      expect(existsSync(path.join(paths.repository, 'ahr-a-2.0-1-any.pkg.tar.zst'))).toBe(true);
    });

    it('keeps everything with keep_built_packages = 0, and more versions with a higher number', async () => {
      for (const version of ['1.0-1', '1.1-1', '1.2-1', '1.3-1']) await archived('ahr-c', `ahr-c-${version}-any.pkg.tar.zst`, false);
      expect(await rotateArchive(paths, 0, ['ahr-c'])).toEqual([]);
      expect(await archiveContents('ahr-c')).toHaveLength(4);
      expect(await rotateArchive(paths, 3, [])).toEqual([]);
      expect((await rotateArchive(paths, 3, ['ahr-c'])).map((file) => path.basename(file))).toEqual(['ahr-c-1.0-1-any.pkg.tar.zst']);
      expect(await archiveContents('ahr-c')).toEqual(['ahr-c-1.1-1-any.pkg.tar.zst', 'ahr-c-1.2-1-any.pkg.tar.zst', 'ahr-c-1.3-1-any.pkg.tar.zst']);
    });
  });
});
