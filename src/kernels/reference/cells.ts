// STUB
import type { F32 } from '../backend.js';
const ni = (): never => { throw new Error('not implemented'); };
export function lstmCellForward(_b: number, _h: number, _g: F32, _cp: F32, _c: F32, _hh: F32): void { ni(); }
export function lstmCellBackward(_b: number, _h: number, _g: F32, _cp: F32, _c: F32, _dh: F32, _dc: F32, _dg: F32, _dcp: F32): void { ni(); }
export function gruCellForward(_b: number, _h: number, _x: F32, _hp: F32, _hprev: F32, _s: F32, _hh: F32): void { ni(); }
export function gruCellBackward(_b: number, _h: number, _s: F32, _hprev: F32, _dh: F32, _dx: F32, _dhp: F32, _dhprev: F32): void { ni(); }
