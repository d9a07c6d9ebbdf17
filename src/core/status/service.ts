import { BUILD_STATUS_VALUES, type BuildStatus, type BuildStatusValue } from '../../models/build-status.js';
import type { Event, EventType } from '../../models/event.js';
import type { PackageRecord } from '../../models/package-record.js';
import { validatePackageName } from '../alpm/validation.js';
import type { PackageWithStatus } from '../database/operations/packages.js';
import { currentUnixTime } from '../database/operations/time.js';
import { InvalidInputError } from '../errors.js';
import type { StatusClient, StatusNote } from './client.js';
import { type EventDetails, makeEvent } from './event.js';

/**
 * The one place that changes package statuses, holds and the audit log of a repository. Whatever the caller (a
 * handler, the build executor, a web route, a remote worker), every change is written with its audit event through
 * the same client, so the web service and the local database see the same history.
 */
export class StatusService {
  constructor(readonly client: StatusClient) {}

  /** Records one audit event. */
  async event(type: EventType, objectId: string | null, message: string | null, details: EventDetails = {}): Promise<Event> {
    const event = makeEvent(type, objectId, message, details);
    await this.client.eventAdd(event);
    return event;
  }

  /**
   * The records of the named bases, in the order given (duplicates dropped). Each name is checked against pacman's
   * rules first, and every unknown name is reported in one error.
   */
  async knownPackages(bases: readonly string[]): Promise<PackageWithStatus[]> {
    const wanted = [...new Set(bases)];
    for (const base of wanted) validatePackageName(base, 'package base');
    const known = new Map((await this.client.packages()).map((entry) => [entry.package.base, entry]));
    const unknown = wanted.filter((base) => !known.has(base));
    if (unknown.length > 0) {
      const names = unknown.map((base) => `'${base}'`).join(', ');
      throw new InvalidInputError(`unknown package base${unknown.length > 1 ? 's' : ''} ${names} in repository ${this.client.repositoryId.id}`);
    }
    return wanted.map((base) => known.get(base)!);
  }

  /**
   * Sets the status of the named bases, all or none, each with one event: of the version known (or `change.version`,
   * a build of another one), saying what `change` adds.
   */
  async setStatus(bases: readonly string[], status: BuildStatusValue, change: StatusNote & { version?: string } = {}): Promise<PackageWithStatus[]> {
    const packages = await this.knownPackages(bases);
    const { version, ...note } = change;
    await this.client.batch(async () => {
      for (const { package: record } of packages) {
        await this.client.statusUpdate(record.base, status, version ?? record.version, note);
      }
    });
    return packages;
  }

  /** Creates or replaces a base with its status (the web API's full package update). */
  async updatePackage(record: PackageRecord, status: BuildStatusValue, timestamp?: number): Promise<void> {
    await this.client.packageUpdate(record, status, timestamp);
  }

  /** Holds or releases the named bases, all or none (at `timestamp`, or now). */
  async setHeld(bases: readonly string[], held: boolean, timestamp?: number): Promise<PackageWithStatus[]> {
    const packages = await this.knownPackages(bases);
    await this.client.batch(async () => {
      for (const { package: record } of packages) {
        await this.client.holdUpdate(record.base, held, timestamp);
      }
    });
    return packages;
  }

  /** Forgets the named bases (record, status, queued build, logs, changes); built files are not touched. */
  async forget(bases: readonly string[]): Promise<PackageWithStatus[]> {
    const packages = await this.knownPackages(bases);
    await this.client.batch(async () => {
      for (const { package: record } of packages) await this.client.packageRemove(record.base, 'forgotten');
    });
    return packages;
  }

  /**
   * Forgets a base whose files left the repository, recording why (at `timestamp`, or now); nothing but the event
   * for an unknown base.
   */
  async removed(base: string, message = 'removed from the repository', timestamp?: number): Promise<void> {
    await this.client.packageRemove(base, message, timestamp);
  }

  /** A build of `record` starts (the record is sent along, so a service that has not heard of the base learns it). */
  async building(record: PackageRecord): Promise<void> {
    await this.client.packageUpdate(record, 'building');
  }

  /**
   * A step of a build done elsewhere (a distributed job): `message` says where (`building on worker-2`), `data`
   * names the worker. With `status` the base's status changes as well, recorded by that change's one event; without
   * it the event alone is recorded.
   */
  async remoteStep(base: string, version: string, status: BuildStatusValue | undefined, message: string, data: Record<string, unknown> = {}): Promise<void> {
    if (status === undefined) await this.event('package-status-changed', base, message, { data: { ...data, version } });
    else await this.client.statusUpdate(base, status, version, { message, data });
  }

  /** The build of `version` (or one it waited for) failed; `record` is what the repository knows of the base. */
  async failed(record: PackageRecord, version: string, reason: string): Promise<void> {
    await this.client.batch(async () => {
      await this.client.packageUpdate(record, 'failed');
      await this.event('package-update-failed', record.base, reason, { data: { version } });
    });
  }

  /**
   * What a publish changed: bases now served in a new version (with the build time of those built by this run) and
   * bases that left the repository. Called inside the publish's transaction (`client.batch`), which it joins.
   */
  async published(updated: readonly { record: PackageRecord; duration: number }[], removed: readonly string[]): Promise<void> {
    await this.client.batch(async () => {
      await this.client.packagesUpdate(
        updated.map(({ record }) => record),
        'success',
      );
      // `data.duration`, which repo-statistics reads
      await this.client.eventsAdd(updated.map(({ record, duration }) => makeEvent('package-updated', record.base, `updated to ${record.version}`, { data: { version: record.version, duration } })));
      for (const base of removed) await this.removed(base);
    });
  }

  /** The service's own status is the latest `service-status-changed` event. */
  async serviceStatus(): Promise<Omit<BuildStatus, 'isHeld'>> {
    const [latest] = await this.client.events({ event: 'service-status-changed', limit: 1 });
    return {
      status: BUILD_STATUS_VALUES.find((value) => value === latest?.data.status) ?? 'unknown',
      timestamp: latest?.created ?? currentUnixTime(),
    };
  }

  async setServiceStatus(status: BuildStatusValue): Promise<void> {
    await this.event('service-status-changed', null, status, { data: { status } });
  }
}
