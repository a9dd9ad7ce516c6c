/**
 * Fits Holt-Winters by least squares of the one-step-ahead errors, as statsmodels'
 * `ExponentialSmoothing(...).fit()` defines the fit: alpha in [0, 1], beta <= alpha,
 * gamma <= 1 - alpha, phi in [0.8, 0.995], and (by default) the initial states estimated with
 * them. The search is statsmodels' too: a grid of smoothing parameters from the heuristic
 * initial states, then a local least-squares fit (bounded Levenberg-Marquardt here, SLSQP there)
 * from the best grid point. The sum of squares can have several minima, and a local fit finds
 * the one near that start: on the airline series a lower one exists (see the quality test).
 * Forecast intervals are holt-winters-intervals.ts; choosing among variants is selectHoltWinters.
 */
import { checkHorizon } from './prediction-intervals.js';
import {
  checkSpec, heuristicStates, holtWintersFilter, holtWintersForecast, holtWintersSse,
  type HoltWintersParams, type HoltWintersSpec, type HoltWintersStates,
} from './holt-winters.js';
import { forecastHoltWinters, type HoltWintersForecastOptions } from './holt-winters-intervals.js';
import { levenbergMarquardt } from './levenberg-marquardt.js';
import type { Forecast } from './prediction-intervals.js';

/**
 * How the initial states are found: `estimated` fits them with the smoothing parameters (the
 * seasonal ones normalised to mean 0, or 1 when multiplicative, which changes no forecast);
 * `heuristic` fixes them by `heuristicStates` and fits the smoothing parameters only.
 */
export type HoltWintersInitialization = 'estimated' | 'heuristic';

export interface HoltWintersFitOptions {
  /** Default: `estimated` up to period 24, `heuristic` above (hundreds of states would make each step slow). */
  initialization?: HoltWintersInitialization;
  /** Bounds of the damping phi (default [0.8, 0.995], statsmodels'; R's ets uses [0.8, 0.98]). */
  phiBounds?: readonly [number, number];
  /** Levenberg-Marquardt iterations at most (default 500). */
  maxIterations?: number;
}

/** A fitted Holt-Winters model: parameters, states, one-step fit, and the likelihood figures. */
export interface HoltWintersFit {
  spec: HoltWintersSpec;
  params: HoltWintersParams;
  initialization: HoltWintersInitialization;
  /** States before the first observation. */
  initial: HoltWintersStates;
  /** States after the last observation (what forecasts start from). */
  final: HoltWintersStates;
  /** [n] one-step-ahead fitted values and residuals. */
  fitted: Float64Array;
  residuals: Float64Array;
  sse: number;
  /** Number of observations. */
  n: number;
  /** Free parameters fitted: smoothing parameters plus estimated initial states. */
  parameterCount: number;
  /** Residual variance sse / (n - parameterCount), the error variance of forecasts and simulations. */
  sigma2: number;
  /**
   * AICc of the Gaussian likelihood with the variance profiled out (sse / n), counting the
   * variance as a parameter: n log(sse / n) + n (1 + log 2π) + 2K + 2K(K + 1) / (n - K - 1),
   * K = parameterCount + 1. Infinity when n <= K + 1; -Infinity for a perfect fit (sse 0).
   */
  aicc: number;
  /** Evaluations of the recursions spent (grid and Jacobians included). */
  evaluations: number;
  /** Point forecasts for steps 1..h. */
  pointForecast(h: number): Float64Array;
  /** Point forecasts with intervals (analytic, or simulated for a multiplicative season). */
  forecast(h: number, options?: HoltWintersForecastOptions): Forecast & { method: 'analytic' | 'simulate' };
}

const DEFAULT_PHI_BOUNDS: readonly [number, number] = [0.8, 0.995];

function defaultInitialization(spec: HoltWintersSpec): HoltWintersInitialization {
  return spec.period <= 24 ? 'estimated' : 'heuristic';
}

/** Smoothing parameters plus, when estimated, the level, the trend and m - 1 seasonal states. */
export function freeParameterCount(spec: HoltWintersSpec, initialization: HoltWintersInitialization): number {
  const hasTrend = spec.trend !== 'none', seasonal = spec.season !== 'none';
  const smoothing = 1 + (hasTrend ? 1 : 0) + (seasonal ? 1 : 0) + (spec.trend === 'damped' ? 1 : 0);
  return initialization === 'estimated' ? smoothing + 1 + (hasTrend ? 1 : 0) + (seasonal ? spec.period - 1 : 0) : smoothing;
}

/** Where each free parameter sits in the optimiser's vector, and how to read it back. */
interface Layout {
  size: number;
  lower: number[];
  upper: number[];
  decode(x: Float64Array): { params: HoltWintersParams; states: HoltWintersStates };
  encode(params: HoltWintersParams, states: HoltWintersStates): Float64Array;
}

/**
 * The optimiser works on [alpha, beta/alpha, gamma/(1-alpha), phi, level/scale, trend/scale,
 * m - 1 seasonal states] (each present only when used): the ratios keep beta <= alpha and
 * gamma <= 1 - alpha inside a box, the scale puts states near 1, and the last seasonal state
 * is minus the sum of the others (additive) or m minus their sum (multiplicative).
 */
function layout(spec: HoltWintersSpec, initialization: HoltWintersInitialization, fixed: HoltWintersStates, scale: number, phiBounds: readonly [number, number]): Layout {
  const hasTrend = spec.trend !== 'none', damped = spec.trend === 'damped', seasonal = spec.season !== 'none';
  const mul = spec.season === 'multiplicative';
  const estimated = initialization === 'estimated';
  const m = spec.period;
  const lower: number[] = [0], upper: number[] = [1];
  const add = (lo: number, hi: number) => { lower.push(lo); upper.push(hi); return lower.length - 1; };
  const iBeta = hasTrend ? add(0, 1) : -1;
  const iGamma = seasonal ? add(0, 1) : -1;
  const iPhi = damped ? add(phiBounds[0], phiBounds[1]) : -1;
  const iLevel = estimated ? add(-Infinity, Infinity) : -1;
  const iTrend = estimated && hasTrend ? add(-Infinity, Infinity) : -1;
  const iSeason = estimated && seasonal ? lower.length : -1;
  if (estimated && seasonal) for (let j = 0; j < m - 1; j++) add(-Infinity, Infinity);
  const seasonScale = mul ? 1 : scale;
  return {
    size: lower.length, lower, upper,
    decode(x) {
      const alpha = x[0]!;
      const params = {
        alpha,
        beta: hasTrend ? alpha * x[iBeta]! : 0,
        gamma: seasonal ? (1 - alpha) * x[iGamma]! : 0,
        phi: damped ? x[iPhi]! : 1,
      };
      if (!estimated) return { params, states: fixed };
      let season: number[] = [];
      if (seasonal) {
        season = Array.from({ length: m - 1 }, (_, j) => x[iSeason + j]! * seasonScale);
        const rest = season.reduce((a, b) => a + b, 0);
        season.push(mul ? m - rest : -rest);
      }
      return { params, states: { level: x[iLevel]! * scale, trend: hasTrend ? x[iTrend]! * scale : 0, season } };
    },
    encode(params, states) {
      const x = new Float64Array(lower.length);
      x[0] = params.alpha;
      if (hasTrend) x[iBeta] = params.alpha > 0 ? Math.min(1, params.beta / params.alpha) : 0;
      if (seasonal) x[iGamma] = params.alpha < 1 ? Math.min(1, params.gamma / (1 - params.alpha)) : 0;
      if (damped) x[iPhi] = params.phi;
      if (estimated) {
        x[iLevel] = states.level / scale;
        if (hasTrend) x[iTrend] = states.trend / scale;
        for (let j = 0; j < m - 1 && seasonal; j++) x[iSeason + j] = states.season[j]! / seasonScale;
      }
      return x;
    },
  };
}

/** The grid of smoothing parameters tried from the heuristic states before the local fit. */
function startGrid(spec: HoltWintersSpec, phiBounds: readonly [number, number]): HoltWintersParams[] {
  const out: HoltWintersParams[] = [];
  const phis = spec.trend === 'damped' ? [0.9, 0.98].map((p) => Math.min(phiBounds[1], Math.max(phiBounds[0], p))) : [1];
  for (const alpha of [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95]) {
    for (const b of spec.trend === 'none' ? [0] : [0.01, 0.1, 0.3]) {
      for (const g of spec.season === 'none' ? [0] : [0.05, 0.25, 0.5, 0.75, 0.95]) {
        for (const phi of phis) out.push({ alpha, beta: alpha * b, gamma: (1 - alpha) * g, phi });
      }
    }
  }
  return out;
}

function checkSeries(y: ArrayLike<number>, spec: HoltWintersSpec, who: string): Float64Array {
  const x = Float64Array.from(y);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw new Error(`${who}: y[${i}] must be a finite number, got ${y[i]}`);
    if (spec.season === 'multiplicative' && !(x[i]! > 0)) {
      throw new Error(`${who}: a multiplicative season needs values > 0, but y[${i}] = ${y[i]}`);
    }
  }
  return x;
}

/**
 * Fits one Holt-Winters variant to y by least squares of the one-step errors. Needs two whole
 * seasonal cycles with a season, values > 0 with a multiplicative one, and more observations
 * than free parameters plus one.
 */
export function fitHoltWinters(y: ArrayLike<number>, spec: HoltWintersSpec, options: HoltWintersFitOptions = {}): HoltWintersFit {
  const who = 'fitHoltWinters';
  checkSpec(spec, who);
  const x = checkSeries(y, spec, who);
  const n = x.length;
  const initialization = options.initialization ?? defaultInitialization(spec);
  if (initialization !== 'estimated' && initialization !== 'heuristic') throw new Error(`${who}: initialization must be estimated or heuristic, got ${initialization}`);
  const phiBounds = options.phiBounds ?? DEFAULT_PHI_BOUNDS;
  if (!(phiBounds[0] > 0 && phiBounds[0] <= phiBounds[1] && phiBounds[1] <= 1)) throw new Error(`${who}: phiBounds must satisfy 0 < low <= high <= 1, got [${phiBounds.join(', ')}]`);
  const heuristic = heuristicStates(x, spec);
  const head = x.subarray(0, Math.min(n, Math.max(spec.period, 10)));
  const meanAbs = head.reduce((a, v) => a + Math.abs(v), 0) / head.length;
  const scale = meanAbs > 0 ? meanAbs : 1; // puts the level and additive states near 1 for the solver
  const lay = layout(spec, initialization, heuristic, scale, phiBounds);
  if (n <= lay.size + 1) throw new Error(`${who}: ${n} observations are too few for ${lay.size} free parameters (needs more than ${lay.size + 1})`);
  const objective = (v: Float64Array, residuals?: Float64Array) => {
    const { params, states } = lay.decode(v);
    return holtWintersSse(x, spec, params, states, residuals);
  };
  // The best point of the grid (from the heuristic states) starts the local fit.
  const grid = startGrid(spec, phiBounds).map((p) => lay.encode(p, heuristic));
  let start = grid[0]!, startValue = Infinity;
  for (const v of grid) {
    const value = objective(v);
    if (value < startValue) { start = v; startValue = value; }
  }
  if (!Number.isFinite(startValue)) throw new Error(`${who}: no point of the start grid gives a finite sum of squares for ${spec.trend} trend, ${spec.season} season`);
  const best = levenbergMarquardt((v, out) => { objective(v, out); }, n, start, { lower: lay.lower, upper: lay.upper, maxIterations: options.maxIterations });
  const { params, states } = lay.decode(best.x);
  return assembleFit(x, spec, params, states, initialization, lay.size, grid.length + best.evaluations);
}

/**
 * A fit from given parameters and initial states (nothing optimised; parameterCount says how
 * many the caller counts as fitted, for sigma2 and AICc).
 */
export function assembleFit(
  y: ArrayLike<number>, spec: HoltWintersSpec, params: HoltWintersParams, initial: HoltWintersStates,
  initialization: HoltWintersInitialization, parameterCount: number, evaluations = 0,
): HoltWintersFit {
  const pass = holtWintersFilter(y, spec, params, initial);
  const n = y.length;
  const k = parameterCount + 1;
  const aicc = n - k - 1 > 0 && pass.sse > 0
    ? n * Math.log(pass.sse / n) + n * (1 + Math.log(2 * Math.PI)) + 2 * k + (2 * k * (k + 1)) / (n - k - 1)
    : n - k - 1 > 0 ? -Infinity : Infinity;
  const fit: HoltWintersFit = {
    spec, params, initialization, initial, final: pass.final,
    fitted: pass.fitted, residuals: pass.residuals, sse: pass.sse, n, parameterCount,
    sigma2: n > parameterCount ? pass.sse / (n - parameterCount) : NaN,
    aicc, evaluations,
    pointForecast(h) {
      checkHorizon(h, 'HoltWintersFit.pointForecast');
      return holtWintersForecast(spec, params, pass.final, h);
    },
    forecast: (h, options) => forecastHoltWinters(fit, h, options),
  };
  return fit;
}

/** One candidate of `selectHoltWinters`: its fit, or why it was not fitted. */
export interface HoltWintersCandidate {
  spec: HoltWintersSpec;
  fit?: HoltWintersFit;
  /** Why the variant was skipped (a multiplicative season on data <= 0, too few observations). */
  skipped?: string;
}

export interface SelectHoltWintersOptions extends HoltWintersFitOptions {
  /** The season length m (1: no season). */
  period: number;
  /** Trends to try (default additive and damped, Holt-Winters proper; 'none' on request). */
  trends?: readonly HoltWintersSpec['trend'][];
  /** Seasons to try (default additive and multiplicative with period >= 2, none with period 1). */
  seasons?: readonly HoltWintersSpec['season'][];
}

/** Why fitHoltWinters would refuse this variant on y for want of data, or undefined. */
function whyNotFittable(y: ArrayLike<number>, spec: HoltWintersSpec, initialization: HoltWintersInitialization | undefined): string | undefined {
  const n = y.length;
  if (spec.season === 'multiplicative') {
    for (let i = 0; i < n; i++) if (!(y[i]! > 0)) return `a multiplicative season needs values > 0, but y[${i}] = ${y[i]}`;
  }
  if (spec.season !== 'none' && n < 2 * spec.period) return `needs two whole seasonal cycles (${2 * spec.period} values), got ${n}`;
  const k = freeParameterCount(spec, initialization ?? defaultInitialization(spec));
  if (n <= k + 1) return `${n} observations are too few for ${k} free parameters`;
  return undefined;
}

/**
 * Fits each variant and picks the lowest AICc. AICc rather than the error on a validation tail:
 * every variant is fitted to the same series on the same scale by the same criterion, so their
 * Gaussian likelihoods compare directly and AICc charges the extra parameters (a damping, a
 * multiplicative season costs none) without giving up the most recent data, which a tail of a
 * short series would take from both the fit and the choice and which is noisy to score on.
 */
export function selectHoltWinters(y: ArrayLike<number>, options: SelectHoltWintersOptions): { best: HoltWintersFit; candidates: HoltWintersCandidate[] } {
  const { period, trends = ['additive', 'damped'], seasons = period >= 2 ? ['additive', 'multiplicative'] : ['none'], ...fitOptions } = options;
  const candidates: HoltWintersCandidate[] = [];
  let best: HoltWintersFit | undefined;
  for (const season of seasons) {
    for (const trend of trends) {
      const spec: HoltWintersSpec = { trend, season, period: season === 'none' ? 1 : period };
      checkSpec(spec, 'selectHoltWinters');
      const skipped = whyNotFittable(y, spec, fitOptions.initialization);
      if (skipped) { candidates.push({ spec, skipped }); continue; }
      const fit = fitHoltWinters(y, spec, fitOptions);
      candidates.push({ spec, fit });
      if (!best || fit.aicc < best.aicc) best = fit;
    }
  }
  if (!best) throw new Error(`selectHoltWinters: no variant could be fitted: ${candidates.map((c) => c.skipped).join('; ')}`);
  return { best, candidates };
}
