import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, type RunResult } from '../../src/core/process.js';
import { packageRoot } from '../../src/core/package-root.js';

export const CLI = path.join(packageRoot(), 'dist', 'main.cjs');

/** Runs the built CLI (`npm test` builds first) exactly as a user would. */
export function ahriman(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return run(process.execPath, [CLI, ...args], { allowFailure: true, env, timeoutMs: 120_000 });
}

export interface Sandbox {
  directory: string;
  root: string;
  configuration: string;
}

/** A throwaway service: a configuration file whose repository root is a fresh temporary directory. */
export function makeSandbox(extra = ''): Sandbox {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'ahriman-test-'));
  const root = path.join(directory, 'root');
  const configuration = path.join(directory, 'ahriman.ini');
  writeFileSync(
    configuration,
    [
      '[settings]',
      'include = ${repository:root}/.config/ahriman/ahriman.ini.d',
      'database = ${repository:root}/ahriman.db',
      '',
      '[repository]',
      `root = ${root}`,
      '',
      extra,
    ].join('\n'),
  );
  return { directory, root, configuration };
}
