/**
 * The `html` report: the repository's index page (every package it serves, and its snapshots and pointers when it
 * has any), written atomically to `path`.
 */
import * as z from 'zod/mini';
import { option } from '../configuration/schema.js';
import { snapshotListing } from '../snapshots/listing.js';
import { SnapshotStore } from '../snapshots/store.js';
import { defineReportType, publishFile } from './report.js';
import { formatTimestamp } from '../format/date.js';
import { chosenTemplate, renderingContext, templateOptions, templateRenderer } from './report-context.js';

export const htmlSchema = z.object({
  ...templateOptions,
  path: option.path(),
});

export const htmlReport = defineReportType(htmlSchema, async (options, environment, _result, packages) => {
  const template = chosenTemplate(environment, 'template', 'template_path', 'repo-index.eta');
  const { snapshots, pointers } = await snapshotListing(new SnapshotStore(environment.paths), environment.state);
  const context = {
    ...renderingContext(environment, options, packages),
    // newest first; the page shows what a snapshot changed, not its whole content
    snapshots: snapshots.reverse().map((snapshot) => ({ ...snapshot, created: formatTimestamp(snapshot.created) })),
    pointers: Object.entries(pointers).map(([name, id]) => ({ name, id })),
  };
  const page = await templateRenderer(environment).render(template, context);
  await publishFile(environment.configuration.getPath(environment.section, 'path'), page);
});
