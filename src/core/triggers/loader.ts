/**
 * Turns the entries of `[build] triggers` into trigger factories. An entry is one of:
 * - a built-in name (`report`, `upload`, `remote-pull`, ...) or the reference's class path of the same trigger
 *   (`ahriman.core.report.ReportTrigger`);
 * - a file path, absolute or relative to the configuration file (`/etc/ahriman/my-trigger.js`), with an optional
 *   export name (`/etc/ahriman/triggers.js:MyTrigger`; default: the default export);
 * - an installed package or one of its modules (`ahriman-trigger-matrix`, `@me/triggers/chat.js:chat`), with the
 *   same optional export name.
 * Everything is loaded with `import()`, only when configured. The export must be a {@link TriggerFactory}.
 */
import path from 'node:path';
import * as z from 'zod/mini';
import type { Configuration } from '../configuration/configuration.js';
import { DEFAULT_TRIGGERS, type SectionSchema } from '../configuration/schema.js';
import type { Issue } from '../configuration/validator.js';
import { ConfigurationError, errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';
import { type ExportReference, importExport, moduleReference } from '../module-export.js';
import { BUILTIN_TRIGGERS, REFERENCE_TRIGGER_NAMES, UNSUPPORTED_TRIGGERS } from './builtin.js';
import type { TriggerFactory } from './trigger.js';

const REFERENCE_PREFIX = 'ahriman.';

const logger = getLogger('triggers');

/** `[build] triggers`: the triggers every repository-changing command runs, in this order. */
export function configuredTriggers(configuration: Configuration): string[] {
  return configuration.getList('build', 'triggers', DEFAULT_TRIGGERS);
}

/** `[build] triggers_known`: triggers that are not run, whose configuration sections are validated all the same. */
export function knownTriggers(configuration: Configuration): string[] {
  return configuration.getList('build', 'triggers_known', [] as string[]);
}

function builtinReference(entry: string): ExportReference | undefined {
  const name = REFERENCE_TRIGGER_NAMES[entry] ?? entry;
  const builtin = BUILTIN_TRIGGERS[name];
  if (builtin === undefined) return undefined;
  return { description: `built-in trigger ${name}`, load: builtin.load, exportName: builtin.exportName };
}

/** Where an entry points; undefined for a trigger this implementation deliberately does not have. */
function locate(entry: string, relativeTo: string): ExportReference | undefined {
  if (entry.length === 0) throw new ConfigurationError('empty trigger name');
  if (UNSUPPORTED_TRIGGERS.has(entry)) return undefined;
  const builtin = builtinReference(entry);
  if (builtin !== undefined) return builtin;
  if (entry.startsWith(REFERENCE_PREFIX)) {
    throw new ConfigurationError(`unknown trigger ${entry}: the reference's triggers known here are ${Object.keys(REFERENCE_TRIGGER_NAMES).join(', ')}`);
  }
  return moduleReference(entry, relativeTo, 'trigger');
}

function isObjectSchema(value: unknown): value is SectionSchema {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { safeParse?: unknown; shape?: unknown };
  return typeof candidate.safeParse === 'function' && typeof candidate.shape === 'object' && candidate.shape !== null;
}

/** What makes `value` not a TriggerFactory, or undefined when it is one. */
function factoryProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return `it is ${value === null ? 'null' : `a ${typeof value}`}`;
  const candidate = value as Partial<Record<keyof TriggerFactory, unknown>>;
  if (typeof candidate.name !== 'string' || candidate.name.length === 0) return 'it has no name';
  if (typeof candidate.create !== 'function') return 'it has no create(context) function';
  const schemas = candidate.configurationSchemas;
  if (schemas === undefined) return undefined;
  if (typeof schemas !== 'object' || schemas === null) return 'its configurationSchemas is not an object';
  const invalid = Object.entries(schemas).find(([, schema]) => !isObjectSchema(schema));
  return invalid === undefined ? undefined : `its configurationSchemas.${invalid[0]} is not a zod object schema`;
}

/**
 * The factory an entry of `[build] triggers` names (see the module comment). Relative file paths are resolved
 * against the directory of the configuration file. Returns undefined, with a warning, for the reference's
 * push-based distributed-build triggers; throws a ConfigurationError naming the entry and what is wrong with it otherwise.
 */
export async function loadTriggerFactory(entry: string, configuration: Configuration): Promise<TriggerFactory | undefined> {
  const reference = locate(entry.trim(), path.dirname(configuration.path));
  if (reference === undefined) {
    logger.warning(`trigger ${entry} is not supported (the reference's push-based workers are replaced by pull-based ones configured in [distributed], see docs/distributed.md): skipped`);
    return undefined;
  }
  const value = await importExport(reference, (candidate) => factoryProblem(candidate) === undefined, 'trigger');
  const problem = factoryProblem(value);
  if (problem !== undefined) {
    throw new ConfigurationError(
      `export '${reference.exportName}' of ${reference.description} is not a trigger factory: ${problem} (expected { name, create(context), configurationSchemas? })`,
    );
  }
  return value as TriggerFactory;
}

/** The schema with every option optional: sections of triggers that are known but not run need nothing. */
function withNothingRequired(schema: SectionSchema): SectionSchema {
  const shape = schema.shape as Record<string, z.ZodMiniType>;
  return z.object(Object.fromEntries(Object.entries(shape).map(([key, option]) => [key, z.optional(option)])));
}

export interface TriggerSchemas {
  /** Section schemas by section type, for `validateConfiguration`. */
  schemas: Record<string, SectionSchema>;
  /** Triggers that could not be loaded: errors for configured ones, warnings for known ones. */
  issues: Issue[];
}

function listOrEmpty(read: () => string[]): string[] {
  try {
    return read();
  } catch {
    return []; // an unreadable list is reported by the check of [build] itself
  }
}

/**
 * The section schemas of the configured triggers and, with nothing required, of the known ones (a type both
 * declare is checked as the configured trigger says), for service-config-validate.
 */
export async function triggerSchemas(configuration: Configuration): Promise<TriggerSchemas> {
  const configured = listOrEmpty(() => configuredTriggers(configuration));
  const known = listOrEmpty(() => knownTriggers(configuration)).filter((entry) => !configured.includes(entry));
  const result: TriggerSchemas = { schemas: {}, issues: [] };
  const collect = async (entries: string[], key: 'triggers' | 'triggers_known', adapt: (schema: SectionSchema) => SectionSchema): Promise<void> => {
    for (const entry of entries) {
      try {
        const factory = await loadTriggerFactory(entry, configuration);
        for (const [type, schema] of Object.entries(factory?.configurationSchemas ?? {})) {
          result.schemas[type] ??= adapt(schema as SectionSchema);
        }
      } catch (error) {
        const severity = key === 'triggers' ? 'error' : 'warning';
        result.issues.push({ section: 'build', key, severity, message: errorMessage(error) });
      }
    }
  };
  await collect(configured, 'triggers', (schema) => schema);
  await collect(known, 'triggers_known', withNothingRequired);
  return result;
}
