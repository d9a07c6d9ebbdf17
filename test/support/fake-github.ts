/**
 * A local stand-in for the GitHub releases API, enough for Octokit (`baseUrl`): read a release by tag, create and
 * update releases, list assets (paged, with `Link` headers), upload assets to the release's `upload_url`, delete
 * assets, and download them as GitHub serves them (`/<owner>/<repo>/releases/download/<tag>/<name>`).
 *
 * Like GitHub, it renames uploaded assets whose names hold `:`, `~`, spaces or parentheses (they become `.`), refuses
 * a second asset with a name already taken (422), and wants the token on every API call (401 otherwise). Faults
 * (`fail`) answer the next requests with a chosen status.
 */
import type http from 'node:http';
import { LocalHttpServer } from './local-http-server.js';

export interface FakeAsset {
  id: number;
  name: string;
  size: number;
  contentType: string;
  content: Buffer;
}

export interface FakeRelease {
  id: number;
  tagName: string;
  name: string;
  body: string;
  assets: FakeAsset[];
}

export type FakeRoute = 'get-release' | 'create-release' | 'update-release' | 'list-assets' | 'delete-asset' | 'upload-asset' | 'download' | 'unknown';

export interface FakeRequest {
  route: FakeRoute;
  method: string;
  path: string;
  status: number;
  /** For uploads: the asset name asked for, and the request's content type. */
  name?: string;
  contentType?: string;
}

export interface FaultOptions {
  /** How many calls fail (default: all until `recover`). */
  count?: number;
  /** How many calls still succeed before the first failure (default 0). */
  after?: number;
  headers?: Record<string, string>;
}

interface Fault {
  status: number;
  message: string;
  remaining: number;
  skipped: number;
  headers: Record<string, string>;
}

class HttpAnswer extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

/** GitHub's renaming of asset names, as observed for these characters. */
export function fakeGitHubAssetName(name: string): string {
  return name.replace(/[:~ ()]/g, '.');
}

async function readBody(request: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export class FakeGitHub extends LocalHttpServer {
  readonly releases: FakeRelease[] = [];
  readonly requests: FakeRequest[] = [];
  readonly token = 'fake-github-token';
  private fault: Fault | undefined;
  private nextId = 1;

  constructor(
    readonly owner = 'arcan1s',
    readonly repository = 'repository',
  ) {
    super();
  }

  /** Answers API calls (uploads included, downloads not) with `status` and `message`. */
  fail(status: number, message: string, { count = Number.POSITIVE_INFINITY, after = 0, headers = {} }: FaultOptions = {}): void {
    this.fault = { status, message, remaining: count, skipped: after, headers };
  }

  recover(): void {
    this.fault = undefined;
  }

  release(tag: string): FakeRelease | undefined {
    return this.releases.find((release) => release.tagName === tag);
  }

  requestsTo(route: FakeRoute): FakeRequest[] {
    return this.requests.filter((request) => request.route === route);
  }

  /** Where pacman finds the assets of a release: `Server = <this>`. */
  downloadUrl(tag: string): string {
    return `${this.url}/${this.owner}/${this.repository}/releases/download/${tag}`;
  }

  protected async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    const record: FakeRequest = { route: 'unknown', method: request.method ?? 'GET', path: url.pathname, status: 0 };
    try {
      const body = await readBody(request);
      const { status, json, headers = {}, raw } = this.route(request, url, body, record);
      response.writeHead(status, raw === undefined ? { 'content-type': 'application/json; charset=utf-8', ...headers } : headers);
      response.end(raw ?? (json === undefined ? undefined : JSON.stringify(json)));
      record.status = status;
    } catch (error) {
      const answer = error instanceof HttpAnswer ? error : new HttpAnswer(500, { message: String(error) });
      response.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
      response.end(JSON.stringify(answer.body));
      record.status = answer.status;
    }
    this.requests.push(record);
  }

  private route(
    request: http.IncomingMessage,
    url: URL,
    body: Buffer,
    record: FakeRequest,
  ): { status: number; json?: unknown; headers?: Record<string, string>; raw?: Buffer } {
    const method = request.method ?? 'GET';
    const segments = url.pathname.split('/').slice(1).map(decodeURIComponent);
    const repository = `${this.owner}/${this.repository}`;

    // downloads: /<owner>/<repo>/releases/download/<tag>/<name>, no token needed
    const download = segments.length === 6 && `${segments[0]}/${segments[1]}` === repository && segments[2] === 'releases' && segments[3] === 'download';
    if (method === 'GET' && download) {
      record.route = 'download';
      const asset = this.release(segments[4]!)?.assets.find((item) => item.name === segments[5]);
      if (asset === undefined) return { status: 404, raw: Buffer.from('Not Found'), headers: { 'content-type': 'text/plain' } };
      return { status: 200, raw: asset.content, headers: { 'content-type': 'application/octet-stream', 'content-length': String(asset.size) } };
    }

    const upload = segments[0] === 'uploads';
    const [root, owner, repo, releases, ...rest] = upload ? segments.slice(1) : segments;
    if (root !== 'repos' || `${owner}/${repo}` !== repository || releases !== 'releases') throw new HttpAnswer(404, { message: 'Not Found' });
    record.route = this.routeName(method, rest, upload);
    if (record.route === 'unknown') throw new HttpAnswer(404, { message: 'Not Found' });

    const authorization = request.headers.authorization ?? '';
    if (authorization !== `token ${this.token}` && authorization !== `bearer ${this.token}`) {
      throw new HttpAnswer(401, { message: 'Bad credentials' });
    }
    if (this.fault !== undefined && this.fault.skipped > 0) {
      this.fault.skipped -= 1;
    } else if (this.fault !== undefined && this.fault.remaining > 0) {
      this.fault.remaining -= 1;
      throw new HttpAnswer(this.fault.status, { message: this.fault.message }, this.fault.headers);
    }

    switch (record.route) {
      case 'get-release': {
        const release = this.release(rest[1]!);
        if (release === undefined) throw new HttpAnswer(404, { message: 'Not Found' });
        return { status: 200, json: this.releaseJson(release) };
      }
      case 'create-release': {
        const input = JSON.parse(body.toString('utf8')) as { tag_name: string; name?: string; body?: string };
        if (this.release(input.tag_name) !== undefined) {
          throw new HttpAnswer(422, { message: 'Validation Failed', errors: [{ code: 'already_exists', field: 'tag_name' }] });
        }
        const release: FakeRelease = { id: this.nextId++, tagName: input.tag_name, name: input.name ?? input.tag_name, body: input.body ?? '', assets: [] };
        this.releases.push(release);
        return { status: 201, json: this.releaseJson(release) };
      }
      case 'update-release': {
        const release = this.releaseById(rest[0]!);
        const input = JSON.parse(body.toString('utf8')) as { body?: string; name?: string };
        if (input.body !== undefined) release.body = input.body;
        if (input.name !== undefined) release.name = input.name;
        return { status: 200, json: this.releaseJson(release) };
      }
      case 'list-assets': {
        const release = this.releaseById(rest[0]!);
        const perPage = Number(url.searchParams.get('per_page') ?? 30);
        const page = Number(url.searchParams.get('page') ?? 1);
        const assets = release.assets.slice((page - 1) * perPage, page * perPage);
        const headers: Record<string, string> = {};
        if (page * perPage < release.assets.length) {
          const next = new URL(url);
          next.searchParams.set('page', String(page + 1));
          headers.link = `<${next.toString()}>; rel="next"`;
        }
        return { status: 200, json: assets.map((asset) => this.assetJson(release, asset)), headers };
      }
      case 'delete-asset': {
        const id = Number(rest[1]);
        const release = this.releases.find((item) => item.assets.some((asset) => asset.id === id));
        if (release === undefined) throw new HttpAnswer(404, { message: 'Not Found' });
        release.assets = release.assets.filter((asset) => asset.id !== id);
        return { status: 204 };
      }
      case 'upload-asset': {
        const release = this.releaseById(rest[0]!);
        const requested = url.searchParams.get('name') ?? '';
        record.name = requested;
        record.contentType = request.headers['content-type'];
        const name = fakeGitHubAssetName(requested);
        if (release.assets.some((asset) => asset.name === name)) {
          throw new HttpAnswer(422, { message: 'Validation Failed', errors: [{ resource: 'ReleaseAsset', code: 'already_exists', field: 'name' }] });
        }
        if (Number(request.headers['content-length']) !== body.length) throw new HttpAnswer(400, { message: 'content-length does not match the body' });
        const asset: FakeAsset = { id: this.nextId++, name, size: body.length, contentType: request.headers['content-type'] ?? '', content: body };
        release.assets.push(asset);
        return { status: 201, json: this.assetJson(release, asset) };
      }
      default:
        throw new HttpAnswer(404, { message: 'Not Found' });
    }
  }

  private routeName(method: string, rest: string[], upload: boolean): FakeRoute {
    if (upload) return method === 'POST' && rest.length === 2 && rest[1] === 'assets' ? 'upload-asset' : 'unknown';
    if (method === 'GET' && rest.length === 2 && rest[0] === 'tags') return 'get-release';
    if (method === 'POST' && rest.length === 0) return 'create-release';
    if (method === 'PATCH' && rest.length === 1) return 'update-release';
    if (method === 'GET' && rest.length === 2 && rest[1] === 'assets') return 'list-assets';
    if (method === 'DELETE' && rest.length === 2 && rest[0] === 'assets') return 'delete-asset';
    return 'unknown';
  }

  private releaseById(id: string): FakeRelease {
    const release = this.releases.find((item) => item.id === Number(id));
    if (release === undefined) throw new HttpAnswer(404, { message: 'Not Found' });
    return release;
  }

  private releaseJson(release: FakeRelease): unknown {
    const api = `${this.url}/repos/${this.owner}/${this.repository}/releases/${release.id}`;
    return {
      id: release.id,
      tag_name: release.tagName,
      name: release.name,
      body: release.body,
      draft: false,
      prerelease: false,
      url: api,
      upload_url: `${this.url}/uploads/repos/${this.owner}/${this.repository}/releases/${release.id}/assets{?name,label}`,
      assets: release.assets.map((asset) => this.assetJson(release, asset)),
    };
  }

  private assetJson(release: FakeRelease, asset: FakeAsset): unknown {
    return {
      id: asset.id,
      name: asset.name,
      label: null,
      size: asset.size,
      content_type: asset.contentType,
      state: 'uploaded',
      url: `${this.url}/repos/${this.owner}/${this.repository}/releases/assets/${asset.id}`,
      browser_download_url: `${this.downloadUrl(release.tagName)}/${encodeURIComponent(asset.name)}`,
    };
  }
}
