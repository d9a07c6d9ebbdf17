import type { RepositoryEntry } from '../alpm/repository-database.js';
import { ConfigurationError, errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';
import type { Result } from '../../models/result.js';
import { loadTriggerFactory } from './loader.js';
import type { Trigger, TriggerContext } from './trigger.js';

const logger = getLogger('triggers');

/**
 * The triggers of one run, loaded once, each call isolated: a trigger that cannot be loaded or whose hook throws is
 * logged as `trigger <name> failed: <reason>`, the others still run, and `failed` tells the command to exit with 1.
 */
export class TriggerRunner {
  private constructor(
    private readonly triggers: readonly Trigger[],
    private anyFailed: boolean,
  ) {}

  /** Loads and creates the triggers `entries` name, in that order (see `loadTriggerFactory`). */
  static async load(context: TriggerContext, entries: readonly string[]): Promise<TriggerRunner> {
    const triggers: Trigger[] = [];
    let failed = false;
    for (const entry of entries) {
      try {
        const factory = await loadTriggerFactory(entry, context.configuration);
        if (factory === undefined) continue;
        const trigger: unknown = await factory.create(context);
        if (typeof trigger !== 'object' || trigger === null) throw new ConfigurationError(`create() of trigger ${factory.name} returned no trigger`);
        triggers.push(trigger as Trigger);
      } catch (error) {
        logger.error(`trigger ${entry} failed: ${errorMessage(error)}`);
        failed = true;
      }
    }
    return new TriggerRunner(triggers, failed);
  }

  /** Whether a trigger failed to load or in one of its hooks. */
  get failed(): boolean {
    return this.anyFailed;
  }

  onStart(): Promise<void> {
    return this.each(this.triggers, (trigger) => trigger.onStart?.());
  }

  onResult(result: Result, packages: readonly RepositoryEntry[]): Promise<void> {
    return this.each(this.triggers, (trigger) => trigger.onResult?.(result, packages));
  }

  onStop(): Promise<void> {
    return this.each([...this.triggers].reverse(), (trigger) => trigger.onStop?.());
  }

  private async each(triggers: readonly Trigger[], call: (trigger: Trigger) => Promise<void> | undefined): Promise<void> {
    for (const trigger of triggers) {
      try {
        await call(trigger);
      } catch (error) {
        logger.error(`trigger ${trigger.name} failed: ${errorMessage(error)}`);
        this.anyFailed = true;
      }
    }
  }
}
