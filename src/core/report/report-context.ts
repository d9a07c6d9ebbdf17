/**
 * The variables report templates see (the reference's names, so its templates port over line by line):
 * `repository`, `architecture`, `homepage`, `link_path`, `rss_url`, `last_update`, `pgp_key`, `has_package_signed`,
 * `has_repo_signed` and `packages`, one entry per package name sorted by file name (see {@link PackageView}). The
 * mail and Telegram reports add `promoted` (snapshot pointers the run moved: pointer, snapshot, previous, jobs), the
 * html report `snapshots` and `pointers`.
 */
import * as z from 'zod/mini';
import type { RepositoryEntry } from '../alpm/repository-database.js';
import type { Configuration } from '../configuration/configuration.js';
import { option } from '../configuration/schema.js';
import { formatRfc2822, formatTimestamp } from '../format/date.js';
import { humanSize } from '../format/size.js';
import { normalizeKeyReference, parseSignTargets } from '../sign/sign-settings.js';
import type { ReportEnvironment } from './report.js';
import { TemplateRenderer } from './templates.js';

export interface PackageView {
  name: string;
  /** Base name of the archive; `link_path/filename` downloads it. */
  filename: string;
  version: string;
  architecture: string;
  /** Human readable sizes (`1.5 MiB`) and the same in bytes. */
  archive_size: string;
  archive_bytes: number;
  installed_size: string;
  installed_bytes: number;
  /** Formatted build date (UTC), and the same as unix seconds. */
  build_date: string;
  build_timestamp: number;
  depends: string[];
  description: string;
  groups: string[];
  licenses: string[];
  /** Upstream URL; empty unless it is an http(s) URL, so a template can link it safely. */
  url: string;
  /** Whether the package has a detached signature (`filename.sig` is served next to it). */
  signed: boolean;
  /** `tag:<repo>:<arch>:<name>:<version>:<build date>`, a stable id (RSS guid). */
  tag: string;
}

export interface RenderingContext {
  repository: string;
  architecture: string;
  homepage: string | undefined;
  link_path: string;
  rss_url: string | undefined;
  last_update: string;
  pgp_key: string | undefined;
  has_package_signed: boolean;
  has_repo_signed: boolean;
  packages: PackageView[];
}

/** Options of every templated report type. */
export const templateOptions = {
  homepage: z.optional(option.url()),
  link_path: option.url(),
  rss_url: z.optional(option.url()),
  template: z.optional(option.string()),
  /** The reference's older spelling of `template`: a path. */
  template_path: z.optional(option.path()),
  /** Directories searched for templates before the built-in ones. */
  templates: z._default(option.pathList(), []),
};

export type TemplateOptions = z.output<z.ZodMiniObject<typeof templateOptions>>;

/** How dates are printed: `2024-05-01 12:00:00` (UTC) for pages and mails, RFC 2822 for RSS. */
export type DateStyle = 'plain' | 'rfc2822';

/** A date in the style of `style`. */
function formatDate(unixSeconds: number, style: DateStyle): string {
  return style === 'rfc2822' ? formatRfc2822(unixSeconds) : formatTimestamp(unixSeconds);
}

function isWebUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

export function packageView(entry: RepositoryEntry, repository: string, style: DateStyle): PackageView {
  return {
    name: entry.name,
    filename: entry.fileName,
    version: entry.version,
    architecture: entry.architecture,
    archive_size: humanSize(entry.compressedSize),
    archive_bytes: entry.compressedSize,
    installed_size: humanSize(entry.installedSize),
    installed_bytes: entry.installedSize,
    build_date: formatDate(entry.buildDate, style),
    build_timestamp: entry.buildDate,
    depends: [...entry.depends].sort(),
    description: entry.description,
    groups: [...entry.groups].sort(),
    licenses: [...entry.licenses].sort(),
    url: isWebUrl(entry.url) ? entry.url : '',
    signed: entry.pgpSignature !== '',
    tag: `tag:${repository}:${entry.architecture}:${entry.name}:${entry.version}:${entry.buildDate}`,
  };
}

function byFileName(left: RepositoryEntry, right: RepositoryEntry): number {
  return left.fileName < right.fileName ? -1 : left.fileName > right.fileName ? 1 : 0;
}

/** What `[sign]` says about the repository, for the install instructions of the page. */
function signingFacts(configuration: Configuration): Pick<RenderingContext, 'pgp_key' | 'has_package_signed' | 'has_repo_signed'> {
  const targets = parseSignTargets(configuration.getList('sign', 'target', [] as string[]));
  const key = configuration.get('sign', 'key');
  return {
    pgp_key: key === undefined ? undefined : normalizeKeyReference(key),
    has_package_signed: targets.packages,
    has_repo_signed: targets.repository,
  };
}

/** The variables for rendering `entries` (sorted by file name here) in the report configured by `environment`. */
export function renderingContext(
  environment: ReportEnvironment,
  options: TemplateOptions,
  entries: readonly RepositoryEntry[],
  style: DateStyle = 'plain',
): RenderingContext {
  const { name, architecture } = environment.repositoryId;
  return {
    repository: name,
    architecture,
    homepage: options.homepage,
    link_path: options.link_path.replace(/\/+$/, ''),
    rss_url: options.rss_url,
    last_update: formatDate(Date.now() / 1000, style),
    ...signingFacts(environment.configuration),
    packages: [...entries].sort(byFileName).map((entry) => packageView(entry, name, style)),
  };
}

/**
 * The template a section names in `key` (`template`, `template_full`), else in the reference's legacy path option
 * (`template_path`, `full_template_path`), else `fallback`.
 */
export function chosenTemplate(environment: ReportEnvironment, key: string, legacyKey: string, fallback: string): string;
export function chosenTemplate(environment: ReportEnvironment, key: string, legacyKey: string): string | undefined;
export function chosenTemplate(environment: ReportEnvironment, key: string, legacyKey: string, fallback?: string): string | undefined {
  const { configuration, section } = environment;
  if (configuration.has(section, key)) return configuration.getString(section, key);
  return configuration.getPath(section, legacyKey, fallback);
}

/** A renderer that searches the section's `templates` directories (resolved like every path) first. */
export function templateRenderer(environment: ReportEnvironment): TemplateRenderer {
  return new TemplateRenderer(environment.configuration.getPathList(environment.section, 'templates', [] as string[]));
}

/** The repository's entries whose base was built in this run. */
export function builtEntries(entries: readonly RepositoryEntry[], bases: ReadonlySet<string>): RepositoryEntry[] {
  return entries.filter((entry) => bases.has(entry.base));
}
