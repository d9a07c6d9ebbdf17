import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ProcessError } from './errors.js';

/** An unprivileged account a subprocess runs as when we are root (makepkg refuses to run as root). */
export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface RunOptions {
  cwd?: string;
  /** Variables added to the minimal environment every subprocess gets. */
  env?: Record<string, string | undefined>;
  /** Run as this user (only when the current process is root); HOME, USER and LOGNAME follow it. */
  user?: SystemUser;
  input?: string | Buffer;
  /** Kill the process (SIGTERM, then SIGKILL after 5 s) when it runs longer than this. */
  timeoutMs?: number;
  /** Receives every complete output line as it arrives, e.g. to capture a build log. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Resolve instead of throwing when the exit code is non-zero. */
  allowFailure?: boolean;
  /** Keep stdout as bytes (for binary output); stdout is then returned as latin1 text of those bytes. */
  binaryStdout?: boolean;
  /**
   * Re-running ourselves (fan-out to one child per repository): the child shares our terminal and sees our whole
   * environment, including `section:key` configuration overrides. Output is then not captured.
   */
  passthrough?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

const INHERITED_VARIABLES = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'SOURCE_DATE_EPOCH', 'GNUPGHOME', 'TMPDIR'];
const KILL_GRACE_MS = 5000;

function environment(options: RunOptions): Record<string, string | undefined> {
  if (options.passthrough) return { ...process.env, ...options.env };
  const result: Record<string, string> = {};
  for (const name of INHERITED_VARIABLES) {
    const value = process.env[name];
    if (value !== undefined) result[name] = value;
  }
  result.PATH ??= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  if (options.user) {
    result.HOME = options.user.home;
    result.USER = options.user.name;
    result.LOGNAME = options.user.name;
  } else if (process.env.HOME) {
    result.HOME = process.env.HOME;
  }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete result[name];
    else result[name] = value;
  }
  return result;
}

function lineSplitter(stream: 'stdout' | 'stderr', onLine: RunOptions['onLine']): (chunk: Buffer | null) => void {
  let pending = '';
  return (chunk) => {
    if (!onLine) return;
    if (chunk === null) {
      if (pending) onLine(pending, stream);
      pending = '';
      return;
    }
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line, stream);
  };
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** The last lines of a command's stderr, which a failure message quotes. */
const stderrTail = (stderr: string): string => stderr.trim().split('\n').slice(-5).join('\n');

const cannotRun = (command: string, error: Error): ProcessError => new ProcessError(`cannot run ${command}: ${error.message}`, null, '');

/**
 * The one way this project starts a subprocess: an argv array (never a shell string), a whitelisted environment,
 * optional privilege drop, a timeout, and streamed output. Throws {@link ProcessError} naming the command and its
 * last stderr lines when the exit code is non-zero.
 */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const dropPrivileges = options.user !== undefined && process.getuid?.() === 0;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: environment(options),
      stdio: options.passthrough ? ['ignore', 'inherit', 'inherit'] : ['pipe', 'pipe', 'pipe'],
      // its own process group, so a timeout ends the helpers it started too (git's transport, makepkg's children)
      detached: !options.passthrough,
      ...(dropPrivileges ? { uid: options.user!.uid, gid: options.user!.gid } : {}),
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const onStdout = lineSplitter('stdout', options.onLine);
    const onStderr = lineSplitter('stderr', options.onLine);
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killGroup(child.pid, 'SIGTERM');
            killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
          }, options.timeoutMs);

    child.stdout?.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      onStdout(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      onStderr(chunk);
    });
    child.stdin?.on('error', () => undefined); // the child may exit without reading its input
    child.stdin?.end(options.input ?? '');

    const display = [command, ...args].join(' ');
    child.on('error', (error) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      reject(cannotRun(command, error));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      onStdout(null);
      onStderr(null);
      const stdoutBytes = Buffer.concat(stdout);
      const result: RunResult = {
        code: code ?? -1,
        stdout: options.binaryStdout ? stdoutBytes.toString('latin1') : stdoutBytes.toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        stdoutBytes,
      };
      if (code === 0 || options.allowFailure) {
        resolve(result);
        return;
      }
      const reason = timedOut
        ? `timed out after ${options.timeoutMs} ms`
        : signal
          ? `was killed by ${signal}`
          : `exited with code ${code}`;
      const tail = stderrTail(result.stderr);
      reject(new ProcessError(`${display} ${reason}${tail ? `:\n${tail}` : ''}`, code, result.stderr));
    });
  });
}

/**
 * Runs a command as a filter of a byte stream: `input` goes to its stdin as fast as it reads, and its stdout is yielded
 * as it comes, so neither is ever held whole. A failure to read `input` is thrown as it is; a non-zero exit as a
 * {@link ProcessError} with the last lines of its stderr. A consumer that stops early ends the process.
 */
export async function* filterThrough(command: string, args: readonly string[], input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const child = spawn(command, args, { env: environment({}), stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', (error) => reject(cannotRun(command, error)));
    child.on('close', (code) => resolve(code));
  });
  exited.catch(() => undefined); // awaited below, unless the consumer stops first
  // settles with the error that stopped the feeding, if any (the child going away early makes it EPIPE)
  const fed = pipeline(Readable.from(input), child.stdin).then(
    () => undefined,
    (error: unknown) => error,
  );
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    const code = await exited;
    const feedError = await fed;
    if (feedError !== undefined && (feedError as NodeJS.ErrnoException).code !== 'EPIPE') throw feedError;
    if (code !== 0) {
      const text = Buffer.concat(stderr).toString('utf8');
      const tail = stderrTail(text);
      throw new ProcessError(`${[command, ...args].join(' ')} exited with code ${code}${tail ? `: ${tail}` : ''}`, code, text);
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}

/** The account of a passwd line (`name:password:uid:gid:gecos:home:shell`) of this name, if it is one. */
function passwdAccount(line: string, name: string): SystemUser | undefined {
  const fields = line.split(':');
  if (fields[0] !== name || fields.length < 7) return undefined;
  return { name, uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] || '/' };
}

/**
 * Looks an account up: in /etc/passwd first (where service and build users live; no process to start, which every
 * command would pay), else through NSS (`getent passwd`), so LDAP and systemd-homed users work as well.
 */
export async function lookupUser(name: string): Promise<SystemUser> {
  const local = await readFile('/etc/passwd', 'utf8').catch(() => '');
  for (const line of local.split('\n')) {
    const account = passwdAccount(line, name);
    if (account) return account;
  }
  const result = await run('getent', ['passwd', name], { allowFailure: true });
  const account = result.code === 0 ? passwdAccount(result.stdout.trim(), name) : undefined;
  if (!account) throw new ProcessError(`unknown user '${name}'`, result.code, result.stderr);
  return account;
}
