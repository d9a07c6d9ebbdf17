import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { getLogger } from '../../core/log/logger.js';
import { READ_ONLY, repositoryHandler } from '../handler.js';
import { print } from '../printer.js';

const logger = getLogger('service-tree-migrate');
/** The directories that gained a repository level in the reference's 2.12 tree. */
const PER_REPOSITORY = ['packages', 'pacman', 'repository'];

/** A legacy `<dir>/<arch>` holds files (databases, packages); in the current tree the same place holds directories. */
async function isLegacy(directory: string): Promise<boolean> {
  if (!existsSync(directory)) return false;
  const entries = await fs.readdir(directory, { withFileTypes: true });
  return entries.length === 0 || entries.some((entry) => !entry.isDirectory());
}

/** Rewrites a relative symlink moved from `from` to `to` so it points at the same file. */
async function relink(link: string, from: string, to: string): Promise<void> {
  const target = await fs.readlink(link);
  if (path.isAbsolute(target)) return;
  const absolute = path.resolve(from, target);
  const temporary = `${link}.migrate`;
  await fs.symlink(path.relative(to, absolute), temporary);
  await fs.rename(temporary, link);
}

/** Moves `<dir>/<arch>` of the reference's legacy tree to `<dir>/<repo>/<arch>`, fixing relative links. */
export const serviceTreeMigrate = repositoryHandler({
  name: 'service-tree-migrate',
  description: 'move a legacy <dir>/<arch> tree (before the reference\'s 2.12) to <dir>/<repo>/<arch>',
  mode: { ...READ_ONLY, unsafe: false },
  async run(context) {
    const { root } = context.paths;
    const { architecture, name } = context.repositoryId;
    for (const directory of PER_REPOSITORY) {
      const legacy = path.join(root, directory, architecture);
      const target = path.join(root, directory, name, architecture);
      if (!(await isLegacy(legacy))) continue;
      if (existsSync(target) && (await fs.readdir(target)).length > 0) {
        logger.warning(`${target} exists already: ${legacy} left as it is`);
        continue;
      }
      await fs.rm(target, { recursive: true, force: true });
      await fs.mkdir(path.dirname(target), { recursive: true });
      // a temporary name first: the target lives inside the legacy directory's parent
      const moving = path.join(root, directory, `.${architecture}.migrate`);
      await fs.rename(legacy, moving);
      await fs.mkdir(path.join(root, directory, name), { recursive: true });
      await fs.rename(moving, target);
      for (const entry of await fs.readdir(target, { withFileTypes: true })) {
        if (entry.isSymbolicLink()) await relink(path.join(target, entry.name), legacy, target);
      }
      print(context.output, `moved ${legacy} to ${target}`);
    }
  },
});
