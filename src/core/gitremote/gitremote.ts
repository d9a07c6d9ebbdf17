/** What the remote-pull and remote-push triggers share: the `gitremote` section type their targets use. */
import * as z from 'zod/mini';
import type { Configuration } from '../configuration/configuration.js';
import { MISSING_OPTION, option } from '../configuration/schema.js';
import { readSection } from '../configuration/validator.js';
import { ConfigurationError } from '../errors.js';

export const GITREMOTE_TYPE = 'gitremote';

/** Characters git refuses in branch names (`git check-ref-format`), spaces, and a leading dash. */
const BRANCH_NAME = /^(?!-)(?!.*\.\.)[^\s~^:?*[\\]+$/;
const branch = () => option.string().check(z.regex(BRANCH_NAME, 'expected a git branch name'));

export const gitremoteSchema = z
  .object({
    commit_email: z._default(option.string(), 'ahriman@localhost'),
    commit_user: z._default(option.string(), 'ahriman'),
    pull_branch: z._default(branch(), 'master'),
    pull_url: z.optional(option.string()),
    push_branch: z._default(branch(), 'master'),
    push_url: z.optional(option.string()),
  }).check(z.superRefine((section, context) => {
    if (section.pull_url === undefined && section.push_url === undefined) {
      const message = 'pull_url (for remote-pull) or push_url (for remote-push) is required';
      context.issues.push({ code: 'custom', path: ['pull_url'], message, params: MISSING_OPTION, input: section });
    }
  }));

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
