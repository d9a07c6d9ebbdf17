import type { Configuration } from '../configuration/configuration.js';
import { coreSchemas } from '../configuration/schema.js';
import { readSection } from '../configuration/validator.js';

export interface SnapshotSettings {
  /** Whether each publish that changes the repository makes a snapshot. */
  enabled: boolean;
  /** The newest snapshots kept by purges whatever their age. */
  keep: number;
  /** Age in days beyond which housekeeping purges unpointed snapshots (0: any age beyond `keep`). */
  olderThanDays: number;
  /** User-defined pointers (`testing`, `stable`), besides `current` and `consistent`. */
  pointers: string[];
  /** The jobs whose passing votes move each user-defined pointer (`promote_<pointer>`). */
  promotions: Map<string, string[]>;
}

export function readSnapshotSettings(configuration: Configuration): SnapshotSettings {
  const { enabled, keep, older_than: olderThanDays, pointers, ...rules } = readSection(configuration, 'snapshots', coreSchemas.snapshots);
  const promotions = new Map(Object.entries(rules).map(([key, jobs]) => [key.slice('promote_'.length), jobs]));
  return { enabled, keep, olderThanDays, pointers, promotions };
}
