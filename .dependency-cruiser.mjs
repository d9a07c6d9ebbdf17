/**
 * The import rules of docs/architecture.md, checked by `npm run lint`. Type-only imports count too
 * (tsPreCompilationDeps), so a cycle through `import type` is still a cycle.
 */
export default {
  forbidden: [
    {
      name: 'models-import-only-models',
      comment: 'models are plain data and pure functions: they import nothing of ours but other models',
      severity: 'error',
      from: { path: '^src/models/' },
      to: { path: '^src/', pathNot: '^src/models/' },
    },
    {
      name: 'core-never-imports-application',
      comment: 'core is usable without the command line (web service, tests): it never imports application',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/application/' },
    },
    {
      name: 'web-only-from-its-handler',
      comment: 'the web service is loaded only by the `web` command handler (lazily), never by anything else',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/web/', '^src/application/handlers/web\\.ts$'] },
      to: { path: '^src/web/' },
    },
    {
      name: 'no-import-cycles',
      comment: 'modules form a tree of layers; a cycle (also through type-only imports) means a misplaced definition',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
