/** A dependency as pacman writes it: `name`, `name>=1.0`, `name=2:1.0-1`; optdepends may end in `: reason`. */
export interface Dependency {
  name: string;
  operator?: '<' | '<=' | '=' | '>=' | '>';
  version?: string;
}

const DEPENDENCY_PATTERN = /^([^<>=:\s]+)\s*(?:(<=|>=|<|>|=)\s*([^\s:]+(?::[^\s:]+)?))?\s*(?::\s.*)?$/;

export function parseDependency(text: string): Dependency {
  const match = DEPENDENCY_PATTERN.exec(text.trim());
  if (!match?.[1]) return { name: text.trim() };
  const [, name, operator, version] = match;
  return operator && version ? { name, operator: operator as Dependency['operator'], version } : { name };
}

/** The bare package name a dependency asks for, without version constraint or optdepends reason. */
export function dependencyName(text: string): string {
  return parseDependency(text).name;
}
