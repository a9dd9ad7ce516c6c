// STUB
export function embeddingForward(rows: i32, dim: i32, vocab: i32, ids: usize, table: usize, out: usize): i32 { unreachable(); return 0; }
export function embeddingBackward(rows: i32, dim: i32, vocab: i32, ids: usize, dOut: usize, dTable: usize, paddingIdx: i32): void { unreachable(); }
