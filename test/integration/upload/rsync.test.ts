/**
 * The rsync upload with real rsync: into a local directory (and over ssh to an sshd on 127.0.0.1 when sshd is
 * installed), links arriving as files, packages in a first run and databases in a second, pacman installing from
 * the mirror.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/core/process.js';
import { removeTestKeys, testKey } from '../../support/keys.js';
import { removeBuildDirectories } from '../../support/makepkg.js';
import { createPacmanRoot, removeKeyringTemplate, type PacmanClient } from '../../support/pacman-client.js';
import { ARCHITECTURE, PACKAGE_A, PACKAGE_A_UPDATE, PACKAGE_B, REPOSITORY, UploadFixture, archiveOf, captureLogs } from './support.js';

const SSHD = '/usr/sbin/sshd';

function rsyncSection(remote: string, command?: string): string {
  return ['[upload]', 'target = mirror', '[mirror]', 'type = rsync', `remote = ${remote}`, command === undefined ? '' : `command = ${command}`].join('\n');
}

/** Name -> content of the regular files of a directory; fails on anything else (links must arrive as files). */
async function regularFiles(directory: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await fs.readdir(directory, { withFileTypes: true })) {
    if (!entry.isFile()) throw new Error(`${entry.name} in ${directory} is not a regular file`);
    files.set(entry.name, await fs.readFile(path.join(directory, entry.name)));
  }
  return files;
}

async function expectMirror(fixture: UploadFixture, directory: string): Promise<void> {
  const mirrored = await regularFiles(directory);
  expect([...mirrored.keys()].sort()).toEqual(await fixture.names());
  for (const [name, content] of mirrored) {
    expect(content.equals(await fs.readFile(path.join(fixture.paths.repository, name))), name).toBe(true);
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('rsync upload', () => {
  let fixture: UploadFixture;
  let work: string;

  beforeAll(async () => {
    [fixture, work] = await Promise.all([UploadFixture.create(), fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-rsync-'))]);
    await fixture.publish(await Promise.all([archiveOf(PACKAGE_A), archiveOf(PACKAGE_B)]));
  });

  afterAll(async () => {
    await Promise.all([fixture?.remove(), work && fs.rm(work, { recursive: true, force: true })]);
    await Promise.all([removeBuildDirectories(), removeKeyringTemplate(), removeTestKeys()]);
  });

  it('mirrors the repository as files, pacman installs from the mirror, an update removes stale files', async () => {
    const remote = path.join(work, 'mirror');
    const local = await UploadFixture.create();
    let pacman: PacmanClient | undefined;
    try {
      await local.publish(await Promise.all([archiveOf(PACKAGE_A), archiveOf(PACKAGE_B)]));
      await local.upload(rsyncSection(remote));
      const mirror = path.join(remote, ARCHITECTURE);
      await expectMirror(local, mirror);
      // the hidden generation directory stays home; the databases keep their (whole second) modification times
      expect((await fs.readdir(mirror)).filter((name) => name.startsWith('.'))).toEqual([]);
      for (const name of [`${REPOSITORY}.db`, `${REPOSITORY}.files.sig`]) {
        expect((await fs.stat(path.join(mirror, name))).mtimeMs, name).toBe((await fs.stat(path.join(local.paths.repository, name))).mtimeMs);
      }

      pacman = await createPacmanRoot({ repositories: [{ name: REPOSITORY, server: `file://${remote}/$arch` }], keys: [(await testKey()).armoredPublic] });
      expect((await pacman.sync()).code).toBe(0);
      const install = await pacman.install(['ahr-up-a', 'ahr-up-b']);
      expect(install.code).toBe(0);
      expect(await pacman.query()).toEqual(new Map([['ahr-up-a', '1.0-1'], ['ahr-up-b', '1:2.0-1']]));

      await local.publish([await archiveOf(PACKAGE_A_UPDATE)]);
      await local.upload(rsyncSection(remote));
      await expectMirror(local, mirror);
      expect((await fs.readdir(mirror)).filter((name) => name.startsWith('ahr-up-a-1.0'))).toEqual([]);
      expect((await pacman.upgrade()).code).toBe(0);
      expect((await pacman.query()).get('ahr-up-a')).toBe('1.1-1');
    } finally {
      await pacman?.cleanup();
      await local.remove();
    }
  });

  it('sends the packages in a first run and the databases (and deletions) in a second, links as files with any options', async () => {
    const remote = path.join(work, 'ordered');
    const log = path.join(work, 'rsync.log');
    // a stale file on the mirror, to see when it is deleted
    await fs.mkdir(path.join(remote, ARCHITECTURE), { recursive: true });
    await fs.writeFile(path.join(remote, ARCHITECTURE, 'ahr-gone-1.0-1-any.pkg.tar.zst'), 'stale');
    // the reference's default options (no --copy-links) plus a log
    await fixture.upload(rsyncSection(remote, `rsync --archive --compress --partial --delete --log-file=${log} "--log-file-format=%i %n"`));

    // log lines: "<date> <time> [<pid>] <itemized changes> <name>"
    const runs = new Map<string, string[]>();
    for (const line of (await fs.readFile(log, 'utf8')).split('\n')) {
      const match = /\[(\d+)\] (\S+) +x86_64\/(\S+)$/.exec(line);
      if (match) runs.set(match[1]!, [...(runs.get(match[1]!) ?? []), `${match[2]} ${match[3]}`]);
    }
    const [first, second] = [...runs.values()];
    const databases = (await fixture.names()).filter((name) => name.startsWith(`${REPOSITORY}.`));
    const packages = (await fixture.names()).filter((name) => !name.startsWith(`${REPOSITORY}.`));
    expect(first!.map((entry) => entry.split(' ')[1]).sort()).toEqual(packages);
    expect(second!.filter((entry) => entry.startsWith('>f')).map((entry) => entry.split(' ')[1]).sort()).toEqual(databases);
    expect(second).toContain('*deleting ahr-gone-1.0-1-any.pkg.tar.zst');
    await expectMirror(fixture, path.join(remote, ARCHITECTURE));
  });

  it('names the remote and rsync\'s reason when the target cannot be written', async () => {
    const file = path.join(work, 'a-file');
    await fs.writeFile(file, '');
    const before = await fixture.snapshot();
    const { lines, error } = await captureLogs(() => fixture.upload(rsyncSection(path.join(file, 'mirror'))));
    expect(String(error)).toMatch(/upload failed for target\(s\): mirror$/);
    expect(lines.join('\n')).toMatch(new RegExp(`upload target mirror failed: rsync to ${file}/mirror failed \\(exit code \\d+\\): .*Not a directory`));
    expect(await fixture.snapshot()).toEqual(before);
  });

  describe.skipIf(!existsSync(SSHD))('over ssh', () => {
    let directory: string;
    let port: number;

    beforeAll(async () => {
      directory = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-sshd-'));
      port = await freePort();
      for (const key of ['host_key', 'client_key']) {
        await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(directory, key)]);
      }
      await fs.copyFile(path.join(directory, 'client_key.pub'), path.join(directory, 'authorized_keys'));
      const config = [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${path.join(directory, 'host_key')}`,
        `PidFile ${path.join(directory, 'sshd.pid')}`,
        `AuthorizedKeysFile ${path.join(directory, 'authorized_keys')}`,
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        'PermitRootLogin prohibit-password',
        'UsePAM no',
        // the temp directory is world-writable, which strict modes refuse for key files
        'StrictModes no',
      ];
      await fs.writeFile(path.join(directory, 'sshd_config'), `${config.join('\n')}\n`);
      await fs.mkdir('/run/sshd', { recursive: true }); // sshd's privilege separation directory
      await run(SSHD, ['-f', path.join(directory, 'sshd_config'), '-E', path.join(directory, 'sshd.log')]);
    });

    afterAll(async () => {
      const pid = await fs.readFile(path.join(directory, 'sshd.pid'), 'utf8').catch(() => '');
      if (pid.trim() !== '') process.kill(Number(pid.trim()));
      await fs.rm(directory, { recursive: true, force: true });
    });

    it('mirrors the repository to user@127.0.0.1:path', async () => {
      const remote = path.join(work, 'over-ssh');
      const ssh = [
        `ssh -p ${port} -i ${path.join(directory, 'client_key')}`,
        '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR',
      ].join(' ');
      const command = `rsync --archive --compress --partial --delay-updates --delete-after -e "${ssh}"`;
      await fixture.upload(rsyncSection(`root@127.0.0.1:${remote}`, command));
      await expectMirror(fixture, path.join(remote, ARCHITECTURE));
    });
  });
});
