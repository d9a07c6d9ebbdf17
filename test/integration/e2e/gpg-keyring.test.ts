/**
 * `[sign] key` without `key_file`, as the reference signs: gpg signs packages and the database from the keyring of
 * the user running ahriman (GNUPGHOME), and pacman with `SigLevel = Required` accepts the result.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/core/process.js';
import { ahriman } from '../../support/cli.js';
import { removeTestKeys, testKey, type TestKey } from '../../support/keys.js';
import { removeBuildDirectories } from '../../support/makepkg.js';
import { createPacmanRoot, removeKeyringTemplate } from '../../support/pacman-client.js';
import { Service } from './support.js';

describe('signing with the gpg keyring', () => {
  let service: Service;
  let key: TestKey;
  let home: string;
  const cli = (args: string[]) =>
    ahriman(['-c', service.sandbox.configuration, '-a', 'x86_64', '-r', 'demo', ...args], { GNUPGHOME: home });

  beforeAll(async () => {
    service = await Service.create({ sign: false });
    key = await testKey();
    home = await service.temporaryDirectory();
    await fs.chmod(home, 0o700);
    await run('gpg', ['--homedir', home, '--batch', '--import', key.secretKeyFile]);
    const overrides = path.join(service.sandbox.root, '.config', 'ahriman', 'ahriman.ini.d', '99-gpg.ini');
    await fs.writeFile(overrides, `[sign]\ntarget = package repository\nkey = ${key.fingerprint}\n`);
  }, 120_000);

  afterAll(async () => {
    if (home) await run('gpgconf', ['--homedir', home, '--kill', 'all'], { allowFailure: true });
    await service?.cleanup();
    await removeBuildDirectories();
    await removeKeyringTemplate();
    await removeTestKeys();
  });

  it('signs packages and the database with gpg, which pacman with SigLevel = Required accepts', async () => {
    const added = await cli(['package-add', await service.localPackage({ pkgname: 'ahr-gpg', package: 'mkdir -p "$pkgdir/usr/share/ahr-gpg"' })]);
    expect(added.code, added.stderr).toBe(0);
    const update = await cli(['repo-update']);
    expect(update.code, update.stderr).toBe(0);
    const [entry] = await service.databaseEntries();
    expect(existsSync(path.join(service.repository, `${entry!.fileName}.sig`))).toBe(true);
    expect(existsSync(path.join(service.repository, 'demo.db.tar.gz.sig'))).toBe(true);

    const pacman = await createPacmanRoot({ repositories: [{ name: 'demo', server: `file://${service.repository}`, sigLevel: 'Required' }], keys: [key.armoredPublic] });
    try {
      const installed = await pacman.run(['-Sy', '--noconfirm', '--noscriptlet', 'ahr-gpg']);
      expect(installed.code, installed.stderr).toBe(0);
      expect((await pacman.query()).get('ahr-gpg')).toBe('1.0-1');
    } finally {
      await pacman.cleanup();
    }
  });

  it('names a key the keyring does not hold before building anything', async () => {
    const overrides = path.join(service.sandbox.root, '.config', 'ahriman', 'ahriman.ini.d', '99-gpg.ini');
    await fs.writeFile(overrides, '[sign]\ntarget = package\nkey = 0123456789ABCDEF0123456789ABCDEF01234567\n');
    const update = await cli(['repo-update']);
    expect(update.code).toBe(1);
    expect(update.stderr).toContain('[sign] key 0123456789ABCDEF0123456789ABCDEF01234567: not in the gpg keyring of this user');
  });
});
