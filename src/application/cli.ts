import yargs, { type Argv } from 'yargs';
import { errorMessage } from '../core/errors.js';
import { asList } from './arguments.js';
import { configureLogging, currentLogLevel, guessLogHandler } from '../core/log/logger.js';
import { execute } from './execute.js';
import { type GlobalArguments, type Handler, commandNames } from './handler.js';
import { HANDLERS } from './handlers/index.js';
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
    .option('force', { type: 'boolean', default: false, describe: 'remove the repository lock before start' })
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

/** Builds the parser; `onCommand` receives the handler chosen and its parsed arguments. */
export function buildParser(rawArguments: string[], onCommand: (invocation: Invocation) => void): Argv {
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
  for (const handler of [...HANDLERS].sort((left, right) => left.name.localeCompare(right.name))) {
    parser = parser.command({
      command: handler.name,
      aliases: handler.aliases ?? [],
      describe: handler.description,
      builder: (argv: Argv) => (handler.options ? handler.options(argv) : argv),
      handler: (args) => onCommand({ handler, args: normalise(args, rawArguments) }),
    });
  }
  return parser;
}

function applyLogging(args: GlobalArguments): void {
  configureLogging({
    level: args.logLevel ?? (args.quiet ? 'warning' : 'info'),
    handler: args.logHandler ?? guessLogHandler(),
  });
}

/** Global options followed by a value: their values are not the command word. */
const VALUE_OPTIONS = new Set(['-a', '--architecture', '-r', '--repository', '--repository-id', '-c', '--configuration', '-l', '--lock', '--log-handler', '--log-level', '--wait-timeout']);

/** The first word of the command line that is not a global option or its value: the command the user meant. */
export function commandWord(rawArguments: readonly string[]): string | undefined {
  for (let index = 0; index < rawArguments.length; index += 1) {
    const word = rawArguments[index]!;
    if (word === '--') return rawArguments[index + 1];
    if (VALUE_OPTIONS.has(word)) index += 1;
    else if (!word.startsWith('-')) return word;
  }
  return undefined;
}

export function isCommandName(word: string): boolean {
  return HANDLERS.some((handler) => commandNames(handler).includes(word));
}

/** Parses the command line, runs the command, and turns any error into a one-line reason and exit code 1. */
export async function runCli(rawArguments: string[]): Promise<number> {
  let invocation: Invocation | undefined;
  // yargs answers `ahriman nosuch --help` with the general help and exit 0; say what is wrong instead
  const word = commandWord(rawArguments);
  if (word !== undefined && !isCommandName(word) && word !== 'completion') {
    process.stderr.write(`ahriman: unknown command ${JSON.stringify(word)}: see ahriman --help\n`);
    return 1;
  }
  try {
    await buildParser(rawArguments, (chosen) => {
      invocation = chosen;
    })
      .fail((message, error) => {
        if (error) throw error;
        process.stderr.write(`ahriman: ${message} \n`);
        throw new UsageError(message);
      })
      .parseAsync();
    if (!invocation) return 0; // --help, --version and completion print and end here
    applyLogging(invocation.args);
    // --no-report is the reference's [status] enabled = no for this run (fan-out children inherit it)
    if (!invocation.args.report) process.env[REPORT_OVERRIDE] = 'no';
    return await execute(invocation.handler, invocation.args);
  } catch (error) {
    if (error instanceof UsageError) return 1;
    process.stderr.write(`ahriman: ${errorMessage(error)}\n`);
    if (currentLogLevel() === 'debug' && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}

class UsageError extends Error {}
