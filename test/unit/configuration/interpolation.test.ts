import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/core/errors.js';
import { IniStore, parseIni } from '../../../src/core/configuration/ini.js';
import { installationPrefix, Interpolator } from '../../../src/core/configuration/interpolation.js';

function interpolator(text: string, env: NodeJS.ProcessEnv = {}): Interpolator {
  const store = new IniStore();
  store.apply(parseIni(text, 'test.ini'));
  return new Interpolator((section, key) => store.get(section, key) || undefined, env);
}

describe('Interpolator', () => {
  it('substitutes options of the same and of other sections, recursively', () => {
    const values = interpolator(`
[repository]
root = /var/lib/ahriman
[settings]
database = \${repository:root}/ahriman.db
backup = \${database}.bak
nested = \${settings:backup}/x
`);
    expect(values.resolve('settings', 'database')).toBe('/var/lib/ahriman/ahriman.db');
    expect(values.resolve('settings', 'backup')).toBe('/var/lib/ahriman/ahriman.db.bak');
    expect(values.resolve('settings', 'nested')).toBe('/var/lib/ahriman/ahriman.db.bak/x');
  });

  it('splits a reference at its last colon and ignores the case of the option', () => {
    const values = interpolator('[build:x86_64]\nflags = -j4\n[a]\nvalue = ${build:x86_64:FLAGS}\n');
    expect(values.resolve('a', 'value')).toBe('-j4');
  });

  it('reports reference loops with the chain', () => {
    const values = interpolator('[a]\nx = ${b:y}\n[b]\ny = ${z}\nz = ${a:x}\n[c]\nself = ${self}\n');
    expect(() => values.resolve('a', 'x')).toThrow(new ConfigurationError('interpolation loop: [a] x -> [b] y -> [b] z -> [a] x'));
    expect(() => values.resolve('c', 'self')).toThrow('interpolation loop: [c] self -> [c] self');
  });

  it('uses one value twice without calling it a loop', () => {
    expect(interpolator('[a]\nx = 1\ny = ${x}${x}\n').resolve('a', 'y')).toBe('11');
  });

  it('substitutes environment variables after options and leaves unknown names as written', () => {
    const values = interpolator(
      '[a]\nhome = option\nmirror = https://mirror/$repo/os/$arch\npath = $HOME/x ${HOME}/y ${home}\nmissing = ${nope}\n',
      { HOME: '/root', repo: undefined },
    );
    expect(values.resolve('a', 'mirror')).toBe('https://mirror/$repo/os/$arch');
    // ${home} is the option; $HOME and ${HOME} the variable (keys are lower case)
    expect(values.resolve('a', 'path')).toBe('/root/x /root/y option');
    expect(values.resolve('a', 'missing')).toBe('${nope}');
  });

  it('refuses a reference to an unset option and an unterminated reference, naming the option they are in', () => {
    const values = interpolator('[repository]\nroot = ${paths:base}/var\nother = ${repository:root\n[b]\nx = ${repository:root}\n');
    expect(() => values.resolve('repository', 'root')).toThrow("[repository] root: '${paths:base}' refers to an option that is not set");
    expect(() => values.resolve('repository', 'other')).toThrow("[repository] other: unterminated reference '${repository:root' (expected '}')");
    expect(() => values.resolve('b', 'x')).toThrow('[repository] root:');
    expect(() => values.expand('b', 'a ${x')).toThrow("unterminated reference '${x'");
  });

  it('turns $$ into a literal $ that is never substituted again', () => {
    const values = interpolator('[a]\nx = $$HOME and $${HOME} cost $$5\ny = ${x}\nz = $\n', { HOME: '/root' });
    expect(values.resolve('a', 'x')).toBe('$HOME and ${HOME} cost $5');
    expect(values.resolve('a', 'y')).toBe('$HOME and ${HOME} cost $5');
    expect(values.resolve('a', 'z')).toBe('$');
  });

  it('does not rescan values of environment variables', () => {
    expect(interpolator('[a]\nx = $A\n', { A: '$B', B: 'no' }).resolve('a', 'x')).toBe('$B');
  });

  it('knows ${prefix} (the installation prefix) even when the environment sets it', () => {
    const values = interpolator('[web]\ntemplates = ${prefix}/share/ahriman/templates\n', { prefix: '/elsewhere' });
    expect(installationPrefix()).toBe(path.dirname(path.dirname(process.execPath)));
    expect(values.resolve('web', 'templates')).toBe(`${installationPrefix()}/share/ahriman/templates`);
  });

  it('expands a raw text in the context of a section', () => {
    const values = interpolator('[repository]\nroot = /srv\n[settings]\nname = conf\n');
    expect(values.expand('settings', '${repository:root}/${name}.d')).toBe('/srv/conf.d');
  });

  it('returns undefined for unset options', () => {
    expect(interpolator('[a]\nx =\n').resolve('a', 'x')).toBeUndefined();
    expect(interpolator('[a]\n').resolve('b', 'x')).toBeUndefined();
  });
});
