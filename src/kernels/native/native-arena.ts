/**
 * The native backend's arena: activations bump-allocated from large ArrayBuffer chunks on the
 * JavaScript heap (the addon works on any Float32Array in place, so there is no memory of its
 * own to allocate from) and released all at once by `reset()`. Not here: parameters, which are
 * plain `allocFloats` arrays collected by the garbage collector.
 */
import type { Arena, F32, I32 } from '../backend.js';

/** Allocations start on 64-byte boundaries (a cache line, a full AVX-512 vector). */
const ALIGN = 64;
const MIN_CHUNK = 1 << 20;

/**
 * Bump allocation in chunks. After a reset that found several chunks in use they are replaced
 * by one chunk of their combined size, so a steady training loop settles into a single buffer
 * and memory stays flat (the wasm arena's policy).
 */
export class NativeArena implements Arena {
  private chunks: ArrayBuffer[] = [];
  private current = 0;
  private used = 0;
  private highWater = 0;

  get reservedBytes(): number {
    let n = 0;
    for (const c of this.chunks) n += c.byteLength;
    return n;
  }

  /** A chunk and the byte offset of `bytes` free bytes in it. */
  private take(bytes: number): { buffer: ArrayBuffer; offset: number } {
    const size = Math.ceil(bytes / ALIGN) * ALIGN;
    for (;;) {
      const chunk = this.chunks[this.current];
      if (!chunk) {
        this.chunks.push(new ArrayBuffer(Math.max(size, MIN_CHUNK, this.highWater)));
        this.used = 0;
        continue;
      }
      if (this.used + size <= chunk.byteLength) {
        const offset = this.used;
        this.used += size;
        return { buffer: chunk, offset };
      }
      this.current++;
      this.used = 0;
    }
  }

  floats(n: number): F32 {
    const arr = this.scratch(n);
    arr.fill(0);
    return arr;
  }

  scratch(n: number): F32 {
    const { buffer, offset } = this.take(n * 4);
    return new Float32Array(buffer, offset, n);
  }

  ints(n: number): I32 {
    const { buffer, offset } = this.take(n * 4);
    const arr = new Int32Array(buffer, offset, n);
    arr.fill(0);
    return arr;
  }

  reset(): void {
    let total = this.used;
    for (let i = 0; i < this.current; i++) total += this.chunks[i]!.byteLength;
    this.highWater = Math.max(this.highWater, total);
    if (this.chunks.length > 1) this.chunks = [new ArrayBuffer(this.highWater)];
    this.current = 0;
    this.used = 0;
  }
}
