/**
 * One GRU step after the matrix products, as an op on the fused `gruCellForward/Backward`
 * kernels (PyTorch's variant: the reset gate multiplies W_hn h + b_hn). Not the layer: `nn`
 * computes both projections with `linear` and loops over time.
 */
import { expectShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Tape } from '../tape.js';
import { gradSinkOrScratch } from './grad-sink.js';

/**
 * PyTorch's GRU cell on projections split as [r | z | n] along the last axis:
 *   r = sigma(xr + hr);  z = sigma(xz + hz);  n = tanh(xn + r * hn);  h = (1 - z) * n + z * hPrev
 * with xProj = x W_ih^T + b_ih and hProj = hPrev W_hh^T + b_hh.
 *
 * Backward (fused kernel): with an = dh (1 - z)(1 - n^2), dxProj = [dr, dz, an] and
 * dhProj = [dr, dz, an r], where dr = an hn r(1-r) and dz = dh (hPrev - n) z(1-z); hPrev
 * receives the direct term dh z here (its W_hh part flows back through hProj's `linear`).
 *
 * @param xProj - [B, 3H] input projection, gate order r, z, n.
 * @param hProj - [B, 3H] hidden projection, gate order r, z, n.
 * @param hPrev - [B, H] previous hidden state.
 * @returns h: [B, H].
 */
export function gruCell(tape: Tape, xProj: Tensor, hProj: Tensor, hPrev: Tensor): Tensor {
  const where = 'gruCell';
  expectShape(where, 'hPrev', hPrev.shape, [null, null]);
  const batch = hPrev.shape[0]!;
  const hidden = hPrev.shape[1]!;
  expectShape(where, 'xProj', xProj.shape, [batch, 3 * hidden]);
  expectShape(where, 'hProj', hProj.shape, [batch, 3 * hidden]);

  const be = tape.backend;
  const saved = tape.tensor([batch, 4 * hidden]); // r, z, n, hn
  const h = tape.tensor([batch, hidden]);
  be.gruCellForward(batch, hidden, xProj.data, hProj.data, hPrev.data, saved.data, h.data);

  tape.record('gruCell', { xProj, hProj, hPrev }, { h }, () => {
    const dh = tape.gradIfAny(h);
    if (!dh) return;
    const dxProj = gradSinkOrScratch(tape, xProj);
    const dhProj = gradSinkOrScratch(tape, hProj);
    const dhPrev = gradSinkOrScratch(tape, hPrev);
    be.gruCellBackward(batch, hidden, saved.data, hPrev.data, dh.data, dxProj.data, dhProj.data, dhPrev.data);
    dxProj.flush();
    dhProj.flush();
    dhPrev.flush();
  });
  return h;
}
