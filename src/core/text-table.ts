/** Rows as lines of columns padded to their widest cell, two spaces apart (the last column is not padded). */
export function padTable(rows: readonly (readonly string[])[]): string[] {
  const widths = rows.reduce<number[]>(
    (current, row) => row.map((cell, index) => Math.max(current[index] ?? 0, cell.length)),
    [],
  );
  return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]!))).join('  ').trimEnd());
}
