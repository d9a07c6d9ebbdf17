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
  /** The words yargs assigned to no positional (after the command word: those after `--`). */
  _: Array<string | number>;
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

/** yargs' camelCase spelling of an option name, which handlers read: `exit-code` -> `exitCode`. */
type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/**
 * What `run` gets: the values of the options and positionals the handler's `options` chain declares (typed by yargs
 * from the declarations; under their names and, as yargs sets them too, their camelCase names) and the global options.
 */
export type Arguments<T> = { [K in keyof T as K | (K extends string ? CamelCase<K> : never)]: T[K] } & GlobalArguments;

/** The arguments an options chain declares, for helpers outside the handler literal: `ArgumentsOf<typeof updateOptions>`. */
export type ArgumentsOf<B> = B extends (...args: never[]) => Argv<infer T> ? Arguments<T> : never;

interface HandlerBase<T> {
  name: string;
  aliases?: string[];
  description: string;
  /** Declares the command's positionals and options on yargs; their types flow from here into `run`'s arguments. */
  options?: (argv: Argv) => Argv<T>;
}

export interface RepositoryHandler<T = object> extends HandlerBase<T> {
  mode: CommandMode & { systemWide: false };
  run(context: RepositoryContext, args: Arguments<T>): Promise<ExitCode | void>;
}

export interface SystemHandler<T = object> extends HandlerBase<T> {
  mode: CommandMode & { systemWide: true };
  run(context: SystemContext, args: Arguments<T>): Promise<ExitCode | void>;
}

/**
 * Declares a command that works on a repository. Only a type check: TypeScript reads the argument types of `run` off
 * the `options` chain, so no argument interface is written by hand (see docs/architecture.md, "Handlers").
 */
export function repositoryHandler<T = object>(handler: RepositoryHandler<T>): RepositoryHandler<T> {
  return handler;
}

/** Declares a command that runs once, with no repository selected; as {@link repositoryHandler}. */
export function systemHandler<T = object>(handler: SystemHandler<T>): SystemHandler<T> {
  return handler;
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
