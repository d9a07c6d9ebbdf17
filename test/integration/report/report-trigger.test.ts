import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Configuration } from '../../../src/core/configuration/configuration.js';
import type { SectionSchema } from '../../../src/core/configuration/schema.js';
import { validateConfiguration } from '../../../src/core/configuration/validator.js';
import { reportTrigger } from '../../../src/core/report/report-trigger.js';
import type { Result } from '../../../src/models/result.js';
import { freePort } from '../../support/ports.js';
import { removeTestKeys } from '../../support/keys.js';
import { emptySandbox, LINK_PATH, REPOSITORY_ID, runReportTrigger, type Sandbox, syntheticEntry } from './support.js';

const RESULT: Result = {
  success: [{ base: 'ahr-new', version: '1.0-1', duration: 12.34 }],
  failed: [{ base: 'ahr-broken-package', version: '2:0.1-3', reason: 'build failed: exit code 2\nsecond line of the log' }],
  removed: ['ahr-old'],
  errors: [],
};

/** What `task` writes to standard output. */
async function stdoutOf(task: () => Promise<unknown>): Promise<string> {
  const original = process.stdout.write.bind(process.stdout);
  let output = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  try {
    await task();
  } finally {
    process.stdout.write = original;
  }
  return output;
}

describe('report trigger', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await emptySandbox();
  });
  afterAll(async () => {
    await sandbox.cleanup();
    await removeTestKeys();
  });

  it('prints what the run did as a table on the console', async () => {
    const output = await stdoutOf(() => runReportTrigger(sandbox, '[report]\ntarget = console\n[console]\nuse_utf = yes', RESULT, []));
    expect(output).toBe(
      [
        'demo (x86_64): 1 built, 1 failed, 1 removed',
        '  ✔  ahr-new             1.0-1    built in 12.3 s',
        '  ✘  ahr-broken-package  2:0.1-3  failed: build failed: exit code 2',
        '  -  ahr-old                      removed',
        '',
      ].join('\n'),
    );
    const ascii = await stdoutOf(() => runReportTrigger(sandbox, '[report]\ntarget = plain\n[plain]\ntype = console\nuse_utf = no', RESULT, []));
    expect(ascii).toContain('  [x]  ahr-new');
    expect(ascii).toContain('  [ ]  ahr-broken-package');
  });

  it('runs every target even when some fail, then fails naming each failed one', async () => {
    const page = path.join(sandbox.output, 'index.html');
    const configuration = [
      '[report]',
      'target = mail absent html weird console',
      '[mail]',
      'type = email',
      'host = 127.0.0.1',
      `port = ${await freePort()}`,
      'sender = ahriman@localhost',
      'receivers = admin@localhost',
      `link_path = ${LINK_PATH}`,
      'timeout = 5',
      '[html]',
      `path = ${page}`,
      `link_path = ${LINK_PATH}`,
      '[weird]',
      'type = carrier-pigeon',
      '[console]',
      'use_utf = yes',
    ].join('\n');
    let error: Error | undefined;
    const output = await stdoutOf(async () => {
      error = await runReportTrigger(sandbox, configuration, RESULT, [syntheticEntry('ahr-new')]);
    });
    expect(existsSync(page)).toBe(true);
    expect(output).toContain('ahr-new');
    expect(error?.name).toBe('TargetsError');
    expect(error?.message).toMatch(/^report target\(s\) failed: mail \(cannot send the report mail through 127\.0\.0\.1:\d+ \(ssl = disabled\): connect ECONNREFUSED [^)]*\); /);
    expect(error?.message).toContain("; absent (unknown report type 'absent'");
    expect(error?.message).toContain("; weird (unknown report type 'carrier-pigeon' (expected one of: console, email, html, remote-call, ahriman, rss, telegram))");
  });

  it('fails a target whose section misses required options, naming them', async () => {
    const error = await runReportTrigger(sandbox, '[report]\ntarget = html\n[html]\nlink_path = not a url', RESULT, []);
    expect(error?.message).toBe("report target(s) failed: html ([html] link_path: expected a URL such as https://host/path, got 'not a url'; [html] path: missing required option)");
  });

  it('renders templates found in the templates directories first, and reads reference template names as ours', async () => {
    const templates = path.join(sandbox.output, 'templates');
    await mkdir(templates, { recursive: true });
    await writeFile(path.join(templates, 'repo-index.eta'), '<p><%= it.repository %>: <%~ include("./names", it) %></p>\n');
    await writeFile(path.join(templates, 'names.eta'), '<%= it.packages.map((item) => item.name).join(", ") %>');
    const page = path.join(sandbox.output, 'custom.html');
    const entries = [syntheticEntry('ahr-b'), syntheticEntry('ahr-a')];
    const html = ['[report]', 'target = html', '[html]', `path = ${page}`, `link_path = ${LINK_PATH}`];
    expect(await runReportTrigger(sandbox, [...html, `templates = ${templates}`].join('\n'), RESULT, entries)).toBeUndefined();
    expect(await readFile(page, 'utf8')).toBe('<p>demo: ahr-a, ahr-b</p>\n');

    // the reference's configuration names its jinja2 templates (and their old directory): ours are used
    const reference = [...html, 'template = repo-index.jinja2', 'templates = /usr/share/ahriman/templates'];
    expect(await runReportTrigger(sandbox, reference.join('\n'), RESULT, entries)).toBeUndefined();
    expect(await readFile(page, 'utf8')).toContain('<title>demo</title>');

    const missing = await runReportTrigger(sandbox, [...html, 'template = nothing-here'].join('\n'), RESULT, entries);
    expect(missing?.message).toMatch(/html \(template 'nothing-here' not found in .*templates\)$/);
  });

  it('declares the schemas of its section types for service-config-validate', async () => {
    const file = path.join(path.dirname(sandbox.root), 'validate.ini');
    await writeFile(
      file,
      [
        '[repository]',
        `root = ${sandbox.root}`,
        '[report]',
        'target = email telegram site',
        '[email]',
        'host = smtp.example.org',
        'port = 99999',
        'sender = a@example.org',
        'receivers = b@example.org',
        `link_path = ${LINK_PATH}`,
        'ssl = tls',
        '[telegram]',
        'api_key = 1:x',
        `link_path = ${LINK_PATH}`,
        '[site]',
        'type = html',
        'path = /tmp/index.html',
        `link_path = ${LINK_PATH}`,
        'templtes = /tmp',
      ].join('\n'),
    );
    const issues = validateConfiguration(Configuration.load(file, REPOSITORY_ID, {}), reportTrigger.configurationSchemas as Record<string, SectionSchema>);
    const errors = issues.filter((issue) => issue.severity === 'error').map((issue) => `[${issue.section}] ${issue.key}: ${issue.message}`);
    expect(errors).toEqual([
      "[email] port: must be at most 65535, got '99999'",
      "[email] ssl: expected one of: ssl, starttls, disabled, got 'tls'",
      '[telegram] chat_id: missing required option',
      '[site] templtes: unknown option (did you mean templates?)',
    ]);
  });
});
