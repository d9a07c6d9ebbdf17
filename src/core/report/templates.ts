/**
 * Report templates: eta files looked up by name in the directories of the `templates` option first (so a user can
 * override any of them, or a part one of them includes), then among the templates shipped in `templates/`.
 * A user's own `*.jinja2` template (the reference's format, in a `templates` directory or named by absolute path)
 * is rendered with nunjucks, a well-kept Jinja-compatible engine, with the reference's context names and settings
 * (autoescape, trim_blocks, lstrip_blocks); nunjucks is imported only then.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Eta } from 'eta';
import { errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';
import { packageRoot } from '../package-root.js';
import { ReportError } from './report.js';

const EXTENSION = '.eta';
/** The reference's jinja2 templates: a configuration naming one of them gets our eta template of the same name. */
const JINJA_EXTENSION = '.jinja2';

const logger = getLogger('report');

/** The templates shipped with ahriman. */
export function builtinTemplatesDirectory(): string {
  return path.join(packageRoot(), 'templates');
}

/** `repo-index`, `repo-index.jinja2` and `repo-index.eta` all name `repo-index.eta`. */
function etaFileName(name: string): string {
  if (name.endsWith(JINJA_EXTENSION)) return `${name.slice(0, -JINJA_EXTENSION.length)}${EXTENSION}`;
  return path.extname(name) === '' ? `${name}${EXTENSION}` : name;
}

function isFile(file: string): boolean {
  return existsSync(file) && statSync(file).isFile();
}

export class TemplateRenderer {
  private readonly eta: Eta;
  private readonly directories: readonly string[];

  /** `directories` are searched in order, before the built-in templates; missing ones are skipped. */
  constructor(directories: readonly string[] = []) {
    this.directories = [...directories, builtinTemplatesDirectory()];
    this.eta = new Eta({ autoEscape: true, autoTrim: [false, 'nl'], cache: true });
    this.eta.resolvePath = (template, options) => this.find(template, options?.filepath);
  }

  /**
   * The file a template name stands for. An absolute path (the reference's legacy `template_path`) is used as is;
   * `./name` in an included template is relative to the including one; any other name is searched for.
   */
  find(name: string, from?: string): string {
    const custom = this.customJinjaTemplate(name);
    if (custom !== undefined) return custom;
    const fileName = etaFileName(name);
    if (name.endsWith(JINJA_EXTENSION)) logger.debug(`template '${name}' (the reference's) read as '${fileName}'`);
    if (path.isAbsolute(fileName)) {
      if (isFile(fileName)) return fileName;
      logger.warning(`template ${fileName} does not exist; looking for ${path.basename(fileName)} in the template directories`);
      return this.find(path.basename(fileName));
    }
    if (from !== undefined && /^\.\.?\//.test(fileName)) return path.resolve(path.dirname(from), fileName);
    const found = this.directories.map((directory) => path.join(directory, fileName)).find(isFile);
    if (found === undefined) {
      throw new ReportError(`template '${name}' not found in ${this.directories.join(', ')}`);
    }
    return found;
  }

  /** A `*.jinja2` file of the user's (absolute, or in a `templates` directory other than ours), if there is one. */
  private customJinjaTemplate(name: string): string | undefined {
    if (!name.endsWith(JINJA_EXTENSION)) return undefined;
    if (path.isAbsolute(name)) return isFile(name) ? name : undefined;
    return this.directories.slice(0, -1).map((directory) => path.join(directory, name)).find(isFile);
  }

  private async renderJinja(file: string, data: object): Promise<string> {
    const nunjucks = await import('nunjucks');
    const loader = new nunjucks.FileSystemLoader([path.dirname(file), ...this.directories]);
    const environment = new nunjucks.Environment(loader, { autoescape: true, trimBlocks: true, lstripBlocks: true, throwOnUndefined: false });
    return environment.render(file, data);
  }

  async render(name: string, data: object): Promise<string> {
    try {
      const custom = this.customJinjaTemplate(name);
      if (custom !== undefined) return await this.renderJinja(custom, data);
      return this.eta.render(name, data);
    } catch (error) {
      if (error instanceof ReportError) throw error;
      // nunjucks puts the file and the problem on lines of their own: one line reads better in logs and listings
      const reason = errorMessage(error).replace(/\s*\n\s*/g, ' ');
      throw new ReportError(`template '${name}' failed to render: ${reason}`, { cause: error });
    }
  }
}
