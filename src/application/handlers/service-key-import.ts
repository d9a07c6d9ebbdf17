import type { Argv } from 'yargs';
import { readAurSettings } from '../../core/repository/build-settings.js';
import { DEFAULT_KEY_SERVER, fetchKey, importKey } from '../../core/sign/key-import.js';
import { READ_ONLY, repositoryHandler } from '../handler.js';
import { print } from '../printer.js';

export const serviceKeyImport = repositoryHandler({
  name: 'service-key-import <key>',
  aliases: ['key-import'],
  description: "fetch a PGP public key from a key server (HKP) and import it into the service user's gpg keyring",
  mode: { ...READ_ONLY, unsafe: false },
  options: (argv: Argv) =>
    argv
      .positional('key', { type: 'string', demandOption: true, describe: 'key id or fingerprint' })
      .option('key-server', {
        type: 'string',
        default: DEFAULT_KEY_SERVER,
        describe: 'key server host (HTTPS), or its URL',
      }),
  async run(context, args) {
    // the HTTP timeouts and retries of [aur] apply: both are remote services the command depends on
    const armored = await fetchKey(args.keyServer, String(args.key), readAurSettings(context.configuration).policy);
    print(context.output, await importKey(armored));
  },
});
