import { AhrimanError, errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';

const logger = getLogger('triggers');

/**
 * Runs `action` for every target of a trigger (`family`: `report`, `upload`, `remote-pull`...), each even when an
 * earlier one failed: every failure is logged with its reason, then one error names them all, so the command's exit
 * code says so and nothing is hidden.
 */
export async function runTargets<T>(family: string, targets: readonly T[], name: (target: T) => string, action: (target: T) => Promise<void>): Promise<void> {
  const failures: string[] = [];
  for (const target of targets) {
    const started = performance.now();
    try {
      await action(target);
      logger.info(`${family} target ${name(target)} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      logger.error(`${family} target ${name(target)} failed: ${errorMessage(error)}`);
      failures.push(`${name(target)} (${errorMessage(error)})`);
    }
  }
  if (failures.length > 0) throw new TargetsError(`${family} target(s) failed: ${failures.join('; ')}`);
}

/** Some targets of a trigger failed; the message names each with its reason. */
export class TargetsError extends AhrimanError {}
