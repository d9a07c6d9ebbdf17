/**
 * ahriman.ini.example documents every option the schema accepts: each key of each core section, and each key of
 * each typed trigger section (report, upload, gitremote, keyring and mirrorlist targets), commented out or set.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod/mini';
import { packageRoot } from '../../../src/core/package-root.js';
import { coreSchemas } from '../../../src/core/configuration/schema.js';
import { BUILTIN_TRIGGERS } from '../../../src/core/triggers/builtin.js';
import type { TriggerFactory } from '../../../src/core/triggers/trigger.js';

interface ExampleSection {
  type: string | undefined;
  keys: Set<string>;
}

/** Sections of the example, set or commented out (`;[name]`, `;key =`); prose comments start with "; ". */
function exampleSections(): Map<string, ExampleSection> {
  const sections = new Map<string, ExampleSection>();
  let current: ExampleSection | undefined;
  for (const line of readFileSync(path.join(packageRoot(), 'ahriman.ini.example'), 'utf8').split('\n')) {
    const header = /^;?\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      current = sections.get(header[1]!) ?? { type: undefined, keys: new Set() };
      sections.set(header[1]!, current);
      continue;
    }
    const option = /^;?([a-z_]+)(?:\[\])?\s*=\s*(.*)$/.exec(line);
    if (!option || !current) continue;
    current.keys.add(option[1]!);
    if (option[1] === 'type') current.type = option[2]!.trim();
  }
  return sections;
}

function schemaKeys(schema: z.ZodMiniType): string[] {
  return Object.keys((schema as z.ZodMiniObject).shape).sort();
}

/** The keys the example lists for sections of `type`: sections named so, or saying `type = <type>`. */
function keysOfType(sections: Map<string, ExampleSection>, type: string): Set<string> {
  const keys = new Set<string>();
  for (const [name, section] of sections) {
    if (name === type || section.type === type) for (const key of section.keys) keys.add(key);
  }
  keys.delete('type');
  return keys;
}

describe('ahriman.ini.example', () => {
  const sections = exampleSections();

  it('lists every option of every core section', () => {
    const missing = Object.entries(coreSchemas).flatMap(([name, schema]) => {
      const listed = sections.get(name)?.keys ?? new Set<string>();
      return schemaKeys(schema).filter((key) => !listed.has(key)).map((key) => `[${name}] ${key}`);
    });
    expect(missing).toEqual([]);
  });

  it('lists every option of every typed section the built-in triggers read', async () => {
    const schemas = new Map<string, z.ZodMiniType>();
    for (const { load, exportName } of Object.values(BUILTIN_TRIGGERS)) {
      const loaded = (await load()) as Record<string, TriggerFactory>;
      for (const [type, schema] of Object.entries(loaded[exportName]?.configurationSchemas ?? {})) schemas.set(type, schema);
    }
    expect(schemas.size).toBeGreaterThan(5);
    const missing = [...schemas].flatMap(([type, schema]) => {
      const listed = keysOfType(sections, type);
      return schemaKeys(schema).filter((key) => !listed.has(key)).map((key) => `type ${type}: ${key}`);
    });
    expect(missing).toEqual([]);
  });
});
