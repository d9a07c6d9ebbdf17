import type { Argv } from 'yargs';
import { SYSTEM_WIDE, systemHandler } from '../handler.js';
import { print, printJson } from '../printer.js';
import { formatEntry } from '../../core/format/table.js';
import { discoverRepositories } from '../repositories.js';

export const serviceRepositories = systemHandler({
  name: 'service-repositories',
  description: 'list the repositories found under the repository root',
  mode: SYSTEM_WIDE,
  options: (argv: Argv) =>
    argv
      .option('id-only', { type: 'boolean', default: false, describe: 'print only <arch>-<repo> ids' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  async run({ configuration, output }, args) {
    const repositories = discoverRepositories(configuration().getPath('repository', 'root'));
    if (args.json) {
      printJson(output, repositories.map((id) => ({ id: id.id, architecture: id.architecture, name: id.name })));
    } else if (repositories.length > 0) {
      const entries = repositories.map((id) => formatEntry(id.id, args.idOnly ? [] : [['Name', id.name], ['Architecture', id.architecture]]));
      print(output, entries.join('\n'));
    }
  },
});
