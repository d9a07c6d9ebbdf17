import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory holding our package.json, found by walking up from this module. Works the same for the compiled
 * code in `dist/` and the sources in `src/` (tests), so shipped files (migrations, templates) are found from both.
 */
export function packageRoot(): string {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(directory, 'package.json'))) {
    const parent = path.dirname(directory);
    if (parent === directory) throw new Error('cannot find the ahriman package root (no package.json above the code)');
    directory = parent;
  }
  return directory;
}
