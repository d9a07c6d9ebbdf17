import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ahriman, makeSandbox, type Sandbox } from '../../support/cli.js';

let sandbox: Sandbox;
let templates: string;

beforeAll(async () => {
  sandbox = makeSandbox();
  templates = path.join(sandbox.directory, 'templates');
  await mkdir(templates, { recursive: true });
  await mkdir(sandbox.root, { recursive: true });
  // reference-style templates: one that renders, and the usual ways of breaking one
  await writeFile(path.join(templates, 'good.jinja2'), '<ul>{% for package in packages %}<li>{{ package.name }} {{ package.version | upper }}</li>{% endfor %}</ul>\n');
  await writeFile(path.join(templates, 'unclosed.jinja2'), '{% for package in packages %}<li>{{ package.name }}</li>\n');
  await writeFile(path.join(templates, 'filter.jinja2'), '{{ repository | no_such_filter }}\n');
  await writeFile(path.join(templates, 'include.jinja2'), '{% include "missing-part.jinja2" %}\n');
});
afterAll(() => rm(sandbox.directory, { recursive: true, force: true }));

interface Issue {
  section: string;
  key?: string;
  severity: string;
  message: string;
}

async function validate(ini: string): Promise<{ code: number; issues: Issue[] }> {
  await writeFile(sandbox.configuration, `[repository]\nroot = ${sandbox.root}\nname = demo\narchitecture = x86_64\n${ini}`);
  const result = await ahriman(['-c', sandbox.configuration, '-a', 'x86_64', '-r', 'demo', 'service-config-validate', '--json', '-e']);
  return { code: result.code, issues: (JSON.parse(result.stdout) as Issue[]).filter((issue) => issue.severity === 'error') };
}

const html = (template: string, targets = 'html'): string =>
  `[report]\ntarget = ${targets}\n[html]\npath = ${sandbox.directory}/index.html\nlink_path = https://repo.example.org\ntemplates = ${templates}\ntemplate = ${template}\n`;

describe('service-config-validate renders the templates reports name', () => {
  it('accepts a custom .jinja2 template that renders, and the built-in ones', async () => {
    expect(await validate(html('good.jinja2'))).toEqual({ code: 0, issues: [] });
    expect(await validate(html('repo-index'))).toEqual({ code: 0, issues: [] });
  });

  it('names each template that cannot be rendered, with the option that names it', async () => {
    const ini =
      html('unclosed.jinja2', 'html mine rss') +
      `[mine]\ntype = email\nhost = localhost\nreceivers = a@example.com\nsender = b@example.com\nlink_path = https://repo.example.org\n` +
      `templates = ${templates}\ntemplate = filter.jinja2\ntemplate_full = include.jinja2\n` +
      `[rss]\nlink_path = https://repo.example.org\npath = ${sandbox.directory}/rss.xml\ntemplate_path = ${templates}/nowhere.jinja2\n`;
    const { code, issues } = await validate(ini);
    expect(code).toBe(1);
    const byOption = Object.fromEntries(issues.map((issue) => [`${issue.section}.${issue.key}`, issue.message]));
    expect(byOption['html.template']).toMatch(/^cannot be rendered: template 'unclosed\.jinja2' failed to render: \(.*unclosed\.jinja2\) unexpected end of file$/);
    expect(byOption['mine.template']).toMatch(/^cannot be rendered: .*filter not found: no_such_filter/);
    expect(byOption['mine.template_full']).toMatch(/^cannot be rendered: .*missing-part\.jinja2/);
    expect(byOption['rss.template_path']).toMatch(/^cannot be rendered: template 'nowhere\.eta' not found in /);
  });
});
