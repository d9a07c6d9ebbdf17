import type { BuildStatusValue } from '../models/build-status.js';
import type { PackageRecord } from '../models/package-record.js';
import type { PackageWithStatus } from '../core/database/operations/packages.js';
import type { StatusNote } from '../core/status/client.js';
import { LocalStatusClient } from '../core/status/local-client.js';

/**
 * The local status client of the web service, keeping the package list of its repository between requests. The list
 * is read again after a write of this process (a generation counter) or of another one, such as a timer or a spawned
 * action (SQLite's `data_version`, which changes when another connection commits).
 */
export class CachedStatusClient extends LocalStatusClient {
  private generation = 0;
  private cached: { generation: number; dataVersion: number; entries: Promise<PackageWithStatus[]> } | undefined;

  override async packages(base?: string): Promise<PackageWithStatus[]> {
    if (base !== undefined) return super.packages(base);
    const generation = this.generation;
    const row = await this.state.database.get<{ data_version: number }>('read the data version', 'PRAGMA data_version');
    const dataVersion = row?.data_version ?? -1;
    if (this.cached?.generation !== generation || this.cached.dataVersion !== dataVersion) {
      const entries = super.packages();
      this.cached = { generation, dataVersion, entries };
      entries.catch(() => (this.cached = undefined));
    }
    // copies: callers sort and slice the list
    return [...(await this.cached.entries)];
  }

  override async packageUpdate(record: PackageRecord, status: BuildStatusValue, timestamp?: number): Promise<void> {
    await this.changed(() => super.packageUpdate(record, status, timestamp));
  }

  override async statusUpdate(base: string, status: BuildStatusValue, version: string, note?: StatusNote): Promise<void> {
    await this.changed(() => super.statusUpdate(base, status, version, note));
  }

  override async holdUpdate(base: string, held: boolean, timestamp?: number): Promise<void> {
    await this.changed(() => super.holdUpdate(base, held, timestamp));
  }

  override async packageRemove(base: string, message: string, timestamp?: number): Promise<void> {
    await this.changed(() => super.packageRemove(base, message, timestamp));
  }

  private async changed(write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } finally {
      this.generation += 1;
    }
  }
}
