import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTimestamp } from '../../../src/core/format/date.js';
import { humanSize } from '../../../src/core/format/size.js';
import { removeTestKeys } from '../../support/keys.js';
import { removeBuildDirectories } from '../../support/makepkg.js';
import { builtResult, chromiumDom, LINK_PATH, publishedRepository, runReportTrigger, type Sandbox, syntheticEntry } from './support.js';

const VOID_ELEMENTS = new Set(['meta', 'link', 'input', 'br', 'hr', 'img']);

/**
 * Checks that every element is closed in the order it was opened (script and style bodies skipped), the way a
 * strict reader of our generated markup would; returns the problems found.
 */
function nestingProblems(html: string): string[] {
  const markup = html.replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1>/g, '').replace(/<!--[\s\S]*?-->/g, '');
  const open: string[] = [];
  const problems: string[] = [];
  for (const [, closing, name] of markup.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>/g)) {
    const tag = name!.toLowerCase();
    if (VOID_ELEMENTS.has(tag)) continue;
    if (!closing) open.push(tag);
    else if (open.pop() !== tag) problems.push(`unexpected </${tag}>`);
  }
  return [...problems, ...open.map((tag) => `<${tag}> never closed`)];
}

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/** The table rows of the page, by the package name they link. */
function rows(html: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const [row] of html.matchAll(/<tr data-arch[\s\S]*?<\/tr>/g)) {
    const name = /<td class="name"><a [^>]*>([^<]+)<\/a>/.exec(row)?.[1];
    if (name !== undefined) found.set(name, row);
  }
  return found;
}

describe('html report', () => {
  let sandbox: Sandbox;
  let page: string;
  let pageFile: string;

  beforeAll(async () => {
    sandbox = await publishedRepository();
    pageFile = path.join(sandbox.output, 'site', 'index.html');
    const error = await runReportTrigger(sandbox, ['[report]', 'target = html', '[html]', `path = ${pageFile}`, `link_path = ${LINK_PATH}/`].join('\n'));
    expect(error).toBeUndefined();
    page = await readFile(pageFile, 'utf8');
  });
  afterAll(async () => {
    await sandbox.cleanup();
    await removeBuildDirectories();
    await removeTestKeys();
  });

  it('lists every package of the repository once, with its fields and links', () => {
    const table = rows(page);
    expect([...table.keys()].sort()).toEqual(sandbox.entries.map((entry) => entry.name).sort());
    expect(table.size).toBe(4);
    for (const entry of sandbox.entries) {
      const row = table.get(entry.name)!;
      expect(row).toContain(`<td class="nowrap">${entry.version}</td>`);
      expect(row).toContain(`<td>${entry.architecture}</td>`);
      expect(row).toContain(escapeHtml(entry.description));
      expect(row).toContain(`>${humanSize(entry.compressedSize)}<`);
      expect(row).toContain(`>${humanSize(entry.installedSize)}<`);
      expect(row).toContain(`>${formatTimestamp(entry.buildDate)}<`);
      expect(row).toContain(`href="${LINK_PATH}/${entry.fileName}"`);
      expect(row).toContain(`href="${LINK_PATH}/${entry.fileName}.sig"`);
    }
    const tools = table.get('ahr-report-tools')!;
    expect(tools).toContain('Tools for &lt;b&gt;reports&lt;/b&gt; &amp; &quot;quoted&quot; &#39;text&#39;');
    expect(tools).toContain('<td><span class="nowrap">Apache-2.0</span>, <span class="nowrap">MIT</span></td>');
    expect(tools).toContain('href="https://example.com/tools"');
    expect(table.get('ahr-report-lib')).toContain('1:0.9-2');
  });

  it('shows the pacman.conf snippet and the signing key', () => {
    expect(page).toContain('[demo]\nSigLevel = DatabaseRequired PackageRequired TrustedOnly\nServer = ' + LINK_PATH + '</pre>');
    expect(page).toContain(`<code id="signing-key">${sandbox.key.fingerprint}</code>`);
    expect(page).toContain(`pacman-key --recv-keys ${sandbox.key.fingerprint}`);
  });

  it('is well-formed, self-contained markup', () => {
    expect(page.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(nestingProblems(page)).toEqual([]);
    // nothing loaded from elsewhere: the page works offline
    expect(page).not.toMatch(/<(script|link|img)\b[^>]*\b(src|href)="(https?:)?\/\/(?!repo\.example\.org)/);
  });

  it('renders a reference-style custom .jinja2 template (with an include) through nunjucks, escaping values', async () => {
    const templates = path.join(sandbox.output, 'custom-templates');
    await mkdir(path.join(templates, 'utils'), { recursive: true });
    await writeFile(path.join(templates, 'utils', 'header.jinja2'), '<h1>{{ repository }}</h1>\n');
    await writeFile(
      path.join(templates, 'custom-index.jinja2'),
      [
        '{% include "utils/header.jinja2" %}',
        '<ul>',
        '{% for package in packages %}',
        '<li><a href="{{ link_path }}/{{ package.filename }}">{{ package.name }}</a> {{ package.version }} {{ package.description }}</li>',
        '{% endfor %}',
        '</ul>',
        '{% if pgp_key %}<p>signed with {{ pgp_key }}</p>{% endif %}',
        '',
      ].join('\n'),
    );
    const customPage = path.join(sandbox.output, 'custom.html');
    const entries = [syntheticEntry('ahr-custom', { description: 'a <b>bold</b> claim' })];
    const configuration = ['[report]', 'target = html', '[html]', `path = ${customPage}`, `link_path = ${LINK_PATH}`, `templates = ${templates}`, 'template = custom-index.jinja2'];
    expect(await runReportTrigger(sandbox, configuration.join('\n'), builtResult(entries), entries)).toBeUndefined();
    const custom = await readFile(customPage, 'utf8');
    const list = `<ul>\n<li><a href="${LINK_PATH}/${entries[0]!.fileName}">ahr-custom</a> ${entries[0]!.version} a &lt;b&gt;bold&lt;/b&gt; claim</li>\n</ul>\n`;
    expect(custom.startsWith(`<h1>demo</h1>\n${list}`), custom).toBe(true);
  });

  it('tells pacman not to check signatures of an unsigned repository, and links none', async () => {
    const unsignedPage = path.join(sandbox.output, 'unsigned.html');
    const entries = [syntheticEntry('ahr-unsigned'), syntheticEntry('ahr-other', { architecture: 'x86_64' })];
    const configuration = ['[report]', 'target = html', '[html]', `path = ${unsignedPage}`, `link_path = ${LINK_PATH}`, '[sign]', 'target = disabled'];
    expect(await runReportTrigger(sandbox, configuration.join('\n'), builtResult(entries), entries)).toBeUndefined();
    const unsigned = await readFile(unsignedPage, 'utf8');
    expect(unsigned).toContain('[demo]\nSigLevel = DatabaseNever PackageNever\nServer = ' + LINK_PATH + '</pre>');
    expect(unsigned).not.toContain('Signatures');
    expect(unsigned).not.toContain('.sig');
    expect(unsigned).toContain('<option value="x86_64">x86_64</option>');
    expect([...rows(unsigned).keys()].sort()).toEqual(['ahr-other', 'ahr-unsigned']);
    expect(nestingProblems(unsigned)).toEqual([]);
  });

  it('opens in headless Chromium with every package shown, and filters rows as one types', async () => {
    const dom = await chromiumDom(pageFile);
    const shown = rows(dom);
    expect([...shown.keys()].sort()).toEqual(sandbox.entries.map((entry) => entry.name).sort());
    expect([...shown.values()].some((row) => /<tr[^>]* hidden/.test(row))).toBe(false);
    expect(dom).toContain('<span class="count" id="count" aria-live="polite">4 packages</span>');

    const filtered = await chromiumDom(pageFile, 'split-b');
    const visible = [...rows(filtered)].filter(([, row]) => !/^<tr[^>]* hidden/.test(row)).map(([name]) => name);
    expect(visible).toEqual(['ahr-report-split-b']);
    expect(filtered).toContain('1 of 4 packages');
  });
});
