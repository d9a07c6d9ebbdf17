/**
 * The effective configuration of one run: the main file, its include directories, environment overrides and the
 * per-repository override sections, read through typed getters that interpolate values on access.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigurationError, errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';
import type { RepositoryId } from '../../models/repository-id.js';
import { RepositoryPaths } from '../../models/repository-paths.js';
import { IniStore, parseBoolean, parseIni, parseInteger, parseNumber, parseOptionName, splitWords } from './ini.js';
import { Interpolator } from './interpolation.js';

/** Sections whose `section:<arch>`, `section:<repo>` and `section:<repo>:<arch>` variants override them per repository. */
export const REPOSITORY_OVERRIDE_SECTIONS = ['alpm', 'build', 'sign', 'web'] as const;

/** Options whose values `dump(true)` and error messages never show. */
export const SECRET_OPTIONS: ReadonlySet<string> = new Set([
  'access_key',
  'api_key',
  'client_secret',
  'cookie_secret_key',
  'key_passphrase',
  'passphrase',
  'password',
  'salt',
  'secret_key',
  'token',
]);

export const SECRET_PLACEHOLDER = '********';

const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;

/** A value as it may be shown: secrets replaced, credentials embedded in URLs (`https://user:token@host`) masked. */
export function displayValue(key: string, value: string): string {
  if (SECRET_OPTIONS.has(key)) return SECRET_PLACEHOLDER;
  return value.replace(URL_CREDENTIALS, `$1${SECRET_PLACEHOLDER}@`);
}

/** `[section] key` or `[section] key = 'value'`, the prefix of every message about an option. */
export function describeOption(section: string, key: string, value?: string): string {
  return value === undefined ? `[${section}] ${key}` : `[${section}] ${key} = '${displayValue(key, value)}'`;
}

/** Most specific last, so applying them in order gives repo:arch > repo > arch > base. */
export function overrideSectionNames(section: string, repositoryId: RepositoryId): string[] {
  const { architecture, name } = repositoryId;
  return [`${section}:${architecture}`, `${section}:${name}`, `${section}:${name}:${architecture}`];
}

const logger = getLogger('configuration');

export class Configuration {
  private readonly interpolator: Interpolator;

  private constructor(
    /** The main configuration file (absolute). */
    readonly path: string,
    /** Every file read, in the order it was read: the main file, then the include files. */
    readonly files: readonly string[],
    readonly repositoryId: RepositoryId | undefined,
    private readonly store: IniStore,
    environment: NodeJS.ProcessEnv,
  ) {
    this.interpolator = new Interpolator((section, key) => nonEmpty(store.get(section, key)), environment);
  }

  /**
   * Loads `file`, then every `*.ini` of the `[settings] include` directories (relative to the main file's
   * directory, files in alphabetical order, each directory in the listed order), then environment variables named
   * `section:key` (`section:key[]` appends). With a repository id, the override sections of
   * REPOSITORY_OVERRIDE_SECTIONS are merged into their base sections and dropped, and `[repository] name` and
   * `architecture` are set from the id.
   *
   * A missing include directory is an error, unless it lies inside `[repository] root`: that tree belongs to the
   * service and `service-setup` creates the directories there (`<root>/.config/ahriman/ahriman.ini.d`) later.
   */
  static load(file: string, repositoryId?: RepositoryId, env: NodeJS.ProcessEnv = process.env): Configuration {
    const mainFile = path.resolve(file);
    const store = new IniStore();
    store.apply(parseIni(readConfigurationFile(mainFile, 'configuration file'), mainFile));

    const files = [mainFile];
    const configuration = new Configuration(mainFile, files, repositoryId, store, env);
    for (const include of configuration.includeFiles()) {
      store.apply(parseIni(readConfigurationFile(include, 'include file'), include));
      files.push(include);
    }

    applyEnvironmentOverrides(store, env);
    if (repositoryId !== undefined) {
      mergeRepositoryOverrides(store, repositoryId);
      store.assign('repository', 'name', repositoryId.name);
      store.assign('repository', 'architecture', repositoryId.architecture);
    }
    return configuration;
  }

  /** The interpolated value, or undefined when the option is unset (absent or empty). */
  get(section: string, key: string): string | undefined {
    return this.interpolator.resolve(section, key.toLowerCase());
  }

  getString(section: string, key: string): string;
  getString<F>(section: string, key: string, fallback: F): string | F;
  getString(section: string, key: string, ...fallback: [unknown?]): unknown {
    return this.read(section, key, (value) => value, fallback);
  }

  getInt(section: string, key: string): number;
  getInt<F>(section: string, key: string, fallback: F): number | F;
  getInt(section: string, key: string, ...fallback: [unknown?]): unknown {
    return this.read(section, key, parseInteger, fallback);
  }

  getFloat(section: string, key: string): number;
  getFloat<F>(section: string, key: string, fallback: F): number | F;
  getFloat(section: string, key: string, ...fallback: [unknown?]): unknown {
    return this.read(section, key, parseNumber, fallback);
  }

  getBool(section: string, key: string): boolean;
  getBool<F>(section: string, key: string, fallback: F): boolean | F;
  getBool(section: string, key: string, ...fallback: [unknown?]): unknown {
    return this.read(section, key, parseBoolean, fallback);
  }

  /** A shell-like list (see `splitWords`): `a "b c"` is `['a', 'b c']`. */
  getList(section: string, key: string): string[];
  getList<F>(section: string, key: string, fallback: F): string[] | F;
  getList(section: string, key: string, ...fallback: [unknown?]): unknown {
    return this.read(section, key, splitWords, fallback);
  }

  getIntList(section: string, key: string): number[];
  getIntList<F>(section: string, key: string, fallback: F): number[] | F;
  getIntList(section: string, key: string, ...fallback: [unknown?]): unknown {
    return this.read(section, key, (value) => splitWords(value).map(parseInteger), fallback);
  }

  /** An absolute path; relative values are resolved against the main file's directory. */
  getPath(section: string, key: string): string;
  getPath<F>(section: string, key: string, fallback: F): string | F;
  getPath(section: string, key: string, ...fallback: [unknown?]): unknown {
    return this.read(section, key, (value) => this.absolutePath(value), fallback);
  }

  getPathList(section: string, key: string): string[];
  getPathList<F>(section: string, key: string, fallback: F): string[] | F;
  getPathList(section: string, key: string, ...fallback: [unknown?]): unknown {
    return this.read(section, key, (value) => splitWords(value).map((item) => this.absolutePath(item)), fallback);
  }

  /** Whether the option is set to a non-empty value. */
  has(section: string, key: string): boolean {
    return nonEmpty(this.store.get(section, key.toLowerCase())) !== undefined;
  }

  hasSection(section: string): boolean {
    return this.store.hasSection(section);
  }

  sections(): string[] {
    return this.store.sections();
  }

  /** Names of the options of `section` that are set to a non-empty value. */
  options(section: string): string[] {
    return this.store
      .entries(section)
      .filter(([, value]) => value.length > 0)
      .map(([key]) => key);
  }

  /** The interpolated options of a section (empty when the section does not exist). */
  section(name: string): Record<string, string> {
    return Object.fromEntries(this.options(name).map((key) => [key, this.get(name, key)!]));
  }

  /**
   * The section that configures a trigger target and its type (the reference's `gettype`): the target's own section
   * when it sets `type` (or a `defaultType` is given), else the most specific existing `target:<repo>:<arch>`,
   * `target:<repo>`, `target:<arch>` section, else the target's section; the type is then the target name.
   */
  typedSection(target: string, defaultType?: string): { section: string; type: string } {
    const type = this.get(target, 'type') ?? defaultType;
    if (type !== undefined) return { section: target, type };
    const specific = this.repositoryId && overrideSectionNames(target, this.repositoryId).reverse().find((name) => this.hasSection(name));
    if (specific) return { section: specific, type: target };
    // like the reference: without a section of its own, the target name is its type (`target = console` works alone)
    return { section: target, type: target };
  }

  repositoryPaths(): RepositoryPaths {
    if (this.repositoryId === undefined) {
      throw new ConfigurationError('no repository selected: the repository paths need an architecture and a repository name');
    }
    return new RepositoryPaths(this.getPath('repository', 'root'), this.repositoryId);
  }

  /** The effective configuration, section by section (sections without options left out). */
  dump(secure: boolean): Record<string, Record<string, string>> {
    const result: Record<string, Record<string, string>> = {};
    for (const name of this.sections()) {
      const options = this.section(name);
      if (Object.keys(options).length === 0) continue;
      result[name] = secure
        ? Object.fromEntries(Object.entries(options).map(([key, value]) => [key, displayValue(key, value)]))
        : options;
    }
    return result;
  }

  private read<T>(section: string, key: string, parse: (value: string) => T, fallback: [unknown?]): T | unknown {
    const value = this.get(section, key);
    if (value === undefined) {
      if (fallback.length > 0) return fallback[0];
      throw new ConfigurationError(`missing option ${describeOption(section, key.toLowerCase())}`);
    }
    try {
      return parse(value);
    } catch (error) {
      throw new ConfigurationError(`${describeOption(section, key.toLowerCase(), value)}: ${errorMessage(error)}`, { cause: error });
    }
  }

  private absolutePath(value: string): string {
    return path.resolve(path.dirname(this.path), value);
  }

  /** The `*.ini` files of the include directories, in load order, without the (reference) logging configuration. */
  private includeFiles(): string[] {
    const raw = this.store.get('settings', 'include');
    if (raw === undefined) return [];
    let directories: string[];
    try {
      // split before interpolating, like the reference, so a substituted path may contain spaces
      directories = splitWords(raw).map((item) => this.absolutePath(this.interpolator.expand('settings', item)));
    } catch (error) {
      throw new ConfigurationError(`${describeOption('settings', 'include', raw)}: ${errorMessage(error)}`, { cause: error });
    }
    const root = this.get('repository', 'root');
    const serviceTree = root === undefined ? undefined : this.absolutePath(root);
    const loggingFile = this.get('settings', 'logging');
    const skipped = loggingFile === undefined ? undefined : this.absolutePath(loggingFile);

    return directories.flatMap((directory) => {
      if (!fs.existsSync(directory)) {
        if (serviceTree !== undefined && isInside(directory, serviceTree)) {
          logger.debug(`include directory ${directory} does not exist yet; skipped`);
          return [];
        }
        throw new ConfigurationError(`[settings] include: directory ${directory} does not exist`);
      }
      if (!fs.statSync(directory).isDirectory()) {
        throw new ConfigurationError(`[settings] include: ${directory} is not a directory`);
      }
      return fs
        .readdirSync(directory, { withFileTypes: true })
        .filter((entry) => entry.name.endsWith('.ini') && !entry.isDirectory())
        .map((entry) => path.join(directory, entry.name))
        .filter((file) => file !== skipped)
        .sort();
    });
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.length === 0 ? undefined : value;
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative.length > 0 && !relative.startsWith('..') && !path.isAbsolute(relative);
}

function readConfigurationFile(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : errorMessage(error);
    throw new ConfigurationError(`${what} ${file} ${reason}`, { cause: error });
  }
}

/** Environment variables named `section:key` (split at the last colon) override options, last. */
function applyEnvironmentOverrides(store: IniStore, env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(env)) {
    const separator = name.lastIndexOf(':');
    if (value === undefined || separator <= 0 || separator === name.length - 1) continue;
    let option: { key: string; append: boolean };
    try {
      option = parseOptionName(name.slice(separator + 1));
    } catch (error) {
      throw new ConfigurationError(`environment variable ${name}: ${errorMessage(error)}`, { cause: error });
    }
    store.assign(name.slice(0, separator), option.key, value, option.append);
  }
}

/** Merges `section:<arch>`, then `section:<repo>`, then `section:<repo>:<arch>` over `section`, then drops them all. */
function mergeRepositoryOverrides(store: IniStore, repositoryId: RepositoryId): void {
  for (const base of REPOSITORY_OVERRIDE_SECTIONS) {
    for (const specific of overrideSectionNames(base, repositoryId)) {
      for (const [key, value] of store.entries(specific)) store.assign(base, key, value);
    }
    for (const section of store.sections()) {
      if (section.startsWith(`${base}:`)) store.removeSection(section);
    }
  }
}
