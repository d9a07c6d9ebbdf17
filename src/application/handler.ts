import type { Argv } from 'yargs';
import type { Configuration } from '../core/configuration/configuration.js';
import type { RepositoryId } from '../models/repository-id.js';
import type { RepositoryPaths } from '../models/repository-paths.js';
import type { RepositoryState } from '../core/repository/state.js';
import type { StatusService } from '../core/status/service.js';

/** Options every command accepts (the reference's global options). */
export interface GlobalArguments {
  architecture?: string[];
  repository?: string[];
  repositoryId?: string;
  configuration: string;
  force: boolean;
  lock: string;
  logHandler?: 'console' | 'syslog' | 'journald';
  logLevel?: 'debug' | 'info' | 'warning' | 'error';
  quiet: boolean;
  unsafe: boolean;
  waitTimeout: number;
  json?: boolean;
  /** The exact words the command was run with, for lock ownership and fan-out children. */
  rawArguments: string[];
}

/**
 * How the shared execution wraps a command:
 * - `systemWide`: runs once, with no repository selected (help, repository listing).
 * - `lock`: mutates a repository, so it holds that repository's lock and creates the tree first.
 * - `multiRepository`: may run for several repositories, one child process each; otherwise it needs exactly one.
 * - `unsafe`: allowed for any user, not only the owner of the repository root (read-only commands).
 */
export interface CommandMode {
  systemWide: boolean;
  lock: boolean;
  multiRepository: boolean;
  unsafe: boolean;
}

export interface RepositoryContext {
  configuration: Configuration;
  repositoryId: RepositoryId;
  paths: RepositoryPaths;
  /** The state database of this repository, opened (and migrated) on first use and closed after the command. */
  state(): Promise<RepositoryState>;
  /** Statuses, holds and audit events of this repository; every change of them goes through it. */
  status(): Promise<StatusService>;
}

export interface SystemContext {
  /** Loads the configuration on first use: help commands work without one. */
  configuration(): Configuration;
}

/** Prints command output on stdout: text for people, or JSON with --json. */
export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A command's result: the process exit code (0 success, 1 failure). */
export type ExitCode = number;

interface HandlerBase<A> {
  name: string;
  aliases?: string[];
  description: string;
  options?: (argv: Argv) => Argv<A>;
}

export interface RepositoryHandler<A = object> extends HandlerBase<A> {
  mode: CommandMode & { systemWide: false };
  run(context: RepositoryContext, args: A & GlobalArguments): Promise<ExitCode | void>;
}

export interface SystemHandler<A = object> extends HandlerBase<A> {
  mode: CommandMode & { systemWide: true };
  run(context: SystemContext, args: A & GlobalArguments): Promise<ExitCode | void>;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- each handler declares its own argument shape */
export type AnyRepositoryHandler = RepositoryHandler<any>;
export type AnySystemHandler = SystemHandler<any>;
/* eslint-enable @typescript-eslint/no-explicit-any */
export type Handler = AnyRepositoryHandler | AnySystemHandler;

export const READ_ONLY: CommandMode & { systemWide: false } = {
  systemWide: false,
  lock: false,
  multiRepository: false,
  unsafe: true,
};

export const MUTATING: CommandMode & { systemWide: false } = {
  systemWide: false,
  lock: true,
  multiRepository: true,
  unsafe: false,
};

export const SYSTEM_WIDE: CommandMode & { systemWide: true } = {
  systemWide: true,
  lock: false,
  multiRepository: false,
  unsafe: true,
};

export function isSystemHandler(handler: Handler): handler is AnySystemHandler {
  return handler.mode.systemWide;
}
