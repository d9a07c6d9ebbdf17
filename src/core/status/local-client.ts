import type { BuildStatusValue } from '../../models/build-status.js';
import type { Event } from '../../models/event.js';
import type { LogRecord } from '../../models/log-record.js';
import type { PackageRecord } from '../../models/package-record.js';
import type { RepositoryId } from '../../models/repository-id.js';
import type { EventFilter } from '../database/operations/events.js';
import type { PackageWithStatus } from '../database/operations/packages.js';
import { currentUnixTime } from '../database/operations/time.js';
import { ScopedStorage } from '../async-scope.js';
import type { RepositoryState } from '../repository/state.js';
import type { StatusClient, StatusNote } from './client.js';
import { makeEvent } from './event.js';

/**
 * The one way a base is forgotten in the state database: its queued build, build logs, changes, record and status
 * (patches are shared by the repositories of a tree and stay). Nothing happens for an unknown base.
 */
export async function forgetBase(state: RepositoryState, base: string): Promise<void> {
  await state.database.transaction(async () => {
    await state.queue.queueClear(base);
    await state.logs.logsRemove(base);
    await state.changes.changesRemove(base);
    await state.rebuilds.forget(base);
    await state.packages.removePackage(base);
  });
}

/** Told about every event and log line once it is stored (the web service feeds its SSE bus from it). */
export type StatusListener = (event: Event) => void;

/**
 * The status of a repository kept in its state database. Listeners hear of writes made inside `batch` only once
 * the batch is committed, so nobody is told about something that was rolled back.
 */
export class LocalStatusClient implements StatusClient {
  private readonly unannounced = new ScopedStorage<Event[]>();

  constructor(
    protected readonly state: RepositoryState,
    private readonly listener?: StatusListener,
  ) {}

  get repositoryId(): RepositoryId {
    return this.state.repositoryId;
  }

  packages(base?: string): Promise<PackageWithStatus[]> {
    return this.state.packages.listPackages(base);
  }

  packageUpdate(record: PackageRecord, status: BuildStatusValue, timestamp?: number): Promise<void> {
    return this.packagesUpdate([record], status, timestamp);
  }

  async packagesUpdate(records: readonly PackageRecord[], status: BuildStatusValue, timestamp = currentUnixTime()): Promise<void> {
    if (records.length === 0) return;
    await this.batch(async () => {
      await this.state.packages.upsertPackages(records);
      await this.state.packages.updateStatuses(
        records.map((record) => record.base),
        status,
        timestamp,
      );
      await this.eventsAdd(
        records.map((record) => makeEvent('package-status-changed', record.base, status, { data: { status, version: record.version }, created: timestamp })),
      );
    });
  }

  async statusUpdate(base: string, status: BuildStatusValue, version: string, note: StatusNote = {}): Promise<void> {
    const timestamp = note.timestamp ?? currentUnixTime();
    await this.batch(async () => {
      await this.state.packages.updateStatus(base, status, timestamp);
      await this.eventAdd(makeEvent('package-status-changed', base, note.message ?? status, { data: { ...note.data, status, version }, created: timestamp }));
    });
  }

  async holdUpdate(base: string, held: boolean, timestamp?: number): Promise<void> {
    await this.batch(async () => {
      await this.state.packages.setHeld(base, held);
      await this.eventAdd(makeEvent('package-held', base, held ? 'held' : 'released', { data: { isHeld: held }, created: timestamp }));
    });
  }

  async packageRemove(base: string, message: string, timestamp?: number): Promise<void> {
    await this.batch(async () => {
      await forgetBase(this.state, base);
      await this.eventAdd(makeEvent('package-removed', base, message, { created: timestamp }));
    });
  }

  async logsAdd(records: readonly LogRecord[]): Promise<void> {
    await this.state.logs.logsInsert(records);
    if (!this.listener) return;
    for (const record of records) {
      this.announce({
        event: 'build-log',
        objectId: record.packageBase,
        message: record.message,
        created: record.created,
        data: { version: record.version, process_id: record.processId },
      });
    }
  }

  async logsRemove(base: string, exceptVersion?: string): Promise<void> {
    await this.state.logs.logsRemove(base, exceptVersion);
  }

  eventAdd(event: Event): Promise<void> {
    return this.eventsAdd([event]);
  }

  async eventsAdd(events: readonly Event[]): Promise<void> {
    await this.state.events.eventsInsert(events);
    for (const event of events) this.announce(event);
  }

  events(filter?: EventFilter): Promise<Event[]> {
    return this.state.events.eventList(filter);
  }

  async batch<T>(work: () => Promise<T>): Promise<T> {
    if (this.unannounced.getStore()) return work();
    const written: Event[] = [];
    const result = await this.unannounced.run(written, () => this.state.database.transaction(work));
    for (const event of written) this.listener?.(event);
    return result;
  }

  async close(): Promise<void> {
    // everything is stored as it happens
  }

  private announce(event: Event): void {
    const pending = this.unannounced.getStore();
    if (pending) pending.push(event);
    else this.listener?.(event);
  }
}
