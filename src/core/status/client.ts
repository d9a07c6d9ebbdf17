import type { BuildStatusValue } from '../../models/build-status.js';
import type { Event } from '../../models/event.js';
import type { LogRecord } from '../../models/log-record.js';
import type { PackageRecord } from '../../models/package-record.js';
import type { RepositoryId } from '../../models/repository-id.js';
import type { EventFilter } from '../database/operations/events.js';
import type { PackageWithStatus } from '../database/operations/packages.js';

/** What the event of a status change says besides the status and version: why (its message) and more data. */
export interface StatusNote {
  /** The event's message; the status when left out. */
  message?: string;
  data?: Record<string, unknown>;
  /**
   * When the change happened (unix seconds); now when left out. A report sent later (a web service answering after
   * a while, or only on the next run) keeps its time, so its event sorts among the others where it happened.
   */
  timestamp?: number;
}

/**
 * Where the statuses, logs and audit events of one repository are kept. Every operation maps to one call of the
 * web API (reference §6.2), so the same interface is implemented by the local database and by a client of a
 * running web service (`[status] address`). Status and hold changes record their audit event where they are
 * stored, as the reference's web service does, so a change reported over the API is recorded once.
 */
export interface StatusClient {
  readonly repositoryId: RepositoryId;
  /** Every known base with its status, or only `base`. */
  packages(base?: string): Promise<PackageWithStatus[]>;
  /**
   * Creates or replaces a base and sets its status, recording a `package-status-changed` event, at `timestamp` (unix
   * seconds; now when left out, see {@link StatusNote.timestamp}).
   */
  packageUpdate(record: PackageRecord, status: BuildStatusValue, timestamp?: number): Promise<void>;
  /** {@link packageUpdate} of many bases at once (a publish of thousands stays a few statements locally). */
  packagesUpdate(records: readonly PackageRecord[], status: BuildStatusValue, timestamp?: number): Promise<void>;
  /**
   * Sets the status of a known base (of `version`), recording one `package-status-changed` event with the status,
   * the version and what `note` adds.
   */
  statusUpdate(base: string, status: BuildStatusValue, version: string, note?: StatusNote): Promise<void>;
  /** Holds or releases a known base, recording a `package-held` event (at `timestamp`, or now). */
  holdUpdate(base: string, held: boolean, timestamp?: number): Promise<void>;
  /**
   * Forgets a base (its record, status, queued build, build logs and changes; patches are shared and stay), recording
   * a `package-removed` event (at `timestamp`, or now). Forgetting an unknown base only records the event, so a
   * repeated request is harmless.
   */
  packageRemove(base: string, message: string, timestamp?: number): Promise<void>;
  logsAdd(records: readonly LogRecord[]): Promise<void>;
  /** Drops the build logs of `base`, except those of `exceptVersion` when given. */
  logsRemove(base: string, exceptVersion?: string): Promise<void>;
  eventAdd(event: Event): Promise<void>;
  eventsAdd(events: readonly Event[]): Promise<void>;
  events(filter?: EventFilter): Promise<Event[]>;
  /**
   * Runs `work` in one transaction of the state database: writes of this client join it, and so does anything else
   * `work` writes to the state (the publish path closes its journal in it). What it reports is announced or sent only
   * once it is committed.
   */
  batch<T>(work: () => Promise<T>): Promise<T>;
  /** Ends the run's reporting: whatever could not be delivered yet is tried once more (and kept when it fails). */
  close(): Promise<void>;
}
