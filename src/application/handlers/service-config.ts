import type { Argv } from 'yargs';
import { validateConfiguration } from '../../core/configuration/validator.js';
import { checkTemplates } from '../../core/report/template-check.js';
import { triggerSchemas } from '../../core/triggers/loader.js';
import { READ_ONLY, repositoryHandler } from '../handler.js';
import { print, printJson } from '../printer.js';

export const serviceConfig = repositoryHandler({
  name: 'service-config [section] [key]',
  aliases: ['config', 'repo-config'],
  description: 'print the effective configuration of a repository (secrets hidden)',
  mode: READ_ONLY,
  options: (argv: Argv) =>
    argv
      .positional('section', { type: 'string', describe: 'only this section' })
      .positional('key', { type: 'string', describe: 'only this option' })
      .option('info', { type: 'boolean', default: true, describe: 'list the files the configuration was read from' })
      .option('secure', { type: 'boolean', default: true, describe: 'hide passwords, keys and tokens' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  async run({ configuration, output }, args) {
    const dump = configuration.dump(args.secure);
    // an absent section or option prints nothing and succeeds, as in the reference (scripts test for empty output)
    if (args.section && !dump[args.section]) return;
    const sections = args.section ? { [args.section]: dump[args.section] } : dump;
    if (args.key) {
      const value = dump[args.section ?? '']?.[args.key.toLowerCase()];
      if (value === undefined) return;
      if (args.json) printJson(output, value);
      else print(output, value);
      return;
    }
    if (args.json) {
      printJson(output, args.info ? { files: configuration.files, sections } : sections);
      return;
    }
    const lines: string[] = args.info ? configuration.files.map((file) => `# ${file}`) : [];
    for (const [section, options] of Object.entries(sections)) {
      lines.push('', `[${section}]`, ...Object.entries(options ?? {}).map(([key, value]) => `${key} = ${value}`));
    }
    print(output, lines.join('\n').trimStart());
  },
});

export const serviceConfigValidate = repositoryHandler({
  name: 'service-config-validate',
  aliases: ['config-validate', 'repo-config-validate'],
  description: 'check the configuration of a repository against the schema (with -e: exit 1 on errors)',
  mode: READ_ONLY,
  options: (argv: Argv) =>
    argv
      .option('exit-code', { alias: 'e', type: 'boolean', default: false, describe: 'exit 1 when the configuration has errors' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  async run({ configuration, output }, args) {
    const triggers = await triggerSchemas(configuration);
    const issues = [...triggers.issues, ...validateConfiguration(configuration, triggers.schemas), ...(await checkTemplates(configuration))];
    if (args.json) printJson(output, issues);
    else {
      for (const issue of issues) {
        const where = issue.key ? `[${issue.section}] ${issue.key}` : `[${issue.section}]`;
        print(output, `${issue.severity}: ${where}: ${issue.message}`);
      }
      if (issues.length === 0) print(output, 'configuration is valid');
    }
    // as the reference: the errors are printed either way, the exit code tells them only with -e
    return args.exitCode && issues.some((issue) => issue.severity === 'error') ? 1 : 0;
  },
});
