/**
 * What every report type shares: the error it fails with, and how a type is declared (the schema of its section and
 * the function that renders and delivers the report).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type * as z from 'zod/mini';
import type { RepositoryEntry } from '../alpm/repository-database.js';
import type { SectionSchema } from '../configuration/schema.js';
import { readSection } from '../configuration/validator.js';
import { writeFileAtomic } from '../atomic-file.js';
import { AhrimanError, errorMessage } from '../errors.js';
import type { TriggerContext } from '../triggers/trigger.js';
import type { Result } from '../../models/result.js';

/** A report could not be rendered or delivered (mail server refused, Telegram said no, file not writable...). */
export class ReportError extends AhrimanError {}

/** A report target being run: the trigger's context plus the section that configures the target. */
export interface ReportEnvironment extends TriggerContext {
  section: string;
}

export interface ReportType {
  /** The options of sections of this type, for validation. */
  readonly schema: SectionSchema;
  /** Reads the section's options, renders the report for this run and delivers it. */
  generate(environment: ReportEnvironment, result: Result, packages: readonly RepositoryEntry[]): Promise<void>;
}

/** A report type whose generator receives the section's options already parsed (with defaults) by `schema`. */
export function defineReportType<S extends SectionSchema>(
  schema: S,
  generate: (options: z.output<S>, environment: ReportEnvironment, result: Result, packages: readonly RepositoryEntry[]) => Promise<void>,
): ReportType {
  return {
    schema,
    generate: (environment, result, packages) =>
      generate(readSection(environment.configuration, environment.section, schema), environment, result, packages),
  };
}

/** Writes a rendered report to `file` (creating its directory) so that a web server never serves half of it. */
export async function publishFile(file: string, content: string): Promise<void> {
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, content);
  } catch (error) {
    throw new ReportError(`cannot write ${file}: ${errorMessage(error)}`, { cause: error });
  }
}
