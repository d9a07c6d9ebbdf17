import path from 'node:path';
import type { Argv } from 'yargs';
import { Database } from '../../core/database/connection.js';
import { importReferenceDatabase } from '../../core/database/reference-import.js';
import { InvalidInputError } from '../../core/errors.js';
import { SYSTEM_WIDE, systemHandler } from '../handler.js';
import { print, printJson } from '../printer.js';

export const serviceImport = systemHandler({
  name: 'service-import',
  description: "bring an existing Python ahriman installation's state database over (packages, statuses, patches, users, logs, events)",
  mode: { ...SYSTEM_WIDE, unsafe: false },
  options: (argv: Argv) =>
    argv
      .option('from', { type: 'string', demandOption: true, describe: 'the reference\'s database, e.g. /var/lib/ahriman/ahriman.db (not ours)' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  async run({ configuration, output }, args) {
    const loaded = configuration();
    const target = loaded.getPath('settings', 'database', path.join(loaded.getPath('repository', 'root'), 'ahriman.db'));
    const source = path.resolve(args.from);
    if (source === path.resolve(target)) {
      throw new InvalidInputError(`${source} is the database this service uses: import from the reference's database (a copy of it)`);
    }
    const database = await Database.open(target);
    try {
      const counts = await importReferenceDatabase(database, source);
      if (args.json) printJson(output, counts);
      else print(output, Object.entries(counts).map(([name, count]) => `${name}: ${count}`).join('\n'));
    } finally {
      await database.close();
    }
  },
});
