import { purgeSnapshots } from '../snapshots/purge.js';
import { readSnapshotSettings } from '../snapshots/settings.js';
import { SnapshotStore } from '../snapshots/store.js';
import type { TriggerFactory } from '../triggers/trigger.js';

/** After every run, with `[snapshots] enabled`: purges unpointed snapshots beyond `keep` and older than `older_than` days. */
export const snapshotPurgeTrigger: TriggerFactory = {
  name: 'snapshot-purge',
  create({ configuration, paths, state }) {
    const settings = readSnapshotSettings(configuration);
    return {
      name: 'snapshot-purge',
      async onResult() {
        if (!settings.enabled) return;
        await purgeSnapshots(paths, new SnapshotStore(paths), state, { keep: settings.keep, olderThanDays: settings.olderThanDays, dryRun: false });
      },
    };
  },
};
