import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'demo/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: Object.fromEntries(
        [
          'process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'AbortSignal', 'fetch', 'performance', 'setTimeout',
          'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'TextEncoder', 'TextDecoder', 'structuredClone',
        ].map((name) => [name, 'readonly']),
      ),
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The classic zod API (methods on every schema) keeps all of zod in the bundle, some 20 ms of every command that
    // reads its configuration; zod/mini's functions (`z.optional(schema)`) let the bundle keep only what is used.
    files: ['src/**/*.ts', 'test/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['zod', 'zod/v4', 'zod/v4/classic'].map((name) => ({
            name,
            message: "import * as z from 'zod/mini' (and import src/core/schema-messages.ts where schemas are parsed)",
          })),
        },
      ],
    },
  },
  {
    // Commands print through the printers of src/application/printer.ts into the sink of their context, so that they
    // can be run in-process (tests, the web service); only the CLI itself decides that the sink is stdout.
    files: ['src/application/**/*.ts'],
    ignores: ['src/application/cli.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'stdout', message: 'print through src/application/printer.ts into context.output' },
        { object: 'console', property: 'log', message: 'print through src/application/printer.ts into context.output' },
        { object: 'console', property: 'info', message: 'print through src/application/printer.ts into context.output' },
      ],
      // argument types come from the yargs option chain (repositoryHandler/systemHandler), never from a cast
      'no-restricted-syntax': [
        'error',
        { selector: "TSAsExpression[typeAnnotation.typeName.name='Argv']", message: 'let repositoryHandler()/systemHandler() infer the arguments from the options chain' },
      ],
    },
  },
);
