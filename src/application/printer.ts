/**
 * The printers of command output. Each takes the sink from the handler's context (stdout from the CLI, a buffer
 * in tests), never process.stdout: text for people, or JSON with --json.
 */
import { formatVersionChange } from '../core/format/version.js';
import type { OutputSink } from '../core/output.js';
import type { UpdateCandidate } from '../core/repository/updates.js';
import type { Result } from '../models/result.js';

/** Prints text as one or more whole lines. */
export function print(output: OutputSink, text: string): void {
  output.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(output: OutputSink, value: unknown): void {
  output.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** The outcome of a run as text, one line per package. */
export function printResult(output: OutputSink, result: Result): void {
  const lines = [
    ...result.success.map((item) => `built ${item.base} ${item.version} in ${item.duration.toFixed(1)} s`),
    ...result.failed.map((item) => `failed ${item.base}${item.version ? ` ${item.version}` : ''}: ${item.reason}`),
    ...result.removed.map((name) => `removed ${name}`),
    ...result.errors.map((error) => `error: ${error}`),
  ];
  print(output, lines.length > 0 ? lines.join('\n') : 'nothing to do');
}

/** 1 when any package failed or any check could not be made. */
export function resultExitCode(result: Result): number {
  return result.failed.length > 0 || result.errors.length > 0 ? 1 : 0;
}

/** Prints the outcome of a run (JSON with --json); exit code 1 when any package failed. */
export function reportResult(output: OutputSink, result: Result, json: boolean): number {
  if (json) printJson(output, result);
  else printResult(output, result);
  return resultExitCode(result);
}

/** One line per update candidate, as repo-check prints it. */
export function describeCandidate(candidate: UpdateCandidate): string {
  return `${candidate.record.base} ${formatVersionChange(candidate.currentVersion, candidate.record.version)}  (${candidate.reason})`;
}
