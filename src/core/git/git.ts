/**
 * The one way this project runs git. Against a remote (`options.remote`), a command is bounded in time, abandons a
 * transfer that stalls, never prompts for credentials, never names them in errors or logs, and is retried after a
 * failure; a local command is only bounded in time. Both throw {@link GitError} naming the command and git's reason.
 */
import fs from 'node:fs/promises';
import { AhrimanError, ProcessError } from '../errors.js';
import { run } from '../process.js';
import { type RetryPolicy, withRetries } from '../retry.js';

/** A git command failed: network, missing repository or branch, time limit, or a local error. */
export class GitError extends AhrimanError {
  constructor(
    message: string,
    /** Git's own words and the time limit, if hit (empty when git said nothing), credentials masked. */
    readonly reason: string,
  ) {
    super(message);
  }
}

export interface GitOptions {
  cwd?: string;
  /** The URL this command talks to. Its credentials are masked in errors and logs. */
  remote?: string;
  /** Variables added to the command's environment (e.g. a commit identity). */
  env?: Record<string, string>;
  /** Standard input (e.g. a diff for `git apply`). */
  input?: string;
  /** Limit for one attempt (default 5 minutes against a remote, 1 minute locally). */
  timeoutMs?: number;
  /** Retries of a command against a remote (default: 2 more attempts, backoff from 1 s). */
  retry?: RetryPolicy;
}

export const DEFAULT_GIT_RETRY: RetryPolicy = { maxRetries: 2, backoffSeconds: 1 };
const REMOTE_TIMEOUT_MS = 300_000;
const LOCAL_TIMEOUT_MS = 60_000;
/** A transfer that moved no data for this long (or for the whole timeout, when shorter) is abandoned. */
const STALL_LIMIT_MS = 60_000;
const SHALLOW_UNSUPPORTED = 'does not support shallow';
/** Answers that trying again cannot change: refused credentials, a rejected push, an unsupported shallow clone. */
const PERMANENT_FAILURES = ['Authentication failed', 'could not read Username', '[rejected]', SHALLOW_UNSUPPORTED];

/** A URL as it may appear in a log or an error: credentials replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '***';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url; // not a URL (e.g. scp-like `host:path`): nothing secret in it
  }
}

/** Runs `git <args>` and returns its standard output. */
export async function git(args: readonly string[], options: GitOptions = {}): Promise<string> {
  if (options.remote === undefined) return gitOnce(args, options);
  const remote = options.remote;
  const policy = options.retry ?? DEFAULT_GIT_RETRY;
  const what = `git ${subcommand(args)} of ${redactUrl(remote)}`;
  return withRetries(policy, { what, retryable: isRetryable }, () => gitOnce(args, options));
}

/**
 * A shallow clone of `branch` of `url` into `target` (which must not exist), or a full one where the transport
 * cannot make shallow clones (git's dumb HTTP transport; such repositories are small enough to clone whole).
 */
export async function cloneBranch(url: string, branch: string, target: string, options: Omit<GitOptions, 'cwd' | 'remote'> = {}): Promise<void> {
  const clone = (...extra: string[]) => {
    const args = ['clone', '--quiet', '--single-branch', '--branch', branch, ...extra, '--', url, target];
    // a failed attempt (or one killed at its time limit) may leave a partial clone behind
    return withRetries(options.retry ?? DEFAULT_GIT_RETRY, { what: `git clone of ${redactUrl(url)}`, retryable: isRetryable }, async () => {
      await fs.rm(target, { recursive: true, force: true });
      await gitOnce(args, { ...options, remote: url });
    });
  };
  try {
    await clone('--depth', '1');
  } catch (error) {
    if (!(error instanceof GitError) || !error.message.includes(SHALLOW_UNSUPPORTED)) throw error;
    await clone();
  }
}

function isRetryable(error: unknown): boolean {
  return error instanceof GitError && !PERMANENT_FAILURES.some((marker) => error.reason.includes(marker));
}

/** The git command word (`clone`, `fetch`...), skipping `-c name=value` and other options before it. */
function subcommand(args: readonly string[]): string {
  return args.find((arg, index) => !arg.startsWith('-') && args[index - 1] !== '-c') ?? 'command';
}

async function gitOnce(args: readonly string[], { cwd, remote, env = {}, input, timeoutMs }: GitOptions): Promise<string> {
  const limit = timeoutMs ?? (remote === undefined ? LOCAL_TIMEOUT_MS : REMOTE_TIMEOUT_MS);
  // Git's own stall limit for HTTP matters: git leaves its transport helper running when it is killed, so the
  // subprocess time limit alone cannot end a transfer from a server that stopped answering.
  const stallSeconds = Math.max(1, Math.ceil(Math.min(limit, STALL_LIMIT_MS) / 1000));
  const remoteSettings = remote === undefined ? [] : ['-c', 'http.lowSpeedLimit=1', '-c', `http.lowSpeedTime=${stallSeconds}`];
  try {
    const runEnv = remote === undefined ? env : { ...env, GIT_TERMINAL_PROMPT: '0' };
    return (await run('git', [...remoteSettings, ...args], { cwd, input, timeoutMs: limit, env: runEnv })).stdout;
  } catch (error) {
    if (!(error instanceof ProcessError)) throw error;
    const timedOut = /timed out after \d+ ms/.exec(error.message)?.[0];
    const said = [timedOut, error.stderr.trim()].filter(Boolean).join(': ');
    const where = remote === undefined ? (cwd === undefined ? '' : ` in ${cwd}`) : ` of ${redactUrl(remote)}`;
    const hide = (text: string): string => (remote === undefined ? text : text.split(remote).join(redactUrl(remote)));
    // no cause: the process error quotes the command line, credentials included
    throw new GitError(`git ${subcommand(args)}${where} failed: ${hide(said || error.message)}`, hide(said));
  }
}
