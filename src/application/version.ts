import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../core/package-root.js';

interface PackageJson {
  version: string;
  dependencies?: Record<string, string>;
}

function readPackageJson(directory: string): PackageJson {
  return JSON.parse(readFileSync(path.join(directory, 'package.json'), 'utf8')) as PackageJson;
}

export const VERSION = readPackageJson(packageRoot()).version;

/** Versions of ahriman, node and every runtime dependency as installed (not as requested). */
export function installedVersions(): Record<string, string> {
  const root = packageRoot();
  const versions: Record<string, string> = { ahriman: VERSION, node: process.versions.node };
  for (const name of Object.keys(readPackageJson(root).dependencies ?? {}).sort()) {
    try {
      versions[name] = readPackageJson(path.join(root, 'node_modules', name)).version;
    } catch {
      versions[name] = 'not installed';
    }
  }
  return versions;
}
