// SIMD optimizer updates (PyTorch's update rules; see src/kernels/reference/optim.ts for the
// formulas). One pass over the flat parameter buffer; hyperparameters arrive as f64 and are
// combined in f64 before a single conversion to f32 splats. `grads` is never written.
import { ld, madd, nmadd, st } from './simd';

// @ts-ignore: decorator
@inline function sgdK(k: i32, o: usize, params: usize, grads: usize, buf: usize, lr: v128, mom: v128, damp1: v128, wd: v128,
  useMomentum: bool, nesterov: i32, firstStep: i32): void {
  const p = ld(params + o, k);
  let g = madd(wd, p, ld(grads + o, k));
  if (useMomentum) {
    const b = firstStep ? g : madd(mom, ld(buf + o, k), f32x4.mul(damp1, g));
    st(buf + o, b, k);
    g = nesterov ? madd(mom, b, g) : b;
  }
  st(params + o, nmadd(lr, g, p), k);
}

export function sgdStep(n: i32, params: usize, grads: usize, buf: usize, lr: f64, momentum: f64, dampening: f64,
  weightDecay: f64, nesterov: i32, firstStep: i32): void {
  const lrv = f32x4.splat(<f32>lr), mom = f32x4.splat(<f32>momentum), damp1 = f32x4.splat(<f32>(1 - dampening));
  const wd = f32x4.splat(<f32>weightDecay);
  const useMomentum = momentum != 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) sgdK(4, <usize>i << 2, params, grads, buf, lrv, mom, damp1, wd, useMomentum, nesterov, firstStep);
  if (i < n) sgdK(n - i, <usize>i << 2, params, grads, buf, lrv, mom, damp1, wd, useMomentum, nesterov, firstStep);
}

// @ts-ignore: decorator
@inline function adagradK(k: i32, o: usize, params: usize, grads: usize, sumSq: usize, lr: v128, eps: v128, wd: v128): void {
  const p = ld(params + o, k);
  const g = madd(wd, p, ld(grads + o, k));
  const s = madd(g, g, ld(sumSq + o, k));
  st(sumSq + o, s, k);
  st(params + o, f32x4.sub(p, f32x4.div(f32x4.mul(lr, g), f32x4.add(f32x4.sqrt(s), eps))), k);
}

export function adagradStep(n: i32, params: usize, grads: usize, sumSquares: usize, lr: f64, eps: f64, weightDecay: f64): void {
  const lrv = f32x4.splat(<f32>lr), epsv = f32x4.splat(<f32>eps), wd = f32x4.splat(<f32>weightDecay);
  let i = 0;
  for (; i + 4 <= n; i += 4) adagradK(4, <usize>i << 2, params, grads, sumSquares, lrv, epsv, wd);
  if (i < n) adagradK(n - i, <usize>i << 2, params, grads, sumSquares, lrv, epsv, wd);
}

// @ts-ignore: decorator
@inline function rmspropK(k: i32, o: usize, params: usize, grads: usize, squareAvg: usize, gradAvg: usize, buf: usize,
  lr: v128, alpha: v128, alpha1: v128, eps: v128, wd: v128, mom: v128, useMomentum: bool, centered: i32): void {
  const p = ld(params + o, k);
  const g = madd(wd, p, ld(grads + o, k));
  const sq = madd(alpha, ld(squareAvg + o, k), f32x4.mul(alpha1, f32x4.mul(g, g)));
  st(squareAvg + o, sq, k);
  let avg: v128;
  if (centered) {
    const ga = madd(alpha, ld(gradAvg + o, k), f32x4.mul(alpha1, g));
    st(gradAvg + o, ga, k);
    avg = f32x4.add(f32x4.sqrt(nmadd(ga, ga, sq)), eps);
  } else {
    avg = f32x4.add(f32x4.sqrt(sq), eps);
  }
  if (useMomentum) {
    const b = madd(mom, ld(buf + o, k), f32x4.div(g, avg));
    st(buf + o, b, k);
    st(params + o, nmadd(lr, b, p), k);
  } else {
    st(params + o, f32x4.sub(p, f32x4.div(f32x4.mul(lr, g), avg)), k);
  }
}

export function rmspropStep(n: i32, params: usize, grads: usize, squareAvg: usize, gradAvg: usize, buf: usize, lr: f64,
  alpha: f64, eps: f64, weightDecay: f64, momentum: f64, centered: i32): void {
  const lrv = f32x4.splat(<f32>lr), alphav = f32x4.splat(<f32>alpha), alpha1 = f32x4.splat(<f32>(1 - alpha));
  const epsv = f32x4.splat(<f32>eps), wd = f32x4.splat(<f32>weightDecay), mom = f32x4.splat(<f32>momentum);
  const useMomentum = momentum > 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    rmspropK(4, <usize>i << 2, params, grads, squareAvg, gradAvg, buf, lrv, alphav, alpha1, epsv, wd, mom, useMomentum, centered);
  }
  if (i < n) {
    rmspropK(n - i, <usize>i << 2, params, grads, squareAvg, gradAvg, buf, lrv, alphav, alpha1, epsv, wd, mom, useMomentum, centered);
  }
}

// @ts-ignore: decorator
@inline function adamK(k: i32, o: usize, params: usize, grads: usize, m: usize, v: usize, b1: v128, b1c: v128, b2: v128,
  b2c: v128, eps: v128, wd: v128, decay: v128, step: v128, invBc2: v128, decoupled: i32): void {
  let p = ld(params + o, k);
  let g = ld(grads + o, k);
  if (decoupled) p = f32x4.mul(p, decay);
  else g = madd(wd, p, g);
  const mi = madd(b1, ld(m + o, k), f32x4.mul(b1c, g));
  const vi = madd(b2, ld(v + o, k), f32x4.mul(b2c, f32x4.mul(g, g)));
  st(m + o, mi, k);
  st(v + o, vi, k);
  const denom = f32x4.add(f32x4.sqrt(f32x4.mul(vi, invBc2)), eps);
  st(params + o, f32x4.sub(p, f32x4.div(f32x4.mul(step, mi), denom)), k);
}

export function adamStep(n: i32, params: usize, grads: usize, m: usize, v: usize, lr: f64, beta1: f64, beta2: f64, eps: f64,
  weightDecay: f64, decoupled: i32, biasCorrection1: f64, biasCorrection2: f64): void {
  const b1 = f32x4.splat(<f32>beta1), b1c = f32x4.splat(<f32>(1 - beta1));
  const b2 = f32x4.splat(<f32>beta2), b2c = f32x4.splat(<f32>(1 - beta2));
  const epsv = f32x4.splat(<f32>eps), wd = f32x4.splat(<f32>weightDecay), decay = f32x4.splat(<f32>(1 - lr * weightDecay));
  const step = f32x4.splat(<f32>(lr / biasCorrection1)), invBc2 = f32x4.splat(<f32>(1 / biasCorrection2));
  let i = 0;
  for (; i + 4 <= n; i += 4) adamK(4, <usize>i << 2, params, grads, m, v, b1, b1c, b2, b2c, epsv, wd, decay, step, invBc2, decoupled);
  if (i < n) adamK(n - i, <usize>i << 2, params, grads, m, v, b1, b1c, b2, b2c, epsv, wd, decay, step, invBc2, decoupled);
}
