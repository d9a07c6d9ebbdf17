/**
 * What the remote-pull and remote-push triggers share: the `gitremote` section type their targets use, and the git
 * operations against the remote (bounded in time, never prompting, credentials in URLs never shown).
 */
import { z } from 'zod';
import type { Configuration } from '../configuration/configuration.js';
import { MISSING_OPTION, option } from '../configuration/schema.js';
import { readSection } from '../configuration/validator.js';
import { redactUrl } from '../build/sources.js';
import { AhrimanError, ConfigurationError, ProcessError } from '../errors.js';
import { run } from '../process.js';

/** A git operation against a pull or push remote failed. */
export class GitRemoteError extends AhrimanError {}

export const GITREMOTE_TYPE = 'gitremote';

/** Characters git refuses in branch names (`git check-ref-format`), spaces, and a leading dash. */
const BRANCH_NAME = /^(?!-)(?!.*\.\.)[^\s~^:?*[\\]+$/;
const branch = () => option.string().regex(BRANCH_NAME, 'expected a git branch name');
const GIT_TIMEOUT_MS = 300_000;
/** A transfer that moved no data for this long is abandoned (the process time limit alone cannot end git's helpers). */
const STALL_SECONDS = 60;

export const gitremoteSchema = z
  .object({
    commit_email: option.string().default('ahriman@localhost'),
    commit_user: option.string().default('ahriman'),
    pull_branch: branch().default('master'),
    pull_url: option.string().optional(),
    push_branch: branch().default('master'),
    push_url: option.string().optional(),
  })
  .superRefine((section, context) => {
    if (section.pull_url === undefined && section.push_url === undefined) {
      const message = 'pull_url (for remote-pull) or push_url (for remote-push) is required';
      context.issues.push({ code: 'custom', path: ['pull_url'], message, params: MISSING_OPTION, input: section });
    }
  });

export type GitRemoteOptions = z.output<typeof gitremoteSchema>;

export interface GitRemoteTarget {
  section: string;
  options: GitRemoteOptions;
}

/** The sections named by `[<family>] target` (`remote-pull` or `remote-push`), read and checked. */
export function gitRemoteTargets(configuration: Configuration, family: 'remote-pull' | 'remote-push'): GitRemoteTarget[] {
  return configuration.getList(family, 'target', [] as string[]).map((target) => {
    const { section, type } = configuration.typedSection(target, GITREMOTE_TYPE);
    if (type !== GITREMOTE_TYPE) {
      throw new ConfigurationError(`[${family}] target ${target}: section [${section}] has type ${type}, expected ${GITREMOTE_TYPE}`);
    }
    return { section, options: readSection(configuration, section, gitremoteSchema) };
  });
}

export interface GitOptions {
  cwd?: string;
  /** The remote the command talks to: named (without credentials) in errors. */
  url?: string;
  env?: Record<string, string>;
}

/** Runs `git <command> ...`; a failure names the command and git's reason, with the credentials of `url` masked. */
export async function git(command: string, args: readonly string[], { cwd, url, env = {} }: GitOptions = {}): Promise<string> {
  const stallLimit = ['-c', 'http.lowSpeedLimit=1', '-c', `http.lowSpeedTime=${STALL_SECONDS}`];
  try {
    const options = { cwd, timeoutMs: GIT_TIMEOUT_MS, env: { ...env, GIT_TERMINAL_PROMPT: '0' } };
    return (await run('git', [...stallLimit, command, ...args], options)).stdout;
  } catch (error) {
    if (!(error instanceof ProcessError)) throw error;
    const hide = (text: string): string => (url === undefined ? text : text.split(url).join(redactUrl(url)));
    const reason = hide(error.stderr.trim() || error.message);
    throw new GitRemoteError(`git ${command}${url === undefined ? '' : ` of ${redactUrl(url)}`} failed: ${reason}`);
  }
}

/** Whether `branch` exists in the remote repository `url`. */
export async function remoteBranchExists(url: string, branch: string): Promise<boolean> {
  return (await git('ls-remote', ['--heads', '--', url, `refs/heads/${branch}`], { url })).trim().length > 0;
}

/** A shallow clone of `branch` of `url` into `target` (a full one where the transport cannot make shallow clones). */
export async function cloneBranch(url: string, branch: string, target: string): Promise<void> {
  const clone = (...extra: string[]) => git('clone', ['--quiet', '--single-branch', '--branch', branch, ...extra, '--', url, target], { url });
  try {
    await clone('--depth', '1');
  } catch (error) {
    if (!(error instanceof GitRemoteError) || !error.message.includes('does not support shallow')) throw error;
    await clone();
  }
}
