/**
 * `remote-service` upload (type alias `ahriman`): sends the packages built by a run, with their signatures, to
 * another ahriman's web service (`POST /api/v1/service/upload`, at the `[status]` address, logged in with the
 * `[status]` credentials), whose next update publishes them. Requests are retried with this section's policy.
 */
import { existsSync, openAsBlob } from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import { option } from '../configuration/schema.js';
import { remoteService, ServiceSession } from '../report/remote-call.js';
import { getLogger } from '../log/logger.js';
import type { UploadSource } from './files.js';
import type { UploadRun } from './upload-run.js';

export const remoteServiceSchema = z.object({
  max_retries: z._default(option.integer({ min: 0 }), 0),
  retry_backoff: z._default(option.float({ min: 0 }), 0),
  timeout: z._default(option.integer({ min: 1 }), 30),
});

export type RemoteServiceSettings = z.output<typeof remoteServiceSchema>;

const logger = getLogger('upload');

export async function uploadRemoteService(settings: RemoteServiceSettings, source: UploadSource, run: UploadRun): Promise<void> {
  const built = new Set(run.result.success.map((item) => `${item.base}\u0000${item.version}`));
  const files = run.packages.filter((entry) => built.has(`${entry.base}\u0000${entry.version}`)).map((entry) => path.join(source.paths.repository, entry.fileName));
  if (files.length === 0) return;
  const service = remoteService(run.configuration);
  const session = new ServiceSession({
    ...service,
    policy: { timeoutMs: settings.timeout * 1000, maxRetries: settings.max_retries, retryBackoffSeconds: settings.retry_backoff },
  });
  await session.login();
  const query = new URLSearchParams({ architecture: run.repositoryId.architecture, repository: run.repositoryId.name });
  for (const file of files) {
    const signature = `${file}.sig`;
    const form = new FormData();
    form.append('package', await openAsBlob(file), path.basename(file));
    if (existsSync(signature)) form.append('signature', await openAsBlob(signature), path.basename(signature));
    await session.request('POST', `/api/v1/service/upload?${query}`, form, `upload ${path.basename(file)} to ${service.address}`);
  }
  logger.info(`uploaded ${files.length} package file(s) to ${service.address}`);
}
