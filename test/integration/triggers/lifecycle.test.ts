/**
 * Triggers around real runs of the built CLI: a third-party trigger named by file path receives the Result of a
 * real build (host driver, local PKGBUILD) once, misnamed triggers stop a command before it changes anything,
 * onStop runs in reverse order, and the on-demand commands run what they should.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSyncDatabase } from '../../../src/core/alpm/sync-database.js';
import { removeBuildDirectories, writePkgbuild } from '../../support/makepkg.js';
import { TriggerService } from './support.js';

describe('trigger lifecycle through the CLI', () => {
  let service: TriggerService;

  beforeAll(async () => {
    service = await TriggerService.create({
      // relative file paths: the default export, a missing file, an export of the wrong shape, a named export by relative path, an unsupported reference trigger
      build: 'triggers = ./recorder.mjs ./missing.mjs ./recorder.mjs:notATrigger ./recorder.mjs:second ahriman.core.distributed.WorkerTrigger',
    });
  });

  afterAll(async () => {
    await service?.cleanup();
    await removeBuildDirectories();
  });

  it('runs no trigger for package-add without --now', async () => {
    const directory = await writePkgbuild({ pkgname: 'trig-one', pkgver: '1.0', package: 'mkdir -p "$pkgdir/usr/share/trig-one"' });
    await service.expectCli(['package-add', directory]);
    expect(await service.takeEvents()).toEqual([]);
  });

  /** An override in the include directory: [build] triggers without the misnamed entries. */
  const override = (): string => path.join(service.sandbox.root, '.config', 'ahriman', 'ahriman.ini.d', 'zz-triggers.ini');

  it('refuses to update while triggers are misnamed, naming each, and builds and publishes nothing', async () => {
    const update = await service.expectCli(['repo-update'], 1);
    expect(update.stdout).toBe('');
    const directory = service.sandbox.directory;
    expect(update.stderr).toContain('invalid trigger configuration, nothing changed');
    expect(update.stderr).toContain(`./missing.mjs: trigger file ${directory}/missing.mjs does not exist`);
    expect(update.stderr).toContain(
      `./recorder.mjs:notATrigger: export 'notATrigger' of trigger file ${directory}/recorder.mjs is not a trigger factory: it has no name`,
    );
    expect(await service.takeEvents()).toEqual([]);
    expect((await service.cli(['repo-update', '--dry-run', '--json'])).stdout).toContain('trig-one');
  });

  it('hands the Result of a real update to the triggers once', async () => {
    await mkdir(path.dirname(override()), { recursive: true });
    await writeFile(override(), '[build]\ntriggers = ./recorder.mjs ./recorder.mjs:second ahriman.core.distributed.WorkerTrigger\n');
    const update = await service.expectCli(['repo-update']);
    expect(update.stdout).toMatch(/^built trig-one 1\.0-1 in /m);
    expect(update.stderr).toContain('trigger ahriman.core.distributed.WorkerTrigger is not supported');

    const events = await service.takeEvents();
    expect(events.map((event) => `${event.hook} ${event.label}`)).toEqual([
      'start default',
      'start second',
      'result default',
      'result second',
      'stop second',
      'stop default',
    ]);
    const result = events.find((event) => event.hook === 'result')!;
    expect(result.result?.success.map((item) => `${item.base} ${item.version}`)).toEqual(['trig-one 1.0-1']);
    expect(result.result?.failed).toEqual([]);
    expect(result.packages).toEqual(['trig-one 1.0-1']);
    expect((await readSyncDatabase(`${service.repository}/demo.db`)).map((entry) => entry.name)).toEqual(['trig-one']);
  });

  it('repo-triggers runs the listed triggers on an empty Result with the packages the repository serves', async () => {
    await service.expectCli(['repo-triggers', service.recorder]);
    const events = await service.takeEvents();
    expect(events.map((event) => `${event.hook} ${event.label}`)).toEqual(['start default', 'result default', 'stop default']);
    expect(events[1]!.result).toEqual({ success: [], failed: [], removed: [], errors: [] });
    expect(events[1]!.packages).toEqual(['trig-one 1.0-1']);
  });

  it('a trigger throwing in a hook is reported, the next one still runs, the exit code is 1', async () => {
    const run = await service.expectCli(['repo-triggers', './recorder.mjs:failing', './recorder.mjs'], 1);
    expect(run.stderr).toContain('trigger failing failed: boom');
    expect((await service.takeEvents()).map((event) => `${event.hook} ${event.label}`)).toEqual(['start default', 'result default', 'stop default']);
  });

  it('repo-report and repo-sync run only the report and upload triggers', async () => {
    await service.expectCli(['repo-report']);
    await service.expectCli(['sync']);
    expect(await service.takeEvents()).toEqual([]);
    const unknown = await service.expectCli(['repo-triggers', 'ahriman.core.report.NoSuchTrigger'], 1);
    expect(unknown.stderr).toContain('unknown trigger ahriman.core.report.NoSuchTrigger');
  });

  it('package-remove hands the removed packages to the configured triggers', async () => {
    const remove = await service.expectCli(['package-remove', 'trig-one']);
    expect(remove.stdout.trim()).toBe('removed trig-one');
    const result = (await service.takeEvents()).find((event) => event.hook === 'result' && event.label === 'default');
    expect(result?.result).toEqual({ success: [], failed: [], removed: ['trig-one'], errors: [] });
    expect(result?.packages).toEqual([]);
  });

  it('package-add --now runs the triggers around its build', async () => {
    const directory = await writePkgbuild({ pkgname: 'trig-two', pkgver: '2.0', package: 'mkdir -p "$pkgdir/usr/share/trig-two"' });
    await service.expectCli(['package-add', '--now', directory]);
    const events = await service.takeEvents();
    expect(events.map((event) => `${event.hook} ${event.label}`)).toEqual(['start default', 'start second', 'result default', 'result second', 'stop second', 'stop default']);
    expect(events[2]!.result?.success.map((item) => `${item.base} ${item.version}`)).toEqual(['trig-two 2.0-1']);
    expect(events[2]!.packages).toEqual(['trig-two 2.0-1']);
  });

  it('service-config-validate names the triggers that cannot be loaded', async () => {
    await rm(override());
    const validate = await service.expectCli(['service-config-validate', '--json', '-e'], 1);
    const issues = JSON.parse(validate.stdout) as Array<{ section: string; key?: string; severity: string; message: string }>;
    expect(issues.filter((issue) => issue.key === 'triggers').map((issue) => issue.message)).toEqual([
      `trigger file ${service.sandbox.directory}/missing.mjs does not exist`,
      expect.stringContaining("export 'notATrigger' of trigger file"),
    ]);
  });
});
