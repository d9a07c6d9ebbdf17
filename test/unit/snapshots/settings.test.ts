import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Configuration } from '../../../src/core/configuration/configuration.js';
import { validateConfiguration } from '../../../src/core/configuration/validator.js';
import { readSnapshotSettings } from '../../../src/core/snapshots/settings.js';
import { RepositoryId } from '../../../src/models/repository-id.js';

let directory: string;

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'ahriman-snapshot-settings-'));
});

afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

function load(snapshots: string): Configuration {
  const file = path.join(directory, 'ahriman.ini');
  fs.writeFileSync(file, `[repository]\nroot = ${directory}\n[snapshots]\n${snapshots}`);
  return Configuration.load(file, new RepositoryId('x86_64', 'demo'), {});
}

describe('[snapshots]', () => {
  it('reads pointers and their promotion rules, with defaults for the rest', () => {
    const settings = readSnapshotSettings(load('enabled = yes\npointers = testing stable\npromote_stable = unit integration\n'));
    expect(settings).toEqual({ enabled: true, keep: 10, olderThanDays: 0, pointers: ['testing', 'stable'], promotions: new Map([['stable', ['unit', 'integration']]]) });
  });

  it('names each bad pointer, rule and unknown option in one line', () => {
    const issues = validateConfiguration(load('pointers = Stable current ok\npromote_other = unit\nkepp = 3\n')).filter((issue) => issue.section === 'snapshots');
    expect(issues.map((issue) => `${issue.key}: ${issue.message}`).sort()).toEqual([
      'kepp: unknown option (promotion rules are promote_<pointer>)',
      "pointers: 'Stable' is no pointer name (lower case letters, digits, - and _)",
      "pointers: 'current' is moved automatically and cannot be user-defined",
      "promote_other: pointer 'other' is not listed in pointers",
    ]);
  });
});
