/**
 * `s3` upload: mirrors the repository into `s3://<bucket>/<object_path>/` (default `<repo>/<arch>`), so that pacman
 * can use the bucket (or a CDN in front of it) as its server.
 *
 * Only files whose content differs from the object are sent: an object's ETag is the md5 of its content when it
 * was uploaded in one piece, and `md5(part md5s)-<parts>` when it was uploaded in parts, which we recompute with
 * `chunk_size`. Files go up packages first, then the databases (as real objects under every name pacman asks for:
 * `<repo>.db` holds the content of `<repo>.db.tar.gz`), then objects the repository no longer has are deleted.
 *
 * Bodies are buffers of at most `chunk_size` bytes (larger files go up in parts), so the SDK can retry a request and
 * memory stays bounded by `chunk_size * max_concurrency`. The SDK is imported when an upload runs.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { mapLimit } from '../concurrency.js';
import { MISSING_OPTION, option } from '../configuration/schema.js';
import { AhrimanError, errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';
import type { RepositoryFile, RepositoryFiles, UploadSource } from './files.js';

type S3Sdk = typeof import('@aws-sdk/client-s3');

const MIB = 1024 * 1024;
/** S3's limits for the parts of a multipart upload (the last part may be smaller). */
const MIN_PART_SIZE = 5 * MIB;
const MAX_PART_SIZE = 5 * 1024 * MIB;
/** Keys per DeleteObjects request, S3's maximum. */
const DELETE_BATCH = 1000;

export const s3Schema = z
  .object({
    access_key: z.optional(option.string()),
    bucket: option.string(),
    chunk_size: z._default(option.integer({ min: MIN_PART_SIZE, max: MAX_PART_SIZE }), 8 * MIB),
    endpoint_url: z.optional(option.url(['http', 'https'])),
    force_path_style: z._default(option.boolean(), false),
    max_concurrency: z._default(option.integer({ min: 1 }), 4),
    max_retries: z._default(option.integer({ min: 0 }), 3),
    object_path: z.optional(option.string()), // default: <repo>/<arch>
    region: option.string(),
    secret_key: z.optional(option.string()),
    timeout: z._default(option.integer({ min: 1 }), 30),
  }).check(z.superRefine((section, context) => {
    for (const [present, absent] of [
      ['access_key', 'secret_key'],
      ['secret_key', 'access_key'],
    ] as const) {
      if (section[present] !== undefined && section[absent] === undefined) {
        const message = `${absent} is required with ${present} (leave both out to use the SDK's default credentials)`;
        context.issues.push({ code: 'custom', path: [absent], message, params: MISSING_OPTION, input: section });
      }
    }
  }));

export type S3Settings = z.output<typeof s3Schema>;

const logger = getLogger('upload');

/** AWS's ETag of an object uploaded in parts of `partSize` bytes: the md5 of the binary part md5s, then `-<parts>`. */
export async function multipartETag(file: string, partSize: number): Promise<string> {
  const digests = createHash('md5');
  let part = createHash('md5');
  let partLength = 0;
  let parts = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let offset = 0; offset < chunk.length; ) {
      const length = Math.min(partSize - partLength, chunk.length - offset);
      part.update(chunk.subarray(offset, offset + length));
      partLength += length;
      offset += length;
      if (partLength === partSize) {
        digests.update(part.digest());
        parts += 1;
        part = createHash('md5');
        partLength = 0;
      }
    }
  }
  if (partLength > 0) {
    digests.update(part.digest());
    parts += 1;
  }
  return `${digests.digest('hex')}-${parts}`;
}

interface RemoteObject {
  etag: string;
  size: number;
}

/**
 * Whether the object holds the file's content. A plain ETag is an md5 (single uploads; some servers, like s3rver,
 * report it for multipart uploads too); one with `-<parts>` is compared with the file's multipart ETag.
 */
export async function sameContent(object: RemoteObject, file: RepositoryFile, partSize: number): Promise<boolean> {
  if (object.size !== file.size) return false;
  const etag = object.etag.replaceAll('"', '').toLowerCase();
  if (!etag.includes('-')) return etag === file.md5;
  return etag === (await multipartETag(file.path, partSize));
}

/** `object_path` without surrounding slashes; `<repo>/<arch>` when unset. */
export function objectPrefix(settings: S3Settings, paths: RepositoryPaths): string {
  const configured = settings.object_path ?? `${paths.repositoryId.name}/${paths.repositoryId.architecture}`;
  return configured.replace(/^\/+|\/+$/g, '');
}

async function readRange(file: string, offset: number, length: number): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    if (bytesRead !== length) throw new AhrimanError(`${file} changed while it was uploaded`);
    return buffer;
  } finally {
    await handle.close();
  }
}

function base64Md5(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}

/** The SDK's error as one line: S3's error code and HTTP status, or the network error. */
function describeError(error: unknown): string {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = (error as { code?: string }).code;
  const name = error instanceof Error ? error.name : undefined;
  const message = errorMessage(error) || code || name || 'unknown error';
  if (status !== undefined) return `${name ?? 'error'} (HTTP ${status}): ${message}`;
  return code !== undefined && !message.includes(code) ? `${code}: ${message}` : message;
}

/** One bucket prefix as the mirror of one repository directory. */
export class S3Mirror {
  private constructor(
    private readonly sdk: S3Sdk,
    private readonly client: S3Client,
    private readonly settings: S3Settings,
    private readonly prefix: string,
  ) {}

  static async open(settings: S3Settings, prefix: string): Promise<S3Mirror> {
    // the SDK warns on every start that future releases need node 22; nothing a user of ahriman can act on
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const sdk = await import('@aws-sdk/client-s3');
    const timeoutMs = settings.timeout * 1000;
    const client = new sdk.S3Client({
      region: settings.region,
      endpoint: settings.endpoint_url,
      forcePathStyle: settings.force_path_style,
      credentials:
        settings.access_key !== undefined && settings.secret_key !== undefined
          ? { accessKeyId: settings.access_key, secretAccessKey: settings.secret_key }
          : undefined,
      maxAttempts: settings.max_retries + 1,
      requestHandler: { connectionTimeout: timeoutMs, socketTimeout: timeoutMs },
      // checksums only where S3 requires them: with the default, some servers store streamed bodies with the
      // aws-chunked framing still in them; integrity is checked through Content-MD5 instead
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    return new S3Mirror(sdk, client, settings, prefix);
  }

  get location(): string {
    const where = `s3://${this.settings.bucket}/${this.prefix}`;
    return this.settings.endpoint_url === undefined ? where : `${where} at ${this.settings.endpoint_url}`;
  }

  close(): void {
    this.client.destroy();
  }

  /** The mirror of `<prefix>/<name>`, over the same client. */
  child(name: string): S3Mirror {
    return new S3Mirror(this.sdk, this.client, this.settings, this.key(name));
  }

  /** Names of the "directories" directly under the prefix (`<prefix>/<name>/...`). */
  async subdirectories(): Promise<string[]> {
    const names: string[] = [];
    const start = this.prefix === '' ? '' : `${this.prefix}/`;
    await this.call('listing prefixes', async () => {
      const pages = this.sdk.paginateListObjectsV2({ client: this.client }, { Bucket: this.settings.bucket, Prefix: start, Delimiter: '/' });
      for await (const page of pages) {
        for (const common of page.CommonPrefixes ?? []) {
          const name = common.Prefix?.slice(start.length).replace(/\/$/, '');
          if (name) names.push(name);
        }
      }
    });
    return names;
  }

  private key(name: string): string {
    return this.prefix === '' ? name : `${this.prefix}/${name}`;
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw new AhrimanError(`${this.location}: ${what} failed: ${describeError(error)}`, { cause: error });
    }
  }

  /** The objects directly under the prefix, by file name (deeper keys belong to someone else). */
  async list(): Promise<Map<string, RemoteObject>> {
    const objects = new Map<string, RemoteObject>();
    const start = this.prefix === '' ? '' : `${this.prefix}/`;
    await this.call('listing objects', async () => {
      const pages = this.sdk.paginateListObjectsV2({ client: this.client }, { Bucket: this.settings.bucket, Prefix: start });
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          const name = object.Key?.slice(start.length);
          if (name === undefined || name === '' || name.includes('/')) continue;
          objects.set(name, { etag: object.ETag ?? '', size: object.Size ?? -1 });
        }
      }
    });
    return objects;
  }

  async upload(file: RepositoryFile): Promise<void> {
    if (file.size > this.settings.chunk_size) {
      await this.uploadInParts(file);
      return;
    }
    const body = await readRange(file.path, 0, file.size);
    await this.call(`uploading ${file.name}`, () =>
      this.client.send(
        new this.sdk.PutObjectCommand({
          Bucket: this.settings.bucket,
          Key: this.key(file.name),
          Body: body,
          ContentLength: file.size,
          ContentMD5: Buffer.from(file.md5, 'hex').toString('base64'),
          ContentType: 'application/octet-stream',
        }),
      ),
    );
  }

  private async uploadInParts(file: RepositoryFile): Promise<void> {
    const target = { Bucket: this.settings.bucket, Key: this.key(file.name) };
    const { UploadId } = await this.call(`starting the upload of ${file.name}`, () =>
      this.client.send(new this.sdk.CreateMultipartUploadCommand({ ...target, ContentType: 'application/octet-stream' })),
    );
    try {
      const parts: { ETag: string | undefined; PartNumber: number }[] = [];
      for (let offset = 0, number = 1; offset < file.size; offset += this.settings.chunk_size, number += 1) {
        const body = await readRange(file.path, offset, Math.min(this.settings.chunk_size, file.size - offset));
        const part = { UploadId, PartNumber: number, Body: body, ContentLength: body.length, ContentMD5: base64Md5(body) };
        const { ETag } = await this.call(`uploading part ${number} of ${file.name}`, () =>
          this.client.send(new this.sdk.UploadPartCommand({ ...target, ...part })),
        );
        parts.push({ ETag, PartNumber: number });
      }
      await this.call(`completing the upload of ${file.name}`, () =>
        this.client.send(new this.sdk.CompleteMultipartUploadCommand({ ...target, UploadId, MultipartUpload: { Parts: parts } })),
      );
    } catch (error) {
      // parts of an unfinished upload are stored (and billed) until aborted
      await this.client.send(new this.sdk.AbortMultipartUploadCommand({ ...target, UploadId })).catch(() => undefined);
      throw error;
    }
  }

  async delete(names: readonly string[]): Promise<void> {
    for (let start = 0; start < names.length; start += DELETE_BATCH) {
      const batch = names.slice(start, start + DELETE_BATCH);
      const { Errors } = await this.call(`deleting ${batch.join(', ')}`, () =>
        this.client.send(
          new this.sdk.DeleteObjectsCommand({
            Bucket: this.settings.bucket,
            Delete: { Objects: batch.map((name) => ({ Key: this.key(name) })), Quiet: true },
          }),
        ),
      );
      if (Errors !== undefined && Errors.length > 0) {
        const reasons = Errors.map((error) => `${error.Key}: ${error.Code ?? 'error'} ${error.Message ?? ''}`.trim());
        throw new AhrimanError(`${this.location}: deleting failed: ${reasons.join('; ')}`);
      }
    }
  }
}

/**
 * Brings the objects under the mirror's prefix to exactly `files`, readable throughout: changed packages first, then
 * changed databases, then the objects the files no longer have are deleted.
 */
export async function syncFiles(mirror: S3Mirror, settings: S3Settings, { packages, databases }: RepositoryFiles): Promise<void> {
  const remote = await mirror.list();
  const changed = async (files: RepositoryFile[]): Promise<RepositoryFile[]> => {
    const same = await mapLimit(files, settings.max_concurrency, async (file) => {
      const object = remote.get(file.name);
      return object !== undefined && (await sameContent(object, file, settings.chunk_size));
    });
    return files.filter((_, index) => !same[index]);
  };
  const local = new Set([...packages, ...databases].map((file) => file.name));
  const stale = [...remote.keys()].filter((name) => !local.has(name)).sort();
  const groups = [await changed(packages), await changed(databases)];
  const count = groups[0]!.length + groups[1]!.length;
  logger.info(`${mirror.location}: ${count} of ${local.size} file(s) to upload, ${stale.length} stale object(s) to delete`);

  for (const group of groups) await mapLimit(group, settings.max_concurrency, (file) => mirror.upload(file));
  await mirror.delete(stale);
}

export async function uploadS3(settings: S3Settings, source: UploadSource): Promise<void> {
  const mirror = await S3Mirror.open(settings, objectPrefix(settings, source.paths));
  try {
    await syncFiles(mirror, settings, await source.files());
  } finally {
    mirror.close();
  }
}
