/**
 * The forecast task's picture of a validation pass for the dashboard (a panel, src/plot/panels.ts):
 * the first series' first target around its last validation origin: the history before it, the
 * model's forecast from it with the band between the outermost quantiles (the interval `recur
 * forecast predict` draws), and what really happened. Built from the forecasts validation
 * already made: no model runs here.
 */
import type { SeriesPanel } from '../../plot/panels.js';
import { medianIndex } from './heads.js';
import type { ForecastData } from './prepare.js';

/** Most points (time steps) the panel holds. */
export const VIEW_MAX_POINTS = 500;

/** A number for the panel: six significant digits (a forecast needs no more), null when not finite. */
const short = (v: number): number | null => (Number.isFinite(v) ? Number(v.toPrecision(6)) : null);

/**
 * The panel of `forecasts` (one per validation origin of `data`, per target H x Q in the data's
 * units, as `validationForecasts` returns them): the first series' last validation origin, with
 * about three horizons (at least a lookback) of history before it, at most `VIEW_MAX_POINTS` steps.
 */
export function validationPanel(data: ForecastData, forecasts: readonly Float64Array[][]): SeriesPanel {
  const origins = data.validation.flatMap((v, j) => (v.series === 0 ? [j] : []));
  const j = origins.at(-1);
  if (j === undefined) throw new Error('validationPanel: the first series has no validation origin');
  const { spec } = data.members[0]!.pipeline;
  const H = spec.horizon, Q = spec.quantiles.length, mid = medianIndex(spec.quantiles);
  const s = data.csv.series[0]!, y = s.targets[0]!, origin = data.validation[j]!.origin;
  const len = Math.min(H, y.length - origin, VIEW_MAX_POINTS);
  const lookback = Math.max(...data.members.map((m) => m.pipeline.spec.lookback));
  const back = Math.min(origin, Math.max(3 * H, lookback), VIEW_MAX_POINTS - len);
  const start = origin - back, f = forecasts[j]![0]!;
  const times = s.times.slice(start, origin + len);
  const x = data.csv.frequency.unit === 'step' ? times.map(Number) : times;
  const ahead = (q: number) => [...new Array<null>(back).fill(null), ...Array.from({ length: len }, (_, h) => short(f[h * Q + q]!))];
  const level = Q > 1 ? spec.quantiles[Q - 1]! - spec.quantiles[0]! : 0;
  const notes = [
    ...(data.csv.series.length > 1 ? [`series 1 of ${data.csv.series.length}`] : []),
    ...(data.csv.targets.length > 1 ? [`target 1 of ${data.csv.targets.length}`] : []),
    `forecast from ${x[back]}, ${origins.length === 1 ? 'the validation origin' : `the last of ${origins.length} validation origins`}${data.members.length > 1 ? `, the mean of ${data.members.length} members` : ''}`,
    ...(Q > 1 ? [] : ['no band: the point head forecasts no interval (--head quantile or gaussian gives one)']),
  ];
  return {
    kind: 'series',
    title: `${data.csv.targets[0]}${s.id ? ` (${s.id})` : ''}: forecast of the last validation horizon`,
    x,
    lines: [{ name: 'actual', values: Array.from(y.subarray(start, origin + len), (v) => (Number.isFinite(v) ? v : null)) }, { name: 'forecast', values: ahead(mid) }],
    ...(Q > 1 ? { band: { name: `${Math.round(level * 100)}% interval`, lo: ahead(0), hi: ahead(Q - 1) } } : {}),
    splitAt: x[back]!,
    note: notes.join('; '),
  };
}
