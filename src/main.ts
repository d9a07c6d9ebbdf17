#!/usr/bin/env node
/** The `ahriman` binary, built into dist/main.cjs beside the CLI bundle it runs (scripts/bundle-cli.mjs). */
import path from 'node:path';
import { runBundledCli } from './application/launcher.js';
import { packageRoot } from './core/package-root.js';

void runBundledCli(path.join(packageRoot(), 'dist', 'cli', 'cli.cjs'), process.argv.slice(2), process.env).then((code) => {
  process.exitCode = code;
});
