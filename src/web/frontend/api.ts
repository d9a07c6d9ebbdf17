import type {
  AuditEvent, AurPackage, Changes, DistributedOverview, InfoResponse, InternalStatus, LogRecord, Package, PackageStatus, Patch, ProcessState,
  RepositoryId, ScheduledRebuild,
} from './models.js';

/** A failed API call: the HTTP status and the server's `error` text when it sent one. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  query?: Query;
  json?: unknown;
}

function queryString(query: Query): string {
  const parameters = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) parameters.append(key, String(item));
  }
  const text = parameters.toString();
  return text ? `?${text}` : '';
}

async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await fetch(path + queryString(options.query ?? {}), {
    method: options.method ?? 'GET',
    credentials: 'same-origin',
    headers: {
      Accept: 'application/json',
      ...(options.json === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: options.json === undefined ? undefined : JSON.stringify(options.json),
  });
  const text = await response.text();
  if (!response.ok) {
    let reason = response.statusText;
    try {
      const body = JSON.parse(text) as { error?: string; message?: string };
      reason = body.error ?? body.message ?? reason;
    } catch {
      // not JSON: keep the status text
    }
    throw new ApiError(response.status, `${response.status} ${reason}`);
  }
  const type = response.headers.get('content-type') ?? '';
  return (type.includes('json') && text ? JSON.parse(text) : undefined) as T;
}

const packagePath = (base: string, tail = ''): string => `/api/v1/packages/${encodeURIComponent(base)}${tail}`;
const scope = (repository: RepositoryId): Query => ({ architecture: repository.architecture, repository: repository.repository });

/** Every call the dashboard makes, by the reference's paths. */
export const api = {
  info: () => request<InfoResponse>('/api/v2/info'),
  login: (username: string, password: string) =>
    request<void>('/api/v1/login', { method: 'POST', json: { username, password } }),
  logout: () => request<void>('/api/v1/logout', { method: 'POST' }),

  status: (repository: RepositoryId) => request<InternalStatus>('/api/v1/status', { query: scope(repository) }),
  packages: (repository: RepositoryId) => request<PackageStatus[]>('/api/v1/packages', { query: scope(repository) }),
  package: (repository: RepositoryId, base: string) =>
    request<PackageStatus[]>(packagePath(base), { query: scope(repository) }),
  archives: (repository: RepositoryId, base: string) =>
    request<Package[]>(packagePath(base, '/archives'), { query: scope(repository) }),
  changes: (repository: RepositoryId, base: string) =>
    request<Changes>(packagePath(base, '/changes'), { query: scope(repository) }),
  patches: (base: string) => request<Patch[]>(packagePath(base, '/patches')),
  removePatch: (base: string, key: string) =>
    request<void>(packagePath(base, `/patches/${encodeURIComponent(key)}`), { method: 'DELETE' }),
  hold: (repository: RepositoryId, base: string, isHeld: boolean) =>
    request<void>(packagePath(base, '/hold'), { method: 'POST', query: scope(repository), json: { is_held: isHeld } }),
  logRuns: (repository: RepositoryId, base: string) =>
    request<LogRecord[]>(`/api/v2/packages/${encodeURIComponent(base)}/logs`, { query: { ...scope(repository), head: true } }),
  logs: (repository: RepositoryId, base: string, version: string, processId: string) =>
    request<LogRecord[]>(`/api/v2/packages/${encodeURIComponent(base)}/logs`, {
      query: { ...scope(repository), version, process_id: processId },
    }),
  rebuilds: (repository: RepositoryId) => request<ScheduledRebuild[]>('/api/v1/rebuilds', { query: scope(repository) }),
  distributed: (repository: RepositoryId) => request<DistributedOverview>('/api/v1/distributed', { query: scope(repository) }),
  events: (repository: RepositoryId, objectId: string, limit: number) =>
    request<AuditEvent[]>('/api/v1/events', { query: { ...scope(repository), object_id: objectId, limit } }),

  add: (repository: RepositoryId, body: { packages: string[]; patches?: Patch[]; refresh?: boolean }) =>
    request<{ process_id: string }>('/api/v1/service/add', { method: 'POST', query: scope(repository), json: body }),
  request: (repository: RepositoryId, body: { packages: string[]; patches?: Patch[] }) =>
    request<{ process_id: string }>('/api/v1/service/request', { method: 'POST', query: scope(repository), json: body }),
  update: (repository: RepositoryId, body: { aur?: boolean; local?: boolean; manual?: boolean; refresh?: boolean }) =>
    request<{ process_id: string }>('/api/v1/service/update', { method: 'POST', query: scope(repository), json: body }),
  rebuild: (repository: RepositoryId, dependency: string) =>
    request<{ process_id: string }>('/api/v1/service/rebuild', {
      method: 'POST', query: scope(repository), json: { packages: [dependency] },
    }),
  remove: (repository: RepositoryId, packages: string[]) =>
    request<{ process_id: string }>('/api/v1/service/remove', { method: 'POST', query: scope(repository), json: { packages } }),
  rollback: (repository: RepositoryId, base: string, version: string) =>
    request<{ process_id: string }>('/api/v1/service/rollback', {
      method: 'POST', query: scope(repository), json: { package: base, version, hold: true },
    }),
  process: (processId: string) =>
    request<ProcessState>(`/api/v1/service/process/${encodeURIComponent(processId)}`),
  search: (term: string) => request<AurPackage[]>('/api/v1/service/search', { query: { for: term } }),
  fetchKey: (key: string, server: string) => request<{ key: string }>('/api/v1/service/pgp', { query: { key, server } }),
  importKey: (key: string, server: string) =>
    request<{ process_id: string }>('/api/v1/service/pgp', { method: 'POST', json: { key, server } }),
};

/** URL of the server-sent event stream of a repository, for the given event types and (optionally) one object. */
export function eventStreamUrl(repository: RepositoryId, events: readonly string[], objectId?: string): string {
  return `/api/v1/events/stream${queryString({ ...scope(repository), event: events, object_id: objectId })}`;
}
