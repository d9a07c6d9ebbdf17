import { keyringGenerator } from '../../core/support/keyring.js';
import { mirrorlistGenerator } from '../../core/support/mirrorlist.js';
import { type PackageGenerator, runGenerator } from '../../core/support/pkgbuild-generator.js';
import { Application } from '../application.js';
import { MUTATING, repositoryHandler } from '../handler.js';
import { print } from '../printer.js';

/** A command generating the packages of one generator's targets into the cache and the build queue. */
function generatorHandler(name: string, description: string, generator: PackageGenerator) {
  return repositoryHandler({
    name,
    description,
    mode: MUTATING,
    async run(context) {
      const application = await Application.load(context);
      for (const directory of await runGenerator(application.services, generator)) print(context.output, `generated ${directory}, queued for the next update`);
    },
  });
}

export const repoCreateKeyring = generatorHandler(
  'repo-create-keyring',
  'generate the <repo>-keyring package ([keyring] target) and queue it for the next update',
  keyringGenerator,
);

export const repoCreateMirrorlist = generatorHandler(
  'repo-create-mirrorlist',
  'generate the <repo>-mirrorlist package ([mirrorlist] target) and queue it for the next update',
  mirrorlistGenerator,
);
