import type * as z from 'zod/mini';
import type { RepositoryEntry } from '../alpm/repository-database.js';
import type { Configuration } from '../configuration/configuration.js';
import type { OutputSink } from '../output.js';
import type { RepositoryState } from '../repository/state.js';
import type { RepositoryId } from '../../models/repository-id.js';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import type { Result } from '../../models/result.js';

/** What a trigger gets to work with: the repository it runs for, its configuration and state. */
export interface TriggerContext {
  configuration: Configuration;
  repositoryId: RepositoryId;
  paths: RepositoryPaths;
  state: RepositoryState;
  /** Where the command prints (the console report writes its table here); stdout when not given. */
  output?: OutputSink;
}

/**
 * An extension run around every repository-changing command, once per run:
 * - `onStart` before anything else (e.g. pull PKGBUILDs from git);
 * - `onResult` after the repository database was written, with what the run did and every package the repository
 *   now serves (e.g. upload the repository, write reports);
 * - `onStop` at the end, in reverse order of loading.
 * A method that throws is logged with the trigger's name; the other triggers still run and the command's exit code
 * says something failed.
 */
export interface Trigger {
  readonly name: string;
  onStart?(): Promise<void>;
  onResult?(result: Result, packages: readonly RepositoryEntry[]): Promise<void>;
  onStop?(): Promise<void>;
}

/**
 * What a trigger module exports (built-in or third-party): how to make the trigger, and the schemas of the
 * configuration sections it reads, by section type (`html`, `s3`, ...), merged into service-config-validate.
 */
export interface TriggerFactory {
  readonly name: string;
  readonly configurationSchemas?: Readonly<Record<string, z.ZodMiniType>>;
  create(context: TriggerContext): Trigger | Promise<Trigger>;
}
