import fs from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import { validatePackageName } from '../../core/alpm/validation.js';
import {
  DEFAULT_TRACKED_PATTERNS,
  checkPatchSyntax,
  createDiffPatch,
  functionPatch,
  parseVariableValue,
  variablePatch,
} from '../../core/build/patches.js';
import { InvalidInputError, errorMessage } from '../../core/errors.js';
import { getLogger } from '../../core/log/logger.js';
import { buildUser } from '../../core/repository/build-settings.js';
import { SourceLoader } from '../../core/repository/source-loader.js';
import type { RepositoryState } from '../../core/repository/state.js';
import type { PkgbuildPatch } from '../../models/patch.js';
import { asList } from '../arguments.js';
import { MUTATING, READ_ONLY, type CommandMode, repositoryHandler } from '../handler.js';
import { print, printJson } from '../printer.js';
import { formatEntry } from '../../core/format/table.js';

const logger = getLogger('patches');

/**
 * Patches are shared by all repositories, so a patch command runs once whatever repositories match (patch-add also
 * reads its value from stdin, which child processes of a fan-out would not see). Each change is one SQL statement:
 * no repository lock is needed, as in the reference.
 */
const PATCH_MUTATING: CommandMode & { systemWide: false } = { ...MUTATING, lock: false, multiRepository: false, sharedState: true };
const PATCH_READ_ONLY: CommandMode & { systemWide: false } = { ...READ_ONLY, sharedState: true };
const FULL_DIFF_NAME = 'full diff';
/** How the reference's patch listing names the full diff. */
const FULL_DIFF_TITLE = 'Full source diff';

function patchName(patch: PkgbuildPatch): string {
  return patch.key ?? FULL_DIFF_NAME;
}

/** The patches of `base`, which need not be known yet: patching before adding is a normal workflow. */
async function patchesOf(state: RepositoryState, base: string): Promise<PkgbuildPatch[]> {
  validatePackageName(base, 'package base');
  return (await state.patches.patchesList(base)).get(base) ?? [];
}

async function readStandardInput(variable: string): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write(`Type the new value of ${variable}, then press Ctrl-D:\n`);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readPatchText(variable: string, file: string | undefined): Promise<string> {
  if (file === undefined) return readStandardInput(variable);
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new InvalidInputError(`cannot read the value of ${variable} from ${file}: ${errorMessage(error)}`);
  }
}

/** A name ending in `()` replaces a function (the text is its body); any other sets a variable (see parseVariableValue). */
function makePatch(variable: string, text: string): PkgbuildPatch {
  const value = text.trim();
  if (value === '') throw new InvalidInputError(`empty value for ${variable}: nothing to patch`);
  return variable.endsWith('()') ? functionPatch(variable, value) : variablePatch(variable, parseVariableValue(value));
}

export const patchAdd = repositoryHandler({
  name: 'patch-add <package> <variable> [patch]',
  description: 'set a PKGBUILD variable or function (name ending in "()") of a package base before it is built',
  mode: PATCH_MUTATING,
  options: (argv: Argv) =>
    argv
      .positional('package', { type: 'string', demandOption: true, describe: 'package base' })
      .positional('variable', { type: 'string', demandOption: true, describe: 'variable name, or function name followed by "()"' })
      .positional('patch', {
        type: 'string',
        describe: 'file holding the value: a string, a (shell array) or a [JSON array]; a function body. Default: stdin',
      }),
  async run(context, args) {
    validatePackageName(args.package, 'package base');
    const state = await context.state();
    const patch = makePatch(args.variable, await readPatchText(args.variable, args.patch));
    await checkPatchSyntax(patch);
    await state.patches.patchInsert(args.package, patch);
    logger.info(`patch of ${patch.key} saved for ${args.package}`);
  },
});

export const patchList = repositoryHandler({
  name: 'patch-list <package>',
  description: 'list the PKGBUILD patches of a package base',
  mode: PATCH_READ_ONLY,
  options: (argv: Argv) =>
    argv
      .positional('package', { type: 'string', demandOption: true, describe: 'package base' })
      .option('variable', { alias: 'v', type: 'string', coerce: asList, describe: 'only the patches of this variable or function (repeatable)' })
      .option('exit-code', { alias: 'e', type: 'boolean', default: false, describe: 'exit 1 when no patch is printed' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON ({key, value}; key null = full diff)' }),
  async run(context, args) {
    const state = await context.state();
    const patches = (await patchesOf(state, args.package)).filter(
      (patch) => args.variable === undefined || (patch.key !== null && args.variable.includes(patch.key)),
    );
    if (args.json) printJson(context.output, patches);
    else if (patches.length > 0) print(context.output, formatEntry(args.package, patches.map((patch) => [patch.key ?? FULL_DIFF_TITLE, patch.value])));
    return args.exitCode && patches.length === 0 ? 1 : 0;
  },
});

export const patchRemove = repositoryHandler({
  name: 'patch-remove <package>',
  description: 'remove every PKGBUILD patch of a package base, or those of the variables given with -v',
  mode: PATCH_MUTATING,
  options: (argv: Argv) =>
    argv
      .positional('package', { type: 'string', demandOption: true, describe: 'package base' })
      .option('variable', { alias: 'v', type: 'string', coerce: asList, describe: 'only the patch of this variable or function (repeatable)' }),
  async run(context, args) {
    const state = await context.state();
    const existing = await patchesOf(state, args.package);
    const variables = existing.flatMap((patch) => (patch.key === null ? [] : [patch.key]));
    const missing = (args.variable ?? []).filter((variable) => !variables.includes(variable));
    if (missing.length > 0) {
      throw new InvalidInputError(
        `${args.package} has no patch of ${missing.join(', ')} (its variable and function patches: ${variables.join(', ') || 'none'})`,
      );
    }
    await state.patches.patchesRemove(args.package, args.variable);
    const removed = args.variable ?? existing.map(patchName);
    logger.info(removed.length > 0 ? `removed patches of ${args.package}: ${removed.join(', ')}` : `${args.package} has no patches`);
  },
});

export const patchSetAdd = repositoryHandler({
  name: 'patch-set-add <dir>',
  description: 'save the changes of a locally modified clone of a package as its full-diff patch',
  mode: PATCH_MUTATING,
  options: (argv: Argv) =>
    argv
      .positional('dir', { type: 'string', demandOption: true, describe: 'the modified clone (a git repository with a PKGBUILD)' })
      .option('track', {
        alias: 't',
        type: 'string',
        default: DEFAULT_TRACKED_PATTERNS,
        coerce: asList,
        describe: 'new files to include, as globs relative to the clone (repeatable; modified files are always included)',
      }),
  async run(context, args) {
    const directory = path.resolve(args.dir);
    const { base } = await new SourceLoader(context.paths, await buildUser(context.configuration)).info(directory);
    const state = await context.state();
    const patch = await createDiffPatch(directory, args.track);
    await state.patches.patchInsert(base, patch);
    logger.info(`full-diff patch of ${base} saved from ${directory}`);
  },
});
