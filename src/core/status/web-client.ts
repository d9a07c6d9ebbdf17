import { z } from 'zod';
import type { BuildStatusValue } from '../../models/build-status.js';
import type { Event } from '../../models/event.js';
import type { LogRecord } from '../../models/log-record.js';
import type { PackageRecord } from '../../models/package-record.js';
import type { RepositoryId } from '../../models/repository-id.js';
import type { EventFilter } from '../database/operations/events.js';
import type { PackageWithStatus } from '../database/operations/packages.js';
import { getLogger } from '../log/logger.js';
import type { StatusClient } from './client.js';
import type { LocalStatusClient } from './local-client.js';
import { WebServiceError, type WebTransport } from './web-transport.js';
import { eventJson, eventSchema, logRecordJson, packageFromJson, packageJson, packageStatusSchema } from './wire.js';

const logger = getLogger('status');

/**
 * Reports to a running web service (`[status] address`). When the service cannot be reached (or fails), the run goes
 * on with the local database: it says so once, and everything from then on is written locally, where it stays. An
 * answer refusing the request itself (4xx) is an error of the caller and is thrown, never swallowed.
 */
export class WebStatusClient implements StatusClient {
  private unreachable = false;

  constructor(
    private readonly transport: WebTransport,
    private readonly local: LocalStatusClient,
  ) {}

  get repositoryId(): RepositoryId {
    return this.local.repositoryId;
  }

  private get query(): string {
    const id = this.repositoryId;
    return `architecture=${encodeURIComponent(id.architecture)}&repository=${encodeURIComponent(id.name)}`;
  }

  private packagePath(base: string, suffix = ''): string {
    return `/api/v1/packages/${encodeURIComponent(base)}${suffix}?${this.query}`;
  }

  private async attempt<T>(remote: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    if (this.unreachable) return local();
    try {
      return await remote();
    } catch (error) {
      if (!(error instanceof WebServiceError) || (error.status !== undefined && error.status < 500)) throw error;
      this.unreachable = true;
      logger.warning(`${error.message}; continuing with the local database, where the statuses, logs and events of this run are kept`);
      return local();
    }
  }

  async packages(base?: string): Promise<PackageWithStatus[]> {
    return this.attempt(
      async () => {
        let body: string;
        try {
          body = (await this.transport.request('GET', base === undefined ? `/api/v1/packages?${this.query}` : this.packagePath(base))).body;
        } catch (error) {
          if (error instanceof WebServiceError && error.status === 404 && base !== undefined) return [];
          throw error;
        }
        return z
          .array(packageStatusSchema)
          .parse(JSON.parse(body))
          .map((entry) => ({
            package: packageFromJson(entry.package),
            status: { status: entry.status.status, timestamp: entry.status.timestamp, isHeld: entry.status.is_held ?? false },
          }));
      },
      () => this.local.packages(base),
    );
  }

  async packageUpdate(record: PackageRecord, status: BuildStatusValue): Promise<void> {
    await this.attempt(
      async () => void (await this.transport.request('POST', this.packagePath(record.base), { status, package: packageJson(record) })),
      () => this.local.packageUpdate(record, status),
    );
  }

  async statusUpdate(base: string, status: BuildStatusValue, version: string): Promise<void> {
    await this.attempt(
      async () => void (await this.transport.request('POST', this.packagePath(base), { status })),
      () => this.local.statusUpdate(base, status, version),
    );
  }

  async holdUpdate(base: string, held: boolean): Promise<void> {
    await this.attempt(
      async () => void (await this.transport.request('POST', this.packagePath(base, '/hold'), { is_held: held })),
      () => this.local.holdUpdate(base, held),
    );
  }

  async packageRemove(base: string): Promise<void> {
    await this.attempt(
      async () => void (await this.transport.request('DELETE', this.packagePath(base))),
      () => this.local.packageRemove(base),
    );
  }

  async logsAdd(records: readonly LogRecord[]): Promise<void> {
    let sent = 0;
    await this.attempt(
      async () => {
        for (const record of records) {
          await this.transport.request('POST', this.packagePath(record.packageBase, '/logs'), logRecordJson(record));
          sent += 1;
        }
      },
      () => this.local.logsAdd(records.slice(sent)),
    );
  }

  async eventAdd(event: Event): Promise<void> {
    await this.attempt(
      async () => void (await this.transport.request('POST', `/api/v1/events?${this.query}`, eventJson(event))),
      () => this.local.eventAdd(event),
    );
  }

  async events(filter: EventFilter = {}): Promise<Event[]> {
    return this.attempt(
      async () => {
        const parameters = new URLSearchParams(this.query);
        if (filter.event) parameters.set('event', filter.event);
        if (filter.objectId) parameters.set('object_id', filter.objectId);
        if (filter.fromDate !== undefined) parameters.set('from_date', String(filter.fromDate));
        if (filter.toDate !== undefined) parameters.set('to_date', String(filter.toDate));
        if (filter.limit !== undefined) parameters.set('limit', String(filter.limit));
        if (filter.offset !== undefined) parameters.set('offset', String(filter.offset));
        const { body } = await this.transport.request('GET', `/api/v1/events?${parameters.toString()}`);
        return z
          .array(eventSchema.required())
          .parse(JSON.parse(body))
          .map((event) => ({ event: event.event, objectId: event.object_id, message: event.message, created: event.created, data: event.data }));
      },
      () => this.local.events(filter),
    );
  }

  /** Each request is its own unit on the service; the local fallback still gets its transaction. */
  batch<T>(work: () => Promise<T>): Promise<T> {
    return this.unreachable ? this.local.batch(work) : work();
  }
}
