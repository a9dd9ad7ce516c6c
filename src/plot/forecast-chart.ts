/**
 * `forecastSpec` / `forecastChart`: a time series and its forecast on one chart: the history as
 * a line, the forecast as a line, the prediction interval as a shaded band, the hold-out truth
 * as points, with a legend and a time axis labelled in the data's own style. Not a forecaster:
 * it draws numbers it is given.
 */
import { BASE_CONFIG, COLORS, finiteNumbers, optionalText } from './chart-input.js';
import { type ChartSpec, type RenderSvgOptions, renderSvg } from './render-svg.js';
import { timeAxis } from './time-axis.js';

/** Time stamps: canonical text (`1949-01`, `1981-01-01`, `2021-03-04T05:00:00Z`) or integer steps. */
export type TimeStamps = readonly (string | number)[];

export interface ForecastChartInput {
  title?: string;
  /** The observed series before the forecast origin. */
  history: { times: TimeStamps; values: ArrayLike<number> };
  /** Point forecasts, with an optional interval: `lower` and `upper` together, `level` (0.8 for an 80% interval) only with them. */
  forecast: { times: TimeStamps; values: ArrayLike<number>; lower?: ArrayLike<number>; upper?: ArrayLike<number>; level?: number };
  /** What really happened over the forecast horizon (the hold-out), drawn as points. */
  truth?: { times: TimeStamps; values: ArrayLike<number> };
  /** The y axis title (the target column, say); `value` when absent. */
  yLabel?: string;
  /** Plot area in pixels (axes, title and legend come on top): 720 × 300 when absent. */
  width?: number;
  height?: number;
}

function size(value: number | undefined, fallback: number, where: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 50 || value > 10_000) throw new Error(`${where} must be an integer from 50 to 10000 pixels, got ${value}`);
  return value;
}

/**
 * The Vega-Lite spec of a forecast chart (render it with `renderSvg`, or with Vega in a page).
 * Its layers are named `band`, `history`, `forecast` and `truth`: in the SVG, the groups of class
 * `band_marks` ... hold what each drew.
 */
export function forecastSpec(input: ForecastChartInput): ChartSpec {
  const fn = 'forecastChart';
  const { history, forecast, truth } = input;
  const width = size(input.width, 720, `${fn}: width`);
  const height = size(input.height, 300, `${fn}: height`);
  const timeArrays = [history.times, forecast.times, ...(truth ? [truth.times] : [])];
  for (const [name, times] of [['history', history.times], ['forecast', forecast.times], ['truth', truth?.times]] as const) {
    if (times !== undefined && !Array.isArray(times)) throw new Error(`${fn}: ${name}.times must be an array`);
  }
  if (history.times.length === 0) throw new Error(`${fn}: history.times is empty`);
  if (forecast.times.length === 0) throw new Error(`${fn}: forecast.times is empty`);
  const axis = timeAxis(timeArrays, [`${fn}: history.times`, `${fn}: forecast.times`, `${fn}: truth.times`], width);
  const [historyT, forecastT, truthT] = axis.values;

  const historyY = finiteNumbers(history.values, `${fn}: history.values`, historyT.length);
  const forecastY = finiteNumbers(forecast.values, `${fn}: forecast.values`, forecastT.length);
  const truthY = truth ? finiteNumbers(truth.values, `${fn}: truth.values`, truthT.length) : [];
  if ((forecast.lower === undefined) !== (forecast.upper === undefined)) {
    throw new Error(`${fn}: forecast.lower and forecast.upper come together, got only ${forecast.lower === undefined ? 'upper' : 'lower'}`);
  }
  const hasBand = forecast.lower !== undefined;
  if (forecast.level !== undefined) {
    if (!hasBand) throw new Error(`${fn}: forecast.level needs forecast.lower and forecast.upper`);
    if (!(forecast.level > 0 && forecast.level < 1)) throw new Error(`${fn}: forecast.level must be in (0, 1), got ${forecast.level}`);
  }
  const lower = hasBand ? finiteNumbers(forecast.lower!, `${fn}: forecast.lower`, forecastT.length) : [];
  const upper = hasBand ? finiteNumbers(forecast.upper!, `${fn}: forecast.upper`, forecastT.length) : [];

  const bandName = forecast.level === undefined ? 'interval' : `${+(forecast.level * 100).toFixed(1)}% interval`;
  const legend = ['history', 'forecast', ...(hasBand ? [bandName] : []), ...(truth ? ['truth'] : [])];
  const palette: Record<string, string> = { history: COLORS.blue, forecast: COLORS.orange, [bandName]: COLORS.orange, truth: COLORS.ink };
  // One colour scale over the layers' constant datums makes one legend; its symbols say which is a line, a band or a point.
  const color = (name: string) => ({
    datum: name,
    scale: { domain: legend, range: legend.map((n) => palette[n]) },
    legend: {
      title: null, orient: 'top', direction: 'horizontal',
      symbolType: { expr: `datum.value === 'truth' ? 'circle' : datum.value === ${JSON.stringify(bandName)} ? 'square' : 'stroke'` },
      symbolOpacity: { expr: `datum.value === ${JSON.stringify(bandName)} ? 0.3 : 1` },
      symbolStrokeWidth: 2,
    },
  });
  const x = { field: 't', ...axis.encoding, title: axis.grain === 'step' ? 'step' : 'time' };
  const y = { field: 'v', type: 'quantitative', scale: { zero: false }, title: optionalText(input.yLabel) ?? 'value' };
  const rows = (t: number[], v: number[]) => t.map((ti, i) => ({ t: ti, v: v[i] }));

  const layers: unknown[] = [];
  if (hasBand) {
    layers.push({
      name: 'band',
      data: { values: forecastT.map((t, i) => ({ t, v: lower[i], v2: upper[i] })) },
      mark: { type: 'area', opacity: 0.25 },
      encoding: { x, y, y2: { field: 'v2' }, color: color(bandName) },
    });
  }
  layers.push(
    { name: 'history', data: { values: rows(historyT, historyY) }, mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y, color: color('history') } },
    { name: 'forecast', data: { values: rows(forecastT, forecastY) }, mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y, color: color('forecast') } },
  );
  if (truth) {
    layers.push({
      name: 'truth', data: { values: rows(truthT, truthY) },
      mark: { type: 'point', filled: true, size: truthY.length > 200 ? 10 : 22, opacity: 0.9 },
      encoding: { x, y, color: color('truth') },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(input.title === undefined ? {} : { title: optionalText(input.title)! }),
    width, height,
    config: BASE_CONFIG,
    layer: layers,
  } as ChartSpec;
}

/** The SVG document of a forecast chart (see `forecastSpec`). */
export function forecastChart(input: ForecastChartInput, options?: RenderSvgOptions): Promise<string> {
  return renderSvg(forecastSpec(input), options);
}
