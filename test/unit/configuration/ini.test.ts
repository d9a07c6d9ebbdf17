import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/core/errors.js';
import {
  IniStore,
  parseBoolean,
  parseIni,
  parseInteger,
  parseNumber,
  parseOptionName,
  splitWords,
} from '../../../src/core/configuration/ini.js';

function load(...texts: string[]): IniStore {
  const store = new IniStore();
  texts.forEach((text, index) => store.apply(parseIni(text, `file${index}.ini`)));
  return store;
}

describe('parseIni', () => {
  it('reads sections, both delimiters, lower-cases keys and keeps section case', () => {
    const store = load('[Build]\nMakePkg_Flags = --nocolor\nkey: value\nurl = http://host:8080/x\n');
    expect(store.sections()).toEqual(['Build']);
    expect(store.entries('Build')).toEqual([
      ['makepkg_flags', '--nocolor'],
      ['key', 'value'],
      ['url', 'http://host:8080/x'],
    ]);
  });

  it('skips comments at line start only and keeps inline ; and #', () => {
    const store = load('# top\n[a]\n; comment\n  # indented comment\nkey = value ; not a comment # neither\n');
    expect(store.entries('a')).toEqual([['key', 'value ; not a comment # neither']]);
  });

  it('joins indented continuation lines with newlines until an empty line or comment', () => {
    const store = load('[a]\nkey = first\n  second\n\tthird\nother = x\n\n  lone = y\nlast = z\n   ; comment\n   w = 1\n');
    expect(store.get('a', 'key')).toBe('first\nsecond\nthird');
    expect(store.get('a', 'other')).toBe('x');
    // after an empty line or a comment an indented line is a new option, not a continuation
    expect(store.get('a', 'lone')).toBe('y');
    expect(store.get('a', 'last')).toBe('z');
    expect(store.get('a', 'w')).toBe('1');
  });

  it('continues an option with an empty first line', () => {
    expect(load('[a]\nkey =\n  one\n  two\n').get('a', 'key')).toBe('one\ntwo');
  });

  it('merges duplicate sections and lets later plain keys replace earlier values', () => {
    const store = load('[a]\nx = 1\ny = 2\n[b]\n[a]\nx = 3\n');
    expect(store.sections()).toEqual(['a', 'b']);
    expect(store.entries('a')).toEqual([
      ['x', '3'],
      ['y', '2'],
    ]);
    expect(store.entries('b')).toEqual([]);
  });

  it('appends with key[], resets with an empty key[], replaces with a plain key', () => {
    const store = load('[a]\nlist[] = one\nlist[] = "two words"\n', '[a]\nlist[] = three\n');
    expect(store.get('a', 'list')).toBe('one "two words" three');
    expect(splitWords(store.get('a', 'list')!)).toEqual(['one', 'two words', 'three']);

    store.apply(parseIni('[a]\nlist[] =\nlist[] = four\n', 'reset.ini'));
    expect(store.get('a', 'list')).toBe('four');
    store.apply(parseIni('[a]\nlist = five six\nlist[] = seven\n', 'replace.ini'));
    expect(store.get('a', 'list')).toBe('five six seven');
    store.apply(parseIni('[a]\nlist =\n', 'empty.ini'));
    expect(store.get('a', 'list')).toBe('');
  });

  it('accepts a byte order mark and CRLF line ends', () => {
    expect(load('\uFEFF[a]\r\nkey = value\r\n').entries('a')).toEqual([['key', 'value']]);
  });

  it.each([
    ['key = value\n', 'ahriman.ini:1: option \'key\' appears before any [section] header'],
    ['[a]\nx = 1\njust words\n', "ahriman.ini:3: expected '[section]' or 'key = value', got 'just words'"],
    ['[a]\n= value\n', "ahriman.ini:2: missing option name before '='"],
    ['[a]\n\n\nkey[]x = 1\n', "ahriman.ini:4: invalid option name 'key[]x'"],
    ['[ ]\n', 'ahriman.ini:1: empty section name'],
  ])('reports %j with file and line', (text, message) => {
    expect(() => parseIni(text, 'ahriman.ini')).toThrow(new ConfigurationError(message));
  });
});

describe('parseOptionName', () => {
  it('splits the append marker and lower-cases', () => {
    expect(parseOptionName(' Triggers[] ')).toEqual({ key: 'triggers', append: true });
    expect(parseOptionName('Root')).toEqual({ key: 'root', append: false });
    expect(() => parseOptionName('[]')).toThrow(ConfigurationError);
  });
});

describe('splitWords (shlex.split)', () => {
  it.each([
    ['', []],
    ['  a   b\tc\nd ', ['a', 'b', 'c', 'd']],
    [`'single quoted' "double quoted"`, ['single quoted', 'double quoted']],
    [`a"b c"d`, ['ab cd']],
    [`'' ""`, ['', '']],
    [`"say \\"hi\\"" "back\\\\slash" "keep\\n"`, ['say "hi"', 'back\\slash', 'keep\\n']],
    [`'no \\escape in single'`, ['no \\escape in single']],
    [`escaped\\ space \\'quote`, ['escaped space', "'quote"]],
    [`# not a comment`, ['#', 'not', 'a', 'comment']],
    ['^usr/lib(?!/cmake).*$', ['^usr/lib(?!/cmake).*$']],
  ])('splits %j', (text, words) => {
    expect(splitWords(text)).toEqual(words);
  });

  it('rejects unbalanced quotes and a trailing backslash', () => {
    expect(() => splitWords(`a "b`)).toThrow('no closing quotation (")');
    expect(() => splitWords(`a 'b`)).toThrow("no closing quotation (')");
    expect(() => splitWords('a\\')).toThrow('nothing follows the final backslash');
  });
});

describe('value parsers', () => {
  it('reads booleans like configparser', () => {
    for (const word of ['yes', 'TRUE', 'On', '1', ' yes ']) expect(parseBoolean(word)).toBe(true);
    for (const word of ['no', 'False', 'OFF', '0']) expect(parseBoolean(word)).toBe(false);
    expect(() => parseBoolean('maybe')).toThrow('expected a boolean (yes/no, true/false, on/off, 1/0)');
    expect(() => parseBoolean('')).toThrow(ConfigurationError);
  });

  it('reads integers', () => {
    expect(parseInteger(' 42 ')).toBe(42);
    expect(parseInteger('-7')).toBe(-7);
    expect(parseInteger('+3')).toBe(3);
    for (const text of ['4.2', '1e3', 'abc', '', '99999999999999999999']) {
      expect(() => parseInteger(text)).toThrow('expected an integer');
    }
  });

  it('reads decimal numbers', () => {
    expect(parseNumber('1.5')).toBe(1.5);
    expect(parseNumber('.5')).toBe(0.5);
    expect(parseNumber('2')).toBe(2);
    expect(parseNumber('1e-3')).toBe(0.001);
    for (const text of ['inf', 'nan', '1.2.3', '0x10', '']) expect(() => parseNumber(text)).toThrow('expected a number');
  });
});
