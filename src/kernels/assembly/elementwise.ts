// STUB
export function fill(n: i32, value: f32, x: usize): void { unreachable(); }
export function axpy(n: i32, alpha: f32, x: usize, y: usize): void { unreachable(); }
export function scale(n: i32, alpha: f32, x: usize): void { unreachable(); }
export function mul(n: i32, a: usize, b: usize, out: usize): void { unreachable(); }
export function add(n: i32, a: usize, b: usize, out: usize): void { unreachable(); }
export function clamp(n: i32, lo: f32, hi: f32, x: usize): void { unreachable(); }
export function addRowVector(rows: i32, cols: i32, bias: usize, x: usize): void { unreachable(); }
export function sumRows(rows: i32, cols: i32, x: usize, out: usize): void { unreachable(); }
export function sum(n: i32, x: usize): f64 { unreachable(); return 0; }
export function sumSquares(n: i32, x: usize): f64 { unreachable(); return 0; }
export function activationForward(kind: i32, n: i32, x: usize, y: usize): void { unreachable(); }
export function activationBackward(kind: i32, n: i32, y: usize, dy: usize, dx: usize, accumulate: i32): void { unreachable(); }
