/**
 * `heatmapSpec` / `heatmapChart`: a matrix of numbers as coloured cells, rows top to bottom and
 * columns left to right in the order given, optionally with each cell's value written in it: a
 * confusion matrix (true × predicted counts) or attention weights (target × source tokens). Row
 * and column names may repeat (a sentence repeats words). Not a clustering or sorting tool.
 */
import { BASE_CONFIG, finiteNumbers, names, optionalText } from './chart-input.js';
import { type ChartSpec, type RenderSvgOptions, renderSvg } from './render-svg.js';

export interface HeatmapChartInput {
  title?: string;
  /** Row names, top to bottom (the y axis). */
  rows: readonly string[];
  /** Column names, left to right (the x axis). */
  columns: readonly string[];
  /** `values[r][c]`: rows.length arrays of columns.length finite numbers. */
  values: readonly ArrayLike<number>[];
  xLabel?: string;
  yLabel?: string;
  /** The colour legend's title. */
  valueLabel?: string;
  /** Write each cell's value in it (integers as they are, other numbers to 2 decimals or 3 significant digits). */
  annotate?: boolean;
}

/** d3's Blues, white to dark blue: zero counts stay white (Vega's own `blues` starts light blue). */
const BLUES = ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'];

/** Cell values as text: integers whole, fractions in [-1, 1] with 2 decimals, others with 3 significant digits. */
export function cellLabels(values: number[]): string[] {
  if (values.every(Number.isInteger)) return values.map(String);
  if (values.every((v) => Math.abs(v) <= 1)) return values.map((v) => v.toFixed(2));
  return values.map((v) => String(Number(v.toPrecision(3))));
}

/**
 * The Vega-Lite spec of a heatmap (render it with `renderSvg`, or with Vega in a page). In the
 * SVG, the group of class `cells_marks` holds one rect per cell row by row, `labels_marks` the texts.
 */
export function heatmapSpec(input: HeatmapChartInput): ChartSpec {
  const fn = 'heatmapChart';
  const rows = names(input.rows, `${fn}: rows`, true);
  const columns = names(input.columns, `${fn}: columns`, true);
  if (rows.length === 0 || columns.length === 0) throw new Error(`${fn}: needs at least one row and one column, got ${rows.length} × ${columns.length}`);
  if (!Array.isArray(input.values) || input.values.length !== rows.length) {
    throw new Error(`${fn}: values must have ${rows.length} rows (one per name in rows), got ${Array.isArray(input.values) ? input.values.length : typeof input.values}`);
  }
  const matrix = input.values.map((row, r) => finiteNumbers(row, `${fn}: values[${r}]`, columns.length));
  const flat = matrix.flat();
  const labels = cellLabels(flat);
  const cells = flat.map((v, i) => ({ r: Math.floor(i / columns.length), c: i % columns.length, v, label: labels[i] }));

  let lo = flat.reduce((a, b) => Math.min(a, b)), hi = flat.reduce((a, b) => Math.max(a, b));
  const diverging = lo < 0 && hi > 0;
  if (diverging) hi = Math.max(hi, -lo), lo = -hi;
  // Text is white on the darker part of the colour ramp (both ends of a diverging one).
  const dark = diverging ? `abs(datum.v) > ${0.5 * hi}` : `datum.v > ${lo + 0.45 * (hi - lo)}`;

  const longest = columns.reduce((n, c) => Math.max(n, c.length), 0);
  const cell = Math.max(16, Math.min(48, Math.floor(640 / Math.max(rows.length, columns.length))));
  const index = (n: number) => Array.from({ length: n }, (_, i) => i);
  // Positions are indices, so repeated names stay separate cells; axis labels look the names up in
  // a signal (data, never text spliced into an expression).
  const x = {
    field: 'c', type: 'ordinal', scale: { domain: index(columns.length) }, title: optionalText(input.xLabel),
    axis: { labelExpr: 'columnNames[datum.value]', labelAngle: longest * 6 > cell ? -45 : 0, labelAlign: longest * 6 > cell ? 'right' : 'center', ticks: false, domain: false },
  };
  const y = {
    field: 'r', type: 'ordinal', scale: { domain: index(rows.length) }, title: optionalText(input.yLabel),
    axis: { labelExpr: 'rowNames[datum.value]', ticks: false, domain: false },
  };
  const color = {
    field: 'v', type: 'quantitative', title: optionalText(input.valueLabel),
    scale: diverging ? { scheme: 'redblue', domain: [lo, hi], reverse: true } : { range: BLUES, domain: lo === hi ? [lo - 1, hi] : [lo, hi] },
    legend: { gradientLength: Math.min(240, Math.max(80, rows.length * cell)) },
  };
  const layers: unknown[] = [
    { name: 'cells', mark: { type: 'rect', stroke: 'white', strokeWidth: cell > 24 ? 1 : 0.5 }, encoding: { x, y, color } },
  ];
  if (input.annotate) {
    layers.push({
      name: 'labels',
      mark: { type: 'text', fontSize: Math.max(7, Math.min(12, Math.floor(cell / 3.2))) },
      encoding: { x, y, text: { field: 'label' }, color: { condition: { test: dark, value: 'white' }, value: '#222222' } },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(input.title === undefined ? {} : { title: optionalText(input.title)! }),
    params: [{ name: 'rowNames', value: rows }, { name: 'columnNames', value: columns }],
    width: { step: cell }, height: { step: cell },
    config: BASE_CONFIG,
    data: { values: cells },
    layer: layers,
  } as ChartSpec;
}

/** The SVG document of a heatmap (see `heatmapSpec`). */
export function heatmapChart(input: HeatmapChartInput, options?: RenderSvgOptions): Promise<string> {
  return renderSvg(heatmapSpec(input), options);
}
