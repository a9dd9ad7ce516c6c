/**
 * The Box-Cox power transform and its inverse for positive data, and the choice of its lambda
 * by Guerrero's method as R's `forecast::BoxCox.lambda` makes it by default. Plain functions; the
 * fitted, serialisable transform built on them is in transforms.ts.
 */
import { brentMinimize } from './brent.js';

/** Throws naming the first value that is not finite and > 0. */
export function checkPositive(x: ArrayLike<number>, who: string): void {
  for (let i = 0; i < x.length; i++) {
    if (!(Number.isFinite(x[i]) && x[i]! > 0)) throw new Error(`${who}: needs finite values > 0, but x[${i}] = ${x[i]}`);
  }
}

/** Box-Cox: log(x) at lambda 0, else (x^lambda - 1) / lambda. Every x must be > 0. */
export function boxCox(x: ArrayLike<number>, lambda: number): Float64Array {
  if (!Number.isFinite(lambda)) throw new Error(`boxCox: lambda must be a finite number, got ${lambda}`);
  checkPositive(x, 'boxCox');
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = lambda === 0 ? Math.log(x[i]!) : (Math.pow(x[i]!, lambda) - 1) / lambda;
  return out;
}

/**
 * The inverse: exp(y) at lambda 0, else (lambda y + 1)^(1 / lambda). Defined where
 * lambda y + 1 > 0; a value outside (a forecast past the transform's range) throws, naming it.
 */
export function invBoxCox(y: ArrayLike<number>, lambda: number): Float64Array {
  if (!Number.isFinite(lambda)) throw new Error(`invBoxCox: lambda must be a finite number, got ${lambda}`);
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    if (lambda === 0) { out[i] = Math.exp(y[i]!); continue; }
    const base = lambda * y[i]! + 1;
    if (!(base > 0)) {
      throw new Error(`invBoxCox: y[${i}] = ${y[i]} is outside the range of Box-Cox with lambda ${lambda} (lambda y + 1 = ${base} must be > 0)`);
    }
    out[i] = Math.pow(base, 1 / lambda);
  }
  return out;
}

function meanOf(x: ArrayLike<number>, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]!;
  return s / (to - from);
}

function sampleSd(x: ArrayLike<number>, from: number, to: number): number {
  const m = meanOf(x, from, to);
  let s = 0;
  for (let i = from; i < to; i++) s += (x[i]! - m) ** 2;
  return Math.sqrt(s / (to - from - 1));
}

/** Options of `guerreroLambda`; the defaults are R's. */
export interface GuerreroOptions {
  /** The seasonal period; blocks are max(2, period) values long (default 1, so blocks of 2). */
  period?: number;
  /** Search interval (default [-1, 2]). */
  lower?: number;
  upper?: number;
}

/**
 * Guerrero's (1993) lambda: split the last whole blocks of max(2, period) values into
 * subseries, and choose lambda so that sd / mean^(1 - lambda) varies least across them (its
 * coefficient of variation, minimised by Brent's method over [lower, upper] as R's `optimize`
 * does). Needs values > 0 and more than 2 · period of them.
 */
export function guerreroLambda(x: ArrayLike<number>, options: GuerreroOptions = {}): number {
  const { period = 1, lower = -1, upper = 2 } = options;
  if (!(Number.isInteger(period) && period >= 1)) throw new Error(`guerreroLambda: period must be a positive integer, got ${period}`);
  checkPositive(x, 'guerreroLambda');
  const block = Math.max(2, period);
  if (x.length <= 2 * block) throw new Error(`guerreroLambda: needs more than ${2 * block} values (two blocks of ${block}), got ${x.length}`);
  const blocks = Math.floor(x.length / block);
  const start = x.length - blocks * block;
  const means = new Float64Array(blocks), sds = new Float64Array(blocks);
  for (let j = 0; j < blocks; j++) {
    const from = start + j * block;
    means[j] = meanOf(x, from, from + block);
    sds[j] = sampleSd(x, from, from + block);
  }
  const variation = (lambda: number): number => {
    const ratios = means.map((m, j) => sds[j]! / Math.pow(m, 1 - lambda));
    return sampleSd(ratios, 0, blocks) / meanOf(ratios, 0, blocks);
  };
  return brentMinimize(variation, lower, upper);
}
