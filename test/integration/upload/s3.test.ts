/**
 * The s3 upload against s3rver (in this process, path-style URLs): a signed repository goes up, pacman installs from
 * the bucket over HTTP, and later runs send exactly what changed, packages before databases, stale objects deleted.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestKeys, testKey } from '../../support/keys.js';
import { removeBuildDirectories } from '../../support/makepkg.js';
import { createPacmanRoot, removeKeyringTemplate, type PacmanClient } from '../../support/pacman-client.js';
import { TestS3Server } from '../../support/s3-server.js';
import { ARCHITECTURE, PACKAGE_A, PACKAGE_A_UPDATE, PACKAGE_B, PACKAGE_BIG, REPOSITORY, UploadFixture, archiveOf, captureLogs } from './support.js';

const PART_SIZE = 5 * 1024 * 1024;
const PREFIX = `${REPOSITORY}/${ARCHITECTURE}`;

function s3Section(s3: TestS3Server, extra = ''): string {
  return [
    '[upload]',
    'target = s3',
    '[s3]',
    `bucket = ${s3.bucket}`,
    'region = us-east-1',
    `endpoint_url = ${s3.endpoint}`,
    'force_path_style = yes',
    'access_key = S3RVER',
    'secret_key = S3RVER',
    `chunk_size = ${PART_SIZE}`,
    'max_retries = 0',
    extra,
  ].join('\n');
}

/** Operations that change the bucket. */
const WRITES = ['PutObject', 'CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'DeleteObject', 'DeleteObjects'] as const;

describe('s3 upload', () => {
  let s3: TestS3Server;
  let fixture: UploadFixture;
  let pacman: PacmanClient;

  beforeAll(async () => {
    [s3, fixture] = await Promise.all([TestS3Server.start(), UploadFixture.create()]);
    await fixture.publish(await Promise.all([archiveOf(PACKAGE_A), archiveOf(PACKAGE_B), archiveOf(PACKAGE_BIG)]));
    pacman = await createPacmanRoot({
      repositories: [{ name: REPOSITORY, server: `${s3.endpoint}/${s3.bucket}/${REPOSITORY}/$arch` }],
      keys: [(await testKey()).armoredPublic],
    });
  });

  afterAll(async () => {
    await pacman?.cleanup();
    await Promise.all([s3?.stop(), fixture?.remove()]);
    await Promise.all([removeBuildDirectories(), removeKeyringTemplate(), removeTestKeys()]);
  });

  it('uploads the repository, packages before databases, and pacman installs from the bucket', async () => {
    await fixture.upload(s3Section(s3));

    const local = await fixture.names();
    expect(await s3.keys(`${PREFIX}/`)).toEqual(local.map((name) => `${PREFIX}/${name}`).sort());
    // links arrive as the files they point at: pacman asks for <repo>.db
    const database = await fs.readFile(path.join(fixture.paths.repository, `${REPOSITORY}.db.tar.gz`));
    expect((await s3.content(`${PREFIX}/${REPOSITORY}.db`))?.equals(database)).toBe(true);
    const big = local.find((name) => name.startsWith('ahr-up-big') && !name.endsWith('.sig'))!;
    expect((await s3.content(`${PREFIX}/${big}`))?.equals(await fs.readFile(path.join(fixture.paths.repository, big)))).toBe(true);
    expect(s3.requestsOf('CreateMultipartUpload').map((request) => request.key)).toEqual([`${PREFIX}/${big}`]);

    const written = s3.writtenKeys().map((key) => path.basename(key));
    const firstDatabase = written.findIndex((name) => name.startsWith(`${REPOSITORY}.`));
    expect(written.slice(0, firstDatabase).every((name) => name.startsWith('ahr-up-'))).toBe(true);
    expect(written.slice(firstDatabase).every((name) => name.startsWith(`${REPOSITORY}.`))).toBe(true);
    expect(written.slice(firstDatabase)).toHaveLength(8);

    expect((await pacman.sync()).code).toBe(0);
    const install = await pacman.install(['ahr-up-a', 'ahr-up-b', 'ahr-up-big']);
    expect(install.stderr).toBe('');
    expect(install.code).toBe(0);
    expect(await pacman.query()).toEqual(new Map([['ahr-up-a', '1.0-1'], ['ahr-up-b', '1:2.0-1'], ['ahr-up-big', '1.0-1']]));
  });

  it('sends nothing when nothing changed', async () => {
    const before = s3.requests.length;
    const { lines, error } = await captureLogs(() => fixture.upload(s3Section(s3)));
    expect(error).toBeUndefined();
    const requests = s3.requests.slice(before);
    expect(requests.filter((request) => (WRITES as readonly string[]).includes(request.operation))).toEqual([]);
    expect(requests.map((request) => request.operation)).toEqual(['ListObjects']);
    expect(lines.join('\n')).toMatch(/0 of 14 file\(s\) to upload, 0 stale object\(s\) to delete/);
  });

  it('after an update sends exactly the changed files and then deletes the stale objects', async () => {
    const old = (await fixture.names()).filter((name) => name.startsWith('ahr-up-a-1.0'));
    expect(old).toHaveLength(2);
    await fixture.publish([await archiveOf(PACKAGE_A_UPDATE)]);
    const before = s3.requests.length;
    await fixture.upload(s3Section(s3));

    const requests = s3.requests.slice(before).filter((request) => (WRITES as readonly string[]).includes(request.operation));
    const written = requests.filter((request) => request.operation === 'PutObject').map((request) => path.basename(request.key));
    const databases = ['db', 'files'].flatMap((kind) => ['', '.sig', '.tar.gz', '.tar.gz.sig'].map((suffix) => `${REPOSITORY}.${kind}${suffix}`));
    const added = (await fixture.names()).filter((name) => name.startsWith('ahr-up-a-1.1'));
    expect(written.slice(0, 2).sort()).toEqual(added);
    expect(written.slice(2).sort()).toEqual(databases.sort());
    expect(requests.at(-1)?.operation).toBe('DeleteObjects');
    expect(requests.filter((request) => request.operation !== 'PutObject')).toHaveLength(1);

    const keys = await s3.keys(`${PREFIX}/`);
    expect(keys).toEqual((await fixture.names()).map((name) => `${PREFIX}/${name}`).sort());
    for (const name of old) expect(keys).not.toContain(`${PREFIX}/${name}`);

    const upgrade = await pacman.upgrade();
    expect(upgrade.code).toBe(0);
    expect((await pacman.query()).get('ahr-up-a')).toBe('1.1-1');
  });

  it('keeps other prefixes of the bucket and honours object_path', async () => {
    const before = s3.requests.length;
    await fixture.upload(s3Section(s3, 'object_path = /mirror/ahrup/'));
    expect(await s3.keys('mirror/ahrup/')).toEqual((await fixture.names()).map((name) => `mirror/ahrup/${name}`).sort());
    expect(s3.requestsOf('DeleteObjects').filter((request) => s3.requests.indexOf(request) >= before)).toEqual([]);
    expect(await s3.keys(`${PREFIX}/`)).toHaveLength(14);
  });

  it('names the bucket and the reason when the credentials are refused', async () => {
    // s3rver checks the access key, not the signature
    const section = s3Section(s3).replace('access_key = S3RVER', 'access_key = UNKNOWN');
    const { lines, error } = await captureLogs(() => fixture.upload(section));
    expect(String(error)).toMatch(/upload target\(s\) failed: s3 \(s3:\/\//);
    expect(lines.join('\n')).toMatch(/upload target s3 failed: s3:\/\/repo\/ahrup\/x86_64 at http:\/\/127\.0\.0\.1:\d+: listing objects failed: InvalidAccessKeyId \(HTTP 403\): The AWS Access Key Id you provided does not exist/);
  });
});
