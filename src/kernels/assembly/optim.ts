// STUB
export function sgdStep(n: i32, params: usize, grads: usize, buf: usize, lr: f64, momentum: f64, dampening: f64, weightDecay: f64, nesterov: i32, firstStep: i32): void { unreachable(); }
export function adagradStep(n: i32, params: usize, grads: usize, sumSquares: usize, lr: f64, eps: f64, weightDecay: f64): void { unreachable(); }
export function rmspropStep(n: i32, params: usize, grads: usize, squareAvg: usize, gradAvg: usize, buf: usize, lr: f64, alpha: f64, eps: f64, weightDecay: f64, momentum: f64, centered: i32): void { unreachable(); }
export function adamStep(n: i32, params: usize, grads: usize, m: usize, v: usize, lr: f64, beta1: f64, beta2: f64, eps: f64, weightDecay: f64, decoupled: i32, biasCorrection1: f64, biasCorrection2: f64): void { unreachable(); }
