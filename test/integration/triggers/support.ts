/**
 * A throwaway service for trigger tests: a sandboxed configuration with the `host` build driver (plain makepkg, the
 * fastest), the repository `demo` on x86_64, and a third-party trigger module written next to the configuration
 * file that records every hook call it receives in `events.jsonl`.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { RunResult } from '../../../src/core/process.js';
import { ahriman, makeSandbox, type Sandbox } from '../../support/cli.js';

export const ARCHITECTURE = 'x86_64';
export const REPOSITORY = 'demo';

/** What the recording trigger writes for one hook call. */
export interface RecordedEvent {
  label: string;
  hook: 'start' | 'result' | 'stop';
  result?: { success: Array<{ base: string; version: string }>; failed: unknown[]; removed: string[] };
  /** `<name> <version>` of every package the repository serves. */
  packages?: string[];
}

/**
 * A third-party trigger module: the default export and `second` record their hook calls, `failing` throws in
 * onResult, `notATrigger` is an export of the wrong shape.
 */
const RECORDER_MODULE = `import fs from 'node:fs';
const file = new URL('./events.jsonl', import.meta.url);
const record = (event) => fs.appendFileSync(file, JSON.stringify(event) + '\\n');
const recorder = (label) => ({
  name: 'recorder-' + label,
  create: () => ({
    name: 'recorder-' + label,
    onStart: async () => record({ label, hook: 'start' }),
    onResult: async (result, packages) => record({ label, hook: 'result', result, packages: packages.map((item) => item.name + ' ' + item.version) }),
    onStop: async () => record({ label, hook: 'stop' }),
  }),
});
export default recorder('default');
export const second = recorder('second');
export const failing = { name: 'failing', create: () => ({ name: 'failing', onResult: async () => { throw new Error('boom'); } }) };
export const notATrigger = { hello: 'world' };
`;

export class TriggerService {
  private constructor(readonly sandbox: Sandbox) {}

  /** `build` holds more `[build]` options (e.g. `triggers = ...`), `extra` more sections. */
  static async create({ build = '', extra = '' }: { build?: string; extra?: string } = {}): Promise<TriggerService> {
    const service = new TriggerService(makeSandbox(['[build]', 'driver = host', build, '', extra].join('\n')));
    await fs.writeFile(service.recorder, RECORDER_MODULE);
    return service;
  }

  /** The recording trigger module, in the configuration's directory (so `./recorder.mjs` names it too). */
  get recorder(): string {
    return path.join(this.sandbox.directory, 'recorder.mjs');
  }

  get repository(): string {
    return path.join(this.sandbox.root, 'repository', REPOSITORY, ARCHITECTURE);
  }

  cli(args: readonly string[]): Promise<RunResult> {
    return ahriman(['-c', this.sandbox.configuration, '-a', ARCHITECTURE, '-r', REPOSITORY, ...args]);
  }

  async expectCli(args: readonly string[], code = 0): Promise<RunResult> {
    const result = await this.cli(args);
    if (result.code !== code) {
      throw new Error(`ahriman ${args.join(' ')} exited with ${result.code}, expected ${code}\n${result.stdout}\n${result.stderr}`);
    }
    return result;
  }

  /** The hook calls recorded since the last call (the log is emptied). */
  async takeEvents(): Promise<RecordedEvent[]> {
    const file = path.join(this.sandbox.directory, 'events.jsonl');
    if (!existsSync(file)) return [];
    const lines = (await fs.readFile(file, 'utf8')).split('\n').filter(Boolean);
    await fs.rm(file);
    return lines.map((line) => JSON.parse(line) as RecordedEvent);
  }

  cleanup(): Promise<void> {
    return fs.rm(this.sandbox.directory, { recursive: true, force: true });
  }
}
