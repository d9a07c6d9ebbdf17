/**
 * Charts (repo-statistics, repo-history) drawn by Vega-Lite: compiled to a Vega spec and rendered headless by
 * Vega's SVG renderer, which needs no canvas. A `.png` file gets that SVG rasterised by resvg (@resvg/resvg-js: a
 * prebuilt native renderer shipped inside its npm package, using the system's fonts), so both formats show the same
 * picture. Each library is imported only when a chart of its kind is asked for.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { InvalidInputError } from './errors.js';

export interface ChartPoint {
  label: string;
  value: number;
}

/** One mark on a timeline: `label` at `time` (unix milliseconds), in row `row`. */
export interface TimelinePoint {
  time: number;
  row: string;
  label: string;
}

const FORMATS = ['.svg', '.png'] as const;
type ChartFormat = (typeof FORMATS)[number];

/** The format the file name asks for; `option` names the option in the error. */
export function chartFormat(option: string, file: string): ChartFormat {
  const extension = path.extname(file).toLowerCase();
  const format = FORMATS.find((candidate) => candidate === extension);
  if (!format) throw new InvalidInputError(`${option} ${file}: charts are written as SVG or PNG (name the file *.svg or *.png)`);
  return format;
}

export function barChart(title: string, axis: { label: string; value: string }, points: readonly ChartPoint[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: Math.max(200, points.length * 24),
    height: 240,
    data: { values: points.map((point) => ({ ...point })) },
    mark: 'bar',
    encoding: {
      x: { field: 'label', type: 'nominal', title: axis.label, sort: null },
      y: { field: 'value', type: 'quantitative', title: axis.value },
    },
  };
}

/** Points on a time axis, one row per `row`, each labelled. */
export function timelineChart(title: string, axis: { row: string }, points: readonly TimelinePoint[]): TopLevelSpec {
  const rows = new Set(points.map((point) => point.row)).size;
  const encoding = {
    x: { field: 'time', type: 'temporal', title: 'time' },
    y: { field: 'row', type: 'nominal', title: axis.row },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 480,
    height: Math.max(60, rows * 32),
    data: { values: points.map((point) => ({ ...point })) },
    layer: [
      { mark: { type: 'line', point: true }, encoding: { ...encoding, detail: { field: 'row' } } },
      { mark: { type: 'text', dy: -10 }, encoding: { ...encoding, text: { field: 'label' } } },
    ],
  };
}

async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

async function rasterise(svg: string): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  return new Resvg(svg, { font: { loadSystemFonts: true }, background: 'white' }).render().asPng();
}

/** Writes the chart to `file` as SVG or PNG, as its name says (checked first with `chartFormat`). */
export async function writeChart(option: string, file: string, spec: TopLevelSpec): Promise<void> {
  const format = chartFormat(option, file);
  const svg = await renderSvg(spec);
  await fs.writeFile(file, format === '.png' ? await rasterise(svg) : svg);
}
