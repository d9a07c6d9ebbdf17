/**
 * Error types shared by every layer. Each carries a message that names what was wrong, so the CLI can print it
 * as a one-line reason without a stack trace.
 */
import { AhrimanError } from '../models/errors.js';

export { AhrimanError, InvalidInputError } from '../models/errors.js';

/** A configuration file or option is malformed or invalid. */
export class ConfigurationError extends AhrimanError {}

/** A subprocess exited with a non-zero code or could not be started. */
export class ProcessError extends AhrimanError {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** The repository lock is held by another process and we were told not to wait (or waited long enough). */
export class LockedError extends AhrimanError {}

/** A database migration or query failed. */
export class DatabaseError extends AhrimanError {}

/** The command was run by a user that does not own the repository root. */
export class UnsafeRunError extends AhrimanError {}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
