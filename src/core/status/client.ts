import type { BuildStatusValue } from '../../models/build-status.js';
import type { Event } from '../../models/event.js';
import type { LogRecord } from '../../models/log-record.js';
import type { PackageRecord } from '../../models/package-record.js';
import type { RepositoryId } from '../../models/repository-id.js';
import type { EventFilter } from '../database/operations/events.js';
import type { PackageWithStatus } from '../database/operations/packages.js';

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
  /** Creates or replaces a base and sets its status, recording a `package-status-changed` event. */
  packageUpdate(record: PackageRecord, status: BuildStatusValue): Promise<void>;
  /** Sets the status of a known base (of `version`), recording a `package-status-changed` event. */
  statusUpdate(base: string, status: BuildStatusValue, version: string): Promise<void>;
  /** Holds or releases a known base, recording a `package-held` event. */
  holdUpdate(base: string, held: boolean): Promise<void>;
  /** Forgets a base: its record, status, build logs and changes (patches are shared and stay). */
  packageRemove(base: string): Promise<void>;
  logsAdd(records: readonly LogRecord[]): Promise<void>;
  eventAdd(event: Event): Promise<void>;
  events(filter?: EventFilter): Promise<Event[]>;
  /** Runs several writes as one unit where the backend can (a transaction locally). */
  batch<T>(work: () => Promise<T>): Promise<T>;
}
