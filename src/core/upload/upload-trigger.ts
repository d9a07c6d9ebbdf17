/**
 * The upload trigger (the reference's `ahriman.core.upload.UploadTrigger`): after every run, mirrors the repository
 * to each `[upload] target`. A target's section (`typedSection`) has a type: `rsync`, `s3`, `github` or
 * `remote-service` (alias `ahriman`). Every target runs even when an earlier one failed; the failures are logged
 * with their reasons and the trigger then fails naming them, so the command's exit code says so. A target that
 * failed is brought up to date by the next run, since each one compares the mirror with the repository.
 */
import type { z } from 'zod';
import type { Result } from '../../models/result.js';
import type { RepositoryId } from '../../models/repository-id.js';
import type { RepositoryEntry } from '../alpm/repository-database.js';
import type { Configuration } from '../configuration/configuration.js';
import type { SectionSchema } from '../configuration/schema.js';
import { readSection } from '../configuration/validator.js';
import { AhrimanError, ConfigurationError, errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';
import type { Trigger, TriggerContext, TriggerFactory } from '../triggers/trigger.js';
import { UploadSource } from './files.js';
import { githubSchema, uploadGitHub } from './github.js';
import { remoteServiceSchema, uploadRemoteService } from './remote-service.js';
import { rsyncSchema, uploadRsync } from './rsync.js';
import { s3Schema, uploadS3 } from './s3.js';

/** What the run did, for targets that send only its packages (remote-service). */
export interface UploadRun {
  configuration: Configuration;
  repositoryId: RepositoryId;
  result: Result;
  packages: readonly RepositoryEntry[];
}

interface UploadType<S extends SectionSchema> {
  schema: S;
  upload(settings: z.output<S>, source: UploadSource, run: UploadRun): Promise<void>;
}

function uploadType<S extends SectionSchema>(schema: S, upload: UploadType<S>['upload']): UploadType<S> {
  return { schema, upload };
}

const UPLOAD_TYPES: Readonly<Record<string, UploadType<SectionSchema>>> = {
  rsync: uploadType(rsyncSchema, uploadRsync),
  s3: uploadType(s3Schema, uploadS3),
  github: uploadType(githubSchema, uploadGitHub),
  'remote-service': uploadType(remoteServiceSchema, uploadRemoteService),
  ahriman: uploadType(remoteServiceSchema, uploadRemoteService),
};

const logger = getLogger('upload');

async function uploadTarget(run: UploadRun, source: UploadSource, target: string): Promise<void> {
  const { configuration } = run;
  const { section, type } = configuration.typedSection(target);
  const uploader = UPLOAD_TYPES[type];
  if (uploader === undefined) {
    throw new ConfigurationError(`[${section}]: unknown upload type '${type}', expected one of: ${Object.keys(UPLOAD_TYPES).join(', ')}`);
  }
  await uploader.upload(readSection(configuration, section, uploader.schema), source, run);
}

class UploadTrigger implements Trigger {
  readonly name = uploadTrigger.name;

  constructor(private readonly context: TriggerContext) {}

  async onResult(result: Result, packages: readonly RepositoryEntry[]): Promise<void> {
    const { configuration, paths, repositoryId } = this.context;
    const run: UploadRun = { configuration, repositoryId, result, packages };
    const source = new UploadSource(paths);
    const failed: string[] = [];
    for (const target of configuration.getList('upload', 'target', [])) {
      const started = Date.now();
      try {
        await uploadTarget(run, source, target);
        logger.info(`upload target ${target} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      } catch (error) {
        logger.error(`upload target ${target} failed: ${errorMessage(error)}`);
        failed.push(target);
      }
    }
    if (failed.length > 0) throw new AhrimanError(`upload failed for target(s): ${failed.join(', ')}`);
  }
}

export const uploadTrigger: TriggerFactory = {
  name: 'upload',
  configurationSchemas: Object.fromEntries(Object.entries(UPLOAD_TYPES).map(([type, { schema }]) => [type, schema])),
  create: (context) => new UploadTrigger(context),
};
