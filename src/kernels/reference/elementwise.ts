// STUB
import type { Activation, F32 } from '../backend.js';
const ni = (): never => { throw new Error('not implemented'); };
export function fill(_n: number, _v: number, _x: F32): void { ni(); }
export function axpy(_n: number, _a: number, _x: F32, _y: F32): void { ni(); }
export function scale(_n: number, _a: number, _x: F32): void { ni(); }
export function mul(_n: number, _a: F32, _b: F32, _o: F32): void { ni(); }
export function add(_n: number, _a: F32, _b: F32, _o: F32): void { ni(); }
export function clamp(_n: number, _lo: number, _hi: number, _x: F32): void { ni(); }
export function addRowVector(_r: number, _c: number, _b: F32, _x: F32): void { ni(); }
export function sumRows(_r: number, _c: number, _x: F32, _o: F32): void { ni(); }
export function sum(_n: number, _x: F32): number { return ni(); }
export function sumSquares(_n: number, _x: F32): number { return ni(); }
export function activationForward(_k: Activation, _n: number, _x: F32, _y: F32): void { ni(); }
export function activationBackward(_k: Activation, _n: number, _y: F32, _dy: F32, _dx: F32, _acc: boolean): void { ni(); }
