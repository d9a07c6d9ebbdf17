/**
 * The text layout of the reference's printers, which users' scripts parse: a title line, then one line per property,
 * indented with a tab, `name: value` (some listings use a space as the separator). `--json` is the stable format;
 * this one only has to stay the reference's.
 */
export type Property = readonly [name: string, value: string];

export function formatEntry(title: string | undefined, properties: readonly Property[], separator = ': '): string {
  const lines = properties.map(([name, value]) => `\t${name}${separator}${value}`);
  return (title === undefined ? lines : [title, ...lines]).join('\n');
}
