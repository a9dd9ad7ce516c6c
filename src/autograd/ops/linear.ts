/**
 * The affine map y = x W^T + b with PyTorch's weight layout: one GEMM forward, two GEMMs and a
 * column sum backward. Not a module: `nn/Linear` owns the parameters and calls this op.
 */
import { expectShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Tape } from '../tape.js';

/**
 * y = x W^T + b.
 *
 * Backward: dx += dy W, dW += dy^T x, db += sum over rows of dy.
 *
 * @param x - [N, I] input rows.
 * @param weight - [O, I], PyTorch layout (one output feature per row).
 * @param bias - optional [O].
 * @returns y: [N, O].
 */
export function linear(tape: Tape, x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  expectShape('linear', 'x', x.shape, [null, null]);
  const n = x.shape[0]!;
  const inFeatures = x.shape[1]!;
  expectShape('linear', 'weight', weight.shape, [null, inFeatures]);
  const outFeatures = weight.shape[0]!;
  if (bias) expectShape('linear', 'bias', bias.shape, [outFeatures]);

  const be = tape.backend;
  const y = tape.scratch([n, outFeatures]); // the GEMM below has beta = 0
  be.gemm(false, true, n, outFeatures, inFeatures, 1, x.data, inFeatures, weight.data, inFeatures, 0, y.data, outFeatures);
  if (bias) be.addRowVector(n, outFeatures, bias.data, y.data);

  tape.record('linear', { x, weight, bias }, { y }, () => {
    const dy = tape.gradIfAny(y);
    if (!dy) return;
    if (tape.needsGrad(x)) {
      // dx [N, I] += dy [N, O] . W [O, I]
      be.gemm(false, false, n, inFeatures, outFeatures, 1, dy.data, outFeatures, weight.data, inFeatures, 1,
        tape.grad(x).data, inFeatures);
    }
    if (tape.needsGrad(weight)) {
      // dW [O, I] += dy^T [O, N] . x [N, I]
      be.gemm(true, false, outFeatures, inFeatures, n, 1, dy.data, outFeatures, x.data, inFeatures, 1,
        tape.grad(weight).data, inFeatures);
    }
    if (bias && tape.needsGrad(bias)) be.sumRows(n, outFeatures, dy.data, tape.grad(bias).data);
  });
  return y;
}
