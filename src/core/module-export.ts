/**
 * Extension points configured by module: a file path (absolute, or relative to the configuration file) or an
 * installed package or one of its modules, each with an optional export name after a colon (`./mine.js:Mine`;
 * default: the default export). Used for third-party triggers and build drivers; loaded with `import()` only when
 * configured.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigurationError, errorMessage } from './errors.js';

/** A module to import and the export to take from it, with a description for messages. */
export interface ExportReference {
  description: string;
  load: () => Promise<Record<string, unknown>>;
  exportName: string;
}

/** Imported when a module is loaded: in the CLI bundle, an ES module of its own, which starts Node's ESM loader (4 ms). */
const importing = (specifier: string) => async (): Promise<Record<string, unknown>> => (await import('./native-import.js')).nativeImport(specifier);

/** The export name after the last colon (`file.js:MyTrigger`), when what follows the colon is an identifier. */
const EXPORT_SUFFIX = /^(?<target>.+):(?<exportName>[A-Za-z_$][\w$]*)$/;

function isFilePath(target: string): boolean {
  return path.isAbsolute(target) || target.startsWith('./') || target.startsWith('../');
}

function fileReference(file: string, exportName: string, relativeTo: string, kind: string): ExportReference {
  const absolute = path.resolve(relativeTo, file);
  const stat = statSync(absolute, { throwIfNoEntry: false });
  if (stat === undefined) throw new ConfigurationError(`${kind} file ${absolute} does not exist`);
  if (!stat.isFile()) throw new ConfigurationError(`${kind} file ${absolute} is not a file`);
  return { description: `${kind} file ${absolute}`, load: importing(pathToFileURL(absolute).href), exportName };
}

/** Where `entry` points; `kind` (`trigger`, `build driver`) names it in messages. */
export function moduleReference(entry: string, relativeTo: string, kind: string): ExportReference {
  const named = EXPORT_SUFFIX.exec(entry)?.groups;
  const target = named?.target ?? entry;
  const exportName = named?.exportName ?? 'default';
  if (isFilePath(target)) return fileReference(target, exportName, relativeTo, kind);
  return { description: `${kind} module ${target}`, load: importing(target), exportName };
}

/** The export a reference names; a missing one is an error listing the exports that `fits` accepts. */
export async function importExport(reference: ExportReference, fits: (value: unknown) => boolean, kind: string): Promise<unknown> {
  let namespace: Record<string, unknown>;
  try {
    namespace = await reference.load();
  } catch (error) {
    throw new ConfigurationError(`cannot load ${reference.description}: ${errorMessage(error)}`, { cause: error });
  }
  if (!(reference.exportName in namespace)) {
    const exported = Object.keys(namespace).filter((name) => fits(namespace[name]));
    const hint = exported.length > 0 ? `; its ${kind} exports: ${exported.join(', ')} (name one as <path>:<export>)` : '';
    const what = reference.exportName === 'default' ? 'no default export' : `no export '${reference.exportName}'`;
    throw new ConfigurationError(`${reference.description} has ${what}${hint}`);
  }
  return namespace[reference.exportName];
}
