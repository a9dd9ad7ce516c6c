/**
 * Holt-Winters exponential smoothing, the model itself: its recursions (level, additive or
 * damped trend, additive or multiplicative season, in the component form of FPP3 §8.3 and
 * statsmodels), h-step point forecasts, the heuristic initial states of Hyndman et al. (2008)
 * §2.6.1, and the forecast variance of the linear (non-multiplicative) variants. Fitting the
 * parameters by least squares is holt-winters-fit.ts; this file only runs given parameters.
 */

/** The trend: none, additive (Holt's linear trend), or additive damped by phi. */
export type TrendKind = 'none' | 'additive' | 'damped';
/** The seasonal component: none, added to the level, or multiplying it. */
export type SeasonKind = 'none' | 'additive' | 'multiplicative';

/** Which Holt-Winters variant; `period` is the season length m (1 without a season). */
export interface HoltWintersSpec {
  trend: TrendKind;
  season: SeasonKind;
  period: number;
}

/**
 * Smoothing parameters of the component form (statsmodels' smoothing_level, smoothing_trend,
 * smoothing_seasonal, damping_trend): with base = l + phi b (the level the last step projects),
 *
 *   ŷ(t)  = base (+ or ×) s(t-m)
 *   l(t)  = alpha · (y(t) (- or ÷) s(t-m)) + (1 - alpha) · base
 *   b(t)  = beta · (l(t) - l(t-1)) + (1 - beta) · phi · b(t-1)
 *   s(t)  = gamma · (y(t) (- or ÷) base) + (1 - gamma) · s(t-m)
 *
 * beta is FPP3's β* (the error-correction form's β is alpha · beta). Unused ones are 0 (beta
 * without a trend, gamma without a season); phi is 1 unless the trend is damped.
 */
export interface HoltWintersParams {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

/**
 * The states after some time t: the level, the trend (0 without one), and the next m seasonal
 * states in order, `season[0]` being the one the observation at t + 1 uses (empty without a season).
 */
export interface HoltWintersStates {
  level: number;
  trend: number;
  season: number[];
}

/** What one pass of the recursions over a series gives. */
export interface HoltWintersPass {
  /** [n] one-step-ahead forecasts ŷ(t) made at t - 1. */
  fitted: Float64Array;
  /** [n] y - fitted. */
  residuals: Float64Array;
  /** [n] level, trend and the new seasonal state after each observation. */
  level: Float64Array;
  trend: Float64Array;
  season: Float64Array;
  /** Sum of squared residuals. */
  sse: number;
  /** States after the last observation, for forecasting. */
  final: HoltWintersStates;
}

/** Checks a spec: known kinds, period >= 2 with a season (and 1 without). */
export function checkSpec(spec: HoltWintersSpec, who: string): void {
  if (!['none', 'additive', 'damped'].includes(spec?.trend)) throw new Error(`${who}: trend must be none, additive or damped, got ${spec?.trend}`);
  if (!['none', 'additive', 'multiplicative'].includes(spec.season)) throw new Error(`${who}: season must be none, additive or multiplicative, got ${spec.season}`);
  if (spec.season === 'none' ? spec.period !== 1 : !(Number.isInteger(spec.period) && spec.period >= 2)) {
    throw new Error(`${who}: period must be ${spec.season === 'none' ? '1 without a season' : 'an integer >= 2 with a season'}, got ${spec.period}`);
  }
}

/** phi + phi² + ... + phi^h (h when phi = 1): how much of the trend h steps ahead adds. */
export function dampedSum(phi: number, h: number): number {
  if (phi === 1) return h;
  return (phi * (1 - Math.pow(phi, h))) / (1 - phi);
}

/**
 * Runs the recursions over y from the initial states and returns the sum of squared one-step
 * errors, writing the errors into `residuals` when given; nothing else is recorded (the fitter
 * calls this thousands of times). A pass that leaves the finite numbers (a multiplicative base
 * reaching 0) gives Infinity.
 */
export function holtWintersSse(
  y: ArrayLike<number>, spec: HoltWintersSpec, params: HoltWintersParams, initial: HoltWintersStates, residuals?: Float64Array,
): number {
  return run(y, spec, params, initial, undefined, residuals);
}

/** One pass of the recursions, recording every state: fitted values, residuals, final states. */
export function holtWintersFilter(y: ArrayLike<number>, spec: HoltWintersSpec, params: HoltWintersParams, initial: HoltWintersStates): HoltWintersPass {
  checkSpec(spec, 'holtWintersFilter');
  if (initial.season.length !== (spec.season === 'none' ? 0 : spec.period)) {
    throw new Error(`holtWintersFilter: initial.season must hold ${spec.season === 'none' ? 0 : spec.period} states, got ${initial.season.length}`);
  }
  const n = y.length;
  const out = {
    fitted: new Float64Array(n), residuals: new Float64Array(n),
    level: new Float64Array(n), trend: new Float64Array(n), season: new Float64Array(n),
    final: { level: NaN, trend: NaN, season: [] as number[] },
  };
  const sse = run(y, spec, params, initial, out);
  return { ...out, sse };
}

type Recorder = Omit<HoltWintersPass, 'sse'>;

/**
 * The recursions as a running object, one observation at a time: `forecast()` gives the
 * one-step forecast of the next observation, `observe(y)` takes that observation and updates
 * the states. Fitting runs it over the history; simulation feeds it forecast + error.
 */
export class HoltWintersSmoother {
  level: number;
  trend: number;
  /** Observations taken so far. */
  t = 0;
  // ring[t % m] holds the seasonal state observation t uses, replaced by the new one after it.
  private readonly ring: Float64Array;
  private readonly m: number;
  private readonly phi: number;
  private readonly mul: boolean;
  private readonly seasonal: boolean;
  private readonly hasTrend: boolean;
  private base = NaN;
  private s = NaN;

  constructor(spec: HoltWintersSpec, private readonly params: HoltWintersParams, initial: HoltWintersStates) {
    this.hasTrend = spec.trend !== 'none';
    this.phi = spec.trend === 'damped' ? params.phi : 1;
    this.mul = spec.season === 'multiplicative';
    this.seasonal = spec.season !== 'none';
    this.m = this.seasonal ? spec.period : 1;
    this.ring = this.seasonal ? Float64Array.from(initial.season) : Float64Array.of(0);
    this.level = initial.level;
    this.trend = this.hasTrend ? initial.trend : 0;
  }

  /** ŷ = (l + phi b) (+ or ×) s for the next observation. */
  forecast(): number {
    this.s = this.seasonal ? this.ring[this.t % this.m]! : 0;
    this.base = this.level + this.phi * this.trend;
    return this.mul ? this.base * this.s : this.base + this.s;
  }

  /** Updates level, trend and season with observation y; call forecast() first. */
  observe(y: number): void {
    const { alpha, beta, gamma } = this.params;
    const { base, s, mul } = this;
    const level = alpha * (mul ? y / s : y - s) + (1 - alpha) * base;
    if (this.hasTrend) this.trend = beta * (level - this.level) + (1 - beta) * this.phi * this.trend;
    if (this.seasonal) this.ring[this.t % this.m] = gamma * (mul ? y / base : y - base) + (1 - gamma) * s;
    this.level = level;
    this.t++;
  }

  /** The seasonal state the last observation produced (NaN without a season). */
  lastSeason(): number {
    return this.seasonal ? this.ring[(this.t - 1) % this.m]! : NaN;
  }

  /** The states now, in the order of `HoltWintersStates`. */
  states(): HoltWintersStates {
    const season = this.seasonal ? Array.from({ length: this.m }, (_, j) => this.ring[(this.t + j) % this.m]!) : [];
    return { level: this.level, trend: this.trend, season };
  }
}

function run(
  y: ArrayLike<number>, spec: HoltWintersSpec, params: HoltWintersParams, initial: HoltWintersStates,
  out: Recorder | undefined, residuals?: Float64Array,
): number {
  const smoother = new HoltWintersSmoother(spec, params, initial);
  let sse = 0;
  for (let t = 0; t < y.length; t++) {
    const forecast = smoother.forecast();
    const e = y[t]! - forecast;
    sse += e * e;
    if (residuals) residuals[t] = e;
    smoother.observe(y[t]!);
    if (out) {
      out.fitted[t] = forecast; out.residuals[t] = e;
      out.level[t] = smoother.level; out.trend[t] = smoother.trend; out.season[t] = smoother.lastSeason();
    }
  }
  if (out) out.final = smoother.states();
  return Number.isFinite(sse) ? sse : Infinity;
}

/**
 * Point forecasts for steps 1..h from states at the end of a series:
 * ŷ(T+h) = (l + phi_h b) (+ or ×) season[(h - 1) mod m], phi_h = phi + ... + phi^h.
 */
export function holtWintersForecast(spec: HoltWintersSpec, params: HoltWintersParams, states: HoltWintersStates, h: number): Float64Array {
  const phi = spec.trend === 'damped' ? params.phi : 1;
  const trend = spec.trend === 'none' ? 0 : states.trend;
  const m = states.season.length;
  return Float64Array.from({ length: h }, (_, i) => {
    const base = states.level + dampedSum(phi, i + 1) * trend;
    if (m === 0) return base;
    const s = states.season[i % m]!;
    return spec.season === 'multiplicative' ? base * s : base + s;
  });
}

/**
 * The h-step forecast variance factors of the linear variants (season none or additive):
 * Var(h) = sigma² (1 + Σ_{j=1}^{h-1} c_j²) with c_j = alpha + alpha beta phi_j + gamma [j mod m = 0]
 * (Hyndman et al. 2008, ch. 6; FPP3 Table 8.8 sums these). Returns 1 + Σ c_j² for h = 1..hMax.
 */
export function linearVarianceFactors(spec: HoltWintersSpec, params: HoltWintersParams, hMax: number): Float64Array {
  if (spec.season === 'multiplicative') throw new Error('linearVarianceFactors: a multiplicative season has no linear variance formula; simulate instead');
  const phi = spec.trend === 'damped' ? params.phi : 1;
  const beta = spec.trend === 'none' ? 0 : params.beta;
  const gamma = spec.season === 'none' ? 0 : params.gamma;
  const out = new Float64Array(hMax);
  let sum = 1; // 1 + Σ_{j<h} c_j²
  for (let h = 1; h <= hMax; h++) {
    out[h - 1] = sum;
    const c = params.alpha + params.alpha * beta * dampedSum(phi, h) + (gamma !== 0 && h % spec.period === 0 ? gamma : 0); // c_h
    sum += c * c;
  }
  return out;
}

function linearFit(y: ArrayLike<number>, count: number): { intercept: number; slope: number } {
  // Least squares of y[i] on t = i + 1 over the first `count` values.
  let st = 0, sy = 0, stt = 0, sty = 0;
  for (let i = 0; i < count; i++) { const t = i + 1; st += t; sy += y[i]!; stt += t * t; sty += t * y[i]!; }
  const slope = count > 1 ? (count * sty - st * sy) / (count * stt - st * st) : 0;
  return { intercept: (sy - slope * st) / count, slope };
}

/**
 * Initial states by the heuristic of Hyndman et al. (2008) §2.6.1, as statsmodels'
 * initialization_method='heuristic' and R's ets use them: over the first min(5, floor(n/m))
 * whole cycles, a centred moving average of order m (2×m when m is even) is the trend; the
 * seasonal states are the mean ratio (or difference) to it at each position, normalised to
 * mean 1 (or 0); level and trend are the intercept (at t = 0) and slope of a line through the
 * first max(10, 2m) seasonally adjusted values (R's rule; statsmodels takes 10), or without a
 * trend the level is their mean. Needs two whole cycles with a season.
 */
export function heuristicStates(y: ArrayLike<number>, spec: HoltWintersSpec): HoltWintersStates {
  checkSpec(spec, 'heuristicStates');
  const n = y.length;
  const seasonal = spec.season !== 'none';
  const m = spec.period;
  if (seasonal && n < 2 * m) throw new Error(`heuristicStates: needs two whole seasonal cycles (${2 * m} values), got ${n}`);
  if (n < 2) throw new Error(`heuristicStates: needs at least 2 values, got ${n}`);
  const mul = spec.season === 'multiplicative';
  let season: number[] = [];
  let adjusted: ArrayLike<number> = y;
  if (seasonal) {
    const cycles = Math.min(5, Math.floor(n / m));
    const sums = new Float64Array(m), counts = new Float64Array(m);
    const half = Math.floor(m / 2);
    for (let t = half; t + half < cycles * m; t++) {
      // centred moving average over y[t - half .. t + half]; with m even the two ends weigh 1/2 (2×m)
      let ma = 0;
      for (let i = t - half; i <= t + half; i++) ma += y[i]! * (m % 2 === 0 && (i === t - half || i === t + half) ? 0.5 : 1);
      ma /= m;
      sums[t % m] += mul ? y[t]! / ma : y[t]! - ma;
      counts[t % m]++;
    }
    season = Array.from(sums, (s, j) => s / counts[j]!);
    const mean = season.reduce((a, b) => a + b, 0) / m;
    season = season.map((s) => (mul ? s / mean : s - mean));
    adjusted = Float64Array.from(y, (v, t) => (mul ? v / season[t % m]! : v - season[t % m]!));
  }
  const count = Math.min(n, Math.max(10, 2 * m));
  if (spec.trend === 'none') {
    let sum = 0;
    for (let i = 0; i < count; i++) sum += adjusted[i]!;
    return { level: sum / count, trend: 0, season };
  }
  const { intercept, slope } = linearFit(adjusted, count);
  return { level: intercept, trend: slope, season };
}
