/** The `console` report: what the run did, as a table on the command's output. */
import * as z from 'zod/mini';
import { option } from '../configuration/schema.js';
import { formatTable } from '../format/table.js';
import { STDOUT } from '../output.js';
import type { RepositoryId } from '../../models/repository-id.js';
import type { Result } from '../../models/result.js';
import { defineReportType } from './report.js';

export const consoleSchema = z.object({
  /** Check and cross marks; `no` prints [x]/[ ] for terminals without UTF-8. */
  use_utf: z._default(option.boolean(), true),
});

/** One line per built, failed and removed package under a summary line. */
export function formatConsoleReport(repositoryId: RepositoryId, result: Result, useUtf: boolean): string {
  const [done, failed] = useUtf ? ['✔', '✘'] : ['[x]', '[ ]'];
  const summary = `${repositoryId.name} (${repositoryId.architecture}): ${result.success.length} built, ${result.failed.length} failed, ${result.removed.length} removed`;
  const rows = [
    ...result.success.map((item) => [done, item.base, item.version, `built in ${item.duration.toFixed(1)} s`]),
    ...result.failed.map((item) => [failed, item.base, item.version, `failed: ${item.reason.split('\n', 1)[0]}`]),
    ...result.removed.map((name) => ['-', name, '', 'removed']),
    ...(result.promoted ?? []).map((item) => ['>', item.pointer, item.snapshot, `moved from ${item.previous ?? 'nothing'}`]),
  ];
  return [summary, ...formatTable(rows).map((line) => `  ${line}`)].join('\n') + '\n';
}

export const consoleReport = defineReportType(consoleSchema, async (options, environment, result) => {
  (environment.output ?? STDOUT).write(formatConsoleReport(environment.repositoryId, result, options.use_utf));
});
