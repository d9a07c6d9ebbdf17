/**
 * The report trigger (the reference's `ahriman.core.report.ReportTrigger`): after every run, each `[report] target`
 * is rendered and delivered according to the type of its section. A failing target is logged with its reason and
 * the other targets still run; the trigger then fails naming every target that failed.
 */
import type { RepositoryEntry } from '../alpm/repository-database.js';
import { runTargets } from '../triggers/targets.js';
import type { Trigger, TriggerContext, TriggerFactory } from '../triggers/trigger.js';
import type { Result } from '../../models/result.js';
import { consoleReport } from './console.js';
import { emailReport } from './email.js';
import { htmlReport } from './html.js';
import { remoteCallReport } from './remote-call.js';
import { ReportError, type ReportType } from './report.js';
import { rssReport } from './rss.js';
import { telegramReport } from './telegram.js';

/** Report types by section type; `ahriman` is the reference's other name for `remote-call`. */
export const REPORT_TYPES: Readonly<Record<string, ReportType>> = {
  console: consoleReport,
  email: emailReport,
  html: htmlReport,
  'remote-call': remoteCallReport,
  ahriman: remoteCallReport,
  rss: rssReport,
  telegram: telegramReport,
};


function reportTypeOf(type: string): ReportType {
  const found = REPORT_TYPES[type];
  if (found === undefined) {
    throw new ReportError(`unknown report type '${type}' (expected one of: ${Object.keys(REPORT_TYPES).join(', ')})`);
  }
  return found;
}

class ReportTrigger implements Trigger {
  readonly name = 'report';

  constructor(private readonly context: TriggerContext) {}

  async onResult(result: Result, packages: readonly RepositoryEntry[]): Promise<void> {
    const targets = this.context.configuration.getList('report', 'target', [] as string[]);
    await runTargets('report', targets, (target) => target, async (target) => {
      const { section, type } = this.context.configuration.typedSection(target);
      await reportTypeOf(type).generate({ ...this.context, section }, result, packages);
    });
  }
}

export const reportTrigger: TriggerFactory = {
  name: 'report',
  configurationSchemas: Object.fromEntries(Object.entries(REPORT_TYPES).map(([type, report]) => [type, report.schema])),
  create: (context) => new ReportTrigger(context),
};
