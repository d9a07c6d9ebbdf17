#!/usr/bin/env node
/**
 * Bundles the dashboard (src/web/frontend) with esbuild into dist/web/assets: one script and one stylesheet with
 * content hashes in their names, and manifest.json naming them for the server's index page. Offline: everything comes
 * from node_modules.
 */
import { build } from 'esbuild';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outdir = path.join(root, 'dist', 'web', 'assets');

await fs.rm(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { dashboard: path.join(root, 'src', 'web', 'frontend', 'main.tsx') },
  outdir,
  entryNames: '[name]-[hash]',
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome111', 'firefox113', 'safari16.4'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});

const manifest = { script: '', style: '' };
const sizes = [];
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  const name = path.basename(file);
  if (name.endsWith('.js')) manifest.script = name;
  else if (name.endsWith('.css')) manifest.style = name;
  sizes.push(`${name} ${(output.bytes / 1024).toFixed(1)} KiB`);
}
if (!manifest.script || !manifest.style) throw new Error(`dashboard bundle incomplete: ${sizes.join(', ')}`);
await fs.writeFile(path.join(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
if (process.argv.includes('--sizes')) console.log(sizes.join('\n'));
