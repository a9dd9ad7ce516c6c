// STUB
import type { F32, I32 } from '../backend.js';
const ni = (): never => { throw new Error('not implemented'); };
export function softmaxCrossEntropyForward(_r: number, _c: number, _l: F32, _t: I32, _ig: number, _p: F32, _ls: F32): void { ni(); }
export function softmaxCrossEntropyBackward(_r: number, _c: number, _p: F32, _t: I32, _ig: number, _s: F32, _d: F32): void { ni(); }
export function softmax(_r: number, _c: number, _x: F32, _y: F32): void { ni(); }
