/**
 * The `host` driver: makepkg as the build user directly on this machine, with the host's installed packages.
 * No isolation at all: meant for containers that are themselves throwaway, and for tests.
 */
import { makepkgArguments, type MakepkgRunner } from './workspace.js';

export const hostRunner: MakepkgRunner = {
  async run(workspace, request) {
    await workspace.run('makepkg', makepkgArguments(request), { user: request.user });
  },
};
