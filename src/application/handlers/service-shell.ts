import repl from 'node:repl';
import vm from 'node:vm';
import { inspect } from 'node:util';
import type { Argv } from 'yargs';
import { Application } from '../application.js';
import { READ_ONLY, type RepositoryContext, repositoryHandler } from '../handler.js';
import { print } from '../printer.js';

/** What the shell starts with, under the reference's names (plus the loaded application facade). */
async function shellContext(context: RepositoryContext): Promise<Record<string, unknown>> {
  return {
    configuration: context.configuration,
    repositoryId: context.repositoryId,
    architecture: context.repositoryId.architecture,
    repository: context.repositoryId.name,
    paths: context.paths,
    application: await Application.load(context),
  };
}

export const serviceShell = repositoryHandler({
  name: 'service-shell [code]',
  aliases: ['shell'],
  description: 'open a Node.js REPL with configuration, repositoryId and application preloaded, or evaluate code',
  mode: { ...READ_ONLY, unsafe: false },
  options: (argv: Argv) =>
    argv
      .positional('code', { type: 'string', describe: 'JavaScript to evaluate (await allowed) instead of opening a shell' })
      .option('output', { alias: 'o', type: 'string', describe: 'keep the history of the shell session in this file' }),
  async run(context, args) {
    const globals = await shellContext(context);
    if (args.code !== undefined) {
      const result: unknown = await vm.runInNewContext(`(async () => (${args.code}))()`, { ...globals, console });
      if (result !== undefined) print(context.output, typeof result === 'string' ? result : inspect(result, { depth: 4 }));
      return 0;
    }
    const server = repl.start({ prompt: `ahriman ${context.repositoryId.id}> ` });
    Object.assign(server.context, globals);
    if (args.output) await new Promise<void>((resolve, reject) => server.setupHistory(args.output!, (error) => (error ? reject(error) : resolve())));
    await new Promise<void>((resolve) => server.on('exit', () => resolve()));
    return 0;
  },
});
