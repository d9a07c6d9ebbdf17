import { dependencyName } from './alpm/dependency.js';

/** What the tree needs to know about one package base of an update. */
export interface TreeNode {
  base: string;
  /** Names of the packages the base produces, and the names they provide. */
  provides: string[];
  /** depends, makedepends and checkdepends of all its packages, as written (constraints allowed). */
  dependencies: string[];
}

export interface TreeLevels {
  /** Each level depends only on earlier levels: the bases of one level can be built at the same time. */
  levels: string[][];
  /** Bases that cannot be ordered, with the reason: members of a dependency cycle and bases that need one. */
  unresolvable: Map<string, string>;
}

/** For each base, the other bases of the set it depends on. */
function dependencyGraph(nodes: TreeNode[]): Map<string, Set<string>> {
  const provider = new Map<string, string>();
  for (const node of nodes) {
    for (const name of [node.base, ...node.provides.map(dependencyName)]) if (!provider.has(name)) provider.set(name, node.base);
  }
  const graph = new Map<string, Set<string>>();
  for (const node of nodes) {
    const edges = new Set<string>();
    for (const dependency of node.dependencies) {
      const base = provider.get(dependencyName(dependency));
      if (base !== undefined && base !== node.base) edges.add(base);
    }
    graph.set(node.base, edges);
  }
  return graph;
}

/** Strongly connected components (Tarjan) of the nodes left over, to name the members of each cycle. */
function cycles(graph: Map<string, Set<string>>, remaining: Set<string>): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const visit = (node: string): void => {
    index.set(node, counter);
    lowLink.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!remaining.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        lowLink.set(node, Math.min(lowLink.get(node)!, lowLink.get(next)!));
      } else if (onStack.has(next)) {
        lowLink.set(node, Math.min(lowLink.get(node)!, index.get(next)!));
      }
    }
    if (lowLink.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1) components.push(component.sort());
  };
  for (const node of [...remaining].sort()) if (!index.has(node)) visit(node);
  return components;
}

/**
 * Orders bases into build levels (Kahn's algorithm). Never loops: bases in a dependency cycle, and bases that
 * depend on them, are returned as unresolvable with the cycle named, and everything else is still ordered.
 */
export function resolveLevels(nodes: TreeNode[]): TreeLevels {
  const graph = dependencyGraph(nodes);
  const done = new Set<string>();
  const levels: string[][] = [];
  let remaining = new Set(graph.keys());
  for (;;) {
    const level = [...remaining].filter((base) => [...graph.get(base)!].every((dependency) => done.has(dependency))).sort();
    if (level.length === 0) break;
    levels.push(level);
    for (const base of level) done.add(base);
    remaining = new Set([...remaining].filter((base) => !done.has(base)));
  }

  const unresolvable = new Map<string, string>();
  for (const cycle of cycles(graph, remaining)) {
    for (const base of cycle) unresolvable.set(base, `dependency cycle: ${[...cycle, cycle[0]].join(' -> ')}`);
  }
  for (const base of [...remaining].sort()) {
    if (unresolvable.has(base)) continue;
    const blocking = [...graph.get(base)!].filter((dependency) => remaining.has(dependency)).sort();
    unresolvable.set(base, `depends on ${blocking.join(', ')}, which cannot be built (dependency cycle)`);
  }
  return { levels, unresolvable };
}

/**
 * Splits the bases into at most `count` groups with no dependency between groups (connected components, largest
 * first into the currently smallest group), so that each group can be built independently, e.g. by another worker.
 */
export function partition(nodes: TreeNode[], count: number): string[][] {
  const graph = dependencyGraph(nodes);
  const neighbours = new Map<string, Set<string>>([...graph.keys()].map((base) => [base, new Set<string>()]));
  for (const [base, dependencies] of graph) {
    for (const dependency of dependencies) {
      neighbours.get(base)!.add(dependency);
      neighbours.get(dependency)!.add(base);
    }
  }
  const seen = new Set<string>();
  const components: string[][] = [];
  for (const start of [...graph.keys()].sort()) {
    if (seen.has(start)) continue;
    const component: string[] = [];
    const queue = [start];
    seen.add(start);
    for (let current = queue.shift(); current !== undefined; current = queue.shift()) {
      component.push(current);
      for (const next of neighbours.get(current)!) {
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    components.push(component.sort());
  }
  const groups: string[][] = Array.from({ length: Math.max(1, Math.min(count, components.length)) }, () => []);
  for (const component of components.sort((left, right) => right.length - left.length)) {
    const smallest = groups.reduce((best, group) => (group.length < best.length ? group : best));
    smallest.push(...component);
  }
  return groups.map((group) => group.sort()).filter((group) => group.length > 0);
}
