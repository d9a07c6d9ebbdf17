/**
 * The github upload through Octokit against a local fake of the releases API (which renames names with `:` as
 * GitHub does): the release is created, assets and body lines follow the repository, later runs send only changes,
 * and refusals come back as errors naming the status and what to fix.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeGitHub, fakeGitHubAssetName } from '../../support/fake-github.js';
import { removeTestKeys, testKey } from '../../support/keys.js';
import { removeBuildDirectories } from '../../support/makepkg.js';
import { createPacmanRoot, removeKeyringTemplate } from '../../support/pacman-client.js';
import { ARCHITECTURE, PACKAGE_A, PACKAGE_A_UPDATE, PACKAGE_B, REPOSITORY, UploadFixture, archiveOf, captureLogs } from './support.js';

function githubSection(github: FakeGitHub, extra = ''): string {
  return [
    '[upload]',
    'target = release',
    '[release]',
    'type = github',
    `owner = ${github.owner}`,
    `repository = ${github.repository}`,
    'username = ahriman',
    `password = ${github.token}`,
    `api_url = ${github.url}`,
    'max_retries = 0',
    extra,
  ].join('\n');
}

async function md5(file: string): Promise<string> {
  return createHash('md5').update(await fs.readFile(file)).digest('hex');
}

describe('github upload', () => {
  let github: FakeGitHub;
  let fixture: UploadFixture;

  beforeAll(async () => {
    [github, fixture] = await Promise.all([new FakeGitHub().start(), UploadFixture.create()]);
    await fixture.publish(await Promise.all([archiveOf(PACKAGE_A), archiveOf(PACKAGE_B)]));
  });

  beforeEach(() => github.recover());

  afterAll(async () => {
    await Promise.all([github?.stop(), fixture?.remove()]);
    await Promise.all([removeBuildDirectories(), removeKeyringTemplate(), removeTestKeys()]);
  });

  it('creates the release, uploads every file as an asset and records the md5s in the body', async () => {
    const { lines, error } = await captureLogs(() => fixture.upload(githubSection(github)));
    expect(error).toBeUndefined();

    const release = github.release(ARCHITECTURE)!;
    expect(release.name).toBe(ARCHITECTURE);
    const local = await fixture.names();
    expect(release.assets.map((asset) => asset.name).sort()).toEqual(local.map(fakeGitHubAssetName).sort());
    for (const name of local) {
      const asset = release.assets.find((item) => item.name === fakeGitHubAssetName(name))!;
      expect(asset.content.equals(await fs.readFile(path.join(fixture.paths.repository, name))), name).toBe(true);
    }
    const expectedBody = await Promise.all(local.map(async (name) => `${name} ${await md5(path.join(fixture.paths.repository, name))}`));
    expect(release.body).toBe(expectedBody.sort().join('\n'));

    const uploads = github.requestsTo('upload-asset');
    expect(uploads.every((request) => request.contentType === 'application/octet-stream')).toBe(true);
    const order = uploads.map((request) => request.name!);
    const firstDatabase = order.findIndex((name) => name.startsWith(`${REPOSITORY}.`));
    expect(firstDatabase).toBe(4);
    expect(order.slice(firstDatabase).every((name) => name.startsWith(`${REPOSITORY}.`))).toBe(true);
    // the epoch package: sent under its name, stored renamed, and the log says pacman cannot fetch it
    expect(order).toContain('ahr-up-b-1:2.0-1-any.pkg.tar.zst');
    expect(release.assets.map((asset) => asset.name)).toContain('ahr-up-b-1.2.0-1-any.pkg.tar.zst');
    expect(lines.join('\n')).toMatch(/GitHub renames ahr-up-b-1:2\.0-1-any\.pkg\.tar\.zst, ahr-up-b-1:2\.0-1-any\.pkg\.tar\.zst\.sig/);
  });

  it('serves pacman, except for the renamed files', async () => {
    const pacman = await createPacmanRoot({
      repositories: [{ name: REPOSITORY, server: github.downloadUrl(ARCHITECTURE) }],
      keys: [(await testKey()).armoredPublic],
    });
    try {
      expect((await pacman.sync()).code).toBe(0);
      const install = await pacman.install(['ahr-up-a']);
      expect(install.code).toBe(0);
      const renamed = await pacman.install(['ahr-up-b']);
      expect(renamed.code).not.toBe(0);
      expect(renamed.stderr).toMatch(/failed retrieving file 'ahr-up-b-1:2\.0-1-any\.pkg\.tar\.zst/);
    } finally {
      await pacman.cleanup();
    }
  });

  it('uploads nothing when nothing changed, renamed assets included', async () => {
    const before = github.requests.length;
    await fixture.upload(githubSection(github));
    const routes = github.requests.slice(before).map((request) => request.route);
    expect(routes).toEqual(['get-release', 'list-assets']);
  });

  it('after an update replaces the changed assets, databases last, and deletes the stale ones', async () => {
    const oldNames = (await fixture.names()).filter((name) => name.startsWith('ahr-up-a-1.0'));
    await fixture.publish([await archiveOf(PACKAGE_A_UPDATE)]);
    const before = github.requests.length;
    await fixture.upload(githubSection(github));

    const requests = github.requests.slice(before);
    const uploads = requests.filter((request) => request.route === 'upload-asset').map((request) => request.name!);
    const added = (await fixture.names()).filter((name) => name.startsWith('ahr-up-a-1.1'));
    expect(uploads.slice(0, 2).sort()).toEqual(added);
    expect(uploads.slice(2).every((name) => name.startsWith(`${REPOSITORY}.`))).toBe(true);
    expect(uploads).toHaveLength(10);
    // every replaced database is deleted right before its upload; the stale package files go after the body
    const routes = requests.map((request) => request.route);
    expect(routes.slice(0, 4)).toEqual(['get-release', 'list-assets', 'upload-asset', 'upload-asset']);
    expect(routes.slice(4, 20)).toEqual(Array.from({ length: 8 }, () => ['delete-asset', 'upload-asset']).flat());
    expect(routes.slice(20)).toEqual(['update-release', 'delete-asset', 'delete-asset']);

    const release = github.release(ARCHITECTURE)!;
    expect(release.assets.map((asset) => asset.name).sort()).toEqual((await fixture.names()).map(fakeGitHubAssetName).sort());
    for (const name of oldNames) expect(release.body).not.toContain(name);
    expect(release.body.split('\n')).toHaveLength(12);
  });

  it('uses <repo>-<arch> as the tag with use_full_release_name', async () => {
    await fixture.upload(githubSection(github, 'use_full_release_name = yes'));
    const release = github.release(`${REPOSITORY}-${ARCHITECTURE}`)!;
    expect(release.name).toBe(`${REPOSITORY} ${ARCHITECTURE}`);
    expect(release.assets).toHaveLength(12);
  });

  it('reports a server error with its status', async () => {
    github.fail(500, 'Internal Server Error');
    const { lines, error } = await captureLogs(() => fixture.upload(githubSection(github)));
    expect(String(error)).toMatch(/^\S+: upload target\(s\) failed: release \(GitHub /);
    expect(lines.join('\n')).toMatch(
      /upload target release failed: GitHub arcan1s\/repository release x86_64: reading the release failed: HTTP 500 Internal Server Error/,
    );
  });

  it('tries again after a passing server error when max_retries allows', async () => {
    github.fail(503, 'Service Unavailable', { count: 1 });
    const { lines, error } = await captureLogs(() => fixture.upload(githubSection(github, 'max_retries = 1\nretry_backoff = 0')));
    expect(error).toBeUndefined();
    expect(lines.join('\n')).toMatch(/reading the release: HTTP 503 Service Unavailable, retrying in/);
  });

  it('says what to fix when the token is refused or lacks permissions', async () => {
    github.fail(403, 'Resource not accessible by personal access token');
    const forbidden = await captureLogs(() => fixture.upload(githubSection(github)));
    expect(forbidden.lines.join('\n')).toMatch(
      /HTTP 403 Resource not accessible by personal access token: the token needs write access to the repository's contents/,
    );
    github.recover();
    const badToken = await captureLogs(() => fixture.upload(githubSection(github).replace(`password = ${github.token}`, 'password = wrong')));
    expect(badToken.lines.join('\n')).toMatch(/HTTP 401 Bad credentials: check the token in the password option/);
  });
});
