import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Configuration } from '../../../src/core/configuration/configuration.js';
import { ConfigurationError } from '../../../src/core/errors.js';
import { RepositoryId } from '../../../src/models/repository-id.js';

let directory: string;

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'ahriman-configuration-'));
});

afterEach(() => {
  fs.rmSync(directory, { recursive: true, force: true });
});

/** Writes `files` (relative name -> content) under the test directory; returns the path of the first one. */
function write(files: Record<string, string>): string {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(directory, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return path.join(directory, Object.keys(files)[0]!);
}

const X86_AUR = new RepositoryId('x86_64', 'aur');

describe('Configuration.load: files', () => {
  it('reads include directories in the listed order and their *.ini files alphabetically', () => {
    const main = write({
      'ahriman.ini': '[settings]\ninclude = second.d first.d\n[build]\ntriggers[] = main\nvalue = main\n',
      'first.d/20-b.ini': '[build]\ntriggers[] = first-20\n',
      'first.d/10-a.ini': '[build]\ntriggers[] = first-10\nvalue = first\n',
      'first.d/notes.txt': '[build]\nvalue = ignored\n',
      'second.d/50.ini': '[build]\ntriggers[] = second\nvalue = second\n',
    });
    const configuration = Configuration.load(main, undefined, {});
    expect(configuration.path).toBe(main);
    expect(configuration.files).toEqual([
      main,
      path.join(directory, 'second.d/50.ini'),
      path.join(directory, 'first.d/10-a.ini'),
      path.join(directory, 'first.d/20-b.ini'),
    ]);
    expect(configuration.getList('build', 'triggers')).toEqual(['main', 'second', 'first-10', 'first-20']);
    expect(configuration.get('build', 'value')).toBe('first');
  });

  it('resets an appended list in a later include', () => {
    const main = write({
      'ahriman.ini': '[settings]\ninclude = ahriman.ini.d\n[build]\ntriggers[] = a\ntriggers[] = b\n',
      'ahriman.ini.d/00.ini': '[build]\ntriggers[] =\ntriggers[] = c\n',
    });
    expect(Configuration.load(main, undefined, {}).getList('build', 'triggers')).toEqual(['c']);
  });

  it('interpolates include entries and resolves them against the main file directory', () => {
    const main = write({
      'etc/ahriman.ini': `[repository]\nroot = ${directory}/root\n[settings]\ninclude[] = conf.d\ninclude[] = \${repository:root}/.config/ahriman/ahriman.ini.d\n`,
      'etc/conf.d/a.ini': '[a]\nx = 1\n',
      'root/.config/ahriman/ahriman.ini.d/setup.ini': '[a]\ny = 2\n',
    });
    const configuration = Configuration.load(main, undefined, {});
    expect(configuration.section('a')).toEqual({ x: '1', y: '2' });
  });

  it('skips the reference logging configuration found in an include directory', () => {
    const main = write({
      'ahriman.ini': '[settings]\ninclude = ahriman.ini.d\nlogging = ahriman.ini.d/logging.ini\n',
      'ahriman.ini.d/logging.ini': '[loggers]\nkeys = root\n',
      'ahriman.ini.d/00.ini': '[a]\nx = 1\n',
    });
    const configuration = Configuration.load(main, undefined, {});
    expect(configuration.files).toEqual([main, path.join(directory, 'ahriman.ini.d/00.ini')]);
    expect(configuration.hasSection('loggers')).toBe(false);
  });

  it('fails on a missing include directory outside the repository root', () => {
    const main = write({ 'ahriman.ini': `[repository]\nroot = ${directory}/root\n[settings]\ninclude = missing.d\n` });
    expect(() => Configuration.load(main, undefined, {})).toThrow(
      new ConfigurationError(`[settings] include: directory ${directory}/missing.d does not exist`),
    );
  });

  it('accepts a missing include directory inside the repository root (created by service-setup)', () => {
    const main = write({
      'ahriman.ini': `[repository]\nroot = ${directory}/root\n[settings]\ninclude = \${repository:root}/.config/ahriman/ahriman.ini.d\n`,
    });
    expect(Configuration.load(main, undefined, {}).files).toEqual([main]);
  });

  it('fails when an include entry is a file', () => {
    const main = write({ 'ahriman.ini': '[settings]\ninclude = other.ini\n', 'other.ini': '' });
    expect(() => Configuration.load(main, undefined, {})).toThrow(`[settings] include: ${directory}/other.ini is not a directory`);
  });

  it('names the missing main file', () => {
    const missing = path.join(directory, 'nope.ini');
    expect(() => Configuration.load(missing)).toThrow(new ConfigurationError(`configuration file ${missing} does not exist`));
    expect(() => Configuration.load(directory)).toThrow(`configuration file ${directory} is a directory`);
  });

  it('names the include file and line of a syntax error', () => {
    const main = write({ 'ahriman.ini': '[settings]\ninclude = d\n', 'd/bad.ini': '[a]\nok = 1\nbroken\n' });
    expect(() => Configuration.load(main, undefined, {})).toThrow(`${directory}/d/bad.ini:3: expected '[section]' or 'key = value', got 'broken'`);
  });
});

describe('Configuration.load: overrides', () => {
  it('applies environment variables named section:key last, splitting at the last colon', () => {
    const main = write({
      'ahriman.ini': '[settings]\ninclude = d\n[build]\nmakepkg_flags = --nocolor\ntriggers = a\n[build:x86_64]\nmin_age = 1\n',
      'd/00.ini': '[build]\nmakepkg_flags = --include\n',
    });
    const env = {
      'build:makepkg_flags': '--env',
      'build:triggers[]': 'b',
      'build:x86_64:min_age': '5',
      'new:Key': 'created',
      PATH: '/usr/bin',
      ':ignored': 'x',
      'ignored:': 'y',
    };
    const configuration = Configuration.load(main, X86_AUR, env);
    expect(configuration.get('build', 'makepkg_flags')).toBe('--env');
    expect(configuration.getList('build', 'triggers')).toEqual(['a', 'b']);
    expect(configuration.getInt('build', 'min_age')).toBe(5);
    expect(configuration.get('new', 'key')).toBe('created');
    expect(configuration.sections()).not.toContain('');
  });

  it('merges arch, repo and repo:arch overrides with increasing priority and drops all override sections', () => {
    const main = write({
      'ahriman.ini': [
        '[build]\nlevel = base\nbase_only = base\narch_only = base\nrepo_only = base\n',
        '[build:aur:x86_64]\nlevel = repo:arch\n',
        '[build:aur]\nlevel = repo\nrepo_only = repo\narch_only = repo\n',
        '[build:x86_64]\nlevel = arch\narch_only = arch\n',
        '[build:other]\nlevel = other\n[build:other:x86_64]\nlevel = other:arch\n[build:i686]\nlevel = i686\n',
        '[sign:x86_64]\ntarget = package\n[alpm:aur]\nrepositories = core\n[web:aur]\nport = 1\n',
        '[github:x86_64]\nowner = me\n',
      ].join(''),
    });
    const configuration = Configuration.load(main, X86_AUR, {});
    expect(configuration.section('build')).toEqual({
      level: 'repo:arch',
      base_only: 'base',
      arch_only: 'repo',
      repo_only: 'repo',
    });
    expect(configuration.get('sign', 'target')).toBe('package');
    expect(configuration.get('alpm', 'repositories')).toBe('core');
    expect(configuration.get('web', 'port')).toBe('1');
    // typed trigger sections are not merged
    expect(configuration.sections().filter((name) => name.includes(':'))).toEqual(['github:x86_64']);
  });

  it('lets an empty override value unset an inherited option', () => {
    const main = write({ 'ahriman.ini': '[sign]\ntarget = package\nkey = ABC\n[sign:aur]\ntarget =\n' });
    const configuration = Configuration.load(main, X86_AUR, {});
    expect(configuration.has('sign', 'target')).toBe(false);
    expect(configuration.getList('sign', 'target', [])).toEqual([]);
  });

  it('injects the repository name and architecture, and keeps overrides without a repository', () => {
    const main = write({ 'ahriman.ini': '[repository]\nroot = /srv\nname = old\n[build:aur]\nx = 1\n' });
    const selected = Configuration.load(main, X86_AUR, {});
    expect(selected.repositoryId).toBe(X86_AUR);
    expect(selected.section('repository')).toEqual({ root: '/srv', name: 'aur', architecture: 'x86_64' });

    const unselected = Configuration.load(main, undefined, {});
    expect(unselected.repositoryId).toBeUndefined();
    expect(unselected.get('repository', 'name')).toBe('old');
    expect(unselected.hasSection('build:aur')).toBe(true);
  });
});

describe('Configuration getters', () => {
  function configuration(text: string, env: NodeJS.ProcessEnv = {}): Configuration {
    return Configuration.load(write({ 'conf/ahriman.ini': text }), X86_AUR, env);
  }

  it('reads typed values', () => {
    const values = configuration(
      '[a]\nstring = text\nint = 42\nfloat = 1.5\nbool = Off\nlist = a "b c" \'d\'\nints = 1 2 3\npath = rel/file\nabsolute = /etc/x\npaths = a /b\n',
    );
    expect(values.getString('a', 'string')).toBe('text');
    expect(values.getInt('a', 'INT')).toBe(42);
    expect(values.getFloat('a', 'float')).toBe(1.5);
    expect(values.getBool('a', 'bool')).toBe(false);
    expect(values.getList('a', 'list')).toEqual(['a', 'b c', 'd']);
    expect(values.getIntList('a', 'ints')).toEqual([1, 2, 3]);
    expect(values.getPath('a', 'path')).toBe(path.join(directory, 'conf/rel/file'));
    expect(values.getPath('a', 'absolute')).toBe('/etc/x');
    expect(values.getPathList('a', 'paths')).toEqual([path.join(directory, 'conf/a'), '/b']);
  });

  it('returns the fallback for unset options, including an explicit undefined', () => {
    const values = configuration('[a]\nempty =\n');
    expect(values.getString('a', 'empty', 'fallback')).toBe('fallback');
    expect(values.getInt('a', 'missing', 7)).toBe(7);
    expect(values.getBool('missing', 'missing', true)).toBe(true);
    expect(values.getList('a', 'missing', [])).toEqual([]);
    expect(values.getPath('a', 'missing', undefined)).toBeUndefined();
    expect(values.get('a', 'empty')).toBeUndefined();
    expect(values.has('a', 'empty')).toBe(false);
    expect(values.options('a')).toEqual([]);
  });

  it('throws for missing options without a fallback', () => {
    const values = configuration('[a]\nempty =\n');
    expect(() => values.getString('a', 'empty')).toThrow(new ConfigurationError('missing option [a] empty'));
    expect(() => values.getInt('nosection', 'Key')).toThrow(new ConfigurationError('missing option [nosection] key'));
  });

  it('names section, key and value of a malformed value', () => {
    const values = configuration('[a]\nbool = maybe\nint = 4.5\nfloat = x\nlist = "open\nints = 1 two\n[auth]\nsalt = "\n');
    expect(() => values.getBool('a', 'bool')).toThrow(
      new ConfigurationError("[a] bool = 'maybe': expected a boolean (yes/no, true/false, on/off, 1/0)"),
    );
    expect(() => values.getInt('a', 'int')).toThrow("[a] int = '4.5': expected an integer");
    expect(() => values.getFloat('a', 'float')).toThrow("[a] float = 'x': expected a number");
    expect(() => values.getList('a', 'list')).toThrow(`[a] list = '"open': expected a list of words: no closing quotation (")`);
    expect(() => values.getIntList('a', 'ints')).toThrow("[a] ints = '1 two': expected an integer");
    // the value of a secret never appears in a message
    expect(() => values.getList('auth', 'salt')).toThrow("[auth] salt = '********': expected a list of words");
  });

  it('interpolates on access and reports loops', () => {
    const values = configuration('[repository]\nroot = /srv\n[a]\nx = ${repository:root}/$HOME\nloop = ${loop2}\nloop2 = ${loop}\n', {
      HOME: '/home',
    });
    expect(values.get('a', 'x')).toBe('/srv//home');
    expect(() => values.get('a', 'loop')).toThrow('interpolation loop: [a] loop -> [a] loop2 -> [a] loop');
  });

  it('lists sections and options and returns a section as a record', () => {
    const values = configuration('[b]\ny = 2\nx = 1\n[a]\n');
    expect(values.sections()).toEqual(['b', 'a', 'repository']);
    expect(values.options('b')).toEqual(['y', 'x']);
    expect(values.section('b')).toEqual({ y: '2', x: '1' });
    expect(values.section('missing')).toEqual({});
    expect(values.hasSection('a')).toBe(true);
    expect(values.hasSection('c')).toBe(false);
  });

  it('builds repository paths from [repository] root and the repository id', () => {
    const paths = configuration('[repository]\nroot = state\n').repositoryPaths();
    expect(paths.root).toBe(path.join(directory, 'conf/state'));
    expect(paths.repository).toBe(path.join(directory, 'conf/state/repository/aur/x86_64'));
    const unselected = Configuration.load(path.join(directory, 'conf/ahriman.ini'), undefined, {});
    expect(() => unselected.repositoryPaths()).toThrow(ConfigurationError);
  });
});

describe('Configuration.typedSection', () => {
  const text = [
    '[custom]\ntype = s3\n',
    '[html]\npath = /x\n',
    '[github]\nowner = base\n[github:x86_64]\nowner = arch\n[github:aur]\nowner = repo\n',
    '[rsync:aur]\nremote = r\n[rsync:x86_64]\nremote = a\n',
    '[email:x86_64]\nhost = h\n',
  ].join('');

  it('follows the reference rules, preferring the most specific override', () => {
    const configuration = Configuration.load(write({ 'ahriman.ini': text }), X86_AUR, {});
    expect(configuration.typedSection('custom')).toEqual({ section: 'custom', type: 's3' });
    expect(configuration.typedSection('html')).toEqual({ section: 'html', type: 'html' });
    expect(configuration.typedSection('github')).toEqual({ section: 'github:aur', type: 'github' });
    expect(configuration.typedSection('rsync')).toEqual({ section: 'rsync:aur', type: 'rsync' });
    expect(configuration.typedSection('email')).toEqual({ section: 'email:x86_64', type: 'email' });
    expect(configuration.typedSection('gitremote', 'gitremote')).toEqual({ section: 'gitremote', type: 'gitremote' });
    expect(configuration.typedSection('absent')).toEqual({ section: 'absent', type: 'absent' });
  });
});

describe('Configuration.dump', () => {
  it('shows effective values and hides secrets when asked', () => {
    const main = write({
      'ahriman.ini': [
        '[auth]\nsalt = pepper\nclient_secret = s1\ncookie_secret_key = s2\n',
        '[s3]\naccess_key = AK\nsecret_key = SK\nbucket = b\n',
        '[telegram]\napi_key = T\n[status]\npassword = p\nusername = u\n',
        '[sign]\npassphrase_env = SIGN_PASS\n',
        '[push]\npush_url = https://user:token@github.com/u/r.git\nother = https://token@example.com x\n',
        '[empty]\nx =\n',
      ].join(''),
    });
    const configuration = Configuration.load(main, undefined, {});
    const hidden = '********';
    expect(configuration.dump(true)).toEqual({
      auth: { salt: hidden, client_secret: hidden, cookie_secret_key: hidden },
      s3: { access_key: hidden, secret_key: hidden, bucket: 'b' },
      telegram: { api_key: hidden },
      status: { password: hidden, username: 'u' },
      sign: { passphrase_env: 'SIGN_PASS' },
      push: { push_url: `https://${hidden}@github.com/u/r.git`, other: `https://${hidden}@example.com x` },
    });
    expect(configuration.dump(false).auth).toEqual({ salt: 'pepper', client_secret: 's1', cookie_secret_key: 's2' });
    expect(configuration.dump(false).push!.push_url).toBe('https://user:token@github.com/u/r.git');
  });
});
