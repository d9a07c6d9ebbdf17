import path from 'node:path';
import type { RepositoryId } from '../models/repository-id.js';
import { packageRoot } from './package-root.js';

const CLI_SCRIPT = path.join(packageRoot(), 'dist', 'main.cjs');

/**
 * The argv (for `process.execPath`) of a CLI command run for one repository in a child process, as the web service's
 * actions and the daemon's ticks run: it takes the repository lock itself, waiting up to `waitTimeout` seconds.
 */
export function cliChildArguments(configurationPath: string, repositoryId: RepositoryId, waitTimeout: number, command: readonly string[]): string[] {
  return [
    CLI_SCRIPT,
    '--configuration',
    configurationPath,
    '--repository-id',
    `${repositoryId.architecture}/${repositoryId.name}`,
    '--wait-timeout',
    String(waitTimeout),
    ...command,
  ];
}
