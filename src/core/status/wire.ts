import * as z from 'zod/mini';
import { BUILD_STATUS_VALUES, type BuildStatus } from '../../models/build-status.js';
import { EVENT_TYPES, type Event } from '../../models/event.js';
import type { LogRecord } from '../../models/log-record.js';
import type { PackageDescription, PackageRecord } from '../../models/package-record.js';
import { PACKAGE_SOURCES } from '../../models/package-source.js';
import type { RepositoryId } from '../../models/repository-id.js';
import type { PackageWithStatus } from '../database/operations/packages.js';

/*
 * The JSON of the web API (reference §6.2): snake_case field names as the reference's clients send and expect them,
 * with the conversions from and to the models. Shared by the web service and its client.
 */

const nullableString = z._default(z.nullable(z.string()), null);
const nullableNumber = z._default(z.nullable(z.number()), null);
const names = z._default(z.array(z.string()), []);

export const packageDescriptionSchema = z.object({
  architecture: nullableString,
  archive_size: nullableNumber,
  build_date: nullableNumber,
  depends: names,
  make_depends: names,
  opt_depends: names,
  check_depends: names,
  description: nullableString,
  filename: nullableString,
  groups: names,
  installed_size: nullableNumber,
  licenses: names,
  provides: names,
  url: nullableString,
});

export const packageSchema = z.object({
  base: z.string().check(z.minLength(1)),
  version: z.string().check(z.minLength(1)),
  packager: nullableString,
  remote: z._default(
    z.object({
      source: z._default(z.enum(PACKAGE_SOURCES), 'auto'),
      git_url: nullableString,
      web_url: nullableString,
      path: nullableString,
      branch: nullableString,
    }),
    { source: 'auto', git_url: null, web_url: null, path: null, branch: null },
  ),
  packages: z._default(z.record(z.string(), packageDescriptionSchema), {}),
});
export type PackageJson = z.infer<typeof packageSchema>;

export const statusSchema = z.object({
  status: z.enum(BUILD_STATUS_VALUES),
  timestamp: z.int(),
  is_held: z.optional(z.boolean()),
});

export const repositorySchema = z.object({ architecture: z.string(), repository: z.string() });

export const packageStatusSchema = z.object({ package: packageSchema, status: statusSchema, repository: repositorySchema });

export const eventSchema = z.object({
  event: z.enum(EVENT_TYPES),
  object_id: z._default(z.nullable(z.string()), null),
  message: z._default(z.nullable(z.string()), null),
  created: z.optional(z.int()),
  data: z._default(z.record(z.string(), z.unknown()), {}),
});

/** An event as the service lists it: every field present, the time of creation included. */
export const listedEventSchema = z.required(eventSchema);

export const logRecordSchema = z.object({
  created: z.number(),
  message: z.string(),
  version: z.string().check(z.minLength(1)),
  process_id: z.string().check(z.minLength(1)),
});

export function repositoryJson(id: RepositoryId): z.infer<typeof repositorySchema> {
  return { architecture: id.architecture, repository: id.name };
}

function descriptionJson(description: PackageDescription): z.infer<typeof packageDescriptionSchema> {
  return {
    architecture: description.architecture,
    archive_size: description.archiveSize,
    build_date: description.buildDate,
    depends: description.depends,
    make_depends: description.makeDepends,
    opt_depends: description.optDepends,
    check_depends: description.checkDepends,
    description: description.description,
    filename: description.filename,
    groups: description.groups,
    installed_size: description.installedSize,
    licenses: description.licenses,
    provides: description.provides,
    url: description.url,
  };
}

export function packageJson(record: PackageRecord): PackageJson {
  const { remote } = record;
  return {
    base: record.base,
    version: record.version,
    packager: record.packager,
    remote: { source: remote.source, git_url: remote.gitUrl, web_url: remote.webUrl, path: remote.path, branch: remote.branch },
    packages: Object.fromEntries(Object.entries(record.packages).map(([name, description]) => [name, descriptionJson(description)])),
  };
}

export function packageFromJson(json: PackageJson): PackageRecord {
  const { remote } = json;
  return {
    base: json.base,
    version: json.version,
    packager: json.packager,
    remote: { source: remote.source, gitUrl: remote.git_url, webUrl: remote.web_url, path: remote.path, branch: remote.branch },
    packages: Object.fromEntries(
      Object.entries(json.packages).map(([name, description]) => [
        name,
        {
          architecture: description.architecture,
          archiveSize: description.archive_size,
          buildDate: description.build_date,
          depends: description.depends,
          makeDepends: description.make_depends,
          optDepends: description.opt_depends,
          checkDepends: description.check_depends,
          description: description.description,
          filename: description.filename,
          groups: description.groups,
          installedSize: description.installed_size,
          licenses: description.licenses,
          provides: description.provides,
          url: description.url,
        },
      ]),
    ),
  };
}

export function statusJson(status: BuildStatus): z.infer<typeof statusSchema> {
  return { status: status.status, timestamp: status.timestamp, is_held: status.isHeld };
}

export function packageStatusJson(entry: PackageWithStatus, repository: RepositoryId): z.infer<typeof packageStatusSchema> {
  return { package: packageJson(entry.package), status: statusJson(entry.status), repository: repositoryJson(repository) };
}

export function eventJson(event: Event): z.infer<typeof eventSchema> & { created: number } {
  return { event: event.event, object_id: event.objectId, message: event.message, created: event.created, data: event.data };
}

export function logRecordJson(record: LogRecord): z.infer<typeof logRecordSchema> {
  return { created: record.created, message: record.message, version: record.version, process_id: record.processId };
}
