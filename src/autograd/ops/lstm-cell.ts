/**
 * One LSTM step after the matrix products, as an op on the fused `lstmCellForward/Backward`
 * kernels. Not the layer: `nn` computes the gate pre-activations (x W_ih^T + b_ih +
 * h W_hh^T + b_hh) with `linear` and loops over time.
 */
import { expectShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Tape } from '../tape.js';
import { gradSinkOrScratch } from './grad-sink.js';

/** The state an LSTM carries between steps. */
export interface LstmState {
  /** [B, H] hidden state, also the step's output. */
  h: Tensor;
  /** [B, H] cell state. */
  c: Tensor;
}

/**
 * PyTorch's LSTM cell on pre-activations split as [i | f | g | o] along the last axis:
 *   i = sigma(gates_i), f = sigma(gates_f), g = tanh(gates_g), o = sigma(gates_o)
 *   c = f * cPrev + i * g;   h = o * tanh(c)
 *
 * Backward (fused kernel): with dct = dc + dh o (1 - tanh(c)^2), the gate gradients are
 * di = dct g i(1-i), df = dct cPrev f(1-f), dg = dct i (1-g^2), do = dh tanh(c) o(1-o),
 * and dcPrev = dct f. Gradients may flow into both h and c (c feeds the next step).
 * The input `gates` is left untouched (the kernel's in-place activations go to a copy).
 *
 * @param gates - [B, 4H] pre-activations, gate order i, f, g, o.
 * @param cPrev - [B, H] previous cell state.
 * @returns { h, c }: each [B, H].
 */
export function lstmCell(tape: Tape, gates: Tensor, cPrev: Tensor): LstmState {
  const where = 'lstmCell';
  expectShape(where, 'cPrev', cPrev.shape, [null, null]);
  const batch = cPrev.shape[0]!;
  const hidden = cPrev.shape[1]!;
  expectShape(where, 'gates', gates.shape, [batch, 4 * hidden]);

  const be = tape.backend;
  const activations = tape.copy(gates); // [B, 4H], overwritten by the kernel with i, f, g, o
  const c = tape.tensor([batch, hidden]);
  const h = tape.tensor([batch, hidden]);
  be.lstmCellForward(batch, hidden, activations.data, cPrev.data, c.data, h.data);

  tape.record('lstmCell', { gates, cPrev }, { h, c }, () => {
    const dhAny = tape.gradIfAny(h);
    const dcAny = tape.gradIfAny(c);
    if (!dhAny && !dcAny) return;
    const dh = dhAny ?? tape.grad(h);
    const dc = dcAny ?? tape.grad(c);
    const dGates = gradSinkOrScratch(tape, gates);
    const dcPrev = gradSinkOrScratch(tape, cPrev);
    be.lstmCellBackward(batch, hidden, activations.data, cPrev.data, c.data, dh.data, dc.data, dGates.data, dcPrev.data);
    dGates.flush();
    dcPrev.flush();
  });
  return { h, c };
}
