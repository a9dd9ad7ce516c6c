// STUB
import type { AdagradOptions, AdamOptions, F32, RmspropOptions, SgdOptions } from '../backend.js';
const ni = (): never => { throw new Error('not implemented'); };
export function sgdStep(_n: number, _p: F32, _g: F32, _b: F32, _o: SgdOptions, _f: boolean): void { ni(); }
export function adagradStep(_n: number, _p: F32, _g: F32, _s: F32, _o: AdagradOptions): void { ni(); }
export function rmspropStep(_n: number, _p: F32, _g: F32, _s: F32, _ga: F32, _b: F32, _o: RmspropOptions): void { ni(); }
export function adamStep(_n: number, _p: F32, _g: F32, _m: F32, _v: F32, _o: AdamOptions): void { ni(); }
