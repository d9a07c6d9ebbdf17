/**
 * What travels through the queue: a build job (coordinator -> worker) and its outcome (worker -> coordinator). Both
 * are plain data checked with zod on the side that receives them: names, versions and URLs are validated, nothing
 * in them is ever run as a shell string.
 */
import * as z from 'zod/mini';
import { PACKAGE_SOURCES } from '../../models/package-source.js';
import { isValidPackageName, parsePackageFileName, validateArchitecture, validateFullVersion } from '../alpm/validation.js';
import { InvalidInputError } from '../errors.js';
import '../schema-messages.js';

const packageName = z.string().check(z.refine(isValidPackageName, 'not a valid package name'));
const fullVersion = z.string().check(z.refine((text) => valid(() => validateFullVersion(text)), 'not a valid [epoch:]pkgver-pkgrel'));
const architecture = z.string().check(z.refine((text) => valid(() => validateArchitecture(text)), 'not a valid architecture'));
const gitUrl = z.string().check(z.refine((text) => valid(() => new URL(text)) && /^(https?|git|ssh|file):$/.test(new URL(text).protocol), 'expected an http(s), git, ssh or file URL'));

function valid(check: () => unknown): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}

export const buildJobSchema = z.object({
  repository: z.object({ architecture, name: packageName }),
  run: z.uuid(),
  base: packageName,
  /** The version the archives must have: the sources' version, with the pkgrel bump of this run when any. */
  version: fullVersion,
  /** Names of the packages the base may produce (its `-debug` package is allowed on top). */
  packages: z.array(packageName).check(z.minLength(1)),
  packager: z.string().check(z.refine((text) => ![...text].some((character) => character < ' ' || character === '\u007f'), 'control characters are not allowed')),
  remote: z.object({
    source: z.enum(PACKAGE_SOURCES),
    gitUrl: z.nullable(gitUrl),
    webUrl: z.nullable(z.string()),
    path: z.nullable(z.string()),
    branch: z.nullable(z.string().check(z.regex(/^[A-Za-z0-9._/-]+$/, 'not a valid branch name'))),
  }),
  /** PKGBUILD variable overrides (`key` set) and diffs (`key` null), applied by the worker as local builds do. */
  patches: z.array(z.object({ key: z.nullable(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*(\(\))?$/, 'not a PKGBUILD variable'))), value: z.string() })),
  /** Earlier levels of the run are in its staging repository, which the worker's build environment may install from. */
  staged: z._default(z.boolean(), false),
});
export type BuildJob = z.infer<typeof buildJobSchema>;

export const builtArchiveSchema = z.object({
  // a plain name (parsePackageFileName refuses paths): the coordinator joins it to the job's staging directory
  file: z.string().check(z.refine((name) => valid(() => parsePackageFileName(name)), 'not a package file name')),
  name: packageName,
  version: fullVersion,
  architecture,
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/, 'not a sha256 digest')),
});
export type BuiltArchive = z.infer<typeof builtArchiveSchema>;

export const buildOutcomeSchema = z.object({
  worker: z.string().check(z.minLength(1), z.maxLength(200)),
  archives: z.array(builtArchiveSchema).check(z.minLength(1)),
  /** Seconds the build took on the worker. */
  duration: z.number().check(z.nonnegative()),
});
export type BuildOutcome = z.infer<typeof buildOutcomeSchema>;

/** Parses what came through the queue; `what` names it in the one-line error. */
export function parsePayload<S extends z.ZodMiniType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new InvalidInputError(`invalid ${what}: ${issue.path.join('.') || 'value'}: ${issue.message}`);
}

/** One queue per architecture: a worker pulls only the jobs it can build. */
export function queueName(architecture: string): string {
  return `build-${architecture}`;
}

/** The same package base at the same version in the same run is the same job: adding it again changes nothing. */
export function jobId(job: Pick<BuildJob, 'repository' | 'base' | 'version' | 'run'>): string {
  // BullMQ keys use ':' as separator, which may appear in an epoch
  return [job.repository.name, job.repository.architecture, job.base, job.version, job.run].map(encodeURIComponent).join('/');
}
