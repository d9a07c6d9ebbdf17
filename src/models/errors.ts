/**
 * The error types models themselves throw. They live here so models import nothing outside models;
 * `core/errors.ts` re-exports them next to the error types of the other layers.
 */
export class AhrimanError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input (a package name, version, archive, PKGBUILD, database) violates the rules it must follow. */
export class InvalidInputError extends AhrimanError {}
