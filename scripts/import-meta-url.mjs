/**
 * `import.meta.url` in the CommonJS builds of scripts/bundle-cli.mjs (esbuild injects this module where the code uses
 * it): the URL of the output file, as in the module the code came from.
 */
/* global __filename -- the output is CommonJS */
import { pathToFileURL } from 'node:url';

export const importMetaUrl = pathToFileURL(__filename).href;
