import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import type { BuildStatusValue } from '../../models/build-status.js';
import type { Event } from '../../models/event.js';
import type { LogRecord } from '../../models/log-record.js';
import type { PackageRecord } from '../../models/package-record.js';
import type { RepositoryId } from '../../models/repository-id.js';
import type { EventFilter } from '../database/operations/events.js';
import type { PackageWithStatus } from '../database/operations/packages.js';
import { type SpooledReport, StatusSpoolOperations } from '../database/operations/status-spool.js';
import { currentUnixTime } from '../database/operations/time.js';
import { errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';
import type { RepositoryState } from '../repository/state.js';
import type { StatusClient, StatusNote } from './client.js';
import { type LocalStatusClient, forgetBase } from './local-client.js';
import { WebServiceError, type WebTransport } from './web-transport.js';
import { eventJson, listedEventSchema, logRecordJson, packageFromJson, packageJson, packageStatusSchema } from './wire.js';

const logger = getLogger('status');

/** How long reports are only kept after the service failed to answer, before the next report tries it again. */
const RETRY_AFTER_MS = 30_000;

/** Answers that refuse a report for what it says: sending it again cannot help. Anything else may pass later. */
function refuses(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status < 500 && ![401, 403, 408, 429].includes(status);
}

/**
 * Reports to a running web service (`[status] address`). Every report (status, hold, build log chunk, event,
 * forgetting a base) is first kept in the state database (`status_spool`), in the transaction of the change it reports,
 * then sent in order with its id as `Idempotency-Key` and dropped once the service acknowledges it: a lost answer
 * makes the service see it twice but apply it once. When the service cannot be reached the run goes on, says so
 * once, and keeps its reports; they are tried again by a report made half a minute later or more, at the end of the
 * run, and by the next run. A report the service
 * refuses for what it says (a 4xx answer) cannot pass later: it is dropped with an error naming it.
 *
 * What the repository itself needs (package records, the queue) stays in the state database as in local mode.
 */
export class WebStatusClient implements StatusClient {
  private unreachable = false;
  private retryAt = 0;
  private warned = false;
  private delivery: Promise<void> | undefined;
  private pending = false;
  private readonly spool: StatusSpoolOperations;

  constructor(
    private readonly transport: WebTransport,
    private readonly local: LocalStatusClient,
    private readonly state: RepositoryState,
    private readonly retryAfterMs = RETRY_AFTER_MS,
  ) {
    this.spool = new StatusSpoolOperations(state.database, state.repositoryId);
  }

  get repositoryId(): RepositoryId {
    return this.local.repositoryId;
  }

  private get query(): string {
    const id = this.repositoryId;
    return `architecture=${encodeURIComponent(id.architecture)}&repository=${encodeURIComponent(id.name)}`;
  }

  private packagePath(base: string, suffix = '', version = 'v1'): string {
    return `/api/${version}/packages/${encodeURIComponent(base)}${suffix}?${this.query}`;
  }

  /** Whether to try the service now: not after it failed to answer, until the retry time has come. */
  private available(): boolean {
    if (this.unreachable && Date.now() >= this.retryAt) this.unreachable = false;
    return !this.unreachable;
  }

  private unavailable(error: WebServiceError): void {
    this.unreachable = true;
    this.retryAt = Date.now() + this.retryAfterMs;
    if (this.warned) return;
    this.warned = true;
    logger.warning(`${error.message}; continuing: the statuses, logs and events of this run are kept in the local database until the service takes them`);
  }

  /** Reads from the service; from the local database when it cannot be reached. */
  private async read<T>(remote: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    if (!this.available()) return local();
    try {
      return await remote();
    } catch (error) {
      if (!(error instanceof WebServiceError) || refuses(error.status)) throw error;
      this.unavailable(error);
      return local();
    }
  }

  async packages(base?: string): Promise<PackageWithStatus[]> {
    return this.read(
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

  async events(filter: EventFilter = {}): Promise<Event[]> {
    return this.read(
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
          .array(listedEventSchema)
          .parse(JSON.parse(body))
          .map((event) => ({ event: event.event, objectId: event.object_id, message: event.message, created: event.created, data: event.data }));
      },
      () => this.local.events(filter),
    );
  }

  /** Each report says when the change happened (`timestamp`): it may reach the service only later. */
  async packageUpdate(record: PackageRecord, status: BuildStatusValue, timestamp = currentUnixTime()): Promise<void> {
    await this.report(() => this.state.packages.upsertPackage(record), [
      { method: 'POST', path: this.packagePath(record.base), body: { status, package: packageJson(record), timestamp } },
    ]);
  }

  /** The web API takes one base per request; each is its own report. */
  async packagesUpdate(records: readonly PackageRecord[], status: BuildStatusValue, timestamp = currentUnixTime()): Promise<void> {
    await this.batch(async () => {
      for (const record of records) await this.packageUpdate(record, status, timestamp);
    });
  }

  /** Without a note the body is the reference's `{status}` and the time (the service records the version it knows). */
  async statusUpdate(base: string, status: BuildStatusValue, version: string, note?: StatusNote): Promise<void> {
    const timestamp = note?.timestamp ?? currentUnixTime();
    const body = note === undefined ? { status, timestamp } : { status, version, ...note, timestamp };
    await this.report(undefined, [{ method: 'POST', path: this.packagePath(base), body }]);
  }

  async holdUpdate(base: string, held: boolean, timestamp = currentUnixTime()): Promise<void> {
    await this.report(undefined, [{ method: 'POST', path: this.packagePath(base, '/hold'), body: { is_held: held, timestamp } }]);
  }

  /** The service records the `package-removed` event of its own forgetting, at the time given in the query. */
  async packageRemove(base: string, _message: string, timestamp = currentUnixTime()): Promise<void> {
    await this.report(() => forgetBase(this.state, base), [{ method: 'DELETE', path: `${this.packagePath(base)}&timestamp=${timestamp}` }]);
  }

  /** One report per package base of the chunk, with its lines in order. */
  async logsAdd(records: readonly LogRecord[]): Promise<void> {
    const byBase = new Map<string, LogRecord[]>();
    for (const record of records) byBase.set(record.packageBase, [...(byBase.get(record.packageBase) ?? []), record]);
    await this.report(
      undefined,
      [...byBase].map(([base, lines]) => ({ method: 'POST', path: this.packagePath(base, '/logs', 'v2'), body: lines.map(logRecordJson) })),
    );
  }

  async logsRemove(base: string, exceptVersion?: string): Promise<void> {
    const version = exceptVersion === undefined ? '' : `&version=${encodeURIComponent(exceptVersion)}`;
    await this.report(undefined, [{ method: 'DELETE', path: `${this.packagePath(base, '/logs')}${version}` }]);
  }

  async eventAdd(event: Event): Promise<void> {
    await this.report(undefined, [{ method: 'POST', path: `/api/v1/events?${this.query}`, body: eventJson(event) }]);
  }

  async eventsAdd(events: readonly Event[]): Promise<void> {
    await this.batch(async () => {
      for (const event of events) await this.eventAdd(event);
    });
  }

  /** The reports `work` makes are kept with its other writes in one transaction, and sent once it is committed. */
  async batch<T>(work: () => Promise<T>): Promise<T> {
    const result = await this.state.database.transaction(work);
    if (!this.state.database.inTransaction()) await this.deliver();
    return result;
  }

  /** Sends what waits, unless the service failed to answer a moment ago. Reports go one at a time, in order. */
  async deliver(): Promise<void> {
    if (!this.available()) return;
    this.pending = true;
    while (this.pending && !this.unreachable) {
      this.delivery ??= this.drain().finally(() => {
        this.delivery = undefined;
      });
      await this.delivery;
    }
  }

  /** One more try for what waits; what still cannot go stays for the next run. Never throws: the run's outcome stands. */
  async close(): Promise<void> {
    this.unreachable = false;
    try {
      await this.deliver();
      const left = await this.spool.spoolCount();
      if (left > 0) logger.warning(`${left} report(s) for ${this.transport.description} are kept in the local database; the next run sends them`);
    } catch (error) {
      logger.error(`cannot send the reports kept for ${this.transport.description}: ${errorMessage(error)}`);
    }
  }

  private async report(local: (() => Promise<void>) | undefined, reports: Omit<SpooledReport, 'id'>[]): Promise<void> {
    await this.state.database.transaction(async () => {
      await local?.();
      for (const report of reports) await this.spool.spoolAdd({ id: randomUUID(), ...report });
    });
    if (!this.state.database.inTransaction()) await this.deliver();
  }

  private async drain(): Promise<void> {
    while (this.pending && !this.unreachable) {
      this.pending = false;
      for (let waiting = await this.spool.spoolList(100); waiting.length > 0; waiting = await this.spool.spoolList(100)) {
        for (const report of waiting) if (!(await this.send(report))) return;
      }
    }
  }

  /** False when the service cannot take reports now. */
  private async send(report: SpooledReport): Promise<boolean> {
    try {
      await this.transport.request(report.method, report.path, report.body, { 'idempotency-key': report.id });
    } catch (error) {
      if (!(error instanceof WebServiceError)) throw error;
      if (!refuses(error.status)) {
        this.unavailable(error);
        return false;
      }
      logger.error(`${error.message}; the report is dropped`);
    }
    await this.spool.spoolRemove(report.id);
    return true;
  }
}
