import { run } from '../core/process.js';
import { getLogger } from '../core/log/logger.js';
import type { RepositoryId } from '../models/repository-id.js';
import { FANOUT_VARIABLE } from './repositories.js';

const logger = getLogger('fanout');

/**
 * Runs the same command line once per repository, each in its own process and all at once (each child holds its
 * own repository's lock, loads its own configuration and database connection). Exit code 0 only if all succeed.
 */
export async function runPerRepository(repositories: RepositoryId[], rawArguments: string[]): Promise<number> {
  const script = process.argv[1];
  if (!script) throw new Error('cannot determine the path of the running program');
  const codes = await Promise.all(
    repositories.map(async (id) => {
      const result = await run(process.execPath, [script, ...rawArguments], {
        passthrough: true,
        allowFailure: true,
        env: { [FANOUT_VARIABLE]: id.id },
      });
      if (result.code !== 0) logger.error(`${id.id}: command failed with exit code ${result.code}`);
      return result.code;
    }),
  );
  return codes.every((code) => code === 0) ? 0 : 1;
}
