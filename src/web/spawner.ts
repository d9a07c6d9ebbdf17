import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { getLogger } from '../core/log/logger.js';
import { cliChildArguments } from '../core/cli-child.js';
import type { RepositoryId } from '../models/repository-id.js';

export type ProcessState = 'running' | 'success' | 'failed';

export interface ProcessInfo {
  id: string;
  command: string[];
  state: ProcessState;
  exitCode: number | null;
  /** The last lines the child wrote (stdout and stderr). */
  output: string[];
}

const OUTPUT_LINES = 200;
/** Finished processes kept for `service/process/{id}`, oldest forgotten first. */
const FINISHED_KEPT = 500;
const logger = getLogger('web');

/**
 * Runs service actions as CLI children (`node dist/main.cjs ...`, argv only): each takes the repository lock like a
 * timer or a manual run, waiting up to `[web] wait_timeout`, so actions never overlap with each other or with them.
 */
export class ProcessSpawner {
  private readonly processes = new Map<string, ProcessInfo>();
  private readonly children = new Set<ChildProcess>();

  constructor(
    private readonly configurationPath: string,
    public waitTimeout: number,
  ) {}

  spawn(repository: RepositoryId, command: readonly string[]): ProcessInfo {
    const argv = cliChildArguments(this.configurationPath, repository, this.waitTimeout, command);
    const info: ProcessInfo = { id: randomUUID(), command: [...command], state: 'running', exitCode: null, output: [] };
    this.processes.set(info.id, info);
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    const collect = (chunk: Buffer): void => {
      info.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (info.output.length > OUTPUT_LINES) info.output.splice(0, info.output.length - OUTPUT_LINES);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) => {
      info.output.push(error.message);
    });
    child.on('close', (code, signal) => {
      this.children.delete(child);
      info.exitCode = code;
      info.state = code === 0 ? 'success' : 'failed';
      logger.info(`${command.join(' ')} (${info.id}) ${code === 0 ? 'finished' : `failed with ${code ?? signal}`}`);
      this.forgetOldest();
    });
    logger.info(`started ${command.join(' ')} for ${repository.id} as ${info.id}`);
    return info;
  }

  get(id: string): ProcessInfo | undefined {
    return this.processes.get(id);
  }

  /** Waits for the running children (they finish their step and release the lock by themselves). */
  async close(): Promise<void> {
    await Promise.all(
      [...this.children].map((child) => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('close', () => resolve())))),
    );
  }

  private forgetOldest(): void {
    const finished = [...this.processes.values()].filter((entry) => entry.state !== 'running');
    for (const entry of finished.slice(0, Math.max(0, finished.length - FINISHED_KEPT))) this.processes.delete(entry.id);
  }
}
