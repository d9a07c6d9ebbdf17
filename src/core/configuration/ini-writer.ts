/** Serialises sections of options into ini text that our parser (and Python's configparser) reads back as written. */
export type IniSections = Record<string, Record<string, string | string[]>>;

function formatValue(value: string | string[]): string {
  if (!Array.isArray(value)) return value;
  return value.map((item) => (/[\s'"\\]/.test(item) || item === '' ? `'${item.replace(/'/g, `'"'"'`)}'` : item)).join(' ');
}

export function formatIni(sections: IniSections, header?: string): string {
  const blocks = Object.entries(sections)
    .filter(([, options]) => Object.keys(options).length > 0)
    .map(([section, options]) => {
      const lines = Object.entries(options).map(([key, value]) => `${key} = ${formatValue(value)}`);
      return [`[${section}]`, ...lines].join('\n');
    });
  const comment = header ? `${header.split('\n').map((line) => `# ${line}`.trimEnd()).join('\n')}\n\n` : '';
  return `${comment}${blocks.join('\n\n')}\n`;
}
