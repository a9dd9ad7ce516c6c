/**
 * Seasonal period detection from the data: peaks of the autocorrelation function of the
 * linearly detrended series, tested against a significance bound, preferring the periods usual for
 * the sampling frequency (12 for monthly data, 7 and 365 for daily, ...). Returns the period (1
 * for none) and a sentence saying why. Not a spectral method and not a test for several periods
 * at once: one period comes out.
 */

/** Sampling frequencies with usual seasonal periods. */
export type SeasonalFrequency = 'minutely' | 'half-hourly' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'quarterly' | 'yearly';

/** The periods tried first for each frequency (a day, a week, a year in its steps). */
export const SEASONAL_CANDIDATES: Readonly<Record<SeasonalFrequency, readonly number[]>> = {
  minutely: [60, 1440],
  'half-hourly': [48, 336],
  hourly: [24, 168],
  daily: [7, 365],
  weekly: [52],
  monthly: [12],
  quarterly: [4],
  yearly: [],
};

/** Sample autocorrelations r(0..maxLag): Σ (x(t) - x̄)(x(t+k) - x̄) / Σ (x(t) - x̄)² (r(0) = 1; all 0 for a constant series). */
export function autocorrelation(x: ArrayLike<number>, maxLag: number): Float64Array {
  const n = x.length;
  if (!(Number.isInteger(maxLag) && maxLag >= 0 && maxLag < n)) throw new Error(`autocorrelation: maxLag must be an integer in [0, ${n - 1}], got ${maxLag}`);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean /= n;
  const d = Float64Array.from(x, (v) => v - mean);
  let denominator = 0;
  for (const v of d) denominator += v * v;
  const r = new Float64Array(maxLag + 1);
  if (denominator === 0) return r;
  for (let k = 0; k <= maxLag; k++) {
    let s = 0;
    for (let t = 0; t + k < n; t++) s += d[t]! * d[t + k]!;
    r[k] = s / denominator;
  }
  return r;
}

/** One lag considered as a period. */
export interface SeasonalityCandidate {
  lag: number;
  /** The autocorrelation of the detrended series at the lag, rescaled by n / (n - lag) so that peaks do not lean to shorter lags. */
  acf: number;
  /**
   * acf(lag) minus the mean acf from a quarter to three quarters of the lag: a period's peak
   * stands above the trough within its cycle (at half the lag for a sine; the mean rather than
   * the lowest value, which noise would pull down).
   */
  prominence: number;
  /**
   * The 95% bound acf is tested against, rescaled likewise: for a usual period of the frequency
   * the white-noise bound 1.96 / sqrt(n) (one hypothesis); in the search over all lags Bartlett's
   * 1.96 sqrt((1 + 2 Σ_{j<lag} r_j²) / n) (R's acf(ci.type = "ma")), wider where the series is
   * autocorrelated, which keeps the wiggles of a persistent series and the many lags tried from
   * passing for periods.
   */
  bound: number;
  /** A usual period of the frequency given. */
  fromFrequency: boolean;
  /** A local peak with acf above the bound and prominence above twice the bound. */
  significant: boolean;
}

export interface SeasonalityResult {
  /** The seasonal period, or 1 for none. */
  period: number;
  /** Why, in one sentence. */
  reason: string;
  /** The frequency's candidates (always listed) and the significant peaks found elsewhere. */
  candidates: SeasonalityCandidate[];
}

export interface DetectSeasonalityOptions {
  /** The sampling frequency, whose usual periods are preferred. */
  frequency?: SeasonalFrequency;
  /**
   * The largest lag searched (default and at most floor(n / 2) for the frequency's periods, two
   * whole cycles; the search over all lags stops at floor(n / 3), three cycles).
   */
  maxLag?: number;
}

function detrend(x: Float64Array): Float64Array {
  const n = x.length;
  let st = 0, sy = 0, stt = 0, sty = 0;
  for (let t = 0; t < n; t++) { st += t; sy += x[t]!; stt += t * t; sty += t * x[t]!; }
  const slope = (n * sty - st * sy) / (n * stt - st * st);
  const intercept = (sy - slope * st) / n;
  return x.map((v, t) => v - intercept - slope * t);
}

/** True when acf has a local maximum within `width` of lag (not at the edge of the searched range). */
function peakNear(acf: Float64Array, lag: number, width: number): boolean {
  let best = lag;
  for (let q = Math.max(1, lag - width); q <= Math.min(acf.length - 1, lag + width); q++) if (acf[q]! > acf[best]!) best = q;
  return best > 1 && best < acf.length - 1 && acf[best]! >= acf[best - 1]! && acf[best]! >= acf[best + 1]!;
}

/**
 * The seasonal period of a series: the candidate lag with the most prominent significant ACF
 * peak (after removing a least-squares line), taken from the frequency's usual periods when one
 * of them qualifies, else from all lags 2..n/3; 1 when none does. A multiple of a significant
 * shorter period is taken only if it correlates more by more than its bound. A usual period may peak a
 * lag or two away (a year of 365 days is not exactly periodic): its peak is looked for within 2%.
 */
export function detectSeasonality(series: ArrayLike<number>, options: DetectSeasonalityOptions = {}): SeasonalityResult {
  const who = 'detectSeasonality';
  const x = Float64Array.from(series);
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) throw new Error(`${who}: series[${i}] must be a finite number, got ${series[i]}`);
  const { frequency } = options;
  if (frequency !== undefined && !(frequency in SEASONAL_CANDIDATES)) {
    throw new Error(`${who}: frequency must be one of ${Object.keys(SEASONAL_CANDIDATES).join(', ')}, got ${frequency}`);
  }
  const n = x.length;
  const maxLag = Math.min(Math.floor(n / 2), options.maxLag ?? Infinity);
  if (!(maxLag >= 4)) return { period: 1, reason: `${n} values are too few to look for a period (two cycles of at least 2 and a lag beyond)`, candidates: [] };
  const r = autocorrelation(detrend(x), maxLag);
  const acf = r.map((v, k) => (v * n) / (n - k));
  const judge = (lag: number, fromFrequency: boolean): SeasonalityCandidate => {
    let squares = 0;
    for (let j = 1; j < lag && !fromFrequency; j++) squares += r[j]! * r[j]!;
    const bound = ((1.96 * Math.sqrt((1 + 2 * squares) / n)) * n) / (n - lag);
    let trough = 0, count = 0;
    for (let q = Math.max(1, Math.round(lag / 4)); q <= Math.min(lag - 1, Math.round((3 * lag) / 4)); q++) { trough += acf[q]!; count++; }
    const prominence = acf[lag]! - trough / count;
    const width = fromFrequency ? Math.max(1, Math.round(0.02 * lag)) : 0;
    const peak = width === 0 ? acf[lag]! >= acf[lag - 1]! && acf[lag]! >= acf[lag + 1]! : peakNear(acf, lag, width);
    return { lag, acf: acf[lag]!, prominence, bound, fromFrequency, significant: peak && acf[lag]! > bound && prominence > 2 * bound };
  };
  const describe = (c: SeasonalityCandidate) => `${c.lag} (acf ${c.acf.toFixed(2)}, ${c.prominence.toFixed(2)} above its trough; bound ${c.bound.toFixed(2)})`;
  // The most prominent peak; but a multiple of a significant shorter period (168 hours over 24)
  // only when its autocorrelation is higher than the shorter one's by more than its bound.
  const mostProminent = (list: SeasonalityCandidate[]) => {
    const best = list.reduce((a, b) => (b.prominence > a.prominence ? b : a));
    const divisors = list.filter((c) => c.lag < best.lag && best.lag % c.lag === 0 && best.acf - c.acf <= best.bound);
    return divisors.length > 0 ? divisors.reduce((a, b) => (b.lag < a.lag ? b : a)) : best;
  };

  const usual = frequency ? SEASONAL_CANDIDATES[frequency] : [];
  const tried = usual.filter((lag) => lag < maxLag).map((lag) => judge(lag, true));
  const tooLong = usual.filter((lag) => lag >= maxLag);
  const note = tooLong.length > 0 ? `; ${tooLong.join(', ')} not tried (lags searched up to ${maxLag - 1} with ${n} values)` : '';
  const usualHits = tried.filter((c) => c.significant);
  if (usualHits.length > 0) {
    const best = mostProminent(usualHits);
    return { period: best.lag, reason: `${frequency} data with a significant autocorrelation peak at ${describe(best)}${note}`, candidates: tried };
  }
  const others: SeasonalityCandidate[] = [];
  const searchTo = Math.min(maxLag - 1, Math.floor(n / 3));
  for (let lag = 2; lag <= searchTo; lag++) {
    if (usual.includes(lag)) continue;
    const c = judge(lag, false);
    if (c.significant) others.push(c);
  }
  const candidates = [...tried, ...others];
  if (others.length === 0) {
    const where = frequency ? ` (tried ${tried.map(describe).join(', ') || 'none of its usual periods'}${note}, then every lag to ${searchTo})` : ` up to lag ${searchTo}`;
    return { period: 1, reason: `no autocorrelation peak rises above its bound and twice the bound above its trough${where}`, candidates };
  }
  const best = mostProminent(others);
  const unusual = frequency ? `, not a usual period of ${frequency} data` : '';
  return { period: best.lag, reason: `the most prominent significant autocorrelation peak is at ${describe(best)}${unusual}${note}`, candidates };
}
