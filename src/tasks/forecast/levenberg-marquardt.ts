/**
 * A bounded Levenberg-Marquardt least-squares solver: minimises Σ r_i(x)² over a box, with a
 * forward-difference Jacobian (as MINPACK's lmdif), Marquardt's diagonal scaling, and bounds kept
 * by clamping each step and freezing the coordinates that sit on a bound the gradient pushes
 * against. A local method: the caller supplies a good start. Used to fit Holt-Winters, whose
 * one-step errors are the residuals.
 */

export interface LevenbergMarquardtOptions {
  /** Lower bounds per coordinate (default -Infinity). */
  lower?: ArrayLike<number>;
  /** Upper bounds per coordinate (default +Infinity). */
  upper?: ArrayLike<number>;
  /** Iterations (Jacobians) at most (default 500). */
  maxIterations?: number;
  /** Stop when an accepted step lowers the sum of squares by less than this fraction (default 1e-12). */
  tolerance?: number;
}

export interface LevenbergMarquardtResult {
  x: Float64Array;
  /** The sum of squared residuals at x. */
  value: number;
  iterations: number;
  /** Residual evaluations spent (the Jacobian's included). */
  evaluations: number;
  /** False when maxIterations ran out first. */
  converged: boolean;
}

/** Solves the symmetric positive definite system a x = b (row-major p × p) by Cholesky, in place of a copy. */
function solveSpd(a: Float64Array, b: Float64Array, p: number): Float64Array | undefined {
  const l = Float64Array.from(a);
  for (let j = 0; j < p; j++) {
    let d = l[j * p + j]!;
    for (let k = 0; k < j; k++) d -= l[j * p + k]! ** 2;
    if (!(d > 0)) return undefined;
    d = Math.sqrt(d);
    l[j * p + j] = d;
    for (let i = j + 1; i < p; i++) {
      let s = l[i * p + j]!;
      for (let k = 0; k < j; k++) s -= l[i * p + k]! * l[j * p + k]!;
      l[i * p + j] = s / d;
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < p; i++) { for (let k = 0; k < i; k++) x[i] -= l[i * p + k]! * x[k]!; x[i] /= l[i * p + i]!; }
  for (let i = p - 1; i >= 0; i--) { for (let k = i + 1; k < p; k++) x[i] -= l[k * p + i]! * x[k]!; x[i] /= l[i * p + i]!; }
  return x;
}

/**
 * Minimises the sum of squares of `residuals(x, out)` (which writes `count` residuals into out)
 * over the box [lower, upper], from x0 clamped into it. Non-finite residuals count as an
 * infinite sum of squares (the step is refused).
 */
export function levenbergMarquardt(
  residuals: (x: Float64Array, out: Float64Array) => void, count: number, x0: ArrayLike<number>, options: LevenbergMarquardtOptions = {},
): LevenbergMarquardtResult {
  const p = x0.length;
  if (p === 0) throw new Error('levenbergMarquardt: x0 is empty');
  if (!(Number.isInteger(count) && count > 0)) throw new Error(`levenbergMarquardt: count must be a positive integer, got ${count}`);
  const lower = Float64Array.from({ length: p }, (_, i) => options.lower?.[i] ?? -Infinity);
  const upper = Float64Array.from({ length: p }, (_, i) => options.upper?.[i] ?? Infinity);
  for (let i = 0; i < p; i++) {
    if (!(lower[i]! <= upper[i]!) || !Number.isFinite(x0[i])) throw new Error(`levenbergMarquardt: coordinate ${i}: x0 ${x0[i]} or bounds [${lower[i]}, ${upper[i]}] are not usable`);
  }
  const maxIterations = options.maxIterations ?? 500;
  const tolerance = options.tolerance ?? 1e-12;
  const clamp = (x: Float64Array) => { for (let i = 0; i < p; i++) x[i] = Math.min(upper[i]!, Math.max(lower[i]!, x[i]!)); return x; };
  let evaluations = 0;
  const sumSquares = (x: Float64Array, out: Float64Array): number => {
    evaluations++;
    residuals(x, out);
    let s = 0;
    for (let i = 0; i < count; i++) s += out[i]! * out[i]!;
    return Number.isFinite(s) ? s : Infinity;
  };
  let x = clamp(Float64Array.from(x0));
  let r = new Float64Array(count);
  let value = sumSquares(x, r);
  if (!Number.isFinite(value)) throw new Error('levenbergMarquardt: the residuals at the start are not finite');
  const jac = new Float64Array(count * p); // [count, p]
  const probe = new Float64Array(count);
  let trial = new Float64Array(count);
  let lambda = 1e-3;
  let iterations = 0, converged = false;
  while (iterations < maxIterations && !converged) {
    iterations++;
    // Forward differences, backwards where the forward point would leave the box.
    for (let j = 0; j < p; j++) {
      const h = 1e-7 * Math.max(1, Math.abs(x[j]!));
      const xj = x[j]!;
      const step = xj + h <= upper[j]! ? h : -h;
      x[j] = xj + step;
      const ok = Number.isFinite(sumSquares(x, probe));
      x[j] = xj;
      for (let i = 0; i < count; i++) jac[i * p + j] = ok ? (probe[i]! - r[i]!) / step : 0;
    }
    const a = new Float64Array(p * p), g = new Float64Array(p);
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < p; j++) {
        const jij = jac[i * p + j]!;
        if (jij === 0) continue;
        g[j] += jij * r[i]!;
        for (let k = j; k < p; k++) a[j * p + k] += jij * jac[i * p + k]!;
      }
    }
    for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) a[j * p + k] = a[k * p + j]!;
    // Coordinates on a bound that the descent direction -g pushes against stay put.
    const free: number[] = [];
    for (let j = 0; j < p; j++) if (!((x[j]! <= lower[j]! && g[j]! > 0) || (x[j]! >= upper[j]! && g[j]! < 0))) free.push(j);
    if (free.length === 0) { converged = true; break; }
    const q = free.length;
    let maxDiag = 0;
    for (const j of free) maxDiag = Math.max(maxDiag, a[j * p + j]!);
    let accepted = false;
    while (!accepted) {
      const m = new Float64Array(q * q), rhs = new Float64Array(q);
      free.forEach((j, u) => {
        rhs[u] = -g[j]!;
        free.forEach((k, v) => { m[u * q + v] = a[j * p + k]!; });
        m[u * q + u] += lambda * Math.max(a[j * p + j]!, 1e-12 * maxDiag, 1e-300);
      });
      const delta = solveSpd(m, rhs, q);
      const candidate = Float64Array.from(x);
      if (delta) free.forEach((j, u) => { candidate[j] = candidate[j]! + delta[u]!; });
      clamp(candidate);
      const candidateValue = delta ? sumSquares(candidate, trial) : Infinity;
      if (candidateValue < value) {
        accepted = true;
        converged = value - candidateValue <= tolerance * value;
        x = candidate; value = candidateValue;
        [r, trial] = [trial, r];
        lambda = Math.max(lambda / 10, 1e-15);
      } else {
        lambda *= 10;
        if (lambda > 1e16) { converged = true; break; } // no step lowers the sum: a (bounded) minimum
      }
    }
  }
  return { x, value, iterations, evaluations, converged };
}
