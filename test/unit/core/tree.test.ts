import { describe, expect, it } from 'vitest';
import { dependencyName, parseDependency } from '../../../src/core/alpm/dependency.js';
import { partition, resolveLevels, type TreeNode } from '../../../src/core/tree.js';

const node = (base: string, dependencies: string[] = [], provides: string[] = []): TreeNode => ({ base, dependencies, provides });

describe('dependency levels', () => {
  it('orders bases so that each level depends only on earlier ones', () => {
    const { levels, unresolvable } = resolveLevels([
      node('app', ['libfoo>=1.0', 'glibc']),
      node('libfoo', ['libbar']),
      node('libbar'),
      node('standalone', ['bash']),
    ]);
    expect(levels).toEqual([['libbar', 'standalone'], ['libfoo'], ['app']]);
    expect(unresolvable.size).toBe(0);
  });

  it('follows provides and split package names to their base', () => {
    const { levels } = resolveLevels([node('consumer', ['virtual-sh']), node('provider', [], ['virtual-sh=1.0'])]);
    expect(levels).toEqual([['provider'], ['consumer']]);
  });

  it('reports a cycle and what depends on it, and still orders the rest', () => {
    const { levels, unresolvable } = resolveLevels([
      node('a', ['b']),
      node('b', ['c']),
      node('c', ['a']),
      node('needs-cycle', ['a']),
      node('fine', ['base-lib']),
      node('base-lib'),
    ]);
    expect(levels).toEqual([['base-lib'], ['fine']]);
    expect(unresolvable.get('a')).toBe('dependency cycle: a -> b -> c -> a');
    expect(unresolvable.get('c')).toBe('dependency cycle: a -> b -> c -> a');
    expect(unresolvable.get('needs-cycle')).toMatch(/depends on a, which cannot be built/);
  });

  it('ignores a base depending on itself', () => {
    expect(resolveLevels([node('self', ['self'])]).levels).toEqual([['self']]);
  });

  it('orders a long chain one base per level', () => {
    const nodes = Array.from({ length: 500 }, (_, index) => node(`p${index}`, index > 0 ? [`p${index - 1}`] : []));
    const { levels } = resolveLevels(nodes.reverse());
    expect(levels).toHaveLength(500);
    expect(levels[0]).toEqual(['p0']);
    expect(levels[499]).toEqual(['p499']);
  });
});

describe('partitions', () => {
  it('keeps dependent bases together and balances independent groups', () => {
    const groups = partition([node('a', ['b']), node('b'), node('c'), node('d', ['c']), node('e')], 2);
    expect(groups).toHaveLength(2);
    const owner = (base: string) => groups.findIndex((group) => group.includes(base));
    expect(owner('a')).toBe(owner('b'));
    expect(owner('c')).toBe(owner('d'));
    expect(groups.flat().sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('never returns empty groups', () => {
    expect(partition([node('a')], 4)).toEqual([['a']]);
  });
});

describe('dependency strings', () => {
  it('parses constraints, epochs and optdepends reasons', () => {
    expect(parseDependency('foo>=1.0')).toEqual({ name: 'foo', operator: '>=', version: '1.0' });
    expect(parseDependency('foo=2:1.0-1')).toEqual({ name: 'foo', operator: '=', version: '2:1.0-1' });
    expect(parseDependency('libfoo.so=1-64')).toEqual({ name: 'libfoo.so', operator: '=', version: '1-64' });
    expect(dependencyName('python-foo: for the foo backend')).toBe('python-foo');
    expect(dependencyName('bar<3')).toBe('bar');
  });
});
