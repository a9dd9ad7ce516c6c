/**
 * `lineSpec` / `lineChart`: one or more named series of (x, y) points as lines on shared axes,
 * with a legend and an optional log y axis: loss curves against step or time, learning rate,
 * throughput. The dashboard draws the same spec live. Not a time axis: x is a plain number.
 */
import { BASE_CONFIG, COLORS, finiteNumbers, names, optionalText } from './chart-input.js';
import { type ChartSpec, type RenderSvgOptions, renderSvg } from './render-svg.js';

export interface LineSeries {
  name: string;
  x: ArrayLike<number>;
  /** One per x. A y that is NaN or ±Infinity (a diverged loss) is not drawn: the line breaks there. */
  y: ArrayLike<number>;
}

export interface LineChartInput {
  title?: string;
  /** Drawn in this order, each in its own colour; names must differ (the legend tells them apart). */
  series: readonly LineSeries[];
  xLabel?: string;
  yLabel?: string;
  /** A log-scale y axis (every finite y must then be > 0). */
  logY?: boolean;
}

const SERIES_COLORS = [COLORS.blue, COLORS.orange, COLORS.red, COLORS.teal, COLORS.green, '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', COLORS.grey];

/** The Vega-Lite spec of a line chart (render it with `renderSvg`, or with Vega in a page). */
export function lineSpec(input: LineChartInput): ChartSpec {
  const fn = 'lineChart';
  if (!Array.isArray(input.series) || input.series.length === 0) throw new Error(`${fn}: series must be a non-empty array`);
  const seriesNames = names(input.series.map((s) => s.name), `${fn}: series names`);
  const points: { s: number; x: number; y: number | null }[] = [];
  let drawn = 0;
  input.series.forEach((series, s) => {
    const x = finiteNumbers(series.x, `${fn}: series[${s}].x`);
    if (series.y === null || typeof series.y !== 'object' || series.y.length !== x.length) {
      throw new Error(`${fn}: series[${s}].y must have ${x.length} values (one per x), got ${series.y?.length}`);
    }
    for (let i = 0; i < x.length; i++) {
      const y = series.y[i];
      if (typeof y !== 'number') throw new Error(`${fn}: series[${s}].y[${i}] must be a number, got ${typeof y}`);
      if (input.logY && Number.isFinite(y) && y <= 0) throw new Error(`${fn}: series[${s}].y[${i}] is ${y}, which a log y axis cannot show (logY needs y > 0)`);
      const finite = Number.isFinite(y);
      if (finite) drawn++;
      points.push({ s, x: x[i], y: finite ? y : null });
    }
  });
  if (drawn === 0) throw new Error(`${fn}: no series has a finite point`);

  // Series are told apart by index, so that the legend keeps their order; names are looked up.
  const index = seriesNames.map((_, i) => i);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(input.title === undefined ? {} : { title: optionalText(input.title)! }),
    params: [{ name: 'seriesNames', value: seriesNames }],
    width: 640, height: 300,
    config: BASE_CONFIG,
    data: { values: points },
    mark: { type: 'line', strokeWidth: 1.5, invalid: 'break-paths-filter-domains' },
    encoding: {
      x: { field: 'x', type: 'quantitative', scale: { zero: false, nice: false }, title: optionalText(input.xLabel) ?? 'x', axis: { tickCount: 8, labelOverlap: 'greedy' } },
      y: {
        field: 'y', type: 'quantitative', title: optionalText(input.yLabel) ?? 'y',
        // A log scale's nice domain would run to whole decades: a loss from 1.2 to 3.8 would fill a tenth of the height.
        scale: input.logY ? { type: 'log', nice: false } : { zero: false },
      },
      color: {
        field: 's', type: 'nominal',
        scale: { domain: index, range: index.map((i) => SERIES_COLORS[i % SERIES_COLORS.length]) },
        legend: { title: null, orient: 'top', direction: 'horizontal', labelExpr: 'seriesNames[datum.value]', symbolType: 'stroke', symbolStrokeWidth: 2 },
      },
      detail: { field: 's' },
    },
  } as ChartSpec;
}

/** The SVG document of a line chart (see `lineSpec`). */
export function lineChart(input: LineChartInput, options?: RenderSvgOptions): Promise<string> {
  return renderSvg(lineSpec(input), options);
}
