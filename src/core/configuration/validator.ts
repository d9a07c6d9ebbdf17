/**
 * Checks a loaded configuration against the section schemas (`service-config-validate`) and reads typed sections.
 *
 * What is checked:
 * - the core sections (when present; `[repository]` always), and without a repository id their `section:*`
 *   overrides (without their required options, which may come from the base section);
 * - every section named in a `target` list (report, upload, ...), with the schema registered for its type; a type
 *   nobody registered (a third-party trigger) is a warning, a target without a section an error;
 * - any other section whose type has a schema, as a sample (required options not enforced);
 * - everything else is a warning: ahriman does not use it.
 */
import fs from 'node:fs';
import type * as z from 'zod/mini';
import { ConfigurationError, errorMessage } from '../errors.js';
import { type Configuration, displayValue, REPOSITORY_OVERRIDE_SECTIONS } from './configuration.js';
import { coreSchemas, pathRuleOf, registeredSectionSchemas, type SectionSchema, TRIGGER_TARGET_SECTIONS } from './schema.js';

export interface Issue {
  section: string;
  key?: string;
  severity: 'error' | 'warning';
  message: string;
}

/** An issue, and whether it is about a required option that is missing. */
interface Finding {
  issue: Issue;
  missing: boolean;
}

interface ParsedSection<S extends SectionSchema> {
  findings: Finding[];
  /** The interpolated values of the options the schema knows. */
  input: Record<string, string>;
  data?: z.output<S>;
}

function finding(section: string, key: string | undefined, message: string, missing = false): Finding {
  return { issue: { section, ...(key === undefined ? {} : { key }), severity: 'error', message }, missing };
}

function warning(section: string, key: string | undefined, message: string): Issue {
  return { section, ...(key === undefined ? {} : { key }), severity: 'warning', message };
}

function describe({ issue }: Finding): string {
  return `${issue.key === undefined ? `[${issue.section}]` : `[${issue.section}] ${issue.key}`}: ${issue.message}`;
}

/**
 * A section's options as typed values with the schema's defaults. Unknown options are ignored (the validator
 * reports them); invalid values and missing required options throw a ConfigurationError naming each of them.
 */
export function readSection<S extends SectionSchema>(configuration: Configuration, section: string, schema: S): z.output<S> {
  const { findings, data } = parseSection(configuration, section, schema);
  if (findings.length > 0 || data === undefined) throw new ConfigurationError(findings.map(describe).join('; '));
  return data;
}

/** Every problem of the configuration; errors make it unusable, warnings point at options that have no effect. */
export function validateConfiguration(configuration: Configuration, extraSchemas: Readonly<Record<string, SectionSchema>> = {}): Issue[] {
  const typeSchemas = new Map([...registeredSectionSchemas(), ...Object.entries(extraSchemas)]);
  const issues: Issue[] = [];
  const checked = new Set<string>();
  const check = (section: string, schema: SectionSchema, { partial, typed }: { partial: boolean; typed: boolean }): void => {
    checked.add(section);
    const findings = checkSection(configuration, section, schema, typed);
    issues.push(...findings.filter((item) => !(partial && item.missing)).map((item) => item.issue));
  };

  // core sections and (without a repository id) their per-repository overrides
  for (const [name, schema] of Object.entries(coreSchemas)) {
    if (configuration.hasSection(name) || name === 'repository') check(name, schema, { partial: false, typed: false });
  }
  for (const section of configuration.sections()) {
    const base = REPOSITORY_OVERRIDE_SECTIONS.find((name) => section.startsWith(`${name}:`));
    if (base !== undefined) check(section, coreSchemas[base], { partial: true, typed: false });
  }
  if (configuration.has('settings', 'logging')) {
    issues.push(warning('settings', 'logging', 'not used: ahriman logs to the console or the journal (see --log-handler)'));
  }

  // sections named by trigger target lists
  for (const [family, defaultType] of Object.entries(TRIGGER_TARGET_SECTIONS)) {
    for (const target of targetsOf(configuration, family)) {
      let sections: { section: string; type: string }[];
      try {
        sections = targetSections(configuration, target, defaultType);
      } catch (error) {
        issues.push(finding(family, 'target', errorMessage(error)).issue);
        continue;
      }
      for (const { section, type } of sections.filter(({ section }) => !checked.has(section))) {
        const schema = typeSchemas.get(type);
        if (!configuration.hasSection(section) && schema === undefined) {
          issues.push(finding(family, 'target', `section [${target}] not found, and '${target}' is no known type either`).issue);
          continue;
        }
        if (schema !== undefined) check(section, schema, { partial: false, typed: true });
        else {
          checked.add(section);
          issues.push(warning(section, undefined, `no schema known for type '${type}' (a third-party trigger?): options not checked`));
        }
      }
    }
  }

  // the rest: samples of known types, or unused
  for (const section of configuration.sections().filter((name) => !checked.has(name))) {
    const schema = typeSchemas.get(configuration.get(section, 'type') ?? section.split(':')[0]!);
    if (schema !== undefined) check(section, schema, { partial: true, typed: true });
    else issues.push(warning(section, undefined, 'not used by ahriman or by any trigger target'));
  }
  return issues;
}

/** The findings of one section, ordered by option name. */
function checkSection(configuration: Configuration, section: string, schema: SectionSchema, typed: boolean): Finding[] {
  const parsed = parseSection(configuration, section, schema);
  const findings = [...unknownOptions(configuration, section, schema, typed), ...parsed.findings, ...pathProblems(configuration, section, schema, parsed)];
  const key = (item: Finding): string => item.issue.key ?? '';
  return findings.sort((left, right) => (key(left) < key(right) ? -1 : key(left) > key(right) ? 1 : 0));
}

function parseSection<S extends SectionSchema>(configuration: Configuration, section: string, schema: S): ParsedSection<S> {
  const findings: Finding[] = [];
  const input: Record<string, string> = {};
  for (const key of configuration.options(section).filter((name) => name in schema.shape || takesExtraOptions(schema))) {
    try {
      input[key] = configuration.get(section, key)!;
    } catch (error) {
      findings.push(finding(section, key, errorMessage(error)));
    }
  }
  const result = schema.safeParse(input);
  if (result.success) return { findings, input, data: result.data };
  findings.push(...result.error.issues.map((issue) => fromZodIssue(section, issue, input)));
  return { findings, input };
}

/** Coercion failures say what was expected and get the (masked) value appended; custom checks speak for themselves. */
function fromZodIssue(section: string, issue: z.core.$ZodIssue, input: Record<string, string>): Finding {
  const key = issue.path.length > 0 ? String(issue.path[0]) : undefined;
  const value = key === undefined ? undefined : input[key];
  const params = issue.code === 'custom' ? (issue.params ?? {}) : {};
  if (key !== undefined && value === undefined) {
    const missing = issue.code !== 'custom' || params.missing === true;
    return finding(section, key, issue.code === 'custom' ? `missing: ${issue.message}` : 'missing required option', missing);
  }
  const showValue = key !== undefined && value !== undefined && (issue.code !== 'custom' || params.showValue === true);
  return finding(section, key, showValue ? `${issue.message}, got '${displayValue(key, value)}'` : issue.message);
}

/** Whether the schema takes options by pattern (a catch-all, e.g. `[snapshots] promote_<pointer>`) and checks their names itself. */
function takesExtraOptions(schema: SectionSchema): boolean {
  const catchall = schema.def.catchall;
  return catchall !== undefined && catchall._zod.def.type !== 'never';
}

function unknownOptions(configuration: Configuration, section: string, schema: SectionSchema, typed: boolean): Finding[] {
  if (takesExtraOptions(schema)) return [];
  const known = Object.keys(schema.shape);
  return configuration
    .options(section)
    .filter((key) => !known.includes(key) && !(typed && key === 'type'))
    .map((key) => {
      const suggestion = closest(key, known);
      return finding(section, key, `unknown option${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`);
    });
}

function pathProblems(configuration: Configuration, section: string, schema: SectionSchema, parsed: ParsedSection<SectionSchema>): Finding[] {
  const findings: Finding[] = [];
  const invalid = new Set(parsed.findings.map(({ issue }) => issue.key));
  for (const [key, field] of Object.entries(schema.shape)) {
    const rule = pathRuleOf(field as z.ZodMiniType);
    if (rule === undefined || parsed.input[key] === undefined || invalid.has(key)) continue;
    const paths = rule.list ? configuration.getPathList(section, key) : [configuration.getPath(section, key)];
    for (const file of paths) {
      const stat = fs.statSync(file, { throwIfNoEntry: false });
      if (stat === undefined) findings.push(finding(section, key, `${rule.mustExist} ${file} does not exist`));
      else if (rule.mustExist === 'directory' ? !stat.isDirectory() : !stat.isFile()) {
        findings.push(finding(section, key, `${file} is not a ${rule.mustExist}`));
      }
    }
  }
  return findings;
}

/** The target list of a trigger section; an unreadable list is reported by the check of the section itself. */
function targetsOf(configuration: Configuration, family: string): string[] {
  try {
    return configuration.getList(family, 'target', []);
  } catch {
    return [];
  }
}

/** With a repository id, the section the trigger will read; without one, every `target:*` override may be read. */
function targetSections(configuration: Configuration, target: string, defaultType: string | undefined): { section: string; type: string }[] {
  const typed = configuration.get(target, 'type') ?? defaultType;
  if (configuration.repositoryId !== undefined || typed !== undefined) return [configuration.typedSection(target, defaultType)];
  const candidates = configuration.sections().filter((name) => name === target || name.startsWith(`${target}:`));
  if (candidates.length === 0) return [configuration.typedSection(target)]; // the target name is its type
  return candidates.map((section) => ({ section, type: target }));
}

/** The known option within two edits of a misspelt one. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

function editDistance(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    for (let j = 1; j <= right.length; j++) {
      const substitution = previous[j - 1]! + (left[i - 1] === right[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length]!;
}
