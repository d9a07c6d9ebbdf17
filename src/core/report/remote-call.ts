/**
 * The `remote-call` report (type alias `ahriman`): asks another ahriman web service to run an update of this
 * repository (`POST /api/v1/service/update`), then optionally waits for that process to end. The service is the one
 * `[status]` points at (`address`, else `[web] address`, else `[web] host:port`), with `[status]` credentials.
 *
 * `wait_timeout`: -1 returns at once, 0 waits as long as it takes, N waits up to N seconds (then only warns: the
 * remote update goes on).
 */
import * as z from 'zod/mini';
import type { Configuration } from '../configuration/configuration.js';
import { option } from '../configuration/schema.js';
import { errorMessage } from '../errors.js';
import { fetchWithRetries, type HttpPolicy } from '../http/client.js';
import { getLogger } from '../log/logger.js';
import { sleep } from '../retry.js';
import type { RepositoryId } from '../../models/repository-id.js';
import { defineReportType, ReportError } from './report.js';

export const remoteCallSchema = z.object({
  aur: z._default(option.boolean(), false),
  local: z._default(option.boolean(), false),
  manual: z._default(option.boolean(), false),
  wait_timeout: z._default(option.integer({ min: -1 }), -1),
});

/** The remote process is asked whether it still runs after 1 s, then twice as late each time, at most every 10 s. */
const FIRST_POLL_SECONDS = 1;
const MAX_POLL_SECONDS = 10;

const logger = getLogger('report');

export interface RemoteService {
  address: string;
  credentials: { username: string; password: string } | undefined;
  policy: HttpPolicy;
}

export function remoteService(configuration: Configuration): RemoteService {
  const port = configuration.get('web', 'port');
  const derived = port === undefined ? undefined : `http://${configuration.getString('web', 'host', '127.0.0.1')}:${port}`;
  const address = configuration.get('status', 'address') ?? configuration.get('web', 'address') ?? derived;
  if (address === undefined) throw new ReportError('no web service to call: set [status] address');
  if (!/^https?:\/\//.test(address)) {
    throw new ReportError(`[status] address = '${address}': only http and https addresses can be called (unix sockets are not supported)`);
  }
  const username = configuration.get('status', 'username');
  const password = configuration.get('status', 'password');
  return {
    address: address.replace(/\/+$/, ''),
    credentials: username !== undefined && password !== undefined ? { username, password } : undefined,
    policy: {
      timeoutMs: configuration.getInt('status', 'timeout', 30) * 1000,
      maxRetries: configuration.getInt('status', 'max_retries', 0),
      retryBackoffSeconds: configuration.getFloat('status', 'retry_backoff', 0),
    },
  };
}

/** A JSON API session: the cookie the login set goes with every later request. */
export class ServiceSession {
  private cookie: string | undefined;

  constructor(private readonly service: RemoteService) {}

  async login(): Promise<void> {
    const { credentials } = this.service;
    if (credentials === undefined) return;
    const response = await this.request('POST', '/api/v1/login', credentials, `log in as ${credentials.username}`);
    const cookies = response.headers.getSetCookie().map((header) => header.split(';', 1)[0]!);
    if (cookies.length > 0) this.cookie = cookies.join('; ');
  }

  /** The response of a successful request; any other answer is a ReportError saying what was attempted. */
  async request(method: string, path: string, body: unknown, what: string, { allowNotFound = false } = {}): Promise<Response> {
    const url = `${this.service.address}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    // a form (file upload) sets its own multipart content type
    const form = body instanceof FormData;
    if (body !== undefined && !form) headers['content-type'] = 'application/json';
    if (this.cookie !== undefined) headers.cookie = this.cookie;
    let response: Response;
    try {
      const payload = body === undefined ? undefined : form ? body : JSON.stringify(body);
      response = await fetchWithRetries(url, { method, headers, body: payload }, this.service.policy);
    } catch (error) {
      throw new ReportError(`cannot ${what}: ${errorMessage(error)}`, { cause: error });
    }
    if (!response.ok && !(allowNotFound && response.status === 404)) {
      const text = await response.text().catch(() => '');
      throw new ReportError(`cannot ${what}: ${method} ${url} answered HTTP ${response.status} ${text.slice(0, 200)}`.trim());
    }
    return response;
  }
}

async function startUpdate(session: ServiceSession, repositoryId: RepositoryId, flags: Record<'aur' | 'local' | 'manual', boolean>): Promise<string> {
  const query = new URLSearchParams({ architecture: repositoryId.architecture, repository: repositoryId.name });
  const response = await session.request('POST', `/api/v1/service/update?${query}`, flags, `start an update of ${repositoryId.id}`);
  const answer = (await response.json().catch(() => undefined)) as { process_id?: unknown } | undefined;
  if (typeof answer?.process_id !== 'string') throw new ReportError('the web service started an update but did not say its process_id');
  return answer.process_id;
}

async function isAlive(session: ServiceSession, processId: string): Promise<boolean> {
  const path = `/api/v1/service/process/${encodeURIComponent(processId)}`;
  const response = await session.request('GET', path, undefined, `check process ${processId}`, { allowNotFound: true });
  if (response.status === 404) return false;
  const answer = (await response.json().catch(() => undefined)) as { is_alive?: unknown } | undefined;
  return answer?.is_alive === true;
}

/** Polls until the process ended (true) or `timeoutSeconds` passed (false); 0 waits without limit. */
async function waitForProcess(session: ServiceSession, processId: string, timeoutSeconds: number): Promise<boolean> {
  const deadline = timeoutSeconds === 0 ? Infinity : Date.now() + timeoutSeconds * 1000;
  for (let interval = FIRST_POLL_SECONDS; await isAlive(session, processId); interval = Math.min(interval * 2, MAX_POLL_SECONDS)) {
    const left = (deadline - Date.now()) / 1000;
    if (left <= 0) return false;
    await sleep(Math.min(interval, left) * 1000);
  }
  return true;
}

export const remoteCallReport = defineReportType(remoteCallSchema, async (options, environment) => {
  const session = new ServiceSession(remoteService(environment.configuration));
  await session.login();
  const processId = await startUpdate(session, environment.repositoryId, { aur: options.aur, local: options.local, manual: options.manual });
  logger.info(`remote update of ${environment.repositoryId.id} started as process ${processId}`);
  if (options.wait_timeout === -1) return;
  if (await waitForProcess(session, processId, options.wait_timeout)) logger.info(`remote process ${processId} finished`);
  else logger.warning(`remote process ${processId} still runs after ${options.wait_timeout} s; not waiting any longer`);
});
