/**
 * `import()` of a module named at run time: third-party triggers and build drivers (`module-export.ts`). The CLI
 * bundle runs from a compiled script (`application/launcher.ts`), where only a module Node loaded itself can import,
 * so the bundle keeps this one module apart as a file of its own (scripts/bundle-cli.mjs).
 */
export function nativeImport(specifier: string): Promise<Record<string, unknown>> {
  return import(specifier) as Promise<Record<string, unknown>>;
}
