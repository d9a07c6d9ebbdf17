import fc from 'fast-check';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import {
  checkPatchSyntax,
  functionPatch,
  parseVariableAssignment,
  parseVariableValue,
  quoteShellWord,
  serializePatch,
  serializeVariableValue,
  variablePatch,
} from '../../../src/core/build/patches.js';
import { run } from '../../../src/core/process.js';

let emptyDirectory: string;
beforeAll(async () => {
  // bash runs here, so a file name pattern that slipped through could not match anything by accident.
  emptyDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'patches-unit-'));
});
afterAll(() => fs.rm(emptyDirectory, { recursive: true, force: true }));

/** What bash makes of `arr=(<source>)`, for every source, in one bash process. */
async function bashArrays(sources: readonly string[]): Promise<string[][]> {
  const script = sources.map((source) => `arr=(${source}); for x in "\${arr[@]}"; do printf '%s\\0' "$x"; done; printf '\\1'`);
  const { stdout } = await run('bash', ['-u'], { input: script.join('\n'), cwd: emptyDirectory });
  return stdout
    .split('\x01')
    .slice(0, -1)
    .map((chunk) => chunk.split('\0').slice(0, -1));
}

/** What bash makes of `x=<serialized>` for each serialized string value. */
async function bashStrings(serialized: readonly string[]): Promise<string[]> {
  const script = serialized.map((value) => `x=${value}; printf '%s\\1' "$x"`);
  const { stdout } = await run('bash', ['-u'], { input: script.join('\n'), cwd: emptyDirectory });
  return stdout.split('\x01').slice(0, -1);
}

const SHELL_ARRAYS = [
  `a b c`,
  `"x::git+https://a/{b,c}" 'd e'`,
  `x::git+https://a/{b,c}`,
  `'single $(not run)' "double \\"quoted\\" \\$literal \\\\ back" plain\\ space`,
  `{,}`,
  `x{a,}`,
  `{a}`,
  `{}`,
  `{a{b,c}`,
  `a{b,c}d{e,f}`,
  `{a,b{c,d}}`,
  `"{a,b}"c{d,e}`,
  `'x'{a,b}`,
  `{a\\,b}`,
  `{a,"b c"}`,
  `{a,b}}`,
  `{{a,b}`,
  `{x{a,b}}`,
  `{a}{b,c}`,
  `{a,,b}`,
  `{"",a}`,
  `"" ''`,
  `a,b x=y @%+:,./-`,
  `multi\nline # a comment (with parens; and $stuff)\n  next`,
  `joined\\\nline`,
  `"it's" 'say "hi"' ünïcode`,
  `a#b "#c"`,
];

describe('variable values from KEY=VALUE', () => {
  it('reads shell arrays exactly as bash does', async () => {
    const expected = await bashArrays(SHELL_ARRAYS);
    for (const [index, source] of SHELL_ARRAYS.entries()) {
      expect(parseVariableValue(`(${source})`), source).toEqual(expected[index]);
    }
  });

  it('writes arrays that bash reads back unchanged, braces and quotes included', async () => {
    const parsed = SHELL_ARRAYS.map((source) => parseVariableValue(`(${source})`) as string[]);
    const serialized = parsed.map((words) => serializeVariableValue(words).slice(1, -1));
    expect(await bashArrays(serialized)).toEqual(parsed);
    expect(serializeVariableValue(['x::git+https://a/{b,c}', 'd e'])).toBe(`('x::git+https://a/{b,c}' 'd e')`);
  });

  it('round-trips any string and array through bash', async () => {
    const character = fc.oneof(
      fc.constantFrom(...`'"\\$\`(){}[]*?~!#;&|<> \t\n,=:@%^`),
      fc.string({ unit: 'grapheme', maxLength: 3 }),
    );
    const value = fc.string({ unit: character, maxLength: 12 }).filter((text) => !text.includes('\0'));
    const samples = fc.sample(fc.array(value, { maxLength: 5 }), 150);
    expect(await bashArrays(samples.map((words) => serializeVariableValue(words).slice(1, -1)))).toEqual(samples);
    const strings = samples.flat();
    expect(await bashStrings(strings.map((text) => serializeVariableValue(text)))).toEqual(strings);
  });

  it('keeps plain values literal, whatever they contain', () => {
    expect(parseVariableValue('$(touch /tmp/x)')).toBe('$(touch /tmp/x)');
    expect(parseVariableAssignment('pkgdesc=$(touch /tmp/x) `id`')).toEqual({ key: 'pkgdesc', value: `'$(touch /tmp/x) \`id\`'` });
    expect(parseVariableAssignment('pkgver=1.2.3')).toEqual({ key: 'pkgver', value: '1.2.3' });
    expect(parseVariableAssignment('empty=')).toEqual({ key: 'empty', value: `''` });
    expect(parseVariableAssignment('url=https://x/a=b')).toEqual({ key: 'url', value: 'https://x/a=b' });
  });

  it('reads JSON arrays as literal items', () => {
    expect(parseVariableValue('["x::git+https://a/{b,c}", "d e", "$(id)", 3]')).toEqual(['x::git+https://a/{b,c}', 'd e', '$(id)', '3']);
    expect(parseVariableAssignment('depends=["a>=1", "b"]')).toEqual({ key: 'depends', value: `('a>=1' b)` });
  });

  it('refuses arrays whose meaning would depend on running something', () => {
    const refused: [string, RegExp][] = [
      ['(a $(touch /tmp/x))', /unquoted '\$' starts an expansion/],
      ['("$HOME")', /'\$' inside double quotes starts an expansion/],
      ['(`id`)', /unquoted '`' starts a command substitution/],
      ['("`id`")', /'`' inside double quotes/],
      ['(a;b)', /unquoted ';' is shell syntax/],
      ['(*.tar)', /file name pattern/],
      ['([0]=x)', /file name pattern/],
      ['(~/x)', /home directory/],
      ['(a (b))', /unquoted '\(' is shell syntax/],
      ['({1..3})', /brace sequence \{1..3\} is not supported/],
      [`('open)`, /unterminated single quote/],
      ['("open)', /unterminated double quote/],
      ['(a\\)', /trailing backslash/],
      ['[1, 2,]', /not valid JSON/],
      ['[{"a": 1}]', /only strings and numbers/],
    ];
    for (const [value, message] of refused) {
      expect(() => parseVariableValue(value), value).toThrow(InvalidInputError);
      expect(() => parseVariableValue(value), value).toThrow(message);
    }
  });

  it('refuses malformed assignments', () => {
    expect(() => parseVariableAssignment('novalue')).toThrow(/expected KEY=VALUE, got "novalue"/);
    expect(() => parseVariableAssignment('=x')).toThrow(/expected KEY=VALUE/);
    expect(() => parseVariableAssignment('1abc=x')).toThrow(/"1abc" is not a valid PKGBUILD variable name/);
    expect(() => parseVariableAssignment('build()=x')).toThrow(/functions are patched with patch-add/);
    expect(() => variablePatch('a-b', 'x')).toThrow(InvalidInputError);
  });
});

describe('quoting and patch text', () => {
  it('leaves safe words bare and single-quotes the rest', () => {
    expect(quoteShellWord('foo-1.0_x:y=z,@%+/')).toBe('foo-1.0_x:y=z,@%+/');
    expect(quoteShellWord('')).toBe(`''`);
    expect(quoteShellWord(`it's`)).toBe(`'it'\\''s'`);
    expect(quoteShellWord('~root')).toBe(`'~root'`);
  });

  it('writes function patches as brace groups and checks names', () => {
    expect(functionPatch('build', 'make')).toEqual({ key: 'build()', value: '{\nmake\n}' });
    // a body that is already one brace group is stored as written, not wrapped twice
    expect(functionPatch('package_foo-bar()', '  { install -d "$pkgdir"; }  ')).toEqual({
      key: 'package_foo-bar()',
      value: '{ install -d "$pkgdir"; }',
    });
    expect(functionPatch('build', '{\n  echo hi\n}')).toEqual({ key: 'build()', value: '{\n  echo hi\n}' });
    expect(functionPatch('prepare', '{ a; }; { b; }')).toEqual({ key: 'prepare()', value: '{\n{ a; }; { b; }\n}' });
    expect(serializePatch(functionPatch('prepare', 'true'))).toBe('prepare() {\ntrue\n}');
    expect(() => functionPatch('rm -rf', 'x')).toThrow(/not a valid function name/);
    expect(() => serializePatch({ key: '$(x)()', value: '{ :; }' })).toThrow(/not a valid function name/);
    expect(() => serializePatch({ key: null, value: 'diff' })).toThrow(/applied with git/);
  });

  it('finds syntax errors in patches without running them', async () => {
    await checkPatchSyntax(functionPatch('build', 'make -j2'));
    await checkPatchSyntax(parseVariableAssignment('source=("a b" c)'));
    await expect(checkPatchSyntax(functionPatch('build', 'if true; then'))).rejects.toThrow(/patch of build\(\) is not valid shell syntax: .*syntax error/);
    await expect(checkPatchSyntax({ key: 'depends', value: '(a' })).rejects.toThrow(InvalidInputError);
  });

  it('accepts a function body in braces but never one that leaves commands outside the function', async () => {
    await checkPatchSyntax(functionPatch('build', '{\n  echo "{"\n  cat <<END\n    }\nEND\n}'));
    await checkPatchSyntax(functionPatch('build', '{ a; }; { b; }'));
    for (const body of ['{ echo { ; } ; evil ; echo }', '{ a; }; evil; { b; }']) {
      await expect(checkPatchSyntax({ key: 'build()', value: body })).rejects.toThrow(/must be one brace group/);
    }
  });
});
