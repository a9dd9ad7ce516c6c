/**
 * The reference backend: plain, readable TypeScript loops, one file per kernel family. It is
 * the oracle every optimised backend is checked against, so clarity beats speed here.
 */
import type { Arena, Backend } from '../backend.js';
import { gemm } from './gemm.js';
import { activationBackward, activationForward, add, addRowVector, axpy, clamp, fill, mul, scale, sum, sumRows, sumSquares } from './elementwise.js';
import { gruCellBackward, gruCellForward, lstmCellBackward, lstmCellForward } from './cells.js';
import { softmax, softmaxCrossEntropyBackward, softmaxCrossEntropyForward } from './loss.js';
import { embeddingBackward, embeddingForward } from './embedding.js';
import { adagradStep, adamStep, rmspropStep, sgdStep } from './optim.js';

/** Arena on the JavaScript heap: each allocation is a fresh array, collected by the GC. */
class HeapArena implements Arena {
  reservedBytes = 0;
  floats(n: number): Float32Array {
    this.reservedBytes += n * 4;
    return new Float32Array(n);
  }
  ints(n: number): Int32Array {
    this.reservedBytes += n * 4;
    return new Int32Array(n);
  }
  reset(): void {
    this.reservedBytes = 0;
  }
}

export class ReferenceBackend implements Backend {
  readonly name = 'reference' as const;
  readonly description = 'reference (TypeScript loops)';

  allocFloats(n: number): Float32Array {
    return new Float32Array(n);
  }
  allocInts(n: number): Int32Array {
    return new Int32Array(n);
  }
  createArena(): Arena {
    return new HeapArena();
  }

  gemm = gemm;
  fill = fill;
  axpy = axpy;
  scale = scale;
  mul = mul;
  add = add;
  clamp = clamp;
  addRowVector = addRowVector;
  sumRows = sumRows;
  sum = sum;
  sumSquares = sumSquares;
  activationForward = activationForward;
  activationBackward = activationBackward;
  lstmCellForward = lstmCellForward;
  lstmCellBackward = lstmCellBackward;
  gruCellForward = gruCellForward;
  gruCellBackward = gruCellBackward;
  softmaxCrossEntropyForward = softmaxCrossEntropyForward;
  softmaxCrossEntropyBackward = softmaxCrossEntropyBackward;
  softmax = softmax;
  embeddingForward = embeddingForward;
  embeddingBackward = embeddingBackward;
  sgdStep = sgdStep;
  adagradStep = adagradStep;
  rmspropStep = rmspropStep;
  adamStep = adamStep;
}
