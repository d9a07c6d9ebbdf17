import type { Argv } from 'yargs';
import type { Configuration } from '../core/configuration/configuration.js';
import type { OutputSink } from '../core/output.js';
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
  /** --report/--no-report: whether the web service ([status]) gets statuses and logs. */
  report: boolean;
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
 * - `sharedState`: works on state all repositories share (patches), so when several match it runs once, for the first.
 */
export interface CommandMode {
  systemWide: boolean;
  lock: boolean;
  multiRepository: boolean;
  unsafe: boolean;
  sharedState?: boolean;
}

export interface RepositoryContext {
  configuration: Configuration;
  repositoryId: RepositoryId;
  paths: RepositoryPaths;
  /** The state database of this repository, opened (and migrated) on first use and closed after the command. */
  state(): Promise<RepositoryState>;
  /** Statuses, holds and audit events of this repository; every change of them goes through it. */
  status(): Promise<StatusService>;
  /** Where the command prints its output (through the printers of printer.ts): stdout from the CLI. */
  output: OutputSink;
}

export interface SystemContext {
  /** Loads the configuration on first use: help commands work without one. */
  configuration(): Configuration;
  /** The command line itself, for the help commands (given by the CLI, so handlers never import it). */
  cli: CommandLine;
  /** Where the command prints its output (through the printers of printer.ts): stdout from the CLI. */
  output: OutputSink;
}

/** What the help commands need to know about the command line they are part of. */
export interface CommandLine {
  /** Every command the CLI offers. */
  handlers(): Promise<readonly Handler[]>;
  /** Whether a word names a command or an alias of one. */
  isCommand(word: string): boolean;
  /** Runs one more command line in this process, as the CLI would; resolves to its exit code. */
  run(words: string[]): Promise<number>;
  /** Prints the usage of the CLI, or of one command when `words` are `[command, '--help']`. */
  printHelp(words: string[]): Promise<void>;
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

/** The words that run a handler: its name (without the positionals the name declares) and its aliases. */
export function commandNames(handler: Pick<Handler, 'name' | 'aliases'>): string[] {
  return [handler.name.split(' ')[0] ?? handler.name, ...(handler.aliases ?? [])];
}

export function isSystemHandler(handler: Handler): handler is AnySystemHandler {
  return handler.mode.systemWide;
}
