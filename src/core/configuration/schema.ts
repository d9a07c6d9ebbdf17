/**
 * Schemas of the configuration sections: which options exist, their types, constraints and defaults. Values arrive
 * as ini strings and are converted with the same parsers as the typed getters (`ini.ts`), so a value is valid for the
 * validator exactly when the getter accepts it.
 *
 * Sections that configure a trigger target have a type (`[html]`, or `[mine]` with `type = html`); the module that
 * implements a type registers its schema with `registerSectionSchema`.
 */
import net from 'node:net';
import { z } from 'zod';
import { OAUTH_ENDPOINT_KEYS, OAUTH_PROVIDERS } from '../auth/oauth-providers.js';
import { REBUILD_MODES } from '../../models/rebuild.js';
import { ConfigurationError, errorMessage } from '../errors.js';
import type { RetryPolicy } from '../retry.js';
import { parseBoolean, parseInteger, parseNumber, splitWords } from './ini.js';

export type SectionSchema = z.ZodObject;

/** Marks a custom issue about a missing option, so that partial sections (samples, overrides) can ignore it. */
export const MISSING_OPTION = { missing: true } as const;

/** Marks a custom issue whose message says what was expected, so that the validator appends the value found. */
export const SHOW_VALUE = { showValue: true } as const;

// Option builders ---------------------------------------------------------------------------------------------------

interface Range {
  min?: number;
  max?: number;
}

/** Paths that must exist, checked by the validator (the schema cannot resolve relative paths). */
export interface PathRule {
  mustExist: 'file' | 'directory';
  list: boolean;
}

const pathRules = z.registry<PathRule>();

function fromText<T>(parse: (text: string) => T) {
  return z.string().transform((text, context): T => {
    try {
      return parse(text);
    } catch (error) {
      context.issues.push({ code: 'custom', message: errorMessage(error), params: SHOW_VALUE, input: text });
      return z.NEVER;
    }
  });
}

function inRange(value: number, { min, max }: Range): number {
  if (min !== undefined && value < min) throw new ConfigurationError(`must be at least ${min}`);
  if (max !== undefined && value > max) throw new ConfigurationError(`must be at most ${max}`);
  return value;
}

/** A check that `text` is one of `values`; with `ignoreCase` any case is accepted and the listed spelling returned. */
function oneOf<T extends string>(values: readonly T[], { ignoreCase = false } = {}): (text: string) => T {
  const normalize = (text: string): string => (ignoreCase ? text.toLowerCase() : text);
  return (text) => {
    const found = values.find((value) => normalize(value) === normalize(text));
    if (found === undefined) throw new ConfigurationError(`expected one of: ${values.join(', ')}`);
    return found;
  };
}

function url(schemes: readonly string[] = []): (text: string) => string {
  return (text) => {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      throw new ConfigurationError('expected a URL such as https://host/path');
    }
    const scheme = parsed.protocol.slice(0, -1);
    if (schemes.length > 0 && !schemes.includes(scheme)) {
      throw new ConfigurationError(`expected a URL with scheme ${schemes.join(', ')}`);
    }
    if (parsed.host.length === 0 && scheme !== 'file' && !scheme.endsWith('+unix')) {
      throw new ConfigurationError('expected a URL with a host');
    }
    return text;
  };
}

function regularExpression(text: string): string {
  try {
    new RegExp(text);
  } catch (error) {
    throw new ConfigurationError(`invalid regular expression: ${errorMessage(error)}`);
  }
  return text;
}

function ipAddress(allowed: readonly string[]): (text: string) => string {
  return (text) => {
    if (!allowed.includes(text) && net.isIP(text) === 0) {
      throw new ConfigurationError(`expected an IP address${allowed.length > 0 ? ` or ${allowed.join(', ')}` : ''}`);
    }
    return text;
  };
}

/** A shell-like list whose every word passes `check` (errors name the word). */
function listOf<T>(check: (word: string) => T) {
  return fromText((text) =>
    splitWords(text).map((word) => {
      try {
        return check(word);
      } catch (error) {
        throw new ConfigurationError(`item '${word}': ${errorMessage(error)}`);
      }
    }),
  );
}

function withPathRule<S extends z.ZodType>(schema: S, rule?: PathRule): S {
  if (rule !== undefined) pathRules.add(schema, rule);
  return schema;
}

/** An option of the reference this implementation replaced: any non-empty value is an error saying what to use. */
function replaced(instead: string) {
  return z.string().superRefine((text, context) => {
    if (text.trim().length > 0) context.issues.push({ code: 'custom', message: `no longer supported: ${instead}`, input: text });
  });
}

const DISTRIBUTED_INSTEAD = 'distributed builds are configured in [distributed] (queue_url, coordinator, worker_id; see docs/distributed.md)';

/** Builders for option schemas; chain `.optional()` or `.default(value)` as needed. */
export const option = {
  string: () => z.string(),
  boolean: () => fromText(parseBoolean),
  integer: (range: Range = {}) => fromText((text) => inRange(parseInteger(text), range)),
  float: (range: Range = {}) => fromText((text) => inRange(parseNumber(text), range)),
  oneOf: <T extends string>(values: readonly T[]) => fromText(oneOf(values)),
  url: (schemes?: readonly string[]) => fromText(url(schemes)),
  ipAddress: (allowed: readonly string[] = []) => fromText(ipAddress(allowed)),
  list: () => fromText(splitWords),
  listOf: <T extends string>(values: readonly T[], options: { ignoreCase?: boolean } = {}) => listOf(oneOf(values, options)),
  integerList: (range: Range = {}) => listOf((word) => inRange(parseInteger(word), range)),
  urlList: (schemes?: readonly string[]) => listOf(url(schemes)),
  regexList: () => listOf(regularExpression),
  /** A path; relative ones are resolved against the main file's directory when read. */
  path: (mustExist?: PathRule['mustExist']) => withPathRule(z.string(), mustExist && { mustExist, list: false }),
  pathList: (mustExist?: PathRule['mustExist']) => withPathRule(fromText(splitWords), mustExist && { mustExist, list: true }),
};

/**
 * `timeout` (seconds per attempt), `max_retries` and `retry_backoff` (seconds before the first retry) of a section
 * whose calls to another system follow the one retry policy (`core/retry.ts`).
 */
export function callOptions(defaults: { timeout: number; maxRetries: number; retryBackoff: number }) {
  return {
    max_retries: option.integer({ min: 0 }).default(defaults.maxRetries),
    retry_backoff: option.float({ min: 0 }).default(defaults.retryBackoff),
    timeout: option.integer({ min: 1 }).default(defaults.timeout),
  };
}

/** The retry policy a section's {@link callOptions} configure. */
export function retryPolicyOf(section: { max_retries: number; retry_backoff: number }): RetryPolicy {
  return { maxRetries: section.max_retries, backoffSeconds: section.retry_backoff };
}

/** The path rule of an option schema, looking through `.optional()` and `.default()`. */
export function pathRuleOf(schema: z.ZodType): PathRule | undefined {
  let current: z.ZodType = schema;
  for (;;) {
    const rule = pathRules.get(current);
    if (rule !== undefined) return rule;
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault) current = current.unwrap() as z.ZodType;
    else return undefined;
  }
}

// Core sections -----------------------------------------------------------------------------------------------------

export const DEFAULT_TRIGGERS = [
  'ahriman.core.gitremote.RemotePullTrigger',
  'ahriman.core.report.ReportTrigger',
  'ahriman.core.upload.UploadTrigger',
  'ahriman.core.gitremote.RemotePushTrigger',
  'ahriman.core.housekeeping.LogsRotationTrigger',
  'ahriman.core.housekeeping.ArchiveRotationTrigger',
  'snapshot-purge',
];

export const BUILD_DRIVERS = ['devtools', 'sandbox', 'host'] as const;

/** A module path of a third-party build driver: a file path, or a package module (`pkg/driver.js`, `@me/driver`). */
export function isDriverModule(text: string): boolean {
  return text.includes('/');
}

/** `[build] driver`: a built-in driver or a module exporting one (loaded like a third-party trigger). */
function buildDriver(text: string): string {
  if ((BUILD_DRIVERS as readonly string[]).includes(text) || isDriverModule(text)) return text;
  throw new ConfigurationError(`expected one of: ${BUILD_DRIVERS.join(', ')}, or the module path of a driver (/path/driver.js[:export])`);
}

/** `package`/`packages`/`sign-package` sign package archives, `repository`/`sign-repository` the database (any case). */
export const SIGN_TARGETS = ['package', 'packages', 'sign-package', 'repository', 'sign-repository', 'disabled'] as const;

const HTTP = ['http', 'https'];

const settings = z.object({
  apply_migrations: option.boolean().default(true),
  database: option.path().optional(), // default: <[repository] root>/ahriman.db
  include: option.pathList().default([]),
  logging: option.path().optional(), // the reference's logging.ini: accepted, not used
  // the reference's legacy places of [logs-rotation] keep_last_logs and [status] suppress_http_log_errors
  keep_last_logs: option.integer({ min: 0 }).optional(),
  suppress_http_log_errors: option.boolean().optional(),
});

const repository = z.object({
  architecture: option.string().optional(),
  name: option.string().optional(),
  root: option.path('directory'),
});

const alpm = z.object({
  database: option.path().default('/var/lib/pacman'),
  mirror: option.url().default('https://geo.mirror.pkgbuild.com/$repo/os/$arch'),
  repositories: option.list().default(['core', 'extra', 'multilib']),
  root: option.path('directory').default('/'),
  sync_files_database: option.boolean().default(true),
  use_ahriman_cache: option.boolean().default(true),
});

const aur = z.object({
  ...callOptions({ timeout: 30, maxRetries: 3, retryBackoff: 1 }),
  url: option.url(HTTP).default('https://aur.archlinux.org'),
});

const build = z.object({
  archbuild_flags: option.list().default([]),
  build_command: option.list().optional(),
  devtools_configs: option.path().optional(), // default: <root>/.config/ahriman/pacman.conf.d
  devtools_wrapper: option.list().optional(),
  driver: fromText(buildDriver).optional(), // default: devtools if makechrootpkg is installed, else sandbox
  ignore_packages: option.list().default([]),
  include_debug_packages: option.boolean().default(true),
  make_flags: option.string().optional(),
  makechrootpkg_flags: option.list().default([]),
  makepkg_flags: option.list().default(['--nocolor', '--ignorearch']),
  min_age: option.integer({ min: 0 }).default(0),
  packager: option.string().optional(),
  parallel_jobs: option.integer({ min: 1 }).default(1),
  rebuild_max_per_run: option.integer({ min: 1 }).default(10),
  rebuild_on_dependency_change: option.oneOf(REBUILD_MODES).default('soname'),
  scan_paths: option.regexList().default(['^usr/lib(?!/cmake).*$']),
  triggers: option.list().default(DEFAULT_TRIGGERS),
  triggers_known: option.list().default([]),
  user: option.string().default('ahriman'),
  vcs_allowed_age: option.integer({ min: 0 }).default(604800),
  workers: replaced(DISTRIBUTED_INSTEAD).optional(),
});

const sign = z
  .object({
    key: option.string().optional(),
    key_file: option.path('file').optional(),
    passphrase_env: option.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name').optional(),
    passphrase_file: option.path('file').optional(),
    target: option.listOf(SIGN_TARGETS, { ignoreCase: true }).default([]),
  })
  .superRefine((section, context) => {
    const signing = section.target.some((target) => target !== 'disabled');
    if (signing && section.key === undefined && section.key_file === undefined) {
      const message = 'key or key_file is required when target enables signing';
      context.issues.push({ code: 'custom', path: ['key'], message, params: MISSING_OPTION, input: section });
    }
    if (section.passphrase_env !== undefined && section.passphrase_file !== undefined) {
      context.issues.push({ code: 'custom', path: ['passphrase_file'], message: 'set either passphrase_env or passphrase_file, not both', input: section });
    }
  });

const status = z.object({
  address: option.url([...HTTP, 'http+unix']).optional(),
  enabled: option.boolean().default(true),
  ...callOptions({ timeout: 30, maxRetries: 0, retryBackoff: 0 }),
  password: option.string().optional(),
  suppress_http_log_errors: option.boolean().default(false),
  username: option.string().optional(),
});

// The reference's web options are all accepted; its template and static paths are not checked because they name
// the reference's own assets, which an existing configuration may still point at.
const web = z.object({
  address: option.url(HTTP).optional(),
  autorefresh_intervals: option.integerList({ min: 0 }).default([5, 1, 10, 30, 60]),
  cors_allow_headers: option.list().default([]),
  cors_allow_methods: option.list().default([]),
  cors_allow_origins: option.list().default([]),
  cors_expose_headers: option.list().default([]),
  enable_archive_upload: option.boolean().default(false),
  host: option.ipAddress(['localhost']).default('127.0.0.1'),
  index_url: option.url(HTTP).optional(),
  max_body_size: option.integer({ min: 1 }).optional(),
  max_queue_size: option.integer({ min: 0 }).default(0),
  port: option.integer({ min: 0, max: 65535 }).optional(),
  service_only: option.boolean().default(false),
  static_path: option.path().optional(),
  template: option.string().optional(),
  templates: option.pathList().optional(),
  unix_socket: option.path().optional(),
  unix_socket_unsafe: option.boolean().default(true),
  wait_timeout: option.integer().optional(),
});

const AUTH_TARGETS = ['disabled', 'configuration', 'mapping', 'oauth', 'oauth2', 'pam'] as const;
const AUTH_REQUIREMENTS: Partial<Record<(typeof AUTH_TARGETS)[number], readonly string[]>> = {
  oauth: ['client_id', 'client_secret', 'oauth_scopes'],
  oauth2: ['client_id', 'client_secret', 'oauth_scopes'],
  pam: ['full_access_group'],
};

/** An OAuth provider is either one of the known names or given by its three endpoints. */
function checkOAuthProvider(section: Record<string, unknown>, context: z.RefinementCtx): void {
  const provider = section.oauth_provider as string | undefined;
  const missing = OAUTH_ENDPOINT_KEYS.filter((key) => section[key] === undefined);
  if (provider !== undefined && !(provider in OAUTH_PROVIDERS) && missing.length > 0) {
    context.addIssue({
      code: 'custom',
      path: ['oauth_provider'],
      message: `unknown provider ${provider}: use one of ${Object.keys(OAUTH_PROVIDERS).join(', ')}, or set ${missing.join(', ')}`,
    });
  }
  if (provider === undefined && missing.length > 0) {
    const message = `required when target is oauth, unless ${OAUTH_ENDPOINT_KEYS.join(', ')} are all set`;
    context.issues.push({ code: 'custom', path: ['oauth_provider'], message, params: MISSING_OPTION, input: section });
  }
}

const auth = z
  .object({
    allow_read_only: option.boolean().default(true),
    client_id: option.string().optional(),
    client_secret: option.string().optional(),
    cookie_secret_key: option.string().min(32, 'expected at least 32 characters').max(64, 'expected at most 64 characters').optional(),
    full_access_group: option.string().optional(),
    max_age: option.integer({ min: 0 }).default(604800),
    oauth_authorize_url: option.url(HTTP).optional(),
    oauth_icon: option.string().optional(),
    oauth_provider: option.string().optional(),
    oauth_scopes: option.string().optional(),
    oauth_token_url: option.url(HTTP).optional(),
    oauth_userinfo_url: option.url(HTTP).optional(),
    permit_root_login: option.boolean().default(false),
    salt: option.string().optional(),
    target: option.oneOf(AUTH_TARGETS).default('disabled'),
  })
  .superRefine((section, context) => {
    for (const key of AUTH_REQUIREMENTS[section.target] ?? []) {
      if (section[key as keyof typeof section] === undefined) {
        context.issues.push({ code: 'custom', path: [key], message: `required when target is ${section.target}`, params: MISSING_OPTION, input: section });
      }
    }
    if (section.target === 'oauth' || section.target === 'oauth2') checkOAuthProvider(section, context);
  });

export const DISTRIBUTED_FALLBACKS = ['none', 'local'] as const;

// queue_url may carry a password (redis://:secret@host): messages show URLs with their credentials masked.
const distributed = z.object({
  concurrency: option.integer({ min: 1 }).default(1),
  coordinator: option.url(HTTP).optional(), // default: [status] address
  fallback: option.oneOf(DISTRIBUTED_FALLBACKS).default('none'),
  heartbeat: option.integer({ min: 1 }).default(10),
  job_timeout: option.integer({ min: 1 }).default(21600),
  max_attempts: option.integer({ min: 1 }).default(3),
  prefix: option.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, dot, dash or underscore').default('ahriman'),
  queue_url: option.url(['redis', 'rediss']),
  worker_id: option.string().regex(/^[A-Za-z0-9_.@-]+$/, 'expected letters, digits, dot, dash, at or underscore').optional(), // default: <hostname>-<pid>
});

const targets = () => z.object({ target: option.list().default([]) });

const POINTER_NAME = /^[a-z][a-z0-9_-]*$/;
const AUTOMATIC_POINTERS = ['current', 'consistent'];

/**
 * Snapshots and their pointers. Besides these options, `promote_<pointer> = <jobs>` names the CI jobs whose passing
 * votes move a user-defined pointer to a newer snapshot (checked here, since option names are open).
 */
const snapshots = z
  .object({
    enabled: option.boolean().default(false),
    keep: option.integer({ min: 0 }).default(10),
    older_than: option.integer({ min: 0 }).default(0),
    pointers: option.list().default([]),
  })
  .catchall(option.list())
  .superRefine((section, context) => {
    for (const pointer of section.pointers) {
      if (!POINTER_NAME.test(pointer)) {
        context.issues.push({ code: 'custom', path: ['pointers'], message: `'${pointer}' is no pointer name (lower case letters, digits, - and _)`, input: section });
      } else if (AUTOMATIC_POINTERS.includes(pointer)) {
        context.issues.push({ code: 'custom', path: ['pointers'], message: `'${pointer}' is moved automatically and cannot be user-defined`, input: section });
      }
    }
    for (const key of Object.keys(section).filter((name) => !['enabled', 'keep', 'older_than', 'pointers'].includes(name))) {
      const pointer = /^promote_(.+)$/.exec(key)?.[1];
      if (pointer === undefined) context.issues.push({ code: 'custom', path: [key], message: 'unknown option (promotion rules are promote_<pointer>)', input: section });
      else if (!section.pointers.includes(pointer)) {
        context.issues.push({ code: 'custom', path: [key], message: `pointer '${pointer}' is not listed in pointers`, input: section });
      } else if ((section[key] as string[]).length === 0) {
        context.issues.push({ code: 'custom', path: [key], message: 'names no job', input: section });
      }
    }
  });

export const coreSchemas = {
  settings,
  repository,
  alpm,
  aur,
  build,
  sign,
  status,
  web,
  auth,
  report: targets(),
  upload: targets(),
  'remote-pull': targets(),
  'remote-push': targets(),
  keyring: targets(),
  mirrorlist: targets(),
  archive: z.object({ keep_built_packages: option.integer({ min: 0 }).default(1) }),
  'logs-rotation': z.object({ keep_last_logs: option.integer({ min: 0 }).default(5) }),
  snapshots,
  distributed,
  worker: z.object({
    address: replaced(DISTRIBUTED_INSTEAD).optional(),
    identifier: replaced(DISTRIBUTED_INSTEAD).optional(),
    time_to_live: replaced(DISTRIBUTED_INSTEAD).optional(),
  }),
} satisfies Record<string, SectionSchema>;

/**
 * Sections whose `target` list names trigger target sections, with the type a target has when its section sets
 * none (otherwise the type is the target's name).
 */
export const TRIGGER_TARGET_SECTIONS: Readonly<Record<string, string | undefined>> = {
  report: undefined,
  upload: undefined,
  'remote-pull': 'gitremote',
  'remote-push': 'gitremote',
  keyring: 'keyring-generator',
  mirrorlist: 'mirrorlist-generator',
};

// Typed sections ----------------------------------------------------------------------------------------------------

const typedSectionSchemas = new Map<string, SectionSchema>();

/** Declares the options of sections of `type` (e.g. `html`, `s3`), for validation and `readSection`. */
export function registerSectionSchema(type: string, schema: SectionSchema): void {
  const existing = typedSectionSchemas.get(type);
  if (existing !== undefined && existing !== schema) {
    throw new ConfigurationError(`two different schemas registered for sections of type '${type}'`);
  }
  typedSectionSchemas.set(type, schema);
}

export function registeredSectionSchemas(): ReadonlyMap<string, SectionSchema> {
  return typedSectionSchemas;
}
