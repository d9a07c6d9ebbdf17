#!/usr/bin/env node
/**
 * Part of `npm run build`, after tsc: bundles the CLI (src/main.ts and every module it imports, statically or
 * lazily) into dist/cli/, one chunk per lazily loaded part (a command's handler, a trigger, the web service) plus the
 * chunks they share. Node then reads and links a few files at each start instead of about 200 modules. esbuild
 * compiles the sources as vitest does (tsc has checked them); tsc's dist/ stays as it is (tests and benchmarks
 * import its modules), except dist/main.js, the `ahriman` binary, which becomes one import of the bundle.
 *
 * Packages stay imports of node_modules (native addons, files they read beside themselves), except the pure
 * JavaScript ones every start needs: yargs with its helpers, and zod (the schemas; through zod/mini, so only the parts
 * used are bundled). Inside the bundle,
 * `Intl.Segmenter` is constructed lazily (see lazy-segmenter.mjs): 25 ms of each start.
 */
import { build } from 'esbuild';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const entry = path.join(root, 'src', 'main.ts');
const binary = path.join(root, 'dist', 'main.js');
const outdir = path.join(root, 'dist', 'cli');
/** Packages compiled into the bundle, with everything they import. */
const BUNDLED_PACKAGES = new Set(['yargs', 'zod']);

/** The package a bare import specifier names: `zod/v4` -> `zod`, `@scope/name/x` -> `@scope/name`. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const isBare = (specifier) => !specifier.startsWith('.') && !path.isAbsolute(specifier) && !specifier.startsWith('node:');
const inNodeModules = (file) => file.includes(`${path.sep}node_modules${path.sep}`);

/**
 * yargs measures its help text with string-width 8, which compiles Unicode property-of-strings regular expressions
 * when imported (8 ms of every start); cliui, which lays that help out, brings string-width 7, which builds them only
 * when measuring, and so does wrap-ansi (a copy of its own). All give the same widths for help text, so every
 * importer gets cliui's one copy.
 */
const cliui = path.join(root, 'node_modules', 'cliui');
function widthOfCliui(builder, args) {
  return builder.resolve('string-width', { kind: args.kind, resolveDir: cliui, importer: path.join(cliui, 'index.mjs') });
}

await rm(outdir, { recursive: true, force: true }); // chunk names change with their content
await build({
  entryPoints: { main: entry },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  define: { 'Intl.Segmenter': 'LazySegmenter' },
  inject: [path.join(import.meta.dirname, 'lazy-segmenter.mjs')],
  plugins: [
    {
      name: 'bundle-own-code-yargs-and-zod',
      setup(builder) {
        builder.onResolve({ filter: /.*/ }, (args) => {
          if (args.kind === 'entry-point' || !isBare(args.path)) return undefined;
          // (cliui's own import, which this resolve makes too, resolves as usual)
          if (args.path === 'string-width' && !args.importer.startsWith(`${cliui}${path.sep}`)) return widthOfCliui(builder, args);
          // what a bundled package imports is bundled too; our own code keeps other packages as imports
          if (inNodeModules(args.importer) || BUNDLED_PACKAGES.has(packageName(args.path))) return undefined;
          return { path: args.path, external: true };
        });
      },
    },
  ],
});

await writeFile(binary, "#!/usr/bin/env node\n// the CLI bundle (scripts/bundle-cli.mjs)\nimport './cli/main.js';\n", { mode: 0o755 });
