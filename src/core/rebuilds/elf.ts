/**
 * The dynamic section of ELF files, read by binutils' `readelf -d` (one process for many files): the libraries a file
 * needs (DT_NEEDED) and the soname a library provides (DT_SONAME).
 */
import { InvalidInputError } from '../errors.js';
import { run } from '../process.js';

export interface DynamicSection {
  soname: string | undefined;
  needed: string[];
}

const READELF_TIMEOUT_MS = 120_000;
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const FILE_HEADER = /^File: (.*)$/;
const ENTRY = /\((NEEDED|SONAME)\)\s+[A-Za-z ]+: \[(.*)\]$/;

/** Whether `head` (the first bytes of a file) starts like an ELF file. */
export function isElf(head: Buffer): boolean {
  return head.length >= ELF_MAGIC.length && head.subarray(0, ELF_MAGIC.length).equals(ELF_MAGIC);
}

/** Parses `readelf -d -W` output of `files` (readelf prefixes each file's part with `File: <name>` when given several). */
export function parseReadelf(output: string, files: readonly string[]): Map<string, DynamicSection> {
  const sections = new Map(files.map((file) => [file, { soname: undefined, needed: [] } as DynamicSection]));
  let current = files.length === 1 ? sections.get(files[0]!) : undefined;
  for (const line of output.split('\n')) {
    const header = FILE_HEADER.exec(line);
    if (header) {
      current = sections.get(header[1]!);
      continue;
    }
    const entry = ENTRY.exec(line.trimEnd());
    if (!entry || !current) continue;
    if (entry[1] === 'NEEDED') current.needed.push(entry[2]!);
    else current.soname = entry[2]!;
  }
  return sections;
}

/** The dynamic sections of `files` (ELF files; one without a dynamic section, e.g. static, has none of either). */
export async function readDynamicSections(files: readonly string[]): Promise<Map<string, DynamicSection>> {
  if (files.length === 0) return new Map();
  const result = await run('readelf', ['--dynamic', '--wide', '--', ...files], { env: { LC_ALL: 'C' }, timeoutMs: READELF_TIMEOUT_MS, allowFailure: true });
  if (result.code !== 0) throw new InvalidInputError(`readelf failed (exit code ${result.code}): ${result.stderr.trim().split('\n')[0] ?? ''}`);
  return parseReadelf(result.stdout, files);
}
