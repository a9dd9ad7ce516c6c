// STUB
export function gemmWorkspaceBytes(transA: i32, transB: i32, m: i32, n: i32, k: i32): i32 { return 0; }
export function gemm(transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32, a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, work: usize): void { unreachable(); }
