/**
 * `github` upload: the repository as the assets of one release of `owner/repository`, tagged `<arch>` (or
 * `<repo>-<arch>` with `use_full_release_name`). GitHub keeps no checksum we can compare, so the release body holds
 * one `<file> <md5>` line per asset (the reference's scheme, so its releases are picked up as they are).
 *
 * Order: new package files first, then package files whose content changed, then the databases (GitHub cannot
 * overwrite an asset, so a changed one is deleted right before its new content goes up), then the body, then
 * assets the repository no longer has are deleted.
 *
 * GitHub renames assets whose names hold characters such as `:` or `~` (`foo-1:2.0-1` becomes `foo-1.2.0-1`), so an
 * asset is looked up under the file's name and under the name GitHub would give it. pacman asks for the original
 * names, so it cannot download such files from a release; this is logged. Octokit is imported when an upload runs.
 *
 * Snapshot pointers (`[snapshots]`) go up as releases of their own, `<tag>-<pointer>` (`x86_64-current`), holding
 * the files of the snapshot the pointer names, in the same order, after the repository's release. GitHub cannot
 * replace an asset in place, so a reader may briefly find a database missing, never one naming a missing package.
 */
import { createReadStream } from 'node:fs';
import type { Octokit } from '@octokit/rest';
import * as z from 'zod/mini';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { callOptions, option, retryPolicyOf } from '../configuration/schema.js';
import { AhrimanError, errorMessage } from '../errors.js';
import { RETRIED_STATUSES } from '../http/client.js';
import { getLogger } from '../log/logger.js';
import { retryAfterSeconds, withRetries } from '../retry.js';
import { SnapshotStore } from '../snapshots/store.js';
import { type RepositoryFile, type RepositoryFiles, type UploadSource, repositoryFiles } from './files.js';

export const githubSchema = z.object({
  api_url: z._default(option.url(['http', 'https']), 'https://api.github.com'),
  ...callOptions({ timeout: 30, maxRetries: 3, retryBackoff: 1 }),
  owner: option.string(),
  password: z.optional(option.string()), // a token with write access to the repository's contents
  repository: option.string(),
  use_full_release_name: z._default(option.boolean(), false),
  username: z.optional(option.string()), // the reference's; the token alone identifies the user
});

export type GitHubSettings = z.output<typeof githubSchema>;

interface Release {
  id: number;
  body?: string | null;
  upload_url: string;
}

interface Asset {
  id: number;
  name: string;
  size: number;
  state: string;
}

/** An upload may take longer than an API call: its timeout grows by a second per this many bytes (~4 Mbit/s). */
const UPLOAD_BYTES_PER_SECOND = 512 * 1024;

const logger = getLogger('upload');

/** The name GitHub stores an asset under: characters other than letters, digits and `. _ + -` become dots. */
export function githubAssetName(name: string): string {
  return name.replace(/[^A-Za-z0-9._+-]/g, '.');
}

/** `<file> <md5>` lines of a release body; other lines are ignored. */
export function parseChecksums(body: string | null | undefined): Map<string, string> {
  const checksums = new Map<string, string>();
  for (const line of (body ?? '').split('\n')) {
    const match = /^(\S+) ([0-9a-f]{32})$/.exec(line.trim());
    if (match) checksums.set(match[1]!, match[2]!);
  }
  return checksums;
}

export function formatChecksums(files: readonly RepositoryFile[]): string {
  return files
    .map((file) => `${file.name} ${file.md5}`)
    .sort()
    .join('\n');
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

function responseHeaders(error: unknown): Record<string, string | undefined> {
  return (error as { response?: { headers?: Record<string, string | undefined> } }).response?.headers ?? {};
}

/** What GitHub said, with a hint for the answers a configuration change fixes. */
function describeError(error: unknown): string {
  const status = statusOf(error);
  const message = errorMessage(error);
  const headers = responseHeaders(error);
  if (status === 401) return `HTTP 401 ${message}: check the token in the password option`;
  if (status === 403 && headers['x-ratelimit-remaining'] === '0') return `HTTP 403 ${message}: the API rate limit is exhausted, try later`;
  if (status === 403) return `HTTP 403 ${message}: the token needs write access to the repository's contents`;
  if (status === 404) return `HTTP 404 ${message}: the repository does not exist or the token cannot see it`;
  return status === undefined ? message : `HTTP ${status} ${message}`;
}

interface CallOptions {
  request: { signal: AbortSignal };
}

/** One GitHub API call with a timeout per attempt and bounded retries; failures name `where` and `what`. */
async function callGitHub<T>(
  settings: GitHubSettings,
  where: string,
  what: string,
  request: (options: CallOptions) => Promise<T>,
  timeoutMs = settings.timeout * 1000,
): Promise<T> {
  const options = {
    what: `${where}: ${what}`,
    // Octokit reports network errors and timeouts as 500 (or with no status at all)
    retryable: (error: unknown) => {
      const status = statusOf(error);
      return status === undefined || RETRIED_STATUSES.has(status);
    },
    requestedDelaySeconds: (error: unknown) => retryAfterSeconds(responseHeaders(error)['retry-after']),
    describe: describeError,
  };
  try {
    return await withRetries(retryPolicyOf(settings), options, () => request({ request: { signal: AbortSignal.timeout(timeoutMs) } }));
  } catch (error) {
    throw new AhrimanError(`${where}: ${what} failed: ${describeError(error)}`, { cause: error });
  }
}

/** One release of one repository, read or created when opened. */
class GitHubRelease {
  private constructor(
    private readonly octokit: Octokit,
    private readonly settings: GitHubSettings,
    readonly location: string,
    private release: Release,
  ) {}

  /** The release of the repository, or of one snapshot pointer (`<tag>-<pointer>`). */
  static async open(settings: GitHubSettings, paths: RepositoryPaths, pointer?: string): Promise<GitHubRelease> {
    const { Octokit } = await import('@octokit/rest');
    const silent = (): void => undefined;
    const octokit = new Octokit({
      auth: settings.password,
      baseUrl: settings.api_url.replace(/\/+$/, ''),
      userAgent: 'ahriman',
      log: { debug: silent, info: silent, warn: silent, error: silent },
    });
    const { name: repository, architecture } = paths.repositoryId;
    const suffix = pointer === undefined ? '' : `-${pointer}`;
    const tag = `${settings.use_full_release_name ? `${repository}-${architecture}` : architecture}${suffix}`;
    const title = `${settings.use_full_release_name ? `${repository} ${architecture}` : architecture}${pointer === undefined ? '' : ` ${pointer}`}`;
    const target = { owner: settings.owner, repo: settings.repository };
    const location = `GitHub ${settings.owner}/${settings.repository} release ${tag}`;

    let release: Release;
    try {
      release = await callGitHub(settings, location, 'reading the release', async (options) =>
        (await octokit.rest.repos.getReleaseByTag({ ...target, tag, ...options })).data,
      );
    } catch (error) {
      if (statusOf((error as Error).cause) !== 404) throw error;
      logger.info(`${location}: creating the release`);
      release = await callGitHub(settings, location, 'creating the release', async (options) =>
        (await octokit.rest.repos.createRelease({ ...target, tag_name: tag, name: title, ...options })).data,
      );
    }
    return new GitHubRelease(octokit, settings, location, release);
  }

  get body(): string {
    return this.release.body ?? '';
  }

  private get target(): { owner: string; repo: string } {
    return { owner: this.settings.owner, repo: this.settings.repository };
  }

  private call<T>(what: string, request: (options: CallOptions) => Promise<T>, timeoutMs?: number): Promise<T> {
    return callGitHub(this.settings, this.location, what, request, timeoutMs);
  }

  assets(): Promise<Asset[]> {
    const parameters = { ...this.target, release_id: this.release.id, per_page: 100 };
    return this.call('listing the assets', (options) =>
      this.octokit.paginate(this.octokit.rest.repos.listReleaseAssets, { ...parameters, ...options }),
    );
  }

  async upload(file: RepositoryFile): Promise<Asset> {
    const timeoutMs = (this.settings.timeout + Math.ceil(file.size / UPLOAD_BYTES_PER_SECOND)) * 1000;
    const asset = await this.call(
      `uploading ${file.name}`,
      async (options) =>
        (
          await this.octokit.rest.repos.uploadReleaseAsset({
            ...this.target,
            release_id: this.release.id,
            // the upload host differs from the API host: the release says where uploads go
            url: this.release.upload_url,
            name: file.name,
            // typed as a string, but any fetch body passes through: a stream keeps the file out of memory
            data: createReadStream(file.path) as unknown as string,
            headers: { 'content-type': 'application/octet-stream', 'content-length': file.size },
            ...options,
          })
        ).data,
      timeoutMs,
    );
    if (asset.name !== file.name && asset.name !== githubAssetName(file.name)) {
      logger.warning(`${this.location}: GitHub stored ${file.name} as ${asset.name}`);
    }
    return asset;
  }

  async delete(asset: Asset): Promise<void> {
    await this.call(`deleting ${asset.name}`, (options) =>
      this.octokit.rest.repos.deleteReleaseAsset({ ...this.target, asset_id: asset.id, ...options }),
    );
  }

  async updateBody(body: string): Promise<void> {
    this.release = await this.call('updating the release body', async (options) =>
      (await this.octokit.rest.repos.updateRelease({ ...this.target, release_id: this.release.id, body, ...options })).data,
    );
  }
}

interface PlannedFile {
  file: RepositoryFile;
  /** The asset holding this file now, if any. */
  asset?: Asset;
  /** Whether that asset holds the file's current content. */
  current: boolean;
}

/** Two files GitHub would store under one name cannot both be published. */
function checkAssetNames(files: readonly RepositoryFile[]): void {
  const byAssetName = new Map<string, string>();
  for (const file of files) {
    const other = byAssetName.get(githubAssetName(file.name));
    if (other !== undefined) throw new AhrimanError(`GitHub would store both ${other} and ${file.name} as ${githubAssetName(file.name)}`);
    byAssetName.set(githubAssetName(file.name), file.name);
  }
  const renamed = files.filter((file) => githubAssetName(file.name) !== file.name);
  if (renamed.length > 0) {
    const names = renamed.map((file) => file.name).join(', ');
    logger.warning(`GitHub renames ${names} (characters such as ':' become '.'); pacman cannot download these from the release`);
  }
}

/** Brings a release's assets to exactly `files` in the order of the module comment. */
async function syncRelease(release: GitHubRelease, { packages, databases }: RepositoryFiles): Promise<void> {
  const files = [...packages, ...databases];
  const checksums = parseChecksums(release.body);
  const assets = new Map((await release.assets()).map((asset) => [asset.name, asset]));
  const planFor = (file: RepositoryFile): PlannedFile => {
    const asset = assets.get(file.name) ?? assets.get(githubAssetName(file.name));
    const current = asset?.state === 'uploaded' && asset.size === file.size && checksums.get(file.name) === file.md5;
    return { file, asset, current };
  };
  const packagePlan = packages.map(planFor);
  const databasePlan = databases.map(planFor);
  const used = new Set([...packagePlan, ...databasePlan].map((item) => item.asset?.id));
  const stale = [...assets.values()].filter((asset) => !used.has(asset.id));
  const changedPackages = packagePlan.filter((item) => !item.current);
  const uploads = [
    ...changedPackages.filter((item) => item.asset === undefined),
    ...changedPackages.filter((item) => item.asset !== undefined),
    ...databasePlan.filter((item) => !item.current),
  ];
  logger.info(`${release.location}: ${uploads.length} of ${files.length} file(s) to upload, ${stale.length} stale asset(s) to delete`);

  for (const { file, asset } of uploads) {
    if (asset !== undefined) await release.delete(asset);
    await release.upload(file);
  }
  const body = formatChecksums(files);
  if (body !== release.body) await release.updateBody(body);
  for (const asset of stale) await release.delete(asset);
}

export async function uploadGitHub(settings: GitHubSettings, source: UploadSource): Promise<void> {
  const files = await source.files();
  checkAssetNames([...files.packages, ...files.databases]);
  await syncRelease(await GitHubRelease.open(settings, source.paths), files);
  const store = new SnapshotStore(source.paths);
  for (const [pointer, id] of await store.pointers()) {
    const snapshot = await repositoryFiles(store.snapshotDirectory(id), source.paths.repositoryId.name);
    checkAssetNames([...snapshot.packages, ...snapshot.databases]);
    await syncRelease(await GitHubRelease.open(settings, source.paths, pointer), snapshot);
  }
}
