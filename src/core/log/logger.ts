/**
 * Minimal structured logging to stderr. Three handlers, as in the reference:
 * - console: `[LEVEL time] [name]: message`
 * - journald / syslog: `<priority>[name]: message` (sd-daemon priority prefixes, understood by journald for
 *   services, and by syslog daemons reading the journal), no timestamp because the receiver adds one.
 * stdout stays free for command output (tables, JSON).
 */
import { formatTimestamp } from '../format/date.js';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';
export type LogHandler = 'console' | 'syslog' | 'journald';

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warning: 30, error: 40 };
const SYSLOG_PRIORITY: Record<LogLevel, number> = { debug: 7, info: 6, warning: 4, error: 3 };

interface LoggingSettings {
  level: LogLevel;
  handler: LogHandler;
  write: (line: string) => void;
}

const settings: LoggingSettings = {
  level: 'info',
  handler: 'console',
  write: (line) => process.stderr.write(`${line}\n`),
};

export function configureLogging(options: Partial<LoggingSettings>): void {
  Object.assign(settings, options);
}

export function currentLogLevel(): LogLevel {
  return settings.level;
}

/** Under systemd, stderr is connected to the journal and JOURNAL_STREAM is set. */
export function guessLogHandler(): LogHandler {
  return process.env.JOURNAL_STREAM ? 'journald' : 'console';
}

function timestamp(): string {
  return formatTimestamp(Date.now() / 1000);
}

export class Logger {
  constructor(readonly name: string) {}

  debug(message: string): void {
    this.log('debug', message);
  }

  info(message: string): void {
    this.log('info', message);
  }

  warning(message: string): void {
    this.log('warning', message);
  }

  error(message: string): void {
    this.log('error', message);
  }

  log(level: LogLevel, message: string): void {
    if (LEVEL_ORDER[level] < LEVEL_ORDER[settings.level]) return;
    const line =
      settings.handler === 'console'
        ? `[${level.toUpperCase()} ${timestamp()}] [${this.name}]: ${message}`
        : `<${SYSLOG_PRIORITY[level]}>[${this.name}]: ${message}`;
    settings.write(line);
  }
}

export function getLogger(name: string): Logger {
  return new Logger(name);
}
