/**
 * The reference's smaller commands, each against real components: service-key-import against a loopback HKP
 * server and real gpg, aur-search and help-updates against the fake AUR, repo-statistics (and its SVG chart) over
 * events in the real database, repo-status-update, repo-tree's text, service-run, service-shell and
 * service-tree-migrate on a legacy tree.
 */
import { existsSync, mkdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/core/database/connection.js';
import { run } from '../../../src/core/process.js';
import { RepositoryState } from '../../../src/core/repository/state.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { ahriman, makeSandbox, type Sandbox } from '../../support/cli.js';
import { FakeAur } from '../../support/fake-aur.js';
import { FakeHkp } from '../../support/fake-hkp.js';
import { removeTestKeys, testKey } from '../../support/keys.js';
import { packageRecord } from '../../unit/database/support.js';

const DEMO = new RepositoryId('x86_64', 'demo');
const EPOCH = 1_700_000_000;

describe('service and helper commands', () => {
  let aur: FakeAur;
  let sandbox: Sandbox;
  let state: RepositoryState;
  const cli = (args: string[], env: Record<string, string> = {}) =>
    ahriman(['-c', sandbox.configuration, '-a', DEMO.architecture, '-r', DEMO.name, ...args], env);

  beforeAll(async () => {
    aur = await new FakeAur().start();
    sandbox = makeSandbox(`[aur]\nurl = ${aur.url}\nmax_retries = 0\n`);
    mkdirSync(sandbox.root, { recursive: true });
    state = new RepositoryState(await Database.open(path.join(sandbox.root, 'ahriman.db')), DEMO);
    const library = packageRecord('libalpha', '1.0-1');
    library.packages.libalpha!.depends = [];
    await state.packages.upsertPackage(library);
    await state.packages.upsertPackage(packageRecord('beta', '2.0-1'));
    const alpha = packageRecord('alpha', '1.0-1');
    alpha.packages.alpha!.depends = ['libalpha'];
    await state.packages.upsertPackage(alpha);
    for (const [base, duration, created] of [['alpha', 10, EPOCH], ['alpha', 20, EPOCH + 100], ['beta', 5, EPOCH + 200]] as const) {
      await state.events.eventInsert({ event: 'package-updated', objectId: base, message: null, created, data: { duration } });
    }
  });

  afterAll(async () => {
    await state?.close();
    await aur?.stop();
    await fs.rm(sandbox.directory, { recursive: true, force: true });
    await removeTestKeys();
  });

  it('service-key-import fetches the key from the HKP server and imports it into the gpg keyring', async () => {
    const key = await testKey();
    const hkp = await new FakeHkp(new Map([[key.fingerprint, key.armoredPublic]])).start();
    const home = await fs.mkdtemp(path.join(sandbox.directory, 'gnupg-'));
    try {
      const imported = await cli(['service-key-import', key.fingerprint, '--key-server', hkp.url], { GNUPGHOME: home });
      expect(imported.code, imported.stderr).toBe(0);
      expect(hkp.lookups).toEqual([`/pks/lookup?op=get&options=mr&search=0x${key.fingerprint}`]);
      const listed = await run('gpg', ['--homedir', home, '--batch', '--with-colons', '--list-keys', key.fingerprint]);
      expect(listed.stdout).toContain(key.fingerprint);

      const [unknown, invalid] = await Promise.all([
        cli(['key-import', 'DEADBEEFDEADBEEF', '--key-server', hkp.url], { GNUPGHOME: home }),
        cli(['key-import', 'not;a-key', '--key-server', hkp.url], { GNUPGHOME: home }),
      ]);
      expect([unknown.code, invalid.code]).toEqual([1, 1]);
      expect(unknown.stderr).toContain(`key DEADBEEFDEADBEEF is not on ${hkp.url}`);
      expect(invalid.stderr).toContain('invalid key "not;a-key"');
    } finally {
      await hkp.stop();
      await run('gpgconf', ['--homedir', home, '--kill', 'all'], { allowFailure: true });
    }
  });

  it('aur-search finds the packages matching every term, sorted, and -e fails on no match', async () => {
    await aur.add({ name: 'ahr-search-tool', version: '1.0-1', description: 'a search helper' });
    await aur.add({ name: 'ahr-search-lib', version: '0.5-2', description: 'library' });
    await aur.add({ name: 'unrelated', version: '1.0-1', description: 'nothing' });
    const [json, both, none, short] = await Promise.all([
      cli(['aur-search', 'ahr-search', '--json', '--sort-by', 'version']),
      cli(['search', 'ahr-search', 'tool']),
      cli(['aur-search', 'nothing-like-this', '-e']),
      cli(['aur-search', 'ab']),
    ]);
    expect(json.code, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as Array<{ name: string }>).map((item) => item.name)).toEqual(['ahr-search-lib', 'ahr-search-tool']);
    expect(both.stdout).toBe('ahr-search-tool 1.0-1\n\tRepository: aur\n\tDescription: a search helper\n');
    expect([none.code, none.stdout]).toEqual([1, '']);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('every search term is shorter than 3 characters');
  });

  it('help-updates compares the installed version with the AUR package', async () => {
    const missing = await ahriman(['-c', sandbox.configuration, 'help-updates', '-e']);
    expect([missing.code, missing.stdout]).toEqual([0, 'ahriman 0.1.0: not found in the AUR\n']);
    await aur.add({ name: 'ahriman', version: '99.0-1' });
    const outdated = await ahriman(['-c', sandbox.configuration, 'help-updates', '-e']);
    expect([outdated.code, outdated.stdout]).toEqual([1, 'ahriman 0.1.0 -> 99.0-1\n']);
  });

  it('repo-statistics counts events and summarizes build durations, and draws an SVG chart', async () => {
    const chart = path.join(sandbox.directory, 'updates.svg');
    const [text, json, filtered, badDate] = await Promise.all([
      cli(['repo-statistics', '--chart', chart]),
      cli(['repo-statistics', '--json', 'alpha']),
      cli(['repo-statistics', '--json', '--from-date', new Date((EPOCH + 150) * 1000).toISOString()]),
      cli(['repo-statistics', '--from-date', 'yesterday']),
    ]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('package-updated: 3 events\n');
    expect(text.stdout).toContain('alpha\n\tEvents: 2\n\tDuration min: 10.00 s\n\tDuration max: 20.00 s\n\tDuration mean: 15.00 s\n\tDuration stddev: 5.00 s\n');
    expect(JSON.parse(json.stdout)).toMatchObject({ events: 2, objects: [{ objectId: 'alpha', events: 2, durations: { min: 10, max: 20, mean: 15, stddev: 5 } }] });
    expect(JSON.parse(filtered.stdout)).toMatchObject({ events: 1, objects: [{ objectId: 'beta' }] });
    expect(badDate.code).toBe(1);
    expect(badDate.stderr).toContain('--from-date "yesterday": expected an ISO date');
    const svg = await fs.readFile(chart, 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('alpha');
    expect(svg).toContain('beta');
  });

  it('repo-statistics --chart writes a PNG when the file is named *.png, and refuses other names', async () => {
    const chart = path.join(sandbox.directory, 'updates.png');
    const [png, gif] = await Promise.all([cli(['repo-statistics', '--chart', chart]), cli(['repo-statistics', '--chart', path.join(sandbox.directory, 'updates.gif')])]);
    expect(png.code, png.stderr).toBe(0);
    const image = PNG.sync.read(await fs.readFile(chart));
    // 3 packages: the plot is at least the 200 pixels wide the chart asks for, plus axes and title
    expect(image.width).toBeGreaterThan(200);
    expect(image.height).toBeGreaterThan(240);
    expect([gif.code, gif.stderr]).toEqual([1, expect.stringContaining('charts are written as SVG or PNG (name the file *.svg or *.png)')]);
  });

  it('repo-status-update sets the service status, and repo-tree prints levels in the reference layout', async () => {
    expect((await cli(['repo-status-update', '-s', 'failed'])).code).toBe(0);
    const status = await cli(['package-status', '--ahriman', '--json', 'alpha']);
    expect(JSON.parse(status.stdout)).toMatchObject({ service: { status: 'failed' } });
    const tree = await cli(['repo-tree']);
    expect(tree.stdout).toBe('partition #0\nlevel #0\n\tbeta 2.0-1\n\tlibalpha 1.0-1\nlevel #1\n\talpha 1.0-1\n\n');
  });

  it('service-run runs command lines in order and stops at the first failure; service-shell evaluates code', async () => {
    const configuration = `-c ${sandbox.configuration} -a x86_64 -r demo`;
    const ran = await ahriman(['service-run', '--', `${configuration} repo-status-update -s success`, `${configuration} nosuch`, `${configuration} repo-status-update -s building`]);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('unknown command "nosuch"');
    const status = await cli(['package-status', '--ahriman', '--json', 'alpha']);
    expect(JSON.parse(status.stdout)).toMatchObject({ service: { status: 'success' } });

    const shell = await cli(['service-shell', '`${repositoryId.id} ${architecture} ${typeof application.updates}`']);
    expect([shell.code, shell.stdout]).toEqual([0, 'x86_64-demo x86_64 function\n']);
  });

  it('service-tree-migrate moves a legacy <dir>/<arch> tree under the repository name and keeps its links working', async () => {
    const legacy = makeSandbox();
    try {
      const archived = path.join(legacy.root, 'archive', 'packages', 'a', 'alpha', 'alpha-1.0-1-any.pkg.tar.zst');
      await fs.mkdir(path.dirname(archived), { recursive: true });
      await fs.writeFile(archived, 'package');
      const repository = path.join(legacy.root, 'repository', 'x86_64');
      await fs.mkdir(repository, { recursive: true });
      await fs.writeFile(path.join(repository, 'demo.db.tar.gz'), 'database');
      await fs.symlink(path.relative(repository, archived), path.join(repository, 'alpha-1.0-1-any.pkg.tar.zst'));
      await fs.mkdir(path.join(legacy.root, 'packages', 'x86_64'), { recursive: true });

      const migrated = await ahriman(['-c', legacy.configuration, '-a', 'x86_64', '-r', 'demo', 'service-tree-migrate']);
      expect(migrated.code, migrated.stderr).toBe(0);
      const moved = path.join(legacy.root, 'repository', 'demo', 'x86_64');
      expect(existsSync(repository)).toBe(false);
      expect(await fs.readFile(path.join(moved, 'demo.db.tar.gz'), 'utf8')).toBe('database');
      expect(await fs.readFile(path.join(moved, 'alpha-1.0-1-any.pkg.tar.zst'), 'utf8')).toBe('package');
      expect(existsSync(path.join(legacy.root, 'packages', 'demo', 'x86_64'))).toBe(true);
      const again = await ahriman(['-c', legacy.configuration, '-a', 'x86_64', '-r', 'demo', 'service-tree-migrate']);
      expect([again.code, again.stdout]).toEqual([0, '']);
    } finally {
      await fs.rm(legacy.directory, { recursive: true, force: true });
    }
  });
});
