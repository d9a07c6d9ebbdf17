/**
 * The remote-push trigger: after a run that built something, the PKGBUILD directories of the built packages (their
 * `cache/<base>` checkout without git files) and their patches are committed to git repositories
 * (`[remote-push] target`, sections of type gitremote with `push_url`, `push_branch`, `commit_user`, `commit_email`),
 * one directory per base, so that the repository can be rebuilt elsewhere (by remote-pull, for one).
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PkgbuildPatch } from '../../models/patch.js';
import type { BuiltPackage } from '../../models/result.js';
import { serializePatch } from '../build/patches.js';
import { pkgbuildDirectory } from '../build/sources.js';
import { ConfigurationError } from '../errors.js';
import { cloneBranch, git, redactUrl } from '../git/git.js';
import { getLogger } from '../log/logger.js';
import { runTargets } from '../triggers/targets.js';
import type { TriggerContext, TriggerFactory } from '../triggers/trigger.js';
import { GITREMOTE_TYPE, type GitRemoteTarget, gitRemoteTargets, gitremoteSchema } from './gitremote.js';

const logger = getLogger('remote-push');

/** The reference's file names: `ahriman-<base>.patch` for the full diff, `ahriman-<variable>.patch` for the others. */
function patchFile(base: string, patch: PkgbuildPatch): { name: string; content: string } {
  if (patch.key === null) return { name: `ahriman-${base}.patch`, content: patch.value };
  return { name: `ahriman-${patch.key}.patch`, content: `${serializePatch(patch)}\n` };
}

/** The directory holding the PKGBUILD of a base in the cache, or undefined when there is none (an archive). */
async function cachedPkgbuild(context: TriggerContext, base: string): Promise<string | undefined> {
  const [known] = await context.state.packages.listPackages(base);
  if (known === undefined) return undefined;
  const cache = context.paths.cacheFor(base);
  const { remote } = known.package;
  const directory = remote.source === 'local' ? cache : pkgbuildDirectory(cache, remote);
  return existsSync(path.join(directory, 'PKGBUILD')) ? directory : undefined;
}

/** Replaces `<clone>/<base>` by the cached PKGBUILD directory and the base's patches; false when there is nothing. */
async function exportPackage(context: TriggerContext, clone: string, base: string): Promise<boolean> {
  const source = await cachedPkgbuild(context, base);
  if (source === undefined) {
    logger.warning(`${base} has no PKGBUILD in the cache: not pushed`);
    return false;
  }
  const destination = path.join(clone, base);
  await fs.rm(destination, { recursive: true, force: true });
  await fs.cp(source, destination, { recursive: true, verbatimSymlinks: true, filter: (file) => file === source || !path.basename(file).startsWith('.git') });
  for (const patch of (await context.state.patches.patchesList(base)).get(base) ?? []) {
    const { name, content } = patchFile(base, patch);
    await fs.writeFile(path.join(destination, name), content);
  }
  return true;
}

function commitMessage(packages: readonly BuiltPackage[]): string {
  const lines = packages.map((item) => `${item.base} ${item.version}`);
  const subject = packages.length === 1 ? `Update ${lines[0]}` : `Update ${packages.length} packages`;
  return packages.length === 1 ? subject : `${subject}\n\n${lines.join('\n')}\n`;
}

/** Commits the packages to one target and pushes; returns false when the target already had them as they are. */
export async function pushTarget(context: TriggerContext, { section, options }: GitRemoteTarget, packages: readonly BuiltPackage[]): Promise<boolean> {
  const url = options.push_url;
  if (url === undefined) throw new ConfigurationError(`[${section}] push_url is required by remote-push`);
  const branch = options.push_branch;
  const workspace = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-remote-push-'));
  try {
    const clone = path.join(workspace, 'clone');
    const heads = await git(['ls-remote', '--heads', '--', url, `refs/heads/${branch}`], { remote: url });
    if (heads.trim().length > 0) await cloneBranch(url, branch, clone);
    else await git(['init', '--quiet', '--initial-branch', branch, clone]);

    const exported = [];
    for (const item of packages) if (await exportPackage(context, clone, item.base)) exported.push(item);
    await git(['add', '--all'], { cwd: clone });
    const staged = await git(['diff', '--cached', '--name-only'], { cwd: clone });
    if (staged.trim().length === 0) {
      logger.info(`${redactUrl(url)} (branch ${branch}) is up to date`);
      return false;
    }
    const { commit_user: name, commit_email: email } = options;
    const env = { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email };
    await git(['commit', '--quiet', '--no-verify', '--no-gpg-sign', '--message', commitMessage(exported)], { cwd: clone, env });
    await git(['push', '--quiet', '--', url, `HEAD:refs/heads/${branch}`], { cwd: clone, remote: url });
    logger.info(`pushed ${exported.length} package(s) to ${redactUrl(url)} (branch ${branch})`);
    return true;
  } finally {
    await fs.rm(workspace, { recursive: true, force: true });
  }
}

export const remotePushTrigger: TriggerFactory = {
  name: 'remote-push',
  configurationSchemas: { [GITREMOTE_TYPE]: gitremoteSchema },
  create(context) {
    const targets = gitRemoteTargets(context.configuration, 'remote-push');
    return {
      name: 'remote-push',
      async onResult(result) {
        if (result.success.length === 0) return;
        await runTargets('remote-push', targets, (target) => target.section, async (target) => {
          await pushTarget(context, target, result.success);
        });
      },
    };
  },
};
