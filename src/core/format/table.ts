/**
 * The text layouts of listings. `formatEntry` is the reference's printer layout, which users' scripts parse: a title
 * line, then one line per property, indented with a tab, `name: value` (some listings use a space as the separator).
 * `--json` is the stable format; this one only has to stay the reference's.
 */
export type Property = readonly [name: string, value: string];

export function formatEntry(title: string | undefined, properties: readonly Property[], separator = ': '): string {
  const lines = properties.map(([name, value]) => `\t${name}${separator}${value}`);
  return (title === undefined ? lines : [title, ...lines]).join('\n');
}

/** Rows as lines with their columns aligned (two spaces apart); the last column is not padded. */
export function formatTable(rows: readonly (readonly string[])[]): string[] {
  const widths = rows.reduce<number[]>((current, row) => row.map((cell, index) => Math.max(current[index] ?? 0, cell.length)), []);
  return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]!))).join('  ').trimEnd());
}
