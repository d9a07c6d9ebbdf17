/**
 * Two instances on loopback: the builder builds from its AUR and its `remote-service` upload sends the packages to
 * the receiver's `service/upload`; the receiver's `service/update` publishes them and pacman installs them from there.
 * The receiver then rolls back through `service/rollback`. The receiver runs as `ahriman web` (the built CLI).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { removeTestKeys } from '../../support/keys.js';
import { removeBuildDirectories, type PkgbuildSpec } from '../../support/makepkg.js';
import { removeKeyringTemplate } from '../../support/pacman-client.js';
import { freePort } from '../../support/ports.js';
import { finishedProcess, login, startAction } from '../web/support.js';
import { Service } from './support.js';

const PASSWORD = 'upload secret';
const REMOTE = (version: string): PkgbuildSpec => ({
  pkgname: 'ahr-remote',
  pkgver: version,
  package: `mkdir -p "$pkgdir/usr/share/ahr-remote" && echo "${version}" > "$pkgdir/usr/share/ahr-remote/version"`,
});

async function override(service: Service, text: string): Promise<void> {
  await fs.writeFile(path.join(service.sandbox.root, '.config', 'ahriman', 'ahriman.ini.d', '99-test.ini'), text);
}

describe('remote-service upload between two instances', () => {
  let builder: Service;
  let receiver: Service;
  let url: string;
  let cookie: string;

  beforeAll(async () => {
    [builder, receiver] = await Promise.all([Service.create(), Service.create()]);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    await override(
      receiver,
      `[web]\nhost = 127.0.0.1\nport = ${port}\nenable_archive_upload = yes\nmax_body_size = 104857600\nwait_timeout = 120\n` +
        '[auth]\ntarget = configuration\nsalt = receiver-salt\n[archive]\nkeep_built_packages = 0\n',
    );
    await receiver.expectCli(['user-add', 'uploader', '-p', PASSWORD, '-R', 'full']);
    const web = receiver.spawn(['web']);
    await vi.waitFor(
      async () => {
        if (web.child.exitCode !== null) throw new Error(`ahriman web exited: ${web.output.join('')}`);
        expect((await fetch(`${url}/api/v1/info`)).status).toBe(200);
      },
      { timeout: 30_000, interval: 100 },
    );
    await override(
      builder,
      '[upload]\ntarget = remote\n[remote]\ntype = remote-service\nmax_retries = 2\nretry_backoff = 0.1\n' +
        `[status]\naddress = ${url}\nusername = uploader\npassword = ${PASSWORD}\n`,
    );
    cookie = await login(url, 'uploader', PASSWORD);
  }, 120_000);

  afterAll(async () => {
    await receiver?.cleanup();
    await builder?.cleanup();
    await removeBuildDirectories();
    await removeKeyringTemplate();
    await removeTestKeys();
  });

  /** The builder builds `version` and uploads it; the receiver publishes what it was sent. */
  async function buildAndPublish(version: string): Promise<void> {
    await builder.publishToAur(REMOTE(version));
    await builder.expectCli(version === '1.0' ? ['package-add', 'ahr-remote'] : ['repo-update']);
    if (version === '1.0') await builder.expectCli(['repo-update']);
    const { fileName } = (await builder.databaseEntries()).find((entry) => entry.version === `${version}-1`)!;
    expect((await fs.readdir(receiver.incoming)).sort()).toEqual(expect.arrayContaining([fileName, `${fileName}.sig`]));
    const update = await startAction(url, cookie, 'update', { aur: false, local: false, manual: false });
    const finished = await finishedProcess(url, cookie, update);
    expect(finished, finished.output.join('\n')).toMatchObject({ status: 'success', exit_code: 0 });
    await receiver.checkServedFiles();
  }

  it('publishes what the builder uploaded, and pacman installs it from the receiver', async () => {
    await buildAndPublish('1.0');
    const pacman = await receiver.pacman();
    const installed = await pacman.run(['-Sy', '--noconfirm', '--noscriptlet', 'ahr-remote']);
    expect(installed.code, installed.stderr).toBe(0);
    expect((await pacman.query()).get('ahr-remote')).toBe('1.0-1');
    expect(await fs.readFile(path.join(pacman.root, 'usr/share/ahr-remote/version'), 'utf8')).toBe('1.0\n');
  }, 300_000);

  it('takes the next version the same way, and service/rollback brings the older one back', async () => {
    await buildAndPublish('1.1');
    const entries = await receiver.databaseEntries();
    expect(entries.map((entry) => `${entry.name} ${entry.version}`)).toEqual(['ahr-remote 1.1-1']);

    const rollback = await startAction(url, cookie, 'rollback', { package: 'ahr-remote', version: '1.0-1' });
    const finished = await finishedProcess(url, cookie, rollback);
    expect(finished, finished.output.join('\n')).toMatchObject({ status: 'success', exit_code: 0 });
    expect((await receiver.checkServedFiles()).map((entry) => entry.version)).toEqual(['1.0-1']);
    const pacman = await receiver.pacman();
    const installed = await pacman.run(['-Sy', '--noconfirm', '--noscriptlet', 'ahr-remote']);
    expect(installed.code, installed.stderr).toBe(0);
    expect((await pacman.query()).get('ahr-remote')).toBe('1.0-1');
  }, 300_000);
});
