/**
 * Helpers for tests and benchmarks: deterministic random arrays, copies into a backend's
 * memory, and closeness checks that name the first offending element. Not part of the public API.
 */
import type { Backend, F32 } from '../kernels/backend.js';
import { Rng } from '../random/rng.js';

/** A copy of `src` in memory of `be` (wasm kernels then run in place, without staging copies). */
export function copyToBackend(be: Backend, src: Float32Array): F32 {
  const x = be.allocFloats(src.length);
  x.set(src);
  return x;
}

export function randomFloats(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

export interface Tolerance {
  /** Relative tolerance against |expected| (default 1e-5). */
  rtol?: number;
  /** Absolute floor (default 1e-6). */
  atol?: number;
}

/** Largest |a - e| / (atol + rtol * |e|) over the arrays; <= 1 means close. */
export function worstRatio(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance = {}): { ratio: number; index: number } {
  const rtol = tol.rtol ?? 1e-5;
  const atol = tol.atol ?? 1e-6;
  let ratio = 0;
  let index = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const r = Number.isNaN(a) !== Number.isNaN(e) ? Infinity : Number.isNaN(a) || a === e ? 0 : Math.abs(a - e) / (atol + rtol * Math.abs(e));
    if (r > ratio || (index < 0 && r !== r)) { ratio = r; index = i; }
  }
  return { ratio, index };
}

/** Throws unless every element is within atol + rtol * |expected|. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance = {}, label = 'values'): void {
  if (actual.length !== expected.length) throw new Error(`${label}: length ${actual.length} != expected ${expected.length}`);
  const { ratio, index } = worstRatio(actual, expected, tol);
  if (!(ratio <= 1)) {
    throw new Error(`${label}: element ${index} is ${actual[index]} but expected ${expected[index]} (rtol ${tol.rtol ?? 1e-5}, atol ${tol.atol ?? 1e-6})`);
  }
}

/** The largest |a[i] - b[i]| (Infinity when a value is not a number); the lengths must match. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths ${a.length} and ${b.length} differ`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return Number.isNaN(m) ? Infinity : m;
}
