/**
 * A local S3 for tests: s3rver in this process on 127.0.0.1 (path-style URLs: `http://127.0.0.1:PORT/<bucket>/<key>`),
 * one bucket, and a log of every request with the S3 operation it was, so tests can count uploads and check their
 * order. Anonymous GETs are allowed, so pacman can install straight from the bucket.
 *
 * Known differences from AWS (see the tooling notes): the ETag of a multipart upload is the plain md5 of the object,
 * and listing with a continuation token fails on Node 20 (DES-based tokens), so keep listings under 1000 keys.
 *
 *   const s3 = await TestS3Server.start();   // s3.endpoint, s3.bucket
 *   ...; await s3.stop();
 */
import fs from 'node:fs/promises';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/** The part of s3rver's API used here (the package has no type declarations). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer: http.Server;
}

type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

export type S3Operation =
  | 'ListObjects'
  | 'GetObject'
  | 'HeadObject'
  | 'PutObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'DeleteObject'
  | 'DeleteObjects'
  | 'Other';

export interface S3Request {
  operation: S3Operation;
  method: string;
  /** The decoded object key ('' for bucket operations). */
  key: string;
  status: number;
}

function operationOf(method: string, key: string, query: URLSearchParams): S3Operation {
  if (method === 'GET') return key === '' ? 'ListObjects' : 'GetObject';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'PUT') return query.has('partNumber') ? 'UploadPart' : key === '' ? 'Other' : 'PutObject';
  if (method === 'POST') {
    if (query.has('delete')) return 'DeleteObjects';
    if (query.has('uploads')) return 'CreateMultipartUpload';
    return query.has('uploadId') ? 'CompleteMultipartUpload' : 'Other';
  }
  if (method === 'DELETE') return query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
  return 'Other';
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp|#x?[0-9a-f]+);/gi, (entity, name: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
    if (name.startsWith('#')) return String.fromCodePoint(name[1] === 'x' ? parseInt(name.slice(2), 16) : Number(name.slice(1)));
    return named[name.toLowerCase()] ?? entity;
  });
}

export class TestS3Server {
  /** Every request answered so far, in the order the answers finished. */
  readonly requests: S3Request[] = [];
  /** Consecutive failed polls per key in `polledContent`. */
  private readonly failedPolls = new Map<string, number>();

  private constructor(
    private readonly server: S3rverInstance,
    private readonly directory: string,
    readonly bucket: string,
    /** `http://127.0.0.1:PORT` */
    readonly endpoint: string,
  ) {
    server.httpServer.prependListener('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
      const url = new URL(request.url ?? '/', endpoint);
      const [, , ...key] = url.pathname.split('/'); // '', bucket, key...
      const decodedKey = decodeURIComponent(key.join('/'));
      const method = request.method ?? 'GET';
      response.on('finish', () => {
        this.requests.push({ operation: operationOf(method, decodedKey, url.searchParams), method, key: decodedKey, status: response.statusCode });
      });
    });
  }

  static async start(bucket = 'repo'): Promise<TestS3Server> {
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-s3rver-'));
    const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
    const { port } = await server.run();
    return new TestS3Server(server, directory, bucket, `http://127.0.0.1:${port}`);
  }

  /** Requests of these operations, in order. */
  requestsOf(...operations: S3Operation[]): S3Request[] {
    return this.requests.filter((request) => operations.includes(request.operation));
  }

  /** Keys of the objects written (single and multipart uploads), in the order they became visible. */
  writtenKeys(): string[] {
    return this.requestsOf('PutObject', 'CompleteMultipartUpload')
      .filter((request) => request.status < 300)
      .map((request) => request.key);
  }

  /** The URL of an object, as pacman would download it. */
  url(key: string): string {
    return `${this.endpoint}/${this.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** Keys of the bucket under `prefix`, sorted (one listing page, see the module comment). */
  async keys(prefix = ''): Promise<string[]> {
    const response = await fetch(`${this.endpoint}/${this.bucket}?list-type=2&prefix=${encodeURIComponent(prefix)}`);
    if (!response.ok) throw new Error(`listing the bucket: HTTP ${response.status}`);
    const xml = await response.text();
    return [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => unescapeXml(match[1]!)).sort();
  }

  /** The content of an object, or undefined when there is none. */
  async content(key: string): Promise<Buffer | undefined> {
    const response = await fetch(this.url(key));
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`GET ${key}: HTTP ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  }

  /**
   * The content of an object for a reader that polls it while an upload rewrites it: `'rewriting'` when the GET met
   * s3rver's in-place rewrite (S3 itself replaces an object whole), which s3rver answers with a 500 or by dropping the
   * connection in the middle of the body. The same key failing ten polls in a row is a fault, not a rewrite.
   */
  async polledContent(key: string): Promise<Buffer | undefined | 'rewriting'> {
    let failure: string;
    try {
      const response = await fetch(this.url(key));
      if (response.status === 404) {
        this.failedPolls.delete(key);
        return undefined;
      }
      const body = Buffer.from(await response.arrayBuffer());
      if (response.ok) {
        this.failedPolls.delete(key);
        return body;
      }
      if (response.status !== 500) throw new Error(`GET ${key}: HTTP ${response.status}`);
      failure = 'HTTP 500';
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      if (cause?.code !== 'UND_ERR_SOCKET') throw error;
      failure = 'connection closed by s3rver';
    }
    const failures = (this.failedPolls.get(key) ?? 0) + 1;
    if (failures >= 10) throw new Error(`GET ${key}: ${failure} to ${failures} polls in a row`);
    this.failedPolls.set(key, failures);
    return 'rewriting';
  }

  async stop(): Promise<void> {
    this.server.httpServer.closeAllConnections();
    await this.server.close();
    await fs.rm(this.directory, { recursive: true, force: true });
  }
}
