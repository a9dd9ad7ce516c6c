/**
 * Measures how much a recurrent network's loss depends on each input step: the norm of
 * dLoss/dx_t for every t. Plotted over t it shows vanishing (or exploding) gradients, the
 * reason LSTMs and GRUs exist.
 */
import { Tape } from '../autograd/tape.js';
import { select } from '../autograd/ops/sequence-ops.js';
import { sum } from '../autograd/ops/index.js';
import type { Backend } from '../kernels/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import type { RecurrentBase, RecurrentOutput } from './recurrent.js';

/**
 * Returns ||dLoss/dx_t||_2 for t = 0..T-1, where x is [T, B, I]. The default loss is the sum
 * of the last step's outputs, so the result says how strongly each earlier input still
 * reaches the end of the sequence.
 */
export function inputGradientNorms(backend: Backend, model: RecurrentBase, x: Tensor,
  lossOf: (tape: Tape, out: RecurrentOutput) => Tensor = (tape, out) => sum(tape, select(tape, out.output, out.output.shape[0]! - 1))): number[] {
  const tape = new Tape(backend);
  const input = tape.copy(x);
  tape.watch(input);
  const out = model.forward(tape, input);
  tape.backward(lossOf(tape, out));
  const g = tape.gradIfAny(input);
  const T = x.shape[0]!;
  const step = x.size / T;
  const norms: number[] = [];
  for (let t = 0; t < T; t++) {
    let s = 0;
    if (g) for (let i = t * step; i < (t + 1) * step; i++) s += g.data[i]! * g.data[i]!;
    norms.push(Math.sqrt(s));
  }
  return norms;
}
