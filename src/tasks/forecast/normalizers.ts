/**
 * How a forecasting model sees a series: a normaliser turns the (transformed) history before a
 * forecast origin into the model's window of inputs and the next values into its targets, and
 * turns the model's outputs back into values of the series. Two kinds: per-series scaling with
 * optional differencing (window and sequence models), and the hybrid's exponential-smoothing
 * level and seasonality (ES-RNN: the network sees the deseasonalised series relative to its
 * current level). State is plain JSON, stored in the model file. No model and no files here.
 */

/** A normaliser's fitted state, by kind. */
export type NormalizerState =
  | { kind: 'scale'; mode: 'standardize' | 'min-max' | 'none'; center: number; spread: number; difference: number; relative?: number }
  | { kind: 'smoothing'; season: number; alpha: number; gamma: number; spread: number };

/** Level and seasonal components of a series after exponential smoothing, step by step. */
export interface Smoothed {
  /** level[t]: the level after observing z[t]. */
  level: Float64Array;
  /** seasonal[t]: the seasonal index that applies at step t (known before observing it). */
  seasonal: Float64Array;
  /** The indices of the next `season` steps after the last observation, in order. */
  nextSeasonal: Float64Array;
}

/**
 * Additive level + seasonality exponential smoothing (Holt-Winters without trend) over z:
 *   l_t = alpha (z_t - s_t) + (1 - alpha) l_{t-1};   s_{t+m} = gamma (z_t - l_t) + (1 - gamma) s_t.
 * Initial states from the first two seasons (the level is the mean of the first season, the
 * indices its deviations), so that the same history always gives the same states.
 */
export function smooth(z: ArrayLike<number>, season: number, alpha: number, gamma: number): Smoothed {
  const n = z.length, m = Math.max(1, season);
  const level = new Float64Array(n), seasonal = new Float64Array(n);
  const first = Math.min(n, m);
  let l0 = 0;
  for (let t = 0; t < first; t++) l0 += z[t]!;
  l0 /= first;
  const s = new Float64Array(m);
  if (m > 1) for (let j = 0; j < m; j++) s[j] = j < n ? z[j]! - l0 : 0;
  let l = l0;
  for (let t = 0; t < n; t++) {
    const j = t % m;
    seasonal[t] = s[j]!;
    const lNew = alpha * (z[t]! - s[j]!) + (1 - alpha) * l;
    if (m > 1) s[j] = gamma * (z[t]! - lNew) + (1 - gamma) * s[j]!;
    l = lNew;
    level[t] = l;
  }
  const nextSeasonal = new Float64Array(m);
  for (let h = 0; h < m; h++) nextSeasonal[h] = m > 1 ? s[(n + h) % m]! : 0;
  return { level, seasonal, nextSeasonal };
}

/** One series as a normaliser needs it: the transformed targets (one array per target) and covariates. */
export interface NormSeries {
  z: Float64Array[];
  covariates: Float64Array[];
}

/**
 * Encodes windows and decodes forecasts of one series. `origin` T is the first step forecast:
 * the window is steps [T - L, T), the targets [T, T + H).
 */
export interface Normalizer {
  readonly state: NormalizerState[];
  /** Inputs of the window before `origin`: L rows of (targets..., covariates...). */
  encode(s: NormSeries, origin: number, lookback: number, out: Float32Array, offset: number): void;
  /** The normalised value of target k at step t, for a window before `origin` (training targets). */
  target(s: NormSeries, origin: number, k: number, t: number): number;
  /** Values of target k at steps origin .. origin + H - 1 from normalised outputs `v` (H of them). */
  decode(s: NormSeries, origin: number, k: number, v: ArrayLike<number>): Float64Array;
}

/** Features per step of a window: the targets, then the covariates. */
export const featuresOf = (s: NormSeries) => s.z.length + s.covariates.length;

/** Mean and standard deviation (1 for a constant series: scaling must not divide by zero). */
export function meanStd(x: ArrayLike<number>, end = x.length, start = 0): { mean: number; std: number } {
  let sum = 0;
  for (let i = start; i < end; i++) sum += x[i]!;
  const mean = sum / Math.max(1, end - start);
  let ss = 0;
  for (let i = start; i < end; i++) ss += (x[i]! - mean) ** 2;
  const std = Math.sqrt(ss / Math.max(1, end - start));
  return { mean, std: std > 1e-12 * Math.max(1, Math.abs(mean)) ? std : 1 };
}

/** Fits per-series scaling (optionally of differences) on steps [0, trainEnd) of each target and covariate. */
export function fitScaling(s: NormSeries, trainEnd: number, mode: 'standardize' | 'min-max' | 'none', difference: number, relative = 0): NormalizerState[] {
  const fit = (x: Float64Array, lag: number, rel = 0): NormalizerState => {
    const state = fitColumn(x, lag);
    // Relative targets (not differenced: differences are already level-free) are centred per window.
    return rel > 0 && lag === 0 ? { ...state, center: 0, relative: rel } : state;
  };
  const fitColumn = (x: Float64Array, lag: number): Extract<NormalizerState, { kind: 'scale' }> => {
    let values: ArrayLike<number> = x.subarray(0, trainEnd);
    if (lag > 0) values = Float64Array.from({ length: Math.max(0, trainEnd - lag) }, (_, i) => x[i + lag]! - x[i]!);
    if (mode === 'none') return { kind: 'scale', mode, center: 0, spread: 1, difference: lag };
    if (mode === 'min-max') {
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < values.length; i++) { lo = Math.min(lo, values[i]!); hi = Math.max(hi, values[i]!); }
      return { kind: 'scale', mode, center: lo, spread: hi - lo > 1e-12 ? hi - lo : 1, difference: lag };
    }
    const { mean, std } = meanStd(values);
    return { kind: 'scale', mode, center: mean, spread: std, difference: lag };
  };
  return [...s.z.map((x) => fit(x, difference, relative)), ...s.covariates.map((x) => fit(x, 0))];
}

/**
 * Window and sequence models: (x - center) / spread per column, of lag-`difference` differences
 * for targets. A `relative` column is centred on the mean of its last `relative` values before
 * the origin instead of a fixed center, so that a window at a level never seen in training (a
 * trend) looks like the windows the model learnt from (a mean rather than the last value, whose
 * noise every input would carry).
 */
export function scalingNormalizer(state: NormalizerState[]): Normalizer {
  const st = state as Extract<NormalizerState, { kind: 'scale' }>[];
  const centerOf = (x: Float64Array, col: Extract<NormalizerState, { kind: 'scale' }>, origin: number) => {
    if (!col.relative) return col.center;
    let sum = 0;
    for (let t = origin - col.relative; t < origin; t++) sum += x[t]!;
    return sum / col.relative;
  };
  const valueAt = (x: Float64Array, col: Extract<NormalizerState, { kind: 'scale' }>, t: number, origin: number, center = centerOf(x, col, origin)) =>
    ((col.difference > 0 ? x[t]! - (t >= col.difference ? x[t - col.difference]! : x[t]!) : x[t]!) - center) / col.spread;
  return {
    state,
    encode(s, o, L, out, offset) {
      const cols = [...s.z, ...s.covariates];
      const F = cols.length;
      for (let c = 0; c < F; c++) {
        const center = centerOf(cols[c]!, st[c]!, o);
        for (let i = 0; i < L; i++) out[offset + i * F + c] = valueAt(cols[c]!, st[c]!, o - L + i, o, center);
      }
    },
    target: (s, o, k, t) => valueAt(s.z[k]!, st[k]!, t, o),
    decode(s, o, k, v) {
      const col = st[k]!, x = s.z[k]!;
      const out = new Float64Array(v.length);
      for (let h = 0; h < v.length; h++) {
        const step = v[h]! * col.spread + centerOf(x, col, o);
        const lag = col.difference;
        // A difference adds to the value `lag` steps back: known history, or a forecast made earlier.
        out[h] = lag > 0 ? step + (h >= lag ? out[h - lag]! : x[o + h - lag]!) : step;
      }
      return out;
    },
  };
}

/**
 * The hybrid: targets relative to the level at the origin and without their seasonal index,
 * divided by a spread; covariates scaled as window models scale them.
 *   input_t  = (z_t - S_t - l_{T-1}) / spread      target_{T+h} = (z_{T+h} - S_{T+h} - l_{T-1}) / spread
 * Smoothing runs over the series given (the same history always gives the same states).
 */
export function smoothingNormalizer(state: NormalizerState[], smoothedOf: (s: NormSeries, k: number) => Smoothed): Normalizer {
  // The index at step t as known at the origin: observed steps keep their own; later steps repeat
  // the last m indices known at the origin (so a target never sees data after its origin).
  const seasonalAt = (sm: Smoothed, origin: number, t: number, n: number) => {
    const m = sm.nextSeasonal.length;
    const u = t < origin ? t : origin + ((t - origin) % m);
    return u < n ? sm.seasonal[u]! : sm.nextSeasonal[(u - n) % m]!;
  };
  const covariate = (i: number) => state[i] as Extract<NormalizerState, { kind: 'scale' }>;
  const smoothing = (k: number) => state[k] as Extract<NormalizerState, { kind: 'smoothing' }>;
  return {
    state,
    encode(s, origin, L, out, offset) {
      const K = s.z.length, F = K + s.covariates.length;
      for (let k = 0; k < K; k++) {
        const sm = smoothedOf(s, k), n = s.z[k]!.length, base = sm.level[origin - 1]!, spread = smoothing(k).spread;
        for (let i = 0; i < L; i++) {
          const t = origin - L + i;
          out[offset + i * F + k] = (s.z[k]![t]! - seasonalAt(sm, origin, t, n) - base) / spread;
        }
      }
      s.covariates.forEach((x, c) => {
        const col = covariate(K + c);
        for (let i = 0; i < L; i++) out[offset + i * F + K + c] = (x[origin - L + i]! - col.center) / col.spread;
      });
    },
    target(s, origin, k, t) {
      const sm = smoothedOf(s, k);
      return (s.z[k]![t]! - seasonalAt(sm, origin, t, s.z[k]!.length) - sm.level[origin - 1]!) / smoothing(k).spread;
    },
    decode(s, origin, k, v) {
      const sm = smoothedOf(s, k), n = s.z[k]!.length, spread = smoothing(k).spread;
      return Float64Array.from(v, (x, h) => x * spread + sm.level[origin - 1]! + seasonalAt(sm, origin, origin + h, n));
    },
  };
}
