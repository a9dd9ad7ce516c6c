// STUB
import type { F32, I32 } from '../backend.js';
const ni = (): never => { throw new Error('not implemented'); };
export function embeddingForward(_r: number, _d: number, _v: number, _ids: I32, _t: F32, _o: F32): void { ni(); }
export function embeddingBackward(_r: number, _d: number, _v: number, _ids: I32, _do: F32, _dt: F32, _p: number): void { ni(); }
