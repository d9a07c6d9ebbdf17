import * as z from 'zod/mini';
import type { PackageLists } from '../../../models/package-fields.js';
import { AhrimanError } from '../../errors.js';
import '../../schema-messages.js';
import { type HttpPolicy, HttpError, fetchWithRetries } from '../../http/client.js';

/** What the AUR says about one package (RPC v5 field names, camel-cased). Search results carry no dependency lists. */
export interface AurPackage extends PackageLists {
  name: string;
  packageBase: string;
  version: string;
  description: string;
  url: string | null;
  numVotes: number;
  popularity: number;
  outOfDate: number | null;
  maintainer: string | null;
  firstSubmitted: number;
  lastModified: number;
  keywords: string[];
}

export type AurSearchField = 'name' | 'name-desc' | 'maintainer' | 'depends' | 'makedepends' | 'optdepends' | 'checkdepends' | 'provides' | 'conflicts' | 'replaces' | 'groups' | 'keywords' | 'submitter' | 'comaintainers';

export class AurError extends AhrimanError {}

const stringList = z.pipe(z.nullish(z.array(z.string())), z.transform((value) => value ?? []));
const resultSchema = z.pipe(
  z.object({
    Name: z.string(),
    PackageBase: z.string(),
    Version: z.string(),
    Description: z.nullish(z.string()),
    URL: z.nullish(z.string()),
    NumVotes: z.nullish(z.number()),
    Popularity: z.nullish(z.number()),
    OutOfDate: z.nullish(z.number()),
    Maintainer: z.nullish(z.string()),
    FirstSubmitted: z.nullish(z.number()),
    LastModified: z.nullish(z.number()),
    Depends: stringList,
    MakeDepends: stringList,
    CheckDepends: stringList,
    OptDepends: stringList,
    Provides: stringList,
    Conflicts: stringList,
    Replaces: stringList,
    Groups: stringList,
    License: stringList,
    Keywords: stringList,
  }),
  z.transform(
    (raw): AurPackage => ({
      name: raw.Name,
      packageBase: raw.PackageBase,
      version: raw.Version,
      description: raw.Description ?? '',
      url: raw.URL ?? null,
      numVotes: raw.NumVotes ?? 0,
      popularity: raw.Popularity ?? 0,
      outOfDate: raw.OutOfDate ?? null,
      maintainer: raw.Maintainer ?? null,
      firstSubmitted: raw.FirstSubmitted ?? 0,
      lastModified: raw.LastModified ?? 0,
      depends: raw.Depends,
      makeDepends: raw.MakeDepends,
      checkDepends: raw.CheckDepends,
      optDepends: raw.OptDepends,
      provides: raw.Provides,
      conflicts: raw.Conflicts,
      replaces: raw.Replaces,
      groups: raw.Groups,
      licenses: raw.License,
      keywords: raw.Keywords,
    }),
  ),
);
const responseSchema = z.object({
  type: z.string(),
  error: z.nullish(z.string()),
  results: z.array(z.unknown()),
});

/** Names per `info` request: the RPC takes many `arg[]` at once; this keeps one request body modest. */
export const INFO_CHUNK_SIZE = 200;

/**
 * Client of the AUR RPC v5 for one run: `info` asks for up to {@link INFO_CHUNK_SIZE} names per POST request and
 * remembers every answer (including "not in the AUR") so a name is never asked twice in a run.
 */
export class AurClient {
  private readonly known = new Map<string, AurPackage | null>();
  private readonly baseUrl: string;

  constructor(
    url: string,
    private readonly policy: HttpPolicy,
  ) {
    this.baseUrl = url.replace(/\/+$/, '');
  }

  /** The git repository of a package base: `<url>/<base>.git`. */
  gitUrl(packageBase: string): string {
    return `${this.baseUrl}/${encodeURIComponent(packageBase)}.git`;
  }

  webUrl(packageBase: string): string {
    return `${this.baseUrl}/packages/${encodeURIComponent(packageBase)}`;
  }

  private async request(url: string, init: RequestInit): Promise<AurPackage[]> {
    const response = await fetchWithRetries(url, { ...init, headers: { accept: 'application/json', ...init.headers } }, this.policy);
    const text = await response.text();
    if (!response.ok) throw new HttpError(`AUR ${url} answered HTTP ${response.status}: ${text.slice(0, 200)}`, response.status);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new AurError(`AUR ${url} answered with invalid JSON: ${JSON.stringify(text.slice(0, 80))}`);
    }
    const parsed = responseSchema.safeParse(body);
    if (!parsed.success) throw new AurError(`AUR ${url} answered with an unexpected document: ${parsed.error.issues[0]?.message}`);
    if (parsed.data.type === 'error') throw new AurError(`AUR ${url} refused the request: ${parsed.data.error ?? 'unknown error'}`);
    return parsed.data.results.map((result, index) => {
      const item = resultSchema.safeParse(result);
      if (!item.success) {
        const issue = item.error.issues[0];
        throw new AurError(`AUR ${url} result ${index} is malformed: ${issue?.path.join('.')}: ${issue?.message}`);
      }
      return item.data;
    });
  }

  /** Looks many package names up at once; names not in the AUR are absent from the result. */
  async info(names: Iterable<string>): Promise<Map<string, AurPackage>> {
    const wanted = [...new Set(names)];
    const missing = wanted.filter((name) => !this.known.has(name));
    for (let start = 0; start < missing.length; start += INFO_CHUNK_SIZE) {
      const chunk = missing.slice(start, start + INFO_CHUNK_SIZE);
      const body = new URLSearchParams(chunk.map((name): [string, string] => ['arg[]', name]));
      const found = await this.request(`${this.baseUrl}/rpc/v5/info`, { method: 'POST', body });
      for (const name of chunk) this.known.set(name, null);
      for (const aurPackage of found) this.known.set(aurPackage.name, aurPackage);
    }
    const result = new Map<string, AurPackage>();
    for (const name of wanted) {
      const aurPackage = this.known.get(name);
      if (aurPackage) result.set(name, aurPackage);
    }
    return result;
  }

  async search(term: string, by: AurSearchField = 'name-desc'): Promise<AurPackage[]> {
    return this.request(`${this.baseUrl}/rpc/v5/search/${encodeURIComponent(term)}?by=${by}`, { method: 'GET' });
  }

  /** Packages whose `provides` names `dependency` (e.g. `sh` or `libfoo.so`), for dependency resolution. */
  async providers(dependency: string): Promise<AurPackage[]> {
    return this.search(dependency, 'provides');
  }
}
