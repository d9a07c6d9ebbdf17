/** One CSV field as RFC 4180 wants it: quoted when it holds a separator, a quote or a line break. */
function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Saves rows as a CSV file through a temporary download link. */
export function downloadCsv(fileName: string, header: readonly string[], rows: readonly (readonly string[])[]): void {
  const text = [header, ...rows].map((row) => row.map(field).join(',')).join('\r\n');
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(link.href);
}
