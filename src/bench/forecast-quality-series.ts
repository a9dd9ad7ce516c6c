/**
 * The series of the forecasting quality run (`npm run quality:forecast`) and how each is split:
 * the shared airline and Melbourne files, a seeded noisy sine with its noise floor, and the
 * training part of a CSV (its own lines before the hold-out), so that training never reads a
 * held-out row. Pure functions of text and numbers; no training and no files here.
 */
import { CsvReader } from '../data/csv-reader.js';
import { parseTime } from '../data/time-axis.js';
import { type TimeSeriesCsvOptions, parseTimeSeriesCsv } from '../data/time-series-csv.js';
import { Rng } from '../random/rng.js';

export type QualityKey = 'airline' | 'melbourne' | 'sine';
export type QualityMetric = 'mape' | 'mae' | 'rmse';

/** One row of the quality table: the data, the hold-out, and the figure recur must reach. */
export interface QualitySeries {
  key: QualityKey;
  title: string;
  /** The file in the data folder, or null for the generated sine. */
  file: string | null;
  /** How the series is made, when it is generated. */
  generated?: string;
  timeColumn?: string;
  target: string;
  fill: 'none' | 'linear';
  horizon: number;
  /** Steps at the end of the series never seen in training or model selection. */
  holdout: number;
  /** Rolling origins scored in the hold-out (1: one origin at its start). */
  backtest: number;
  holdoutText: string;
  metric: QualityMetric;
  /** The target's wording, e.g. 'MAPE ≤ 3.5%'. */
  goal: string;
}

export const QUALITY_SERIES: readonly QualitySeries[] = [
  {
    key: 'airline', title: 'airline passengers', file: 'airline-passengers.csv', target: 'Passengers', fill: 'none',
    horizon: 24, holdout: 24, backtest: 1, holdoutText: 'last 24 months, one origin', metric: 'mape', goal: 'MAPE ≤ 3.5%',
  },
  {
    key: 'melbourne', title: 'Melbourne daily minimum temperature', file: 'daily-min-temperatures.csv', target: 'Temp', fill: 'linear',
    horizon: 365, holdout: 365, backtest: 1, holdoutText: 'last 365 days, one origin, horizon 365', metric: 'mae', goal: 'MAE ≤ 2.45',
  },
  {
    key: 'sine', title: 'noisy sine', file: null, generated: 'sin(0.1 t) + N(0, 0.1²), 1000 steps, seed 7', target: 'value', fill: 'none',
    horizon: 1, holdout: 200, backtest: 200, holdoutText: 'last 200 steps, one step ahead from each', metric: 'rmse', goal: 'RMSE ≤ 1.1 × noise floor',
  },
];

/** The figure a series must reach (`floor`: the sine's noise floor, computed in the run). */
export function qualityLimit(s: QualitySeries, floor?: number): number {
  if (s.key === 'airline') return 0.035;
  if (s.key === 'melbourne') return 2.45;
  if (floor === undefined) throw new Error('qualityLimit: the sine\'s limit needs its noise floor');
  return 1.1 * floor;
}

export interface NoisySineOptions {
  steps?: number;
  /** Radians per step. */
  frequency?: number;
  /** Standard deviation of the Gaussian noise. */
  noise?: number;
  seed?: number;
  /** Decimals written to the CSV (the values the run reads, and the floor is computed from). */
  digits?: number;
}

export interface NoisySine {
  /** CSV with an integer time column `t` and the column `value`. */
  text: string;
  clean: Float64Array;
  /** The values as written (rounded to `digits`). */
  noisy: Float64Array;
}

/**
 * sin(frequency t) + N(0, noise²) for t = 0 .. steps - 1, noise drawn from `Rng(seed)`; the
 * defaults give the lead's series (1000 steps, 0.1, 0.1, seed 7, 6 decimals).
 */
export function noisySine(options: NoisySineOptions = {}): NoisySine {
  const { steps = 1000, frequency = 0.1, noise = 0.1, seed = 7, digits = 6 } = options;
  if (!(Number.isInteger(steps) && steps > 0)) throw new Error(`noisySine: steps must be a positive integer, got ${steps}`);
  const rng = new Rng(seed);
  const clean = new Float64Array(steps), noisy = new Float64Array(steps);
  const lines = ['t,value'];
  for (let t = 0; t < steps; t++) {
    clean[t] = Math.sin(frequency * t);
    const cell = (clean[t]! + rng.normal(0, noise)).toFixed(digits);
    noisy[t] = Number(cell);
    lines.push(`${t},${cell}`);
  }
  return { text: `${lines.join('\n')}\n`, clean, noisy };
}

/** The noise floor of the last `last` steps: the RMSE of the clean signal against the noisy truth there. */
export function noiseFloor(sine: Pick<NoisySine, 'clean' | 'noisy'>, last: number): number {
  const n = sine.noisy.length;
  if (!(Number.isInteger(last) && last > 0 && last <= n)) throw new Error(`noiseFloor: last must be an integer in [1, ${n}], got ${last}`);
  let sq = 0;
  for (let t = n - last; t < n; t++) sq += (sine.noisy[t]! - sine.clean[t]!) ** 2;
  return Math.sqrt(sq / last);
}

export interface TrainingPart {
  /** The header and every line before the first held-out row, as written in the file. */
  text: string;
  /** Steps of the series (gaps filled) before the hold-out. */
  steps: number;
  /** The first held-out time. */
  firstHeldOut: string;
}

/**
 * The training part of a one-series CSV: the file's own lines before the last `holdout` steps of
 * the series as read with `options` (so a filled gap counts as a step). Checks that the part
 * reads back as exactly the steps before the hold-out.
 */
export function trainingPart(text: string, options: TimeSeriesCsvOptions, holdout: number): TrainingPart {
  const where = 'trainingPart';
  const source = options.source ?? 'CSV text';
  const full = parseTimeSeriesCsv(text, options);
  if (full.series.length !== 1) throw new Error(`${where}: ${source} holds ${full.series.length} series; the quality run splits one`);
  const times = full.series[0]!.times, n = times.length;
  if (!(Number.isInteger(holdout) && holdout > 0 && holdout < n)) throw new Error(`${where}: the hold-out must be 1 to ${n - 1} steps of ${source}, got ${holdout}`);
  const firstHeldOut = times[n - holdout]!, cut = parseTime(firstHeldOut).value;
  const reader = new CsvReader(text, source);
  const column = options.timeColumn === undefined ? 0 : reader.header.cells.indexOf(options.timeColumn);
  let stop = -1;
  for (let r = reader.next(); r !== null; r = reader.next()) {
    if (parseTime(r.cells[column]!).value >= cut) { stop = r.line; break; }
  }
  // Rows are in time order (the reader checks), so the part is the lines before the first held-out row.
  const lines = text.split(/\r\n|\n|\r/).slice(0, stop - 1);
  const part = `${lines.join('\n')}\n`;
  const read = parseTimeSeriesCsv(part, { ...options, source: `the training part of ${source}` }).series[0]!.times;
  if (read.length !== n - holdout || read[read.length - 1] !== times[n - holdout - 1]) {
    throw new Error(`${where}: the training part of ${source} reads as ${read.length} steps ending ${read.at(-1)}, expected ${n - holdout} ending ${times[n - holdout - 1]} (rows just before the hold-out are missing)`);
  }
  return { text: part, steps: n - holdout, firstHeldOut };
}
