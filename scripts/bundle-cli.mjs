#!/usr/bin/env node
/**
 * Part of `npm run build`, after tsc. Builds the `ahriman` binary, dist/main.cjs (src/main.ts, the launcher), and the
 * CLI bundle it runs, dist/cli/cli.cjs: src/application/cli.ts with every module it imports, statically or lazily,
 * in one CommonJS file whose lazily imported parts (a handler, a trigger, the web service) run only when imported.
 * The launcher runs the bundle with V8's code cache (application/launcher.ts), so a start reads one file and compiles
 * little. esbuild compiles the sources as vitest does (tsc has checked them); tsc's dist/ stays as it is (tests and
 * benchmarks import its modules), except its dist/main.js, which would be a second, slower binary.
 *
 * Packages stay `require`s of node_modules (native addons, files they read beside themselves), except the pure
 * JavaScript ones every start needs: yargs with its helpers, and zod (the schemas; through zod/mini, so only the parts
 * used are bundled). Dynamic imports become requires, which load a package only when reached, as before; the one
 * import of a module named at run time lives in dist/cli/native-import.mjs, a module Node loads itself. Inside the
 * bundle, `Intl.Segmenter` is constructed lazily (see lazy-segmenter.mjs): 25 ms of each start.
 */
import { build } from 'esbuild';
import { chmod, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const source = path.join(root, 'src');
const dist = path.join(root, 'dist');
const outdir = path.join(dist, 'cli');
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

/** Options of both builds: CommonJS for node 20, where `import.meta.url` is the output file's URL. */
const COMMON = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  define: { 'import.meta.url': 'importMetaUrl' },
  inject: [path.join(import.meta.dirname, 'import-meta-url.mjs')],
};

/** A plugin keeping every package except the bundled ones a `require`, and native-import.ts a file of its own. */
const resolvePackages = {
  name: 'bundle-own-code-yargs-and-zod',
  setup(builder) {
    builder.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (args.path === './native-import.js') return { path: './native-import.mjs', external: true };
      if (!isBare(args.path)) return undefined;
      // (cliui's own import, which this resolve makes too, resolves as usual)
      if (args.path === 'string-width' && !args.importer.startsWith(`${cliui}${path.sep}`)) return widthOfCliui(builder, args);
      // what a bundled package imports is bundled too; our own code keeps other packages as requires
      if (inNodeModules(args.importer) || BUNDLED_PACKAGES.has(packageName(args.path))) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/** The launcher reads the bundle as latin1, a copy of its bytes (2.5 ms less than decoding UTF-8): it must be ASCII. */
async function assertAscii(file) {
  const offset = (await readFile(file)).findIndex((byte) => byte > 0x7f);
  if (offset >= 0) throw new Error(`${file}: a byte that is not ASCII at offset ${offset} (esbuild escapes strings, not comments kept in code)`);
}

const bundle = path.join(outdir, 'cli.cjs');
await rm(outdir, { recursive: true, force: true });
await build({
  ...COMMON,
  entryPoints: [path.join(source, 'application', 'cli.ts')],
  outfile: bundle,
  // V8 runs the bundle as a compiled script, where `import()` has no loader: requires instead
  supported: { 'dynamic-import': false },
  define: { ...COMMON.define, 'Intl.Segmenter': 'LazySegmenter' },
  inject: [...COMMON.inject, path.join(import.meta.dirname, 'lazy-segmenter.mjs')],
  plugins: [resolvePackages],
});
await assertAscii(bundle);
await build({
  entryPoints: [path.join(source, 'core', 'native-import.ts')],
  outfile: path.join(outdir, 'native-import.mjs'),
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
// the intake's worker threads run this script (core/repository/intake-workers.ts finds it beside the bundle)
await build({
  entryPoints: [path.join(source, 'core', 'repository', 'intake-worker.ts')],
  outfile: path.join(outdir, 'intake-worker.js'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  plugins: [resolvePackages],
});
const binary = path.join(dist, 'main.cjs');
await build({ ...COMMON, entryPoints: [path.join(source, 'main.ts')], outfile: binary });
await chmod(binary, 0o755);
await rm(path.join(dist, 'main.js'), { force: true });
await rm(path.join(dist, 'main.js.map'), { force: true });
