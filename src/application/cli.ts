import yargs, { type Argv } from 'yargs';
import { errorMessage } from '../core/errors.js';
import { type OutputSink, STDERR, STDOUT } from '../core/output.js';
import { configureLogging, currentLogLevel, guessLogHandler } from '../core/log/logger.js';
import { asList, commandWord } from './arguments.js';
import type { CommandLine, GlobalArguments, Handler } from './handler.js';
import { COMMANDS, loadAllHandlers } from './handlers/index.js';
import { VERSION } from './version.js';

export const DEFAULT_CONFIGURATION = '/etc/ahriman.ini';
/** An environment override (`section:key`) the configuration applies with the highest priority. */
const REPORT_OVERRIDE = 'status:enabled';

function globalOptions(argv: Argv): Argv {
  return argv
    .option('architecture', { alias: 'a', type: 'string', describe: 'filter by architecture (repeatable)' })
    .option('repository', { alias: 'r', type: 'string', describe: 'filter by repository name (repeatable)' })
    .option('repository-id', { type: 'string', hidden: true, describe: 'systemd instance: <arch>-<repo>' })
    .option('configuration', { alias: 'c', type: 'string', default: DEFAULT_CONFIGURATION, describe: 'configuration path' })
    .option('force', { type: 'boolean', default: false, describe: 'break the repository lock even when a live process holds it (a dead holder never needs this)' })
    .option('lock', {
      alias: 'l',
      type: 'string',
      default: 'ahriman.lock',
      describe: 'lock path; relative names go to the repository root, suffixed with _<arch>-<repo>',
    })
    .option('log-handler', { choices: ['console', 'syslog', 'journald'] as const, describe: 'log handler (default: journald under systemd, else console)' })
    .option('log-level', { choices: ['debug', 'info', 'warning', 'error'] as const, describe: 'lowest level logged (debug also prints stack traces)' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'log warnings and errors only' })
    .option('report', {
      type: 'boolean',
      default: true,
      describe: 'report to the web service ([status] address) when configured; --no-report: to the local database only',
    })
    .option('unsafe', { type: 'boolean', default: false, describe: 'allow a user other than the owner of the repository root' })
    .option('wait-timeout', {
      type: 'number',
      default: -1,
      describe: 'wait for the repository lock: negative = fail at once, 0 = forever, N = up to N seconds',
    });
}

function normalise(args: Record<string, unknown>, rawArguments: string[]): GlobalArguments {
  return {
    ...(args as unknown as GlobalArguments),
    architecture: asList(args.architecture),
    repository: asList(args.repository),
    rawArguments,
  };
}

interface Invocation {
  handler: Handler;
  args: GlobalArguments;
}

/** The part of yargs' internals that renders a command's help before running it. */
interface UsageInternals {
  getInternalMethods?: () => { getUsageInstance: () => { cacheHelpMessage: () => void } };
}

/**
 * yargs renders the whole help of the chosen command before running it, to have it at hand should the command fail:
 * some 30-50 ms of measuring strings at every start. Our failures print their own one line, never that help.
 */
function skipHelpRendering(parser: Argv): void {
  const usage = (parser as unknown as UsageInternals).getInternalMethods?.().getUsageInstance();
  if (usage) usage.cacheHelpMessage = () => undefined;
}

/** Builds the parser; `onCommand` receives the handler chosen (when yargs runs its builder). */
function buildParser(rawArguments: string[], onCommand: (handler: Handler) => void): Argv {
  let parser = globalOptions(yargs(rawArguments))
    .scriptName('ahriman')
    .usage('$0 [options] <command> [command options]\n\nArch Linux repository service: builds AUR and local packages into a signed pacman repository.')
    .version('version', 'print the version', VERSION)
    .alias('version', 'V')
    .help('help')
    .alias('help', 'h')
    .completion('completion', 'print a bash/zsh completion script (add its output to ~/.bashrc or ~/.zshrc)')
    .strict()
    .demandCommand(1, 'a command is required: see ahriman --help')
    .recommendCommands()
    .wrap(Math.min(120, process.stdout.columns || 120));
  skipHelpRendering(parser);
  // yargs neither counts nor assigns the words after `--`: they are collected apart and given to the variadic positional
  const afterDashes = rawArguments.includes('--');
  if (afterDashes) parser = parser.parserConfiguration({ 'populate--': true });
  // command words are ASCII: a plain comparison, where localeCompare would load ICU's collator (3 ms of each start)
  for (const entry of [...COMMANDS].sort((left, right) => (left.command < right.command ? -1 : 1))) {
    // yargs runs the builder of the chosen command only, so only that handler module is loaded.
    const command = afterDashes ? entry.command.replace(VARIADIC, '[$2..]') : entry.command;
    parser = parser.command([command, ...(entry.aliases ?? [])], entry.description, async (argv: Argv) => {
      const handler = await entry.load();
      onCommand(handler);
      return handler.options ? handler.options(argv) : argv;
    });
  }
  return parser;
}

/** The variadic positional of a command name, `<name..>` (required) or `[name..]`. */
const VARIADIC = /([<[])([\w-]+)\.\.[>\]]/;

/** Appends the words after `--` to the command's variadic positional (`package-add -- -odd-name`). */
function withWordsAfterDashes(handler: Handler, args: Record<string, unknown>): Record<string, unknown> {
  const match = VARIADIC.exec(handler.name);
  const words = Array.isArray(args['--']) ? args['--'].map(String) : [];
  const { ['--']: _, ...rest } = args;
  if (!match) {
    if (words.length > 0) throw new Error(`${handler.name.split(' ')[0]} takes no arguments, got ${words.join(' ')} after --`);
    return rest;
  }
  const name = match[2]!;
  const values = [...asList(args[name]), ...words];
  if (match[1] === '<' && values.length === 0) throw new Error(`Not enough non-option arguments: got 0, need at least 1 (${name})`);
  const camel = name.replace(/-(\w)/g, (_dash, letter: string) => letter.toUpperCase());
  return { ...rest, [name]: values, [camel]: values };
}

function applyLogging(args: GlobalArguments): void {
  configureLogging({
    level: args.logLevel ?? (args.quiet ? 'warning' : 'info'),
    handler: args.logHandler ?? guessLogHandler(),
  });
}

/** Control characters (from a binary file quoted in a message) escaped as \xNN, so they never reach a terminal raw. */
function printable(message: string): string {
  // eslint-disable-next-line no-control-regex
  return message.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, (character) => `\\x${character.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A command name or alias the CLI offers (from the manifest: no handler module is loaded). */
function isCommandName(word: string): boolean {
  return COMMANDS.some((entry) => entry.command.split(' ')[0] === word || (entry.aliases ?? []).includes(word));
}

/** Where the CLI writes: the command's output, and its own one-line errors. */
export interface CliStreams {
  output: OutputSink;
  errors: OutputSink;
}

const PROCESS_STREAMS: CliStreams = { output: STDOUT, errors: STDERR };

/**
 * Parses the command line, runs the command, and turns any error into a one-line reason and exit code 1. Tests run
 * commands in-process with streams of their own (yargs' help and the log still go to the process's streams).
 */
export async function runCli(rawArguments: string[], streams: CliStreams = PROCESS_STREAMS): Promise<number> {
  const { errors } = streams;
  let chosen: Handler | undefined;
  // yargs answers `ahriman nosuch --help` with the general help and exit 0; say what is wrong instead
  const word = commandWord(rawArguments);
  if (word !== undefined && !isCommandName(word) && word !== 'completion') {
    errors.write(`ahriman: unknown command ${JSON.stringify(word)}: see ahriman --help\n`);
    return 1;
  }
  try {
    const parsed = await buildParser(rawArguments, (handler) => {
      chosen = handler;
    })
      .fail((message, error) => {
        if (error) throw error;
        errors.write(`ahriman: ${message} \n`);
        throw new UsageError(message);
      })
      .parseAsync();
    if (!chosen || parsed.help === true || parsed.version === true) return 0; // --help, --version and completion print and end here
    const args = parsed as Record<string, unknown>;
    const invocation: Invocation = { handler: chosen, args: normalise(rawArguments.includes('--') ? withWordsAfterDashes(chosen, args) : args, rawArguments) };
    applyLogging(invocation.args);
    // --no-report is the reference's [status] enabled = no for this run (fan-out children inherit it)
    if (!invocation.args.report) process.env[REPORT_OVERRIDE] = 'no';
    const { execute } = await import('./execute.js'); // configuration and state: not needed for help
    return await execute(invocation.handler, invocation.args, commandLine(streams), streams.output);
  } catch (error) {
    if (error instanceof UsageError) return 1;
    errors.write(`ahriman: ${printable(errorMessage(error))}\n`);
    if (currentLogLevel() === 'debug' && error instanceof Error && error.stack) errors.write(`${error.stack}\n`);
    return 1;
  }
}

class UsageError extends Error {}

/** The command line as the help commands and service-run see it; the commands they run print where this one does. */
function commandLine(streams: CliStreams): CommandLine {
  return {
    handlers: loadAllHandlers,
    isCommand: isCommandName,
    run: (words) => runCli(words, streams),
    printHelp: async (words) => {
      await buildParser(words, () => undefined).parseAsync();
    },
  };
}
