/**
 * A build driver for the distributed staging repository tests, loaded from a module like a third-party one: it says
 * its build environment installs dependencies (as the devtools chroot does), logs the local repositories a build is
 * given (`repository <name> <directory>`), then makes the package like prebuilt-driver.mjs.
 */
import prebuilt from './prebuilt-driver.mjs';

export default {
  name: 'staging-probe',
  installsDependencies: true,
  async build(request) {
    for (const repository of request.repositories ?? []) request.onLine(`repository ${repository.name} ${repository.directory}`);
    return prebuilt.build(request);
  },
};
