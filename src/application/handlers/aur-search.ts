import type { Argv } from 'yargs';
import { type AurPackage, AurClient } from '../../core/alpm/remote/aur.js';
import { readOfficialPackages, readOfficialSettings } from '../../core/alpm/remote/official.js';
import { InvalidInputError } from '../../core/errors.js';
import { readAurSettings } from '../../core/repository/build-settings.js';
import { READ_ONLY, type RepositoryContext, repositoryHandler } from '../handler.js';
import { print, printJson } from '../printer.js';
import { formatEntry } from '../../core/format/table.js';

/** A search result: from the AUR, or from one of the official sync databases. */
interface Found {
  name: string;
  version: string;
  description: string;
  url: string | null;
  repository: string;
  packageBase: string;
  licenses: string[];
  depends: string[];
  numVotes: number | null;
  popularity: number | null;
  lastModified: number | null;
}

/** Scalar fields results can be sorted by (the reference accepts any scalar field of its AUR package). */
const SORT_FIELDS = ['name', 'version', 'description', 'url', 'repository', 'packageBase', 'numVotes', 'popularity', 'lastModified'] as const;
type SortField = (typeof SORT_FIELDS)[number];
/** The AUR and the reference ignore search terms shorter than this. */
const MIN_TERM_LENGTH = 3;

function fromAur(item: AurPackage): Found {
  return {
    name: item.name,
    version: item.version,
    description: item.description,
    url: item.url,
    repository: 'aur',
    packageBase: item.packageBase,
    licenses: item.licenses,
    depends: item.depends,
    numVotes: item.numVotes,
    popularity: item.popularity,
    lastModified: item.lastModified,
  };
}

/** Results matching every term: the AUR is asked once per term (by name and description), the answers intersected. */
async function searchAur(client: AurClient, terms: readonly string[]): Promise<Found[]> {
  const answers = await Promise.all(terms.map((term) => client.search(term, 'name-desc')));
  const [first = [], ...rest] = answers.map((answer) => new Map(answer.map((item) => [item.name, item])));
  return [...first.values()].filter((item) => rest.every((other) => other.has(item.name))).map(fromAur);
}

async function searchOfficial(context: RepositoryContext, terms: readonly string[]): Promise<Found[]> {
  const packages = await readOfficialPackages(readOfficialSettings(context.configuration, context.paths));
  const matches = (text: string): boolean => terms.every((term) => text.includes(term.toLowerCase()));
  return [...(packages?.values() ?? [])]
    .filter((entry) => matches(`${entry.name}\n${entry.description}`.toLowerCase()))
    .map((entry) => ({
      name: entry.name,
      version: entry.version,
      description: entry.description,
      url: entry.url || null,
      repository: 'official',
      packageBase: entry.base,
      licenses: entry.licenses,
      depends: entry.depends,
      numVotes: null,
      popularity: null,
      lastModified: entry.buildDate,
    }));
}

function compare(field: SortField): (left: Found, right: Found) => number {
  return (left, right) => {
    const [a, b] = [left[field], right[field]];
    if (typeof a === 'number' || typeof b === 'number') return (Number(a ?? 0) - Number(b ?? 0)) || left.name.localeCompare(right.name);
    return String(a ?? '').localeCompare(String(b ?? '')) || left.name.localeCompare(right.name);
  };
}

export const aurSearch = repositoryHandler({
  name: 'aur-search <search..>',
  aliases: ['search'],
  description: 'search the AUR and the official sync databases for packages matching every term',
  mode: READ_ONLY,
  options: (argv: Argv) =>
    argv
      .positional('search', { type: 'string', array: true, demandOption: true, describe: `search terms (shorter than ${MIN_TERM_LENGTH} characters are ignored)` })
      .option('exit-code', { alias: 'e', type: 'boolean', default: false, describe: 'exit 1 when nothing is found' })
      .option('info', { type: 'boolean', default: false, describe: 'print more details of each package' })
      .option('sort-by', { choices: SORT_FIELDS, default: 'name' as SortField, describe: 'field to sort the results by' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  async run(context, args) {
    const terms = args.search.map(String).filter((term) => term.length >= MIN_TERM_LENGTH);
    if (terms.length === 0) throw new InvalidInputError(`every search term is shorter than ${MIN_TERM_LENGTH} characters: nothing to search for`);
    const settings = readAurSettings(context.configuration);
    const [official, aur] = await Promise.all([searchOfficial(context, terms), searchAur(new AurClient(settings.url, settings.policy), terms)]);
    const found = [...official, ...aur].sort(compare(args.sortBy));
    if (args.json) printJson(context.output, found);
    else {
      for (const item of found) {
        const properties: Array<[string, string]> = [['Repository', item.repository], ['Description', item.description]];
        if (args.info) {
          properties.push(['Package base', item.packageBase], ['Upstream URL', item.url ?? ''], ['Licenses', item.licenses.join(' ')], ['Depends', item.depends.join(' ')]);
        }
        print(context.output, formatEntry(`${item.name} ${item.version}`, properties));
      }
    }
    return args.exitCode && found.length === 0 ? 1 : 0;
  },
});
