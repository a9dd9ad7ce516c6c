/**
 * Prediction intervals of a fitted Holt-Winters model: the exact normal intervals of the linear
 * variants (no season or an additive one; Hyndman et al. 2008 ch. 6), and for any variant
 * intervals from simulated futures (Gaussian errors with the fit's variance, or residuals drawn
 * again), with a seeded `Rng`. Fitting is holt-winters-fit.ts; the recursions holt-winters.ts.
 */
import { Rng } from '../../random/rng.js';
import { DEFAULT_LEVELS, checkHorizon, checkLevels, normalIntervals, pathIntervals, type Forecast } from './prediction-intervals.js';
import { HoltWintersSmoother, holtWintersForecast, linearVarianceFactors, type HoltWintersParams, type HoltWintersSpec, type HoltWintersStates } from './holt-winters.js';

/** What a forecast needs from a fit. */
export interface HoltWintersModel {
  spec: HoltWintersSpec;
  params: HoltWintersParams;
  /** States after the last observation. */
  final: HoltWintersStates;
  /** The one-step error variance. */
  sigma2: number;
  /** In-sample one-step errors (what `errors: 'bootstrap'` draws from). */
  residuals: Float64Array;
}

export interface HoltWintersForecastOptions {
  /** Interval coverages (default 0.8 and 0.95). */
  levels?: readonly number[];
  /**
   * `analytic`: normal intervals with the exact variance (linear variants only); `simulate`:
   * quantiles of simulated futures. Default: analytic unless the season is multiplicative.
   */
  method?: 'analytic' | 'simulate';
  /** Simulated futures (default 2000). */
  paths?: number;
  /** The generator of the simulation (default new Rng(0), so forecasts repeat exactly). */
  rng?: Rng;
  /** Simulated errors: N(0, sigma2) (default) or in-sample residuals drawn with replacement. */
  errors?: 'gaussian' | 'bootstrap';
}

/** The h-step forecast standard deviations of a linear variant: sigma · sqrt(1 + Σ c_j²). */
export function holtWintersForecastSd(model: HoltWintersModel, h: number): Float64Array {
  checkHorizon(h, 'holtWintersForecastSd');
  const sigma = Math.sqrt(model.sigma2);
  return linearVarianceFactors(model.spec, model.params, h).map((v) => sigma * Math.sqrt(v));
}

/**
 * `paths` futures of h steps: each runs the recursions forward from the final states, each
 * observation being the one-step forecast plus an error (normal, or a drawn residual).
 */
export function simulateHoltWinters(
  model: HoltWintersModel, h: number, options: { paths?: number; rng?: Rng; errors?: 'gaussian' | 'bootstrap' } = {},
): Float64Array[] {
  checkHorizon(h, 'simulateHoltWinters');
  const { paths = 2000, rng = new Rng(0), errors = 'gaussian' } = options;
  if (!(Number.isInteger(paths) && paths >= 2)) throw new Error(`simulateHoltWinters: paths must be an integer >= 2, got ${paths}`);
  if (errors !== 'gaussian' && errors !== 'bootstrap') throw new Error(`simulateHoltWinters: errors must be gaussian or bootstrap, got ${errors}`);
  const sigma = Math.sqrt(model.sigma2);
  if (errors === 'gaussian' && !Number.isFinite(sigma)) throw new Error(`simulateHoltWinters: the fit's error variance is not finite (${model.sigma2})`);
  if (errors === 'bootstrap' && model.residuals.length === 0) throw new Error('simulateHoltWinters: no residuals to draw from');
  const out: Float64Array[] = [];
  for (let k = 0; k < paths; k++) {
    const smoother = new HoltWintersSmoother(model.spec, model.params, model.final);
    const path = new Float64Array(h);
    for (let i = 0; i < h; i++) {
      const e = errors === 'gaussian' ? rng.normal(0, sigma) : model.residuals[rng.int(model.residuals.length)]!;
      path[i] = smoother.forecast() + e;
      smoother.observe(path[i]!);
    }
    out.push(path);
  }
  return out;
}

/** Point forecasts (from the recursions) with intervals, analytic or simulated. */
export function forecastHoltWinters(model: HoltWintersModel, h: number, options: HoltWintersForecastOptions = {}): Forecast & { method: 'analytic' | 'simulate' } {
  checkHorizon(h, 'forecastHoltWinters');
  const levels = options.levels ?? DEFAULT_LEVELS;
  checkLevels(levels, 'forecastHoltWinters');
  const method = options.method ?? (model.spec.season === 'multiplicative' ? 'simulate' : 'analytic');
  const mean = holtWintersForecast(model.spec, model.params, model.final, h);
  if (method === 'analytic') {
    const extra = (['paths', 'rng', 'errors'] as const).filter((k) => options[k] !== undefined);
    if (extra.length > 0) throw new Error(`forecastHoltWinters: ${extra.join(', ')} only apply with method: 'simulate'`);
    if (model.spec.season === 'multiplicative') throw new Error("forecastHoltWinters: a multiplicative season has no analytic intervals; use method: 'simulate'");
    return { mean, intervals: normalIntervals(mean, holtWintersForecastSd(model, h), levels), method };
  }
  if (method !== 'simulate') throw new Error(`forecastHoltWinters: method must be analytic or simulate, got ${method}`);
  return { mean, intervals: pathIntervals(simulateHoltWinters(model, h, options), levels), method };
}
