/**
 * Brent's one-dimensional minimiser without derivatives (golden section plus parabolic
 * interpolation; Brent 1973, ch. 5), step for step as R's `optimize` runs it, so that a
 * parameter R chooses this way (Box-Cox lambda by Guerrero's method) comes out the same. Not a
 * global search: it finds a local minimum inside [lower, upper].
 */

/** R's default tolerance for `optimize`: .Machine$double.eps^0.25. */
export const BRENT_DEFAULT_TOLERANCE = Math.pow(2.220446049250313e-16, 0.25);

/** The x in [lower, upper] where f is (locally) smallest, to within about `tolerance`. */
export function brentMinimize(f: (x: number) => number, lower: number, upper: number, tolerance = BRENT_DEFAULT_TOLERANCE): number {
  if (!(Number.isFinite(lower) && Number.isFinite(upper) && lower < upper)) {
    throw new Error(`brentMinimize: needs finite lower < upper, got [${lower}, ${upper}]`);
  }
  if (!(tolerance > 0)) throw new Error(`brentMinimize: tolerance must be positive, got ${tolerance}`);
  const golden = (3 - Math.sqrt(5)) * 0.5; // the squared inverse of the golden ratio
  const eps = Math.sqrt(2.220446049250313e-16);
  let a = lower, b = upper;
  let v = a + golden * (b - a);
  let w = v, x = v;
  let d = 0, e = 0;
  let fx = f(x);
  let fv = fx, fw = fx;
  const tol3 = tolerance / 3;
  for (;;) {
    const xm = (a + b) * 0.5;
    const tol1 = eps * Math.abs(x) + tol3;
    const t2 = tol1 * 2;
    if (Math.abs(x - xm) <= t2 - (b - a) * 0.5) break;
    let p = 0, q = 0, r = 0;
    if (Math.abs(e) > tol1) { // fit a parabola through x, w, v
      r = (x - w) * (fx - fv);
      q = (x - v) * (fx - fw);
      p = (x - v) * q - (x - w) * r;
      q = (q - r) * 2;
      if (q > 0) p = -p; else q = -q;
      r = e;
      e = d;
    }
    if (Math.abs(p) >= Math.abs(q * 0.5 * r) || p <= q * (a - x) || p >= q * (b - x)) { // golden-section step
      e = x < xm ? b - x : a - x;
      d = golden * e;
    } else { // parabolic step, not too close to the ends
      d = p / q;
      const u = x + d;
      if (u - a < t2 || b - u < t2) d = x >= xm ? -tol1 : tol1;
    }
    const u = Math.abs(d) >= tol1 ? x + d : d > 0 ? x + tol1 : x - tol1; // not too close to x
    const fu = f(u);
    if (fu <= fx) {
      if (u < x) b = x; else a = x;
      v = w; w = x; x = u;
      fv = fw; fw = fx; fx = fu;
    } else {
      if (u < x) a = u; else b = u;
      if (fu <= fw || w === x) {
        v = w; fv = fw;
        w = u; fw = fu;
      } else if (fu <= fv || v === x || v === w) {
        v = u; fv = fu;
      }
    }
  }
  return x;
}
