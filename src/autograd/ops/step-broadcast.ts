/**
 * Ops between a time-major sequence [T, B, F] and one vector per sequence [B, F]: the score of
 * every step against a query (`stepDot`, Luong's dot and general attention) and the query added
 * to every step (`addToSteps`, Bahdanau's additive attention before its tanh). A decoder calls
 * them once per output step against the encoder's outputs.
 */
import { formatShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Tape } from '../tape.js';
import { checkFloatTensor } from './loss-options.js';

function stepAndVector(where: string, x: Tensor, q: Tensor): { T: number; B: number; F: number } {
  checkFloatTensor(where, 'x', x);
  checkFloatTensor(where, 'q', q);
  if (x.rank !== 3) throw new Error(`${where}: x must be [T, B, F] time-major, got ${formatShape(x.shape)}`);
  const [T, B, F] = x.shape as [number, number, number];
  if (q.rank !== 2 || q.shape[0] !== B || q.shape[1] !== F) throw new Error(`${where}: q must be [B, F] = [${B}, ${F}] like x ${formatShape(x.shape)}, got ${formatShape(q.shape)}`);
  return { T, B, F };
}

/**
 * scores[t, b] = sum_f x[t, b, f] q[b, f].
 *
 * Backward: dx[t, b, :] += dscores[t, b] q[b, :], dq[b, :] += sum_t dscores[t, b] x[t, b, :].
 *
 * @param x - [T, B, F] time-major (the keys).
 * @param q - [B, F] one query per sequence.
 * @returns scores [T, B].
 */
export function stepDot(tape: Tape, x: Tensor, q: Tensor): Tensor {
  const where = 'stepDot';
  const { T, B, F } = stepAndVector(where, x, q);
  const scores = tape.tensor([T, B]);
  const xd = x.data, qd = q.data, sd = scores.data; // locals: the loops below are hot
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const row = (t * B + b) * F, qr = b * F;
      let s = 0;
      for (let f = 0; f < F; f++) s += xd[row + f]! * qd[qr + f]!;
      sd[t * B + b] = s;
    }
  }
  tape.record(where, { x, q }, { scores }, () => {
    const ds = tape.gradIfAny(scores)?.data;
    if (!ds) return;
    const dx = tape.needsGrad(x) ? tape.grad(x).data : undefined;
    const dq = tape.needsGrad(q) ? tape.grad(q).data : undefined;
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const g = ds[t * B + b]!;
        if (g === 0) continue;
        const row = (t * B + b) * F, qr = b * F;
        if (dx) for (let f = 0; f < F; f++) dx[row + f]! += g * qd[qr + f]!;
        if (dq) for (let f = 0; f < F; f++) dq[qr + f]! += g * xd[row + f]!;
      }
    }
  });
  return scores;
}

/**
 * out[t, b, :] = x[t, b, :] + q[b, :].
 *
 * Backward: dx += dout, dq[b, :] += sum_t dout[t, b, :].
 *
 * @param x - [T, B, F] time-major.
 * @param q - [B, F] one vector per sequence.
 * @returns out [T, B, F].
 */
export function addToSteps(tape: Tape, x: Tensor, q: Tensor): Tensor {
  const where = 'addToSteps';
  const { T, B, F } = stepAndVector(where, x, q);
  const be = tape.backend;
  const out = tape.tensor([T, B, F]);
  for (let t = 0; t < T; t++) be.add(B * F, x.data.subarray(t * B * F, (t + 1) * B * F), q.data, out.data.subarray(t * B * F, (t + 1) * B * F));
  tape.record(where, { x, q }, { out }, () => {
    const dout = tape.gradIfAny(out);
    if (!dout) return;
    if (tape.needsGrad(x)) be.axpy(x.size, 1, dout.data, tape.grad(x).data);
    if (tape.needsGrad(q)) {
      const dq = tape.grad(q).data;
      for (let t = 0; t < T; t++) be.axpy(B * F, 1, dout.data.subarray(t * B * F, (t + 1) * B * F), dq);
    }
  });
  return out;
}
