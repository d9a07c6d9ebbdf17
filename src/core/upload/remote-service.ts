/**
 * `remote-service` upload (type alias `ahriman`): sends the packages of a run to another ahriman's web service,
 * at the `[status]` address. The options are the reference's and validated already; the upload itself needs the web
 * service, which this version does not have yet.
 */
import { z } from 'zod';
import { option } from '../configuration/schema.js';
import { AhrimanError } from '../errors.js';

export const remoteServiceSchema = z.object({
  max_retries: option.integer({ min: 0 }).default(0),
  retry_backoff: option.float({ min: 0 }).default(0),
  timeout: option.integer({ min: 1 }).default(30),
});

export type RemoteServiceSettings = z.output<typeof remoteServiceSchema>;

export function uploadRemoteService(_settings: RemoteServiceSettings): Promise<void> {
  return Promise.reject(
    new AhrimanError('upload type remote-service needs a running ahriman web service to send packages to, and this version has no web service yet'),
  );
}
