#!/usr/bin/env node
import { runCli } from './application/cli.js';

process.exitCode = await runCli(process.argv.slice(2));
