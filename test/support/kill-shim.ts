/**
 * The kill shim (`kill-shim.c`), compiled once per test process: preloaded into one CLI run, it logs that run's
 * filesystem steps, or kills it with SIGKILL just before a chosen one.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/core/process.js';

const SOURCE = fileURLToPath(new URL('./kill-shim.c', import.meta.url));

export interface Step {
  /** 1-based position among the steps of the run. */
  number: number;
  /** CLOCK_MONOTONIC in nanoseconds, comparable with `process.hrtime.bigint()`. */
  time: bigint;
  op: string;
  path: string;
}

/**
 * When to kill: before the `at`-th step whose op is `op` and whose path ends with `suffix` (default: any), or
 * `afterMs` milliseconds after the first step, wherever the process is then.
 */
export type KillPoint = { at: number; op?: string; suffix?: string } | { afterMs: number };

function killVariables(kill: KillPoint): Record<string, string> {
  if ('afterMs' in kill) return { AHR_SHIM_KILL_AFTER_NS: String(Math.max(1, Math.round(kill.afterMs * 1e6))) };
  return { AHR_SHIM_KILL_AT: String(kill.at), AHR_SHIM_OP: kill.op ?? '', AHR_SHIM_SUFFIX: kill.suffix ?? '' };
}

let compiled: Promise<{ directory: string; library: string }> | undefined;

/** The shared library, compiled on first use; {@link removeKillShim} removes it. */
export function killShim(): Promise<string> {
  compiled ??= (async () => {
    const directory = await mkdtemp(join(tmpdir(), 'ahriman-kill-shim-'));
    const library = join(directory, 'kill-shim.so');
    await run('cc', ['-shared', '-fPIC', '-O2', '-Wall', '-Werror', '-o', library, SOURCE, '-ldl', '-lpthread']);
    return { directory, library };
  })();
  return compiled.then((shim) => shim.library);
}

export async function removeKillShim(): Promise<void> {
  const shim = await compiled?.catch(() => undefined);
  compiled = undefined;
  if (shim) await rm(shim.directory, { recursive: true, force: true });
}

/** The environment that preloads the shim: counting every step into `log`, and killing at `kill` when given. */
export async function shimEnvironment(log: string, kill?: KillPoint): Promise<Record<string, string>> {
  return {
    LD_PRELOAD: await killShim(),
    AHR_SHIM_LOG: log,
    ...(kill ? killVariables(kill) : {}),
  };
}

/** The steps a counting run logged, and the step a killing run died at (if it did). */
export async function readSteps(log: string): Promise<{ steps: Step[]; killed: Step | undefined }> {
  const text = await readFile(log, 'utf8').catch(() => '');
  const steps: Step[] = [];
  let killed: Step | undefined;
  for (const line of text.split('\n')) {
    const match = /^(killed )?(\d+) (\d+) (\S+) (.*)$/.exec(line);
    if (!match) continue;
    const step = { number: Number(match[2]), time: BigInt(match[3]!), op: match[4]!, path: match[5]! };
    if (match[1]) killed = step;
    else if (!COMPILE_CACHE.test(step.path)) steps.push(step);
  }
  return { steps, killed };
}

/**
 * The CLI's compile cache (application/launcher.ts): written after the command has finished, by the first run of a
 * command only, so it is none of the command's steps (counting it would give the first run one step more).
 */
const COMPILE_CACHE = /\/ahriman\/compile-cache\//;
