/**
 * The upload trigger with several targets: one failing target is logged with its reason while the others still run,
 * the trigger then fails naming the failed ones, the local repository is left as it was, and the next run completes
 * the upload. Also the configuration errors a target can have.
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSyncDatabase } from '../../../src/core/alpm/sync-database.js';
import { emptyResult } from '../../../src/models/result.js';
import { PASSWORD, startTestServer } from '../web/support.js';
import { uploadTrigger } from '../../../src/core/upload/upload-trigger.js';
import { FakeGitHub, fakeGitHubAssetName } from '../../support/fake-github.js';
import { removeTestKeys } from '../../support/keys.js';
import { removeBuildDirectories } from '../../support/makepkg.js';
import { TestS3Server } from '../../support/s3-server.js';
import { ARCHITECTURE, PACKAGE_A, PACKAGE_B, REPOSITORY, UploadFixture, archiveOf, captureLogs } from './support.js';

/** A port nothing listens on: an S3 endpoint that is down. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('upload trigger', () => {
  let fixture: UploadFixture;
  let s3: TestS3Server;
  let github: FakeGitHub;
  let work: string;

  beforeAll(async () => {
    [fixture, s3, github, work] = await Promise.all([
      UploadFixture.create(),
      TestS3Server.start(),
      new FakeGitHub().start(),
      fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-upload-targets-')),
    ]);
    await fixture.publish(await Promise.all([archiveOf(PACKAGE_A), archiveOf(PACKAGE_B)]));
  });

  afterAll(async () => {
    await Promise.all([fixture?.remove(), s3?.stop(), github?.stop(), work && fs.rm(work, { recursive: true, force: true })]);
    await Promise.all([removeBuildDirectories(), removeTestKeys()]);
  });

  function configuration(s3Endpoint: string): string {
    return [
      '[upload]',
      'target = s3 github rsync',
      '[s3]',
      `bucket = ${s3.bucket}`,
      'region = us-east-1',
      `endpoint_url = ${s3Endpoint}`,
      'force_path_style = yes',
      'access_key = S3RVER',
      'secret_key = S3RVER',
      'max_retries = 0',
      'timeout = 5',
      '[github]',
      `owner = ${github.owner}`,
      `repository = ${github.repository}`,
      `password = ${github.token}`,
      `api_url = ${github.url}`,
      'max_retries = 0',
      '[rsync]',
      `remote = ${path.join(work, 'mirror')}`,
    ].join('\n');
  }

  it('runs every target when some fail, names the failed ones, and the next run completes the upload', async () => {
    const before = await fixture.snapshot();
    const down = `http://127.0.0.1:${await closedPort()}`;
    github.fail(500, 'Internal Server Error');

    const failed = await captureLogs(() => fixture.upload(configuration(down)));
    expect(String(failed.error)).toMatch(/upload failed for target\(s\): s3, github$/);
    const log = failed.lines.join('\n');
    expect(log).toMatch(new RegExp(`upload target s3 failed: s3://repo/ahrup/x86_64 at ${down}: listing objects failed: .*ECONNREFUSED`));
    expect(log).toMatch(/upload target github failed: GitHub arcan1s\/repository release x86_64: reading the release failed: HTTP 500 Internal Server Error/);
    expect(log).toMatch(/upload target rsync done/);
    expect((await fs.readdir(path.join(work, 'mirror', ARCHITECTURE))).sort()).toEqual(await fixture.names());
    expect(await fixture.snapshot()).toEqual(before);

    github.recover();
    const retried = await captureLogs(() => fixture.upload(configuration(s3.endpoint)));
    expect(retried.error).toBeUndefined();
    const names = await fixture.names();
    expect(await s3.keys(`${REPOSITORY}/${ARCHITECTURE}/`)).toEqual(names.map((name) => `${REPOSITORY}/${ARCHITECTURE}/${name}`).sort());
    expect(github.release(ARCHITECTURE)!.assets.map((asset) => asset.name).sort()).toEqual(names.map(fakeGitHubAssetName).sort());
    expect(await fixture.snapshot()).toEqual(before);
  });

  it('completes on the next run an upload that failed half-way', async () => {
    const partial = await new FakeGitHub('someone', 'mirror').start();
    const ini = [
      '[upload]',
      'target = github',
      '[github]',
      `owner = ${partial.owner}`,
      `repository = ${partial.repository}`,
      `password = ${partial.token}`,
      `api_url = ${partial.url}`,
      'max_retries = 0',
    ].join('\n');
    try {
      // reading (404), creating the release, listing and two uploads go through, then GitHub fails
      partial.fail(502, 'Bad Gateway', { after: 5 });
      const failed = await captureLogs(() => fixture.upload(ini));
      expect(failed.lines.join('\n')).toMatch(/uploading \S+ failed: HTTP 502 Bad Gateway/);
      const release = partial.release(ARCHITECTURE)!;
      expect(release.assets).toHaveLength(2);
      expect(release.assets.some((asset) => asset.name.startsWith(`${REPOSITORY}.`))).toBe(false);

      partial.recover();
      await fixture.upload(ini);
      const names = await fixture.names();
      expect(release.assets.map((asset) => asset.name).sort()).toEqual(names.map(fakeGitHubAssetName).sort());
      expect(release.body.split('\n')).toHaveLength(names.length);
    } finally {
      await partial.stop();
    }
  });

  it('sends the built packages and their signatures to another instance with remote-service, logged in as [status] user', async () => {
    const server = await startTestServer({ repository: fixture.paths.repositoryId, ini: '[web]\nenable_archive_upload = yes\nmax_body_size = 10485760\n' });
    try {
      const entries = (await readSyncDatabase(path.join(fixture.paths.repository, `${REPOSITORY}.db`))).map((entry) => ({ ...entry, files: [] }));
      const built = entries.find((entry) => entry.name === 'ahr-up-a')!;
      const result = { ...emptyResult(), success: [{ base: built.base, version: built.version, duration: 1 }] };
      const ini = `[upload]\ntarget = remote\n[remote]\ntype = ahriman\nmax_retries = 2\n[status]\naddress = ${server.url}\nusername = full\npassword = ${PASSWORD}\n`;
      const { error, lines } = await captureLogs(() => fixture.upload(ini, result, entries));
      expect(error, lines.join('\n')).toBeUndefined();
      const received = path.join(server.root, 'packages', REPOSITORY, ARCHITECTURE);
      expect((await fs.readdir(received)).sort()).toEqual([built.fileName, `${built.fileName}.sig`]);
      const original = await fs.readFile(path.join(fixture.paths.repository, built.fileName));
      expect((await fs.readFile(path.join(received, built.fileName))).equals(original)).toBe(true);

      const refused = await captureLogs(() => fixture.upload(ini.replace(`password = ${PASSWORD}`, 'password = wrong'), result, entries));
      expect(refused.lines.join('\n')).toMatch(/upload target remote failed: cannot log in as full: .* answered HTTP 401/);
    } finally {
      await server.stop();
    }
  });

  it('names the section and the option of a configuration error, and unknown types and sections', async () => {
    const ini = [
      '[upload]',
      'target = incomplete half-keys unknown missing',
      '[incomplete]',
      'type = s3',
      'region = us-east-1',
      'chunk_size = 1024',
      '[half-keys]',
      'type = s3',
      'bucket = repo',
      'region = us-east-1',
      'access_key = key',
      '[unknown]',
      'type = ftp',
    ].join('\n');
    const { lines, error } = await captureLogs(() => fixture.upload(ini));
    expect(String(error)).toMatch(/upload failed for target\(s\): incomplete, half-keys, unknown, missing$/);
    const log = lines.join('\n');
    expect(log).toMatch(/upload target incomplete failed: .*\[incomplete\] bucket: missing required option/);
    expect(log).toMatch(/\[incomplete\] chunk_size: must be at least 5242880, got '1024'/);
    expect(log).toMatch(/upload target half-keys failed: \[half-keys\] secret_key: missing: secret_key is required with access_key/);
    expect(log).toMatch(/upload target unknown failed: \[unknown\]: unknown upload type 'ftp', expected one of: rsync, s3, github, remote-service, ahriman/);
    expect(log).toMatch(/upload target missing failed: \[missing\]: unknown upload type 'missing'/);
  });

  it('does nothing without targets and declares a schema for every upload type', async () => {
    await expect(fixture.upload('')).resolves.toBeUndefined();
    expect(Object.keys(uploadTrigger.configurationSchemas ?? {}).sort()).toEqual(['ahriman', 'github', 'remote-service', 'rsync', 's3']);
  });
});
