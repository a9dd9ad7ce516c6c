/**
 * Rolling-origin evaluation splits (time-series cross-validation, FPP3 §5.10) as pure index
 * arithmetic: K forecast origins, each training on the values before it and testing on the next
 * H, the last test ending at the series' end. No data, no model: indices only.
 */

/** One origin: train on [trainStart, trainEnd), test on [trainEnd, testEnd). */
export interface BacktestSplit {
  /** 0 for the earliest origin, K - 1 for the last. */
  index: number;
  trainStart: number;
  /** The forecast origin: the first index not seen in training. */
  trainEnd: number;
  testEnd: number;
}

export interface RollingOriginOptions {
  /** Values in the series. */
  length: number;
  /** H: values forecast from each origin. */
  horizon: number;
  /** K: how many origins (default 1, a single hold-out of the last H values). */
  origins?: number;
  /** Values between consecutive origins (default H, so test windows tile without overlap). */
  step?: number;
  /** Fewest training values the earliest origin may have (default 1). */
  minTrain?: number;
  /** A sliding training window of this many values instead of everything before the origin. */
  window?: number;
}

function positiveInteger(value: number, name: string): void {
  if (!(Number.isInteger(value) && value > 0)) throw new Error(`rollingOrigins: ${name} must be a positive integer, got ${value}`);
}

/**
 * The K splits, earliest first: origin k ends training at length - H - (K - 1 - k) · step. Throws,
 * with the arithmetic, when the earliest origin would train on fewer than minTrain values.
 */
export function rollingOrigins(options: RollingOriginOptions): BacktestSplit[] {
  const { length, horizon, origins = 1, step = options.horizon, minTrain = 1, window } = options;
  positiveInteger(length, 'length');
  positiveInteger(horizon, 'horizon');
  positiveInteger(origins, 'origins');
  positiveInteger(step, 'step');
  positiveInteger(minTrain, 'minTrain');
  if (window !== undefined) positiveInteger(window, 'window');
  const train = Math.max(minTrain, window ?? 0);
  const needed = train + horizon + (origins - 1) * step;
  if (needed > length) {
    throw new Error(
      `rollingOrigins: ${origins} origin(s) of horizon ${horizon}, ${step} apart, with at least ${train} training values need ` +
      `${train} + ${horizon} + ${origins - 1} × ${step} = ${needed} values, got ${length}`,
    );
  }
  return Array.from({ length: origins }, (_, index) => {
    const trainEnd = length - horizon - (origins - 1 - index) * step;
    return { index, trainStart: window === undefined ? 0 : trainEnd - window, trainEnd, testEnd: trainEnd + horizon };
  });
}
