/**
 * The trigger loader against real modules: the built-in ones, trigger files written to a temporary directory
 * (absolute and relative to the configuration file, default and named exports), installed packages, and every
 * way an entry can be wrong. Also the schemas service-config-validate gets from configured and known triggers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Configuration } from '../../../src/core/configuration/configuration.js';
import { validateConfiguration } from '../../../src/core/configuration/validator.js';
import { packageRoot } from '../../../src/core/package-root.js';
import { archiveTrigger } from '../../../src/core/archive/archive-trigger.js';
import { remotePullTrigger } from '../../../src/core/gitremote/remote-pull.js';
import { remotePushTrigger } from '../../../src/core/gitremote/remote-push.js';
import { archiveRotationTrigger } from '../../../src/core/housekeeping/archive-rotation.js';
import { logsRotationTrigger } from '../../../src/core/housekeeping/logs-rotation.js';
import { reportTrigger } from '../../../src/core/report/report-trigger.js';
import { keyringTrigger } from '../../../src/core/support/keyring.js';
import { mirrorlistTrigger } from '../../../src/core/support/mirrorlist.js';
import { loadTriggerFactory, triggerSchemas } from '../../../src/core/triggers/loader.js';
import { uploadTrigger } from '../../../src/core/upload/upload-trigger.js';
import { RepositoryId } from '../../../src/models/repository-id.js';

const ZOD = pathToFileURL(path.join(packageRoot(), 'node_modules', 'zod', 'index.js')).href;

/** Trigger modules: a factory with a section schema of type `chat` (`token` required), and several wrong shapes. */
const MODULES: Record<string, string> = {
  'chat.mjs': `import { z } from '${ZOD}';
export const chat = { name: 'chat', configurationSchemas: { chat: z.object({ token: z.string(), room: z.string().default('main') }) }, create: () => ({ name: 'chat' }) };
export default chat;`,
  'shapes.mjs': `export const number = 42;
export const nameless = { create: () => ({}) };
export const noCreate = { name: 'x' };
export const badSchemas = { name: 'x', create: () => ({}), configurationSchemas: { x: 'text' } };
export const good = { name: 'good', create: () => ({ name: 'good' }) };`,
  'broken.mjs': 'export const = ;',
  'throws.mjs': "throw new Error('cannot start here');",
};

describe('trigger loader', () => {
  let directory: string;
  let configuration: Configuration;

  const write = (text: string): Configuration => {
    const file = path.join(directory, 'ahriman.ini');
    writeFileSync(file, `[repository]\nroot = ${directory}/root\n\n${text}\n`);
    return Configuration.load(file, new RepositoryId('x86_64', 'demo'));
  };
  const load = (entry: string) => loadTriggerFactory(entry, configuration);

  beforeAll(async () => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'ahriman-triggers-'));
    await fs.mkdir(path.join(directory, 'lib'));
    await fs.mkdir(path.join(directory, 'root'));
    for (const [name, text] of Object.entries(MODULES)) await fs.writeFile(path.join(directory, 'lib', name), text);
    configuration = write('');
  });

  afterAll(() => fs.rm(directory, { recursive: true, force: true }));

  it('maps built-in names and the reference class paths to the same factories', async () => {
    const expected = {
      'remote-pull': [remotePullTrigger, 'ahriman.core.gitremote.RemotePullTrigger'],
      report: [reportTrigger, 'ahriman.core.report.ReportTrigger'],
      upload: [uploadTrigger, 'ahriman.core.upload.UploadTrigger'],
      'remote-push': [remotePushTrigger, 'ahriman.core.gitremote.RemotePushTrigger'],
      'logs-rotation': [logsRotationTrigger, 'ahriman.core.housekeeping.LogsRotationTrigger'],
      'archive-rotation': [archiveRotationTrigger, 'ahriman.core.housekeeping.ArchiveRotationTrigger'],
      archive: [archiveTrigger, 'ahriman.core.archive.ArchiveTrigger'],
      keyring: [keyringTrigger, 'ahriman.core.support.KeyringTrigger'],
      mirrorlist: [mirrorlistTrigger, 'ahriman.core.support.MirrorlistTrigger'],
    } as const;
    for (const [name, [factory, reference]] of Object.entries(expected)) {
      expect(await load(name), name).toBe(factory);
      expect(await load(reference), reference).toBe(factory);
    }
  });

  it('skips the distributed-build triggers and refuses unknown reference names', async () => {
    expect(await load('ahriman.core.distributed.WorkerTrigger')).toBeUndefined();
    expect(await load('ahriman.core.distributed.WorkerLoaderTrigger')).toBeUndefined();
    await expect(load('ahriman.core.report.Report')).rejects.toThrow(/^unknown trigger ahriman\.core\.report\.Report: the reference's triggers known here are ahriman\.core/);
  });

  it('loads trigger files by absolute or relative path, default or named export', async () => {
    const chat = await load(path.join(directory, 'lib', 'chat.mjs'));
    expect(chat?.name).toBe('chat');
    expect(await load('./lib/chat.mjs:chat')).toBe(chat);
    expect((await load(`${directory}/lib/shapes.mjs:good`))?.name).toBe('good');
  });

  it('names the file and the problem when an entry does not lead to a trigger factory', async () => {
    const shapes = `${directory}/lib/shapes.mjs`;
    const cases: Array<[string, string]> = [
      ['./lib/missing.mjs', `trigger file ${directory}/lib/missing.mjs does not exist`],
      ['./lib', `trigger file ${directory}/lib is not a file`],
      [
        './lib/shapes.mjs',
        `trigger file ${shapes} has no default export; its trigger exports: good (name one as <path>:<export>)`,
      ],
      ['./lib/shapes.mjs:other', `trigger file ${shapes} has no export 'other'; its trigger exports: good`],
      ['./lib/shapes.mjs:number', `export 'number' of trigger file ${shapes} is not a trigger factory: it is a number`],
      ['./lib/shapes.mjs:nameless', `export 'nameless' of trigger file ${shapes} is not a trigger factory: it has no name`],
      ['./lib/shapes.mjs:noCreate', `export 'noCreate' of trigger file ${shapes} is not a trigger factory: it has no create(context) function`],
      ['./lib/shapes.mjs:badSchemas', 'is not a trigger factory: its configurationSchemas.x is not a zod object schema'],
      // the syntax error is worded by whoever parses the module (node, or vite under vitest)
      ['./lib/broken.mjs', `cannot load trigger file ${directory}/lib/broken.mjs: `],
      ['./lib/throws.mjs', `cannot load trigger file ${directory}/lib/throws.mjs: cannot start here`],
      ['ahriman-no-such-trigger', "cannot load trigger module ahriman-no-such-trigger: Cannot find package 'ahriman-no-such-trigger'"],
      // an installed package whose default export is not a trigger
      ['yargs', "export 'default' of trigger module yargs is not a trigger factory: it is a function"],
    ];
    for (const [entry, message] of cases) {
      await expect(load(entry), entry).rejects.toThrow(message);
    }
  });

  it('gives service-config-validate the schemas of configured triggers, and of known ones with nothing required', async () => {
    const sections = '[report]\ntarget = team\n\n[team]\ntype = chat\nroom = ops\n';
    const configured = write(`[build]\ntriggers = ./lib/chat.mjs ./lib/missing.mjs\n\n${sections}`);
    const strict = await triggerSchemas(configured);
    expect(Object.keys(strict.schemas)).toEqual(['chat']);
    expect(strict.issues).toEqual([{ section: 'build', key: 'triggers', severity: 'error', message: `trigger file ${directory}/lib/missing.mjs does not exist` }]);
    expect(validateConfiguration(configured, strict.schemas)).toContainEqual({ section: 'team', key: 'token', severity: 'error', message: 'missing required option' });

    const known = write(`[build]\ntriggers =\ntriggers_known = ./lib/chat.mjs ./lib/missing.mjs\n\n${sections}`);
    const relaxed = await triggerSchemas(known);
    expect(relaxed.issues.map((issue) => `${issue.severity} ${issue.key}`)).toEqual(['warning triggers_known']);
    const issues = validateConfiguration(known, relaxed.schemas);
    expect(issues.filter((issue) => issue.section === 'team')).toEqual([]);

    const wrongValue = write(`[build]\ntriggers =\ntriggers_known = ./lib/chat.mjs\n\n[report]\ntarget = team\n\n[team]\ntype = chat\nunknown = 1\n`);
    expect(validateConfiguration(wrongValue, (await triggerSchemas(wrongValue)).schemas)).toContainEqual(
      expect.objectContaining({ section: 'team', key: 'unknown', severity: 'error' }),
    );
  });

  it('validates gitremote sections with the schema the git triggers declare', async () => {
    const text = [
      '[build]',
      'triggers = remote-pull remote-push',
      '[remote-pull]',
      'target = nowhere',
      '[nowhere]',
      'pull_branch = ma ster',
      '[remote-push]',
      'target = pushed',
      '[pushed]',
      'type = gitremote',
      'push_url = https://example.com/repo.git',
    ].join('\n');
    const checked = write(text);
    const issues = validateConfiguration(checked, (await triggerSchemas(checked)).schemas);
    expect(issues.filter((issue) => issue.severity === 'error')).toEqual([
      { section: 'nowhere', key: 'pull_branch', severity: 'error', message: "expected a git branch name, got 'ma ster'" },
      {
        section: 'nowhere',
        key: 'pull_url',
        severity: 'error',
        message: 'missing: pull_url (for remote-pull) or push_url (for remote-push) is required',
      },
    ]);
  });
});
