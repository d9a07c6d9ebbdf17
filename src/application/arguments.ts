/** Repeatable options arrive as a string when given once and as an array when given several times. */
export function asList(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}
