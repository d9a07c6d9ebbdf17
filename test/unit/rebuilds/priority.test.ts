import { describe, expect, it } from 'vitest';
import { isMajorChange, rankRebuilds, rebuildPriority } from '../../../src/core/rebuilds/priority.js';

const DAY = 86_400;
const none = { sonameChanges: 0, majorChanges: 0, changedDependencies: 0, secondsSinceBuild: 0, recentFailures: 0 };

describe('rebuild priority (docs/rebuilds.md)', () => {
  it('ranks 5 scheduled rebuilds: soname change, soname change after a failure, major change, long unbuilt, several minor changes', () => {
    const scheduled = [
      { base: 'minor-three', priority: rebuildPriority({ ...none, changedDependencies: 3, secondsSinceBuild: 2 * DAY }) },
      { base: 'soname-failed', priority: rebuildPriority({ ...none, sonameChanges: 1, changedDependencies: 1, recentFailures: 1 }) },
      { base: 'major', priority: rebuildPriority({ ...none, majorChanges: 1, changedDependencies: 1 }) },
      { base: 'old-build', priority: rebuildPriority({ ...none, changedDependencies: 1, secondsSinceBuild: 25 * DAY }) },
      { base: 'soname', priority: rebuildPriority({ ...none, sonameChanges: 1, changedDependencies: 1, secondsSinceBuild: DAY }) },
    ];
    expect(rankRebuilds(scheduled)).toEqual([
      { base: 'soname', priority: 1011 },
      { base: 'soname-failed', priority: 710 },
      { base: 'major', priority: 110 },
      { base: 'old-build', priority: 35 },
      { base: 'minor-three', priority: 32 },
    ]);
  });

  it('counts at most 30 days since the last build, and orders equal priorities by base', () => {
    expect(rebuildPriority({ ...none, secondsSinceBuild: 400 * DAY })).toBe(30);
    expect(rankRebuilds([{ base: 'b', priority: 5 }, { base: 'a', priority: 5 }]).map((item) => item.base)).toEqual(['a', 'b']);
  });

  it('calls a change of the epoch or of the first pkgver component major', () => {
    expect(isMajorChange('1.9-1', '2.0-1')).toBe(true);
    expect(isMajorChange('1:1.0-1', '2:1.0-1')).toBe(true);
    expect(isMajorChange('2.0-1', '2.1-3')).toBe(false);
    expect(isMajorChange('2.0-1', '2.0-2')).toBe(false);
  });
});
