/**
 * The `rss` report: a feed of the packages whose base was updated most recently (the last `max_entries`
 * `package-updated` events of the audit log, -1 for all), as they are served now, newest build first.
 */
import * as z from 'zod/mini';
import { option } from '../configuration/schema.js';
import { defineReportType, publishFile } from './report.js';
import { chosenTemplate, renderingContext, templateOptions, templateRenderer } from './report-context.js';

export const rssSchema = z.object({
  ...templateOptions,
  path: option.path(),
  max_entries: z._default(option.integer({ min: -1 }), -1),
});

export const rssReport = defineReportType(rssSchema, async (options, environment, _result, packages) => {
  const limit = options.max_entries < 0 ? undefined : options.max_entries;
  const events = await environment.state.events.eventList({ event: 'package-updated', limit });
  const updated = new Set(events.map((event) => event.objectId));
  const context = renderingContext(
    environment,
    options,
    packages.filter((entry) => updated.has(entry.base)),
    'rfc2822',
  );
  context.packages.sort((left, right) => right.build_timestamp - left.build_timestamp);
  const template = chosenTemplate(environment, 'template', 'template_path', 'rss.eta');
  await publishFile(environment.configuration.getPath(environment.section, 'path'), await templateRenderer(environment).render(template, context));
});
