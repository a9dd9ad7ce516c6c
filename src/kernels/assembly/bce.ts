// Binary cross-entropy with logits, elementwise (same layout and formulas as
// ../reference/bce.ts). Scalar loops on purpose: exp and log1p have no v128 form and dominate
// the cost, and a loss over [N] or [N, D] is small next to the GEMMs that produce its logits.

/** losses[i] = (1 - y) x + lw (log1p(exp(-|x|)) + max(-x, 0)), lw = 1 + (posWeight - 1) y; all [n]. */
export function bceWithLogitsForward(n: i32, logits: usize, targets: usize, posWeight: f32, losses: usize): void {
  for (let i = 0; i < n; i++) {
    const off = (<usize>i) << 2;
    const x = load<f32>(logits + off);
    const y = load<f32>(targets + off);
    const lw: f32 = 1 + (posWeight - 1) * y;
    const softplusNeg: f32 = Mathf.log1p(Mathf.exp(-Mathf.abs(x))) + Mathf.max(-x, 0);
    store<f32>(losses + off, (1 - y) * x + lw * softplusNeg);
  }
}

/** dLogits[i] = scale[i] ((1 - y) - lw sigma(-x)); all [n]; dLogits overwritten, may alias scale. */
export function bceWithLogitsBackward(n: i32, logits: usize, targets: usize, posWeight: f32, scale: usize, dLogits: usize): void {
  for (let i = 0; i < n; i++) {
    const off = (<usize>i) << 2;
    const x = load<f32>(logits + off);
    const y = load<f32>(targets + off);
    const lw: f32 = 1 + (posWeight - 1) * y;
    const e = Mathf.exp(-Mathf.abs(x));
    const sigmaNeg: f32 = x >= 0 ? e / (1 + e) : 1 / (1 + e);
    store<f32>(dLogits + off, load<f32>(scale + off) * ((1 - y) - lw * sigmaNeg));
  }
}
