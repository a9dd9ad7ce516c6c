// SIMD embedding lookup (row copies) and its backward (row scatter-adds).
import { ld, st } from './simd';

// @ts-ignore: decorator
@inline function copyRow(dim: i32, src: usize, dst: usize): void {
  let d = 0;
  for (; d + 4 <= dim; d += 4) v128.store(dst + (<usize>d << 2), v128.load(src + (<usize>d << 2)));
  for (; d < dim; d++) store<f32>(dst + (<usize>d << 2), load<f32>(src + (<usize>d << 2)));
}

/** out[r, :] = table[ids[r], :]. Returns -1, or the first row whose id is outside [0, vocab) (nothing written then). */
export function embeddingForward(rows: i32, dim: i32, vocab: i32, ids: usize, table: usize, out: usize): i32 {
  for (let r = 0; r < rows; r++) {
    const id = load<i32>(ids + (<usize>r << 2));
    if (<u32>id >= <u32>vocab) return r;
  }
  const rowBytes = <usize>dim << 2;
  for (let r = 0; r < rows; r++) {
    const id = load<i32>(ids + (<usize>r << 2));
    copyRow(dim, table + <usize>id * rowBytes, out + <usize>r * rowBytes);
  }
  return -1;
}

// @ts-ignore: decorator
@inline function addRowK(k: i32, src: usize, dst: usize): void {
  st(dst, f32x4.add(ld(dst, k), ld(src, k)), k);
}

/** dTable[ids[r], :] += dOut[r, :], skipping paddingIdx rows and ids outside [0, vocab). */
export function embeddingBackward(rows: i32, dim: i32, vocab: i32, ids: usize, dOut: usize, dTable: usize, paddingIdx: i32): void {
  const rowBytes = <usize>dim << 2;
  for (let r = 0; r < rows; r++) {
    const id = load<i32>(ids + (<usize>r << 2));
    if (id == paddingIdx || <u32>id >= <u32>vocab) continue;
    const src = dOut + <usize>r * rowBytes;
    const dst = dTable + <usize>id * rowBytes;
    let d = 0;
    for (; d + 4 <= dim; d += 4) addRowK(4, src + (<usize>d << 2), dst + (<usize>d << 2));
    if (d < dim) addRowK(dim - d, src + (<usize>d << 2), dst + (<usize>d << 2));
  }
}
