/**
 * Variable substitution in configuration values, compatible with the reference:
 *
 * - `${section:option}` is the value of another option, `${option}` one of the same section (written in lower case,
 *   as keys are stored). Referenced values are substituted recursively; a reference loop is an error.
 * - Then `${NAME}` and `$NAME` are environment variables, plus `prefix` (the installation prefix, as the
 *   reference's `${prefix}/share/ahriman/...` defaults expect).
 * - A `${section:option}` naming an unset option, and a `${` without its `}`, are errors naming the option they are
 *   in: used literally, they would become paths such as a directory named `${paths:base}`.
 * - Anything else unknown stays as written, so pacman-style `$repo` / `$arch` in a mirror URL survive.
 * - `$$` is a literal `$`.
 *
 * Unlike the reference, a substituted value is never scanned again, so a `$` that came out of `$$` or out of an
 * environment variable stays literal.
 */
import path from 'node:path';
import { ConfigurationError } from '../errors.js';

/** Reads a raw option value; empty values count as unset. */
export type RawLookup = (section: string, key: string) => string | undefined;

/** `$$`, `${name}`, `$NAME`, or (last) a `${` that none of them could close. */
const PLACEHOLDER = /\$(?:(\$)|\{([^}]+)\}|([A-Za-z_][A-Za-z0-9_]*)|(\{[^}]*))/g;

/** Node's install prefix (`/usr` for a system node), the counterpart of Python's `sys.prefix`. */
export function installationPrefix(): string {
  return path.dirname(path.dirname(process.execPath));
}

export class Interpolator {
  private readonly variables: Record<string, string | undefined>;

  constructor(
    private readonly lookup: RawLookup,
    environment: NodeJS.ProcessEnv,
  ) {
    this.variables = { ...environment, prefix: installationPrefix() };
  }

  /** The interpolated value of an option, or undefined when it is unset. */
  resolve(section: string, key: string): string | undefined {
    return this.resolveOption(section, key, []);
  }

  /** Interpolates a raw text as if it were a value of `section`. */
  expand(section: string, text: string): string {
    return this.substitute(section, text, []);
  }

  private resolveOption(section: string, key: string, chain: readonly string[]): string | undefined {
    const raw = this.lookup(section, key);
    if (raw === undefined) return undefined;
    const link = `[${section}] ${key}`;
    if (chain.includes(link)) {
      throw new ConfigurationError(`interpolation loop: ${[...chain, link].join(' -> ')}`);
    }
    return this.substitute(section, raw, [...chain, link]);
  }

  private substitute(section: string, text: string, chain: readonly string[]): string {
    const where = chain.length > 0 ? `${chain[chain.length - 1]}: ` : '';
    return text.replace(PLACEHOLDER, (placeholder, dollar?: string, braced?: string, bare?: string, open?: string) => {
      if (dollar !== undefined) return '$';
      if (open !== undefined) throw new ConfigurationError(`${where}unterminated reference '${placeholder}' (expected '}')`);
      if (braced === undefined) return this.variables[bare!] ?? placeholder;
      const value = this.reference(section, braced, chain) ?? this.variables[braced];
      if (value !== undefined) return value;
      if (braced.includes(':')) {
        throw new ConfigurationError(`${where}'${placeholder}' refers to an option that is not set`);
      }
      return placeholder;
    });
  }

  /** `${section:option}` (split at the last colon) or `${option}` of the current section. */
  private reference(section: string, name: string, chain: readonly string[]): string | undefined {
    const separator = name.lastIndexOf(':');
    if (separator < 0) return this.resolveOption(section, name, chain);
    return this.resolveOption(name.slice(0, separator), name.slice(separator + 1).toLowerCase(), chain);
  }
}
