import { AhrimanError } from '../core/errors.js';

/** An error with the HTTP status it answers with. */
export class HttpError extends AhrimanError {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export class NotFoundError extends HttpError {
  constructor(message: string) {
    super(404, message);
  }
}
