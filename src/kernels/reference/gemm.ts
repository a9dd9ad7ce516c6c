// STUB: to be replaced by the reference GEMM.
import type { F32 } from '../backend.js';
export function gemm(_tA: boolean, _tB: boolean, _m: number, _n: number, _k: number, _alpha: number, _a: F32, _lda: number, _b: F32, _ldb: number, _beta: number, _c: F32, _ldc: number): void { throw new Error('not implemented'); }
