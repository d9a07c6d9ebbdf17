/**
 * Schemas of the configuration sections: which options exist, their types, constraints and defaults. Values arrive
 * as ini strings and are converted with the same parsers as the typed getters (`ini.ts`), so a value is valid for the
 * validator exactly when the getter accepts it.
 *
 * Sections that configure a trigger target have a type (`[html]`, or `[mine]` with `type = html`); the module that
 * implements a type registers its schema with `registerSectionSchema`.
 */
import { createRequire } from 'node:module';
import * as z from 'zod/mini';
import { OAUTH_ENDPOINT_KEYS, OAUTH_PROVIDERS } from '../auth/oauth-providers.js';
import { REBUILD_MODES } from '../../models/rebuild.js';
import { ConfigurationError, errorMessage } from '../errors.js';
import '../schema-messages.js';
import type { RetryPolicy } from '../retry.js';
import { parseBoolean, parseInteger, parseNumber, splitWords } from './ini.js';

export type SectionSchema = z.ZodMiniObject;

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
  return z.pipe(z.string(), z.transform((text, context): T => {
    try {
      return parse(text);
    } catch (error) {
      context.issues.push({ code: 'custom', message: errorMessage(error), params: SHOW_VALUE, input: text });
      return z.NEVER;
    }
  }));
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

/** node:net takes 2 ms to load: required when an address is checked, not by every command that reads its configuration. */
const isIP = (text: string): number => (createRequire(import.meta.url)('node:net') as typeof import('node:net')).isIP(text);

function ipAddress(allowed: readonly string[]): (text: string) => string {
  return (text) => {
    if (!allowed.includes(text) && isIP(text) === 0) {
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

function withPathRule<S extends z.ZodMiniType>(schema: S, rule?: PathRule): S {
  if (rule !== undefined) pathRules.add(schema, rule);
  return schema;
}

/** An option of the reference this implementation replaced: any non-empty value is an error saying what to use. */
function replaced(instead: string) {
  return z.string().check(z.superRefine((text, context) => {
    if (text.trim().length > 0) context.issues.push({ code: 'custom', message: `no longer supported: ${instead}`, input: text });
  }));
}

const DISTRIBUTED_INSTEAD = 'distributed builds are configured in [distributed] (queue_url, coordinator, worker_id; see docs/distributed.md)';

/** Builders for option schemas; wrap them in `z.optional(schema)` or `z._default(schema, value)` as needed. */
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
    max_retries: z._default(option.integer({ min: 0 }), defaults.maxRetries),
    retry_backoff: z._default(option.float({ min: 0 }), defaults.retryBackoff),
    timeout: z._default(option.integer({ min: 1 }), defaults.timeout),
  };
}

/** The retry policy a section's {@link callOptions} configure. */
export function retryPolicyOf(section: { max_retries: number; retry_backoff: number }): RetryPolicy {
  return { maxRetries: section.max_retries, backoffSeconds: section.retry_backoff };
}

/** The path rule of an option schema, looking through `z.optional()` and `z._default()`. */
export function pathRuleOf(schema: z.ZodMiniType): PathRule | undefined {
  let current: z.ZodMiniType = schema;
  for (;;) {
    const rule = pathRules.get(current);
    if (rule !== undefined) return rule;
    if (current instanceof z.ZodMiniOptional || current instanceof z.ZodMiniDefault) current = current._zod.def.innerType as z.ZodMiniType;
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
  apply_migrations: z._default(option.boolean(), true),
  database: z.optional(option.path()), // default: <[repository] root>/ahriman.db
  include: z._default(option.pathList(), []),
  logging: z.optional(option.path()), // the reference's logging.ini: accepted, not used
  // the reference's legacy places of [logs-rotation] keep_last_logs and [status] suppress_http_log_errors
  keep_last_logs: z.optional(option.integer({ min: 0 })),
  suppress_http_log_errors: z.optional(option.boolean()),
});

const repository = z.object({
  architecture: z.optional(option.string()),
  name: z.optional(option.string()),
  root: option.path('directory'),
});

const alpm = z.object({
  database: z._default(option.path(), '/var/lib/pacman'),
  mirror: z._default(option.url(), 'https://geo.mirror.pkgbuild.com/$repo/os/$arch'),
  repositories: z._default(option.list(), ['core', 'extra', 'multilib']),
  root: z._default(option.path('directory'), '/'),
  sync_files_database: z._default(option.boolean(), true),
  use_ahriman_cache: z._default(option.boolean(), true),
});

const aur = z.object({
  ...callOptions({ timeout: 30, maxRetries: 3, retryBackoff: 1 }),
  url: z._default(option.url(HTTP), 'https://aur.archlinux.org'),
});

const build = z.object({
  archbuild_flags: z._default(option.list(), []),
  build_command: z.optional(option.list()),
  devtools_configs: z.optional(option.path()), // default: <root>/.config/ahriman/pacman.conf.d
  devtools_wrapper: z.optional(option.list()),
  driver: z.optional(fromText(buildDriver)), // default: devtools if makechrootpkg is installed, else sandbox
  ignore_packages: z._default(option.list(), []),
  include_debug_packages: z._default(option.boolean(), true),
  make_flags: z.optional(option.string()),
  makechrootpkg_flags: z._default(option.list(), []),
  makepkg_flags: z._default(option.list(), ['--nocolor', '--ignorearch']),
  min_age: z._default(option.integer({ min: 0 }), 0),
  packager: z.optional(option.string()),
  parallel_jobs: z._default(option.integer({ min: 1 }), 1),
  rebuild_max_per_run: z._default(option.integer({ min: 1 }), 10),
  rebuild_on_dependency_change: z._default(option.oneOf(REBUILD_MODES), 'soname'),
  scan_paths: z._default(option.regexList(), ['^usr/lib(?!/cmake).*$']),
  triggers: z._default(option.list(), DEFAULT_TRIGGERS),
  triggers_known: z._default(option.list(), []),
  user: z._default(option.string(), 'ahriman'),
  vcs_allowed_age: z._default(option.integer({ min: 0 }), 604800),
  workers: z.optional(replaced(DISTRIBUTED_INSTEAD)),
});

const sign = z
  .object({
    key: z.optional(option.string()),
    key_file: z.optional(option.path('file')),
    passphrase_env: z.optional(option.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'))),
    passphrase_file: z.optional(option.path('file')),
    target: z._default(option.listOf(SIGN_TARGETS, { ignoreCase: true }), []),
  }).check(z.superRefine((section, context) => {
    const signing = section.target.some((target) => target !== 'disabled');
    if (signing && section.key === undefined && section.key_file === undefined) {
      const message = 'key or key_file is required when target enables signing';
      context.issues.push({ code: 'custom', path: ['key'], message, params: MISSING_OPTION, input: section });
    }
    if (section.passphrase_env !== undefined && section.passphrase_file !== undefined) {
      context.issues.push({ code: 'custom', path: ['passphrase_file'], message: 'set either passphrase_env or passphrase_file, not both', input: section });
    }
  }));

const status = z.object({
  address: z.optional(option.url([...HTTP, 'http+unix'])),
  enabled: z._default(option.boolean(), true),
  ...callOptions({ timeout: 30, maxRetries: 0, retryBackoff: 0 }),
  password: z.optional(option.string()),
  suppress_http_log_errors: z._default(option.boolean(), false),
  username: z.optional(option.string()),
});

// The reference's web options are all accepted; its template and static paths are not checked because they name
// the reference's own assets, which an existing configuration may still point at.
const web = z.object({
  address: z.optional(option.url(HTTP)),
  autorefresh_intervals: z._default(option.integerList({ min: 0 }), [5, 1, 10, 30, 60]),
  cors_allow_headers: z._default(option.list(), []),
  cors_allow_methods: z._default(option.list(), []),
  cors_allow_origins: z._default(option.list(), []),
  cors_expose_headers: z._default(option.list(), []),
  enable_archive_upload: z._default(option.boolean(), false),
  host: z._default(option.ipAddress(['localhost']), '127.0.0.1'),
  index_url: z.optional(option.url(HTTP)),
  max_body_size: z.optional(option.integer({ min: 1 })),
  max_queue_size: z._default(option.integer({ min: 0 }), 0),
  port: z.optional(option.integer({ min: 0, max: 65535 })),
  service_only: z._default(option.boolean(), false),
  static_path: z.optional(option.path()),
  template: z.optional(option.string()),
  templates: z.optional(option.pathList()),
  unix_socket: z.optional(option.path()),
  unix_socket_unsafe: z._default(option.boolean(), true),
  wait_timeout: z.optional(option.integer()),
});

const AUTH_TARGETS = ['disabled', 'configuration', 'mapping', 'oauth', 'oauth2', 'pam'] as const;
const AUTH_REQUIREMENTS: Partial<Record<(typeof AUTH_TARGETS)[number], readonly string[]>> = {
  oauth: ['client_id', 'client_secret', 'oauth_scopes'],
  oauth2: ['client_id', 'client_secret', 'oauth_scopes'],
  pam: ['full_access_group'],
};

/** An OAuth provider is either one of the known names or given by its three endpoints. */
function checkOAuthProvider(section: Record<string, unknown>, context: z.core.$RefinementCtx): void {
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
    allow_read_only: z._default(option.boolean(), true),
    client_id: z.optional(option.string()),
    client_secret: z.optional(option.string()),
    cookie_secret_key: z.optional(option.string().check(z.minLength(32, 'expected at least 32 characters'), z.maxLength(64, 'expected at most 64 characters'))),
    full_access_group: z.optional(option.string()),
    max_age: z._default(option.integer({ min: 0 }), 604800),
    oauth_authorize_url: z.optional(option.url(HTTP)),
    oauth_icon: z.optional(option.string()),
    oauth_provider: z.optional(option.string()),
    oauth_scopes: z.optional(option.string()),
    oauth_token_url: z.optional(option.url(HTTP)),
    oauth_userinfo_url: z.optional(option.url(HTTP)),
    permit_root_login: z._default(option.boolean(), false),
    salt: z.optional(option.string()),
    target: z._default(option.oneOf(AUTH_TARGETS), 'disabled'),
  }).check(z.superRefine((section, context) => {
    for (const key of AUTH_REQUIREMENTS[section.target] ?? []) {
      if (section[key as keyof typeof section] === undefined) {
        context.issues.push({ code: 'custom', path: [key], message: `required when target is ${section.target}`, params: MISSING_OPTION, input: section });
      }
    }
    if (section.target === 'oauth' || section.target === 'oauth2') checkOAuthProvider(section, context);
  }));

export const DISTRIBUTED_FALLBACKS = ['none', 'local'] as const;

// queue_url may carry a password (redis://:secret@host): messages show URLs with their credentials masked.
const distributed = z.object({
  concurrency: z._default(option.integer({ min: 1 }), 1),
  coordinator: z.optional(option.url(HTTP)), // default: [status] address
  fallback: z._default(option.oneOf(DISTRIBUTED_FALLBACKS), 'none'),
  heartbeat: z._default(option.integer({ min: 1 }), 10),
  job_timeout: z._default(option.integer({ min: 1 }), 21600),
  max_attempts: z._default(option.integer({ min: 1 }), 3),
  prefix: z._default(option.string().check(z.regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, dot, dash or underscore')), 'ahriman'),
  queue_url: option.url(['redis', 'rediss']),
  worker_id: z.optional(option.string().check(z.regex(/^[A-Za-z0-9_.@-]+$/, 'expected letters, digits, dot, dash, at or underscore'))), // default: <hostname>-<pid>
});

const targets = () => z.object({ target: z._default(option.list(), []) });

const POINTER_NAME = /^[a-z][a-z0-9_-]*$/;
const AUTOMATIC_POINTERS = ['current', 'consistent'];

/**
 * Snapshots and their pointers. Besides these options, `promote_<pointer> = <jobs>` names the CI jobs whose passing
 * votes move a user-defined pointer to a newer snapshot (checked here, since option names are open).
 */
const snapshotOptions = z.object({
  enabled: z._default(option.boolean(), false),
  keep: z._default(option.integer({ min: 0 }), 10),
  older_than: z._default(option.integer({ min: 0 }), 0),
  pointers: z._default(option.list(), []),
});

const snapshots = z.catchall(snapshotOptions, option.list()).check(z.superRefine((section, context) => {
  for (const pointer of section.pointers) {
    if (!POINTER_NAME.test(pointer)) {
      context.issues.push({ code: 'custom', path: ['pointers'], message: `'${pointer}' is no pointer name (lower case letters, digits, - and _)`, input: section });
    } else if (AUTOMATIC_POINTERS.includes(pointer)) {
      context.issues.push({ code: 'custom', path: ['pointers'], message: `'${pointer}' is moved automatically and cannot be user-defined`, input: section });
    }
  }
  for (const key of Object.keys(section).filter((name) => !(name in snapshotOptions.shape))) {
    const pointer = /^promote_(.+)$/.exec(key)?.[1];
    if (pointer === undefined) context.issues.push({ code: 'custom', path: [key], message: 'unknown option (promotion rules are promote_<pointer>)', input: section });
    else if (!section.pointers.includes(pointer)) {
      context.issues.push({ code: 'custom', path: [key], message: `pointer '${pointer}' is not listed in pointers`, input: section });
    } else if ((section[key] as string[]).length === 0) {
      context.issues.push({ code: 'custom', path: [key], message: 'names no job', input: section });
    }
  }
}));

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
  archive: z.object({ keep_built_packages: z._default(option.integer({ min: 0 }), 1) }),
  'logs-rotation': z.object({ keep_last_logs: z._default(option.integer({ min: 0 }), 5) }),
  snapshots,
  distributed,
  worker: z.object({
    address: z.optional(replaced(DISTRIBUTED_INSTEAD)),
    identifier: z.optional(replaced(DISTRIBUTED_INSTEAD)),
    time_to_live: z.optional(replaced(DISTRIBUTED_INSTEAD)),
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
