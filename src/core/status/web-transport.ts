import { createWriteStream, openAsBlob } from 'node:fs';
import http from 'node:http';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import type { Configuration } from '../configuration/configuration.js';
import { AhrimanError } from '../errors.js';

/** Where a web service answers and how to log in to it (`[status]`, falling back to `[web]` of the same host). */
export interface WebEndpoint {
  /** A unix socket: requests over it are trusted, no login needed. */
  socketPath?: string;
  /** `http://host:port` otherwise. */
  url?: string;
  username?: string;
  password?: string;
  timeoutMs: number;
}

export class WebServiceError extends AhrimanError {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * The web service this instance reports to: `[status] address` (`http://host:port` or the reference's
 * `http+unix://<url-encoded socket path>`), else `[web] unix_socket`, else `[web] host:port`; none when nothing is
 * configured or `[status] enabled = no`.
 */
export function webEndpoint(configuration: Configuration): WebEndpoint | undefined {
  if (!configuration.getBool('status', 'enabled', true)) return undefined;
  const credentials = {
    ...(configuration.has('status', 'username') ? { username: configuration.getString('status', 'username') } : {}),
    ...(configuration.has('status', 'password') ? { password: configuration.getString('status', 'password') } : {}),
    timeoutMs: configuration.getInt('status', 'timeout', 30) * 1000,
  };
  const address = configuration.getString('status', 'address', undefined);
  if (address !== undefined) {
    const url = new URL(address);
    if (url.protocol === 'http+unix:') return { socketPath: decodeURIComponent(url.host), ...credentials };
    return { url: address.replace(/\/+$/, ''), ...credentials };
  }
  const socket = configuration.getPath('web', 'unix_socket', undefined);
  if (socket !== undefined) return { socketPath: socket, ...credentials };
  const port = configuration.getInt('web', 'port', undefined);
  if (port === undefined) return undefined;
  return { url: `http://${configuration.getString('web', 'host', '127.0.0.1')}:${port}`, ...credentials };
}

export interface WebResponse {
  status: number;
  body: string;
}

/** JSON requests to a web service, logging in with the configured user on the first 401 (session cookie kept). */
export class WebTransport {
  private cookie: string | undefined;

  constructor(readonly endpoint: WebEndpoint) {}

  get description(): string {
    return this.endpoint.socketPath ?? this.endpoint.url ?? 'web service';
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<WebResponse> {
    let response = await this.send(method, path, body, headers);
    if (response.status === 401 && this.endpoint.username !== undefined && !path.startsWith('/api/v1/login')) {
      await this.login();
      response = await this.send(method, path, body, headers);
    }
    if (response.status >= 400) throw this.answerError(method, path, response);
    return response;
  }

  /**
   * Uploads files as `multipart/form-data` (field `package`) to an `http://` web service, logging in on the first 401
   * like {@link request}. Bodies are built by fetch's FormData, files read as blobs.
   */
  async upload(path: string, files: readonly string[]): Promise<void> {
    await this.fetchLoggedIn('POST', path, async () => {
      const form = new FormData();
      for (const file of files) form.append('package', await openAsBlob(file), basename(file));
      return { body: form };
    });
  }

  /** Downloads `path` of an `http://` web service into `target` (streamed), logging in on the first 401. */
  async download(path: string, target: string): Promise<void> {
    const response = await this.fetchLoggedIn('GET', path, () => Promise.resolve({}));
    try {
      await pipeline(Readable.fromWeb(response.body as ReadableStream<Uint8Array>), createWriteStream(target));
    } catch (error) {
      throw new WebServiceError(`GET ${path} on ${this.description} failed: ${(error as Error).message}`);
    }
  }

  /** A fetch of an `http://` web service with the session cookie, logging in on the first 401 like {@link request}. */
  private async fetchLoggedIn(method: string, path: string, init: () => Promise<RequestInit>): Promise<Response> {
    if (this.endpoint.url === undefined) throw new WebServiceError(`${method} ${path} needs an http:// address, not the socket ${this.description}`);
    const send = async (): Promise<Response> =>
      fetch(`${this.endpoint.url}${path}`, {
        ...(await init()),
        method,
        headers: this.cookie ? { cookie: this.cookie } : {},
        signal: AbortSignal.timeout(this.endpoint.timeoutMs),
      });
    try {
      let response = await send();
      if (response.status === 401 && this.endpoint.username !== undefined) {
        await this.login();
        response = await send();
      }
      if (response.status >= 400) throw this.answerError(method, path, { status: response.status, body: await response.text() });
      return response;
    } catch (error) {
      if (error instanceof WebServiceError) throw error;
      throw new WebServiceError(`${method} ${path} on ${this.description} failed: ${(error as Error).message}`);
    }
  }

  /** The error of an answer >= 400: its `{"error"}` line, else the start of its body. */
  private answerError(method: string, path: string, response: WebResponse): WebServiceError {
    let reason = response.body.slice(0, 200);
    try {
      reason = (JSON.parse(response.body) as { error?: string }).error ?? reason;
    } catch {
      // not JSON: keep the text
    }
    return new WebServiceError(`${method} ${path} on ${this.description} answered ${response.status}: ${reason}`, response.status);
  }

  /**
   * Logs in now rather than at the first refused request, so that wrong credentials show before any work; does
   * nothing without a configured user. Throws {@link WebServiceError} with the answer's status.
   */
  async logIn(): Promise<void> {
    if (this.endpoint.username !== undefined) await this.login();
  }

  private async login(): Promise<void> {
    const response = await this.send('POST', '/api/v1/login', { username: this.endpoint.username, password: this.endpoint.password ?? '' });
    if (![200, 204, 302].includes(response.status)) {
      throw new WebServiceError(`login as ${this.endpoint.username} on ${this.description} answered ${response.status}`, response.status);
    }
  }

  private send(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<WebResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const target = this.endpoint.socketPath ? { socketPath: this.endpoint.socketPath } : (() => {
      const url = new URL(this.endpoint.url!);
      return { host: url.hostname, port: url.port };
    })();
    const headers: Record<string, string> = { ...extraHeaders };
    if (payload) {
      headers['content-type'] = 'application/json';
      // a known length sends the body with the headers, not as chunks waiting on the server's acknowledgements
      headers['content-length'] = String(payload.length);
    }
    if (this.cookie) headers.cookie = this.cookie;
    return new Promise((resolve, reject) => {
      const request = http.request({ ...target, method, path, headers, timeout: this.endpoint.timeoutMs }, (response) => {
        const cookie = response.headers['set-cookie']?.[0]?.split(';')[0];
        if (cookie) this.cookie = cookie;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      });
      request.on('timeout', () => request.destroy(new WebServiceError(`${method} ${path} on ${this.description} timed out after ${this.endpoint.timeoutMs} ms`)));
      request.on('error', (error) =>
        reject(error instanceof WebServiceError ? error : new WebServiceError(`${method} ${path} on ${this.description} failed: ${error.message}`)),
      );
      request.end(payload);
    });
  }
}
