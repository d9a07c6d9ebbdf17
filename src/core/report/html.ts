/** The `html` report: the repository's index page (every package it serves), written atomically to `path`. */
import { z } from 'zod';
import { option } from '../configuration/schema.js';
import { defineReportType, publishFile } from './report.js';
import { chosenTemplate, renderingContext, templateOptions, templateRenderer } from './report-context.js';

export const htmlSchema = z.object({
  ...templateOptions,
  path: option.path(),
});

export const htmlReport = defineReportType(htmlSchema, async (options, environment, _result, packages) => {
  const template = chosenTemplate(environment, 'template', 'template_path', 'repo-index.eta');
  const page = await templateRenderer(environment).render(template, renderingContext(environment, options, packages));
  await publishFile(environment.configuration.getPath(environment.section, 'path'), page);
});
