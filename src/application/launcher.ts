/**
 * Runs the CLI bundle (`dist/cli/cli.cjs`, scripts/bundle-cli.mjs) with V8's code cache. Node 20 keeps no compiled
 * code between runs (22's `module.enableCompileCache` does), and compiling the bundle's functions again was most of
 * each command's start: `help-version` 77 -> 52 ms, `package-status` of 1,000 packages 115 -> 79 ms, measured.
 *
 * There is one cache file per command, in the user's cache directory (`$XDG_CACHE_HOME` or `~/.cache`, then
 * `ahriman/compile-cache/<command>.bin`), so a short command does not read the code of a long one. The first
 * successful run of a command writes its file, after the bundle or Node changed too; later runs read it. A file holds
 * executable code: it is used only when it belongs to this user and nobody else can write it, and written only into
 * a directory of this user.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Script } from 'node:vm';
import { commandWord } from './arguments.js';

/** What the bundle exports: `application/cli.ts`. */
interface CliBundle {
  runCli(rawArguments: string[]): Promise<number>;
}

interface BundleSource {
  text: string;
  /** Identifies the bundle and Node: a cache written for another is not used. */
  key: string;
}

/** Command words that name a cache file; anything else (a typo, a path) runs without one. */
const CACHEABLE_COMMAND = /^[a-z][a-z0-9-]{0,63}$/;

function readBundle(file: string): BundleSource {
  const descriptor = openSync(file, 'r');
  try {
    // any write to the file changes its ctime: size and ctime tell an installed bundle from the next one, even when
    // packaging gives both the same mtime. The build checks that the bundle is ASCII, which latin1 reads as a copy.
    const stat = fstatSync(descriptor, { bigint: true });
    return { text: readFileSync(descriptor, 'latin1'), key: `${process.version} ${stat.size} ${stat.ctimeNs}\n` };
  } finally {
    closeSync(descriptor);
  }
}

/** The cache file of the command `rawArguments` run, or undefined when there is none to use. */
export function compileCacheFile(rawArguments: readonly string[], environment: NodeJS.ProcessEnv): string | undefined {
  const command = commandWord(rawArguments);
  if (command === undefined || !CACHEABLE_COMMAND.test(command)) return undefined;
  const { XDG_CACHE_HOME: cacheHome, HOME: home } = environment;
  const base = cacheHome && path.isAbsolute(cacheHome) ? cacheHome : home && path.isAbsolute(home) ? path.join(home, '.cache') : undefined;
  return base === undefined ? undefined : path.join(base, 'ahriman', 'compile-cache', `${command}.bin`);
}

/** The cached code in `file` when it was written for this bundle and only this user can have written it. */
function readCache(file: string, key: string): Buffer | undefined {
  let descriptor: number;
  try {
    descriptor = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(descriptor);
    if (!stat.isFile() || stat.uid !== process.getuid?.() || (stat.mode & 0o022) !== 0) return undefined;
    const content = readFileSync(descriptor);
    const header = Buffer.from(key);
    return content.subarray(0, header.length).equals(header) ? content.subarray(header.length) : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(descriptor);
  }
}

/**
 * Whether the nearest existing directory of `directory` (itself or an ancestor) belongs to this user: root run with
 * another user's HOME (`sudo -E`) must not leave root's files in that user's home.
 */
function ownDirectory(directory: string): boolean {
  for (let current = directory; ; current = path.dirname(current)) {
    const stat = statSync(current, { throwIfNoEntry: false });
    if (stat !== undefined) return stat.isDirectory() && stat.uid === process.getuid?.();
    if (path.dirname(current) === current) return false;
  }
}

/** Best effort: a cache that cannot be written (a read-only home) only means the next start compiles again. */
function writeCache(file: string, key: string, code: Buffer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    if (!ownDirectory(path.dirname(file))) return;
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(temporary, Buffer.concat([Buffer.from(key), code]), { mode: 0o600 });
    renameSync(temporary, file); // readers see the old file or the new one, never a part
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // nothing was written
    }
  }
}

/** Compiles and runs the bundle as Node runs a CommonJS module, then runs the command line. */
export async function runBundledCli(bundle: string, rawArguments: string[], environment: NodeJS.ProcessEnv): Promise<number> {
  const source = readBundle(bundle);
  const cacheFile = compileCacheFile(rawArguments, environment);
  const cached = cacheFile === undefined ? undefined : readCache(cacheFile, source.key);
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source.text}\n})`;
  const script = new Script(wrapped, { filename: bundle, ...(cached ? { cachedData: cached } : {}) });
  const module = { exports: {} as CliBundle };
  (script.runInThisContext() as (...parameters: unknown[]) => void)(module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
  const code = await module.exports.runCli(rawArguments);
  // the cache holds what has been compiled so far: written after the run, it has the command's own code too
  if (cacheFile !== undefined && code === 0 && (cached === undefined || script.cachedDataRejected === true)) {
    writeCache(cacheFile, source.key, script.createCachedData());
  }
  return code;
}
