/**
 * `service-config-validate` renders every template a report section names (`template`, `template_full` and the
 * reference's `template_path`, `full_template_path`) with a sample repository of one package, so that a custom
 * template which cannot be found, compiled or rendered is reported before the first run that needs it.
 */
import type { Configuration } from '../configuration/configuration.js';
import type { Issue } from '../configuration/validator.js';
import { errorMessage } from '../errors.js';
import { formatTimestamp } from '../format/date.js';
import { humanSize } from '../format/size.js';
import type { PackageView, RenderingContext } from './report-context.js';
import { TemplateRenderer } from './templates.js';

const TEMPLATED_TYPES = new Set(['html', 'email', 'rss', 'telegram']);
const TEMPLATE_KEYS = [
  ['template', 'template_path'],
  ['template_full', 'full_template_path'],
] as const;

function sampleContext(configuration: Configuration): RenderingContext {
  const repository = configuration.repositoryId?.name ?? 'repository';
  const architecture = configuration.repositoryId?.architecture ?? 'x86_64';
  const now = Date.now() / 1000;
  const sample: PackageView = {
    name: 'sample',
    filename: `sample-1.0-1-${architecture}.pkg.tar.zst`,
    version: '1.0-1',
    architecture,
    archive_size: humanSize(1536),
    archive_bytes: 1536,
    installed_size: humanSize(4096),
    installed_bytes: 4096,
    build_date: formatTimestamp(now),
    build_timestamp: Math.floor(now),
    depends: ['glibc'],
    description: 'a sample package',
    groups: [],
    licenses: ['MIT'],
    url: 'https://example.com/sample',
    signed: true,
    tag: `tag:${repository}:${architecture}:sample:1.0-1:${Math.floor(now)}`,
  };
  return {
    repository,
    architecture,
    homepage: 'https://example.com',
    link_path: 'https://example.com/repository',
    rss_url: 'https://example.com/rss.xml',
    last_update: formatTimestamp(now),
    pgp_key: undefined,
    has_package_signed: true,
    has_repo_signed: true,
    packages: [sample],
  };
}

/** The type of a section: its `type`, else its name; unreadable (the section check reports why) counts as none. */
function sectionType(configuration: Configuration, section: string): string | undefined {
  try {
    return configuration.get(section, 'type') ?? section.split(':')[0];
  } catch {
    return undefined;
  }
}

/** Report sections of a templated type: `[html]`, `[html:aur]`, or `[mine]` with `type = html`. */
function templatedSections(configuration: Configuration): string[] {
  return configuration.sections().filter((section) => TEMPLATED_TYPES.has(sectionType(configuration, section) ?? ''));
}

/** One error per named template that cannot be rendered, naming the option that names it. */
export async function checkTemplates(configuration: Configuration): Promise<Issue[]> {
  const issues: Issue[] = [];
  const context = sampleContext(configuration);
  for (const section of templatedSections(configuration)) {
    for (const keys of TEMPLATE_KEYS) {
      const key = keys.find((candidate) => configuration.has(section, candidate));
      if (key === undefined) continue;
      try {
        const name = key.endsWith('_path') ? configuration.getPath(section, key) : configuration.getString(section, key);
        const renderer = new TemplateRenderer(configuration.getPathList(section, 'templates', [] as string[]));
        await renderer.render(name, context);
      } catch (error) {
        issues.push({ section, key, severity: 'error', message: `cannot be rendered: ${errorMessage(error)}` });
      }
    }
  }
  return issues;
}
