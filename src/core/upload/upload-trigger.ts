/**
 * The upload trigger (the reference's `ahriman.core.upload.UploadTrigger`): after every run, mirrors the repository
 * to each `[upload] target`. A target's section (`typedSection`) has a type: `rsync`, `s3`, `github` or
 * `remote-service` (alias `ahriman`). Every target runs even when an earlier one failed; the failures are logged
 * with their reasons and the trigger then fails naming them, so the command's exit code says so. A target that
 * failed is brought up to date by the next run, since each one compares the mirror with the repository.
 */
import type * as z from 'zod/mini';
import type { Result } from '../../models/result.js';
import type { RepositoryEntry } from '../alpm/repository-database.js';
import type { SectionSchema } from '../configuration/schema.js';
import { readSection } from '../configuration/validator.js';
import { ConfigurationError } from '../errors.js';
import { runTargets } from '../triggers/targets.js';
import type { Trigger, TriggerContext, TriggerFactory } from '../triggers/trigger.js';
import { UploadSource } from './files.js';
import type { UploadRun } from './upload-run.js';
import { githubSchema, uploadGitHub } from './github.js';
import { remoteServiceSchema, uploadRemoteService } from './remote-service.js';
import { rsyncSchema, uploadRsync } from './rsync.js';
import { s3Schema, uploadS3 } from './s3.js';
import { uploadS3Snapshots } from './s3-snapshots.js';

interface UploadType<S extends SectionSchema> {
  schema: S;
  upload(settings: z.output<S>, source: UploadSource, run: UploadRun): Promise<void>;
}

function uploadType<S extends SectionSchema>(schema: S, upload: UploadType<S>['upload']): UploadType<S> {
  return { schema, upload };
}

/** `remote-service` (the reference's alias: `ahriman`) sends the run's packages to another instance's service/upload. */
const remoteService = uploadType(remoteServiceSchema, uploadRemoteService);

const UPLOAD_TYPES: Readonly<Record<string, UploadType<SectionSchema>>> = {
  rsync: uploadType(rsyncSchema, uploadRsync),
  s3: uploadType(s3Schema, async (settings, source) => {
    await uploadS3(settings, source);
    await uploadS3Snapshots(settings, source);
  }),
  github: uploadType(githubSchema, uploadGitHub),
  'remote-service': remoteService,
  ahriman: remoteService,
};

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
    const targets = configuration.getList('upload', 'target', [] as string[]);
    await runTargets('upload', targets, (target) => target, (target) => uploadTarget(run, source, target));
  }
}

export const uploadTrigger: TriggerFactory = {
  name: 'upload',
  configurationSchemas: Object.fromEntries(Object.entries(UPLOAD_TYPES).map(([type, { schema }]) => [type, schema])),
  create: (context) => new UploadTrigger(context),
};
