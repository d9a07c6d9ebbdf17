import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { Configuration } from '../../../src/core/configuration/configuration.js';
import { coreSchemas, DEFAULT_TRIGGERS, option, registerSectionSchema } from '../../../src/core/configuration/schema.js';
import { type Issue, readSection, validateConfiguration } from '../../../src/core/configuration/validator.js';
import { ConfigurationError } from '../../../src/core/errors.js';
import { RepositoryId } from '../../../src/models/repository-id.js';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../ahriman.ini.example');
const X86_AUR = new RepositoryId('x86_64', 'aur');

let directory: string;
let root: string;

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'ahriman-validator-'));
  root = path.join(directory, 'root');
  fs.mkdirSync(root);
});

afterEach(() => {
  fs.rmSync(directory, { recursive: true, force: true });
});

/** A configuration made of a valid [repository] section plus `text`, for x86_64-aur or (null) no repository. */
function load(text: string, repositoryId: RepositoryId | null = X86_AUR): Configuration {
  const file = path.join(directory, 'ahriman.ini');
  fs.writeFileSync(file, `[repository]\nroot = ${root}\n${text}`);
  return Configuration.load(file, repositoryId ?? undefined, {});
}

function errors(issues: Issue[]): Issue[] {
  return issues.filter((issue) => issue.severity === 'error');
}

const html = z.object({ path: option.path(), link_path: z.optional(option.url()), homepage: z.optional(option.string()) });

describe('ahriman.ini.example', () => {
  it('loads and validates without errors', () => {
    fs.copyFileSync(EXAMPLE, path.join(directory, 'ahriman.ini'));
    fs.mkdirSync(path.join(directory, 'ahriman.ini.d'));
    const configuration = Configuration.load(path.join(directory, 'ahriman.ini'), X86_AUR, { 'repository:root': root });

    const issues = validateConfiguration(configuration);
    expect(errors(issues)).toEqual([]);
    // only the console report, whose schema belongs to the report trigger, is not checked here
    expect(issues.map((issue) => issue.section)).toEqual(['console']);

    const build = readSection(configuration, 'build', coreSchemas.build);
    expect(build.triggers).toEqual(DEFAULT_TRIGGERS);
    expect(build.vcs_allowed_age).toBe(604800);
    expect(build.driver).toBeUndefined();
    expect(readSection(configuration, 'aur', coreSchemas.aur)).toEqual({
      max_retries: 3,
      retry_backoff: 1,
      timeout: 30,
      url: 'https://aur.archlinux.org',
    });
    expect(configuration.getPath('settings', 'database')).toBe(path.join(root, 'ahriman.db'));
  });
});

describe('a configuration written for the reference', () => {
  it('loads and validates without errors', () => {
    const etc = path.join(directory, 'etc');
    fs.mkdirSync(path.join(etc, 'ahriman.ini.d'), { recursive: true });
    fs.writeFileSync(
      path.join(etc, 'ahriman.ini'),
      [
        '[settings]\ninclude = ahriman.ini.d $HOME/.config/ahriman.ini.d\nlogging = ahriman.ini.d/logging.ini\n',
        'database = ${repository:root}/ahriman.db\n',
        `[repository]\nroot = ${root}\n`,
        '[alpm]\nmirror = https://geo.mirror.pkgbuild.com/$repo/os/$arch\nrepositories = core extra multilib\n',
        '[build]\ndevtools_wrapper = ahriman-archbuild\ntriggers[] = ahriman.core.report.ReportTrigger\n',
        'triggers[] = ahriman.core.upload.UploadTrigger\n',
        '[sign]\ntarget =\n[report]\ntarget = console\n[console]\nuse_utf = yes\n[upload]\ntarget = github customs3\n',
        '[github:x86_64]\nowner = someone\n[customs3]\ntype = s3\nbucket = b\n',
      ].join(''),
    );
    fs.writeFileSync(path.join(etc, 'ahriman.ini.d/logging.ini'), '[loggers]\nkeys = root\n[formatter_generic]\nformat = %(message)s\n');
    fs.writeFileSync(
      path.join(etc, 'ahriman.ini.d/00-web.ini'),
      '[auth]\ntarget = disabled\nallow_read_only = yes\n[web]\nhost = 127.0.0.1\nstatic_path = ${templates}/static\ntemplates[] = ${prefix}/share/ahriman/templates\n',
    );
    // the service runs as the ahriman user, whose home directory is the repository root
    const configuration = Configuration.load(path.join(etc, 'ahriman.ini'), X86_AUR, { HOME: root });

    expect(configuration.files.map((file) => path.relative(etc, file))).toEqual(['ahriman.ini', 'ahriman.ini.d/00-web.ini']);
    expect(configuration.getPath('web', 'static_path')).toMatch(/\/share\/ahriman\/templates\/static$/);
    expect(configuration.typedSection('github')).toEqual({ section: 'github:x86_64', type: 'github' });
    const issues = validateConfiguration(configuration);
    expect(errors(issues)).toEqual([]);
    expect(issues.map(({ section, key }) => [section, key])).toEqual([
      ['settings', 'logging'],
      ['console', undefined],
      ['github:x86_64', undefined],
      ['customs3', undefined],
    ]);
  });
});

describe('validateConfiguration', () => {
  it('reports unknown options, with a suggestion for typos', () => {
    const issues = validateConfiguration(load('[build]\nunknwon_key = 1\nparalel_jobs = 2\n'));
    expect(issues).toEqual([
      { section: 'build', key: 'paralel_jobs', severity: 'error', message: 'unknown option (did you mean parallel_jobs?)' },
      { section: 'build', key: 'unknwon_key', severity: 'error', message: 'unknown option' },
    ]);
  });

  it('reports wrong types with the value and what was expected', () => {
    const configuration = load(
      [
        '[aur]\ntimeout = abc\nmax_retries = -1\nretry_backoff = fast\nurl = ftp://mirror\n',
        '[build]\nparallel_jobs = 0\ndriver = docker\ninclude_debug_packages = maybe\nscan_paths = ok ^(unclosed\nworkers = http://a "not a url"\n',
        '[web]\nport = 70000\nhost = example.com\nautorefresh_intervals = 5 x\n',
        '[sign]\ntarget = Package everything\n',
        '[auth]\ncookie_secret_key = short\n',
      ].join(''),
    );
    expect(validateConfiguration(configuration)).toEqual([
      { section: 'aur', key: 'max_retries', severity: 'error', message: "must be at least 0, got '-1'" },
      { section: 'aur', key: 'retry_backoff', severity: 'error', message: "expected a number, got 'fast'" },
      { section: 'aur', key: 'timeout', severity: 'error', message: "expected an integer, got 'abc'" },
      { section: 'aur', key: 'url', severity: 'error', message: "expected a URL with scheme http, https, got 'ftp://mirror'" },
      { section: 'build', key: 'driver', severity: 'error', message: "expected one of: devtools, sandbox, host, or the module path of a driver (/path/driver.js[:export]), got 'docker'" },
      {
        section: 'build',
        key: 'include_debug_packages',
        severity: 'error',
        message: "expected a boolean (yes/no, true/false, on/off, 1/0), got 'maybe'",
      },
      { section: 'build', key: 'parallel_jobs', severity: 'error', message: "must be at least 1, got '0'" },
      {
        section: 'build',
        key: 'scan_paths',
        severity: 'error',
        message: "item '^(unclosed': invalid regular expression: Invalid regular expression: /^(unclosed/: Unterminated group, got 'ok ^(unclosed'",
      },
      {
        section: 'build',
        key: 'workers',
        severity: 'error',
        message: 'no longer supported: distributed builds are configured in [distributed] (queue_url, coordinator, worker_id; see docs/distributed.md)',
      },
      {
        section: 'sign',
        key: 'target',
        severity: 'error',
        message: "item 'everything': expected one of: package, packages, sign-package, repository, sign-repository, disabled, got 'Package everything'",
      },
      { section: 'web', key: 'autorefresh_intervals', severity: 'error', message: "item 'x': expected an integer, got '5 x'" },
      { section: 'web', key: 'host', severity: 'error', message: "expected an IP address or localhost, got 'example.com'" },
      { section: 'web', key: 'port', severity: 'error', message: "must be at most 65535, got '70000'" },
      { section: 'auth', key: 'cookie_secret_key', severity: 'error', message: "expected at least 32 characters, got '********'" },
    ]);
  });

  it('reports missing required options, including conditional ones', () => {
    const file = path.join(directory, 'ahriman.ini');
    fs.writeFileSync(file, '[sign]\ntarget = package\n[auth]\ntarget = oauth\nclient_id = id\n[distributed]\nprefix = ahriman\n');
    expect(errors(validateConfiguration(Configuration.load(file, undefined, {})))).toEqual([
      { section: 'repository', key: 'root', severity: 'error', message: 'missing required option' },
      { section: 'sign', key: 'key', severity: 'error', message: 'missing: key or key_file is required when target enables signing' },
      { section: 'auth', key: 'client_secret', severity: 'error', message: 'missing: required when target is oauth' },
      {
        section: 'auth',
        key: 'oauth_provider',
        severity: 'error',
        message: 'missing: required when target is oauth, unless oauth_authorize_url, oauth_token_url, oauth_userinfo_url are all set',
      },
      { section: 'auth', key: 'oauth_scopes', severity: 'error', message: 'missing: required when target is oauth' },
      { section: 'distributed', key: 'queue_url', severity: 'error', message: 'missing required option' },
    ]);
  });

  it('takes a known OAuth provider, or any provider given by its three endpoints', () => {
    const oauth = (lines: string) => load(`[auth]\ntarget = oauth\nclient_id = id\nclient_secret = secret\noauth_scopes = email\n${lines}`);
    expect(errors(validateConfiguration(oauth('oauth_provider = GithubClient\n'))).filter((entry) => entry.section === 'auth')).toEqual([]);
    const endpoints = 'oauth_authorize_url = https://sso.example/a\noauth_token_url = https://sso.example/t\noauth_userinfo_url = https://sso.example/u\n';
    expect(errors(validateConfiguration(oauth(endpoints))).filter((entry) => entry.section === 'auth')).toEqual([]);
    expect(errors(validateConfiguration(oauth('oauth_provider = MySpaceClient\noauth_token_url = https://sso.example/t\n'))).filter((entry) => entry.section === 'auth')).toEqual([
      {
        section: 'auth',
        key: 'oauth_provider',
        severity: 'error',
        message: 'unknown provider MySpaceClient: use one of GoogleClient, GithubClient, GitlabClient, DiscordClient, YandexClient, or set oauth_authorize_url, oauth_userinfo_url',
      },
    ]);
  });

  it('checks that paths exist and have the right type', () => {
    fs.writeFileSync(path.join(directory, 'key.asc'), '');
    const configuration = load(
      `[alpm]\nroot = ${directory}/key.asc\n[sign]\ntarget = package\nkey = ABC\nkey_file = key.asc\npassphrase_file = missing\n`,
    );
    expect(errors(validateConfiguration(configuration))).toEqual([
      { section: 'alpm', key: 'root', severity: 'error', message: `${directory}/key.asc is not a directory` },
      { section: 'sign', key: 'passphrase_file', severity: 'error', message: `file ${directory}/missing does not exist` },
    ]);
    fs.rmdirSync(root);
    expect(errors(validateConfiguration(configuration))[0]).toEqual({
      section: 'repository',
      key: 'root',
      severity: 'error',
      message: `directory ${root} does not exist`,
    });
  });

  it('rejects a passphrase given both ways', () => {
    const configuration = load(`[sign]\npassphrase_env = PASS\npassphrase_file = ${directory}/ahriman.ini\n`);
    expect(errors(validateConfiguration(configuration))).toEqual([
      { section: 'sign', key: 'passphrase_file', severity: 'error', message: 'set either passphrase_env or passphrase_file, not both' },
    ]);
  });

  it('checks override sections without a repository, leaving required options to the base section', () => {
    const configuration = load('[sign]\nkey = ABC\n[sign:aur]\ntarget = package\n[build:x86_64]\nparallel_jobs = many\nbogus = 1\n', null);
    expect(validateConfiguration(configuration)).toEqual([
      { section: 'build:x86_64', key: 'bogus', severity: 'error', message: 'unknown option' },
      { section: 'build:x86_64', key: 'parallel_jobs', severity: 'error', message: "expected an integer, got 'many'" },
    ]);
  });

  it('reports interpolation errors as issues of the option', () => {
    const issues = validateConfiguration(load('[build]\npackager = ${build:make_flags}\nmake_flags = ${packager}\n'));
    expect(errors(issues)).toEqual([
      {
        section: 'build',
        key: 'make_flags',
        severity: 'error',
        message: 'interpolation loop: [build] make_flags -> [build] packager -> [build] make_flags',
      },
      {
        section: 'build',
        key: 'packager',
        severity: 'error',
        message: 'interpolation loop: [build] packager -> [build] make_flags -> [build] packager',
      },
    ]);
  });

  it('warns about unused sections and the reference logging option', () => {
    fs.writeFileSync(path.join(directory, 'logging.ini'), '');
    const issues = validateConfiguration(load('[settings]\nlogging = logging.ini\n[mystery]\nx = 1\n'));
    expect(issues).toEqual([
      { section: 'settings', key: 'logging', severity: 'warning', message: 'not used: ahriman logs to the console or the journal (see --log-handler)' },
      { section: 'mystery', severity: 'warning', message: 'not used by ahriman or by any trigger target' },
    ]);
  });

  it('reports a trigger target without a section, and warns about targets of unknown types', () => {
    const issues = validateConfiguration(load('[report]\ntarget = nowhere thirdparty\n[thirdparty]\nanything = 1\n'));
    expect(issues).toEqual([
      { section: 'report', key: 'target', severity: 'error', message: "section [nowhere] not found, and 'nowhere' is no known type either" },
      { section: 'thirdparty', severity: 'warning', message: "no schema known for type 'thirdparty' (a third-party trigger?): options not checked" },
    ]);
  });

  it('checks trigger targets with the schema of their type', () => {
    const configuration = load(
      [
        '[report]\ntarget = site html\n',
        '[site]\ntype = html\nlink_path = nonsense\nextra = 1\n',
        '[html]\nhomepage = https://example.com\n',
        '[html:x86_64]\npath = /srv/index.html\n',
        // not a target: a sample, checked without required options
        '[other]\ntype = html\ncolour = red\n',
        '[gitremote]\npull_url = https://example.com/x.git\n[remote-pull]\ntarget = gitremote\n',
      ].join(''),
    );
    const gitremote = z.object({ pull_url: option.url(), pull_branch: z._default(option.string(), 'master') });
    expect(validateConfiguration(configuration, { html, gitremote })).toEqual([
      { section: 'site', key: 'extra', severity: 'error', message: 'unknown option' },
      { section: 'site', key: 'link_path', severity: 'error', message: "expected a URL such as https://host/path, got 'nonsense'" },
      { section: 'site', key: 'path', severity: 'error', message: 'missing required option' },
      { section: 'other', key: 'colour', severity: 'error', message: 'unknown option' },
    ]);
  });

  it('checks every override of a target when no repository is selected', () => {
    const configuration = load('[upload]\ntarget = html\n[html:x86_64]\npath = /a\n[html:i686]\nhomepage = x\n', null);
    expect(validateConfiguration(configuration, { html })).toEqual([
      { section: 'html:i686', key: 'path', severity: 'error', message: 'missing required option' },
    ]);
  });

  it('uses schemas registered by trigger modules', () => {
    const rss = z.object({ path: option.path(), max_entries: z._default(option.integer(), -1) });
    registerSectionSchema('rss-test', rss);
    registerSectionSchema('rss-test', rss);
    expect(() => registerSectionSchema('rss-test', z.object({}))).toThrow(ConfigurationError);

    const configuration = load('[report]\ntarget = feed\n[feed]\ntype = rss-test\nmax_entries = all\n');
    expect(validateConfiguration(configuration)).toEqual([
      { section: 'feed', key: 'max_entries', severity: 'error', message: "expected an integer, got 'all'" },
      { section: 'feed', key: 'path', severity: 'error', message: 'missing required option' },
    ]);
  });
});

describe('readSection', () => {
  it('returns typed values with defaults and ignores unknown options', () => {
    const configuration = load('[build]\nparallel_jobs = 4\nmakepkg_flags = --nocolor "--config /etc/m.conf"\nunknown = 1\n');
    const build = readSection(configuration, 'build', coreSchemas.build);
    expect(build.parallel_jobs).toBe(4);
    expect(build.makepkg_flags).toEqual(['--nocolor', '--config /etc/m.conf']);
    expect(build.include_debug_packages).toBe(true);
    expect(build.user).toBe('ahriman');
    expect(readSection(configuration, 'archive', coreSchemas.archive)).toEqual({ keep_built_packages: 1 });
  });

  it('returns the listed spelling of case-insensitive words', () => {
    const configuration = load('[sign]\ntarget = Package SIGN-REPOSITORY\nkey = ABC\n');
    expect(readSection(configuration, 'sign', coreSchemas.sign).target).toEqual(['package', 'sign-repository']);
  });

  it('throws one error naming every bad option', () => {
    const configuration = load('[distributed]\nheartbeat = 0\n');
    expect(() => readSection(configuration, 'distributed', coreSchemas.distributed)).toThrow(
      new ConfigurationError("[distributed] heartbeat: must be at least 1, got '0'; [distributed] queue_url: missing required option"),
    );
  });

  it('names [distributed] for the reference worker options and masks the queue password', () => {
    const configuration = load('[worker]\naddress = http://10.0.0.1:8080\n[distributed]\nqueue_url = http://:hunter2@host\n');
    const issues = validateConfiguration(configuration).filter((issue) => ['worker', 'distributed'].includes(issue.section));
    expect(issues.map((issue) => `[${issue.section}] ${issue.key}: ${issue.message}`)).toEqual([
      "[distributed] queue_url: expected a URL with scheme redis, rediss, got 'http://********@host'",
      '[worker] address: no longer supported: distributed builds are configured in [distributed] (queue_url, coordinator, worker_id; see docs/distributed.md)',
    ]);
  });
});
