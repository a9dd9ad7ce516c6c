/**
 * The reference backend: plain, readable TypeScript loops, one file per kernel family. It is
 * the oracle every optimised backend is checked against, so clarity beats speed here.
 */
import type { Arena, Backend } from '../backend.js';
import { gemm, gemmPackB, gemmPacked, gemmPackedSize } from './gemm.js';
import { activationBackward, activationForward, add, addRowVector, axpy, clamp, fill, mul, scale, sum, sumRows, sumSquares } from './elementwise.js';
import { gruCellBackward, gruCellForward, lstmCellBackward, lstmCellForward } from './cells.js';
import { recurrentPack, recurrentPackedSize, recurrentSequence, recurrentSequenceBackward } from './recurrent.js';
import { softmax, softmaxCrossEntropyBackward, softmaxCrossEntropyForward } from './loss.js';
import { bceWithLogitsBackward, bceWithLogitsForward } from './bce.js';
import { embeddingBackward, embeddingForward } from './embedding.js';
import { adagradStep, adamStep, rmspropStep, sgdStep } from './optim.js';

export interface ReferenceBackendOptions {
  /**
   * Element type of the float memory it allocates (default 'f32'). 'f64' returns Float64Array
   * typed as Float32Array: the reference kernels are precision-agnostic loops, so forward and
   * backward then run in double precision, which is what `gradcheck` needs. Such memory must
   * never reach the wasm backend.
   */
  precision?: 'f32' | 'f64';
}

/** Arena on the JavaScript heap: each allocation is a fresh array, collected by the GC. */
class HeapArena implements Arena {
  reservedBytes = 0;
  constructor(private readonly precision: 'f32' | 'f64' = 'f32') {}
  floats(n: number): Float32Array {
    if (this.precision === 'f64') {
      this.reservedBytes += n * 8;
      return new Float64Array(n) as unknown as Float32Array;
    }
    this.reservedBytes += n * 4;
    return new Float32Array(n);
  }
  scratch(n: number): Float32Array {
    return this.floats(n);
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
  readonly description: string;
  readonly precision: 'f32' | 'f64';

  constructor(options: ReferenceBackendOptions = {}) {
    this.precision = options.precision ?? 'f32';
    if (this.precision !== 'f32' && this.precision !== 'f64') {
      throw new Error(`ReferenceBackend: precision must be 'f32' or 'f64', got '${String(this.precision)}'`);
    }
    this.description = this.precision === 'f64' ? 'reference (TypeScript loops, float64)' : 'reference (TypeScript loops)';
  }

  allocFloats(n: number): Float32Array {
    if (this.precision === 'f64') return new Float64Array(n) as unknown as Float32Array;
    return new Float32Array(n);
  }
  allocInts(n: number): Int32Array {
    return new Int32Array(n);
  }
  createArena(): Arena {
    return new HeapArena(this.precision);
  }

  gemm = gemm;
  gemmPackedSize = gemmPackedSize;
  gemmPackB = gemmPackB;
  gemmPacked = gemmPacked;
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
  recurrentPackedSize = recurrentPackedSize;
  recurrentPack = recurrentPack;
  recurrentSequence = recurrentSequence;
  recurrentSequenceBackward = recurrentSequenceBackward;
  softmaxCrossEntropyForward = softmaxCrossEntropyForward;
  softmaxCrossEntropyBackward = softmaxCrossEntropyBackward;
  softmax = softmax;
  bceWithLogitsForward = bceWithLogitsForward;
  bceWithLogitsBackward = bceWithLogitsBackward;
  embeddingForward = embeddingForward;
  embeddingBackward = embeddingBackward;
  sgdStep = sgdStep;
  adagradStep = adagradStep;
  rmspropStep = rmspropStep;
  adamStep = adamStep;
}
