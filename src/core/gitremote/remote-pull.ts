/**
 * The remote-pull trigger: before a run, PKGBUILDs kept in git repositories (`[remote-pull] target`, sections of
 * type gitremote with `pull_url` and `pull_branch`) become local packages. Every directory of the clone holding a
 * PKGBUILD is imported into `cache/<base>`, as `package-add` imports a local PKGBUILD directory; a base seen for the
 * first time is queued, a known one is rebuilt by the update's local check when its version changed.
 */
import { runTargets } from '../triggers/targets.js';
import type { TriggerFactory } from '../triggers/trigger.js';
import { GITREMOTE_TYPE, gitRemoteTargets, gitremoteSchema } from './gitremote.js';

export const remotePullTrigger: TriggerFactory = {
  name: 'remote-pull',
  configurationSchemas: { [GITREMOTE_TYPE]: gitremoteSchema },
  create(context) {
    const targets = gitRemoteTargets(context.configuration, 'remote-pull');
    return {
      name: 'remote-pull',
      async onStart() {
        if (targets.length === 0) return;
        // cloning and importing load git, the archive intake and the build sources: only when there is a target
        const [{ pullTarget }, { buildUser }, { SourceLoader }] = await Promise.all([
          import('./pull.js'),
          import('../repository/build-settings.js'),
          import('../repository/source-loader.js'),
        ]);
        const sources = new SourceLoader(context.paths, await buildUser(context.configuration));
        await runTargets('remote-pull', targets, (target) => target.section, async (target) => {
          await pullTarget(context, sources, target);
        });
      },
    };
  },
};
