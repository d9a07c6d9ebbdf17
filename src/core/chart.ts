/**
 * Charts of repo-statistics as SVG, drawn by Vega-Lite (compiled to a Vega spec and rendered headless by Vega's
 * SVG renderer, which needs no canvas). Both are imported only when a chart is asked for.
 */
export interface ChartPoint {
  label: string;
  value: number;
}

export async function barChartSvg(title: string, axis: { label: string; value: string }, points: readonly ChartPoint[]): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const spec = vegaLite.compile({
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
  }).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
