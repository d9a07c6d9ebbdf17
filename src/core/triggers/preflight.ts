/**
 * What a repository-changing command checks before it changes anything: every trigger it will run can be loaded, and
 * the sections those triggers read (`[report]`, `[upload]`, ... and the sections their `target` lists name) are
 * valid. A trigger that could only fail after the change would leave a change the command then reports as failed.
 */
import type { Configuration } from '../configuration/configuration.js';
import { registeredSectionSchemas, type SectionSchema, TRIGGER_TARGET_SECTIONS } from '../configuration/schema.js';
import { type Issue, validateConfiguration } from '../configuration/validator.js';
import { ConfigurationError, errorMessage } from '../errors.js';
import { REFERENCE_TRIGGER_NAMES } from './builtin.js';
import { loadTriggerFactory } from './loader.js';

function describeIssue(issue: Issue): string {
  return `${issue.key === undefined ? `[${issue.section}]` : `[${issue.section}] ${issue.key}`}: ${issue.message}`;
}

/** The sections a family of targets reads: the family's own and the one of each target, with its type. */
function familySections(configuration: Configuration, family: string): Array<{ section: string; type: string }> {
  const defaultType = TRIGGER_TARGET_SECTIONS[family];
  return configuration.getList(family, 'target', [] as string[]).map((target) => configuration.typedSection(target, defaultType));
}

/** Throws one ConfigurationError naming every problem of what `triggers` need; returns when there is none. */
export async function checkTriggerConfiguration(configuration: Configuration, triggers: readonly string[]): Promise<void> {
  const problems: string[] = [];
  const schemas: Record<string, SectionSchema> = {};
  for (const entry of triggers) {
    try {
      const factory = await loadTriggerFactory(entry, configuration);
      Object.assign(schemas, factory?.configurationSchemas ?? {});
    } catch (error) {
      problems.push(`[build] triggers: ${entry}: ${errorMessage(error)}`);
    }
  }
  const known = new Set([...registeredSectionSchemas().keys(), ...Object.keys(schemas)]);
  const families = new Set(triggers.map((entry) => REFERENCE_TRIGGER_NAMES[entry.trim()] ?? entry.trim()));
  const sections = new Set<string>();
  for (const family of Object.keys(TRIGGER_TARGET_SECTIONS).filter((name) => families.has(name))) {
    sections.add(family);
    try {
      for (const { section, type } of familySections(configuration, family)) {
        sections.add(section);
        if (!known.has(type)) problems.push(`[${family}] target: section [${section}] has type '${type}', which no configured trigger knows`);
      }
    } catch (error) {
      problems.push(`[${family}] target: ${errorMessage(error)}`);
    }
  }
  const issues = validateConfiguration(configuration, schemas).filter(
    // unknown options change nothing a trigger does; service-config-validate reports them
    (issue) => issue.severity === 'error' && sections.has(issue.section) && !issue.message.startsWith('unknown option'),
  );
  problems.push(...issues.map(describeIssue));
  if (problems.length > 0) throw new ConfigurationError(`invalid trigger configuration, nothing changed: ${[...new Set(problems)].join('; ')}`);
}
