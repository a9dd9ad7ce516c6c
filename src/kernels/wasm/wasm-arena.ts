/**
 * The wasm backend's arena: activations bump-allocated in chunks of the shared wasm memory and
 * released all at once by `reset()`. Not here: the allocator underneath (heap.ts).
 */
import type { Arena, F32, I32 } from '../backend.js';
import type { WasmHeap } from './heap.js';

/**
 * Bump allocation in chunks of wasm memory. After a reset that found several chunks in use,
 * they are merged into one chunk of the combined size, so a steady training loop settles into
 * a single chunk and memory stays flat.
 */
export class WasmArena implements Arena {
  private chunks: { offset: number; size: number }[] = [];
  private current = 0;
  private used = 0;
  private highWater = 0;

  /** `poison`: scratch() fills with NaN, so an output a kernel leaves partly unwritten shows up. */
  constructor(private readonly heap: WasmHeap, private readonly memory: WebAssembly.Memory, private readonly poison = false) {
    // Chunks of an arena that is dropped without reset are returned when it is collected.
    arenaFinalizer.register(this, { heap, chunks: this.chunks });
  }

  get reservedBytes(): number {
    let n = 0;
    for (const c of this.chunks) n += c.size;
    return n;
  }

  private take(bytes: number): number {
    const size = Math.ceil(bytes / 64) * 64;
    for (;;) {
      const chunk = this.chunks[this.current];
      if (!chunk) {
        const want = Math.max(size, 1 << 20, this.highWater);
        this.chunks.push({ offset: this.heap.alloc(want), size: want });
        this.used = 0;
        continue;
      }
      if (this.used + size <= chunk.size) {
        const offset = chunk.offset + this.used;
        this.used += size;
        return offset;
      }
      this.current++;
      this.used = 0;
    }
  }

  floats(n: number): F32 {
    const offset = this.take(n * 4); // may grow memory: read memory.buffer after it
    const arr = new Float32Array(this.memory.buffer, offset, n);
    arr.fill(0);
    return arr;
  }

  scratch(n: number): F32 {
    const offset = this.take(n * 4);
    const arr = new Float32Array(this.memory.buffer, offset, n);
    if (this.poison) arr.fill(NaN);
    return arr;
  }

  ints(n: number): I32 {
    const offset = this.take(n * 4);
    const arr = new Int32Array(this.memory.buffer, offset, n);
    arr.fill(0);
    return arr;
  }

  reset(): void {
    let total = 0;
    for (let i = 0; i < this.current; i++) total += this.chunks[i]!.size;
    total += this.used;
    this.highWater = Math.max(this.highWater, total);
    if (this.chunks.length > 1) {
      for (const c of this.chunks) this.heap.release(c.offset);
      this.chunks.length = 0;
      this.chunks.push({ offset: this.heap.alloc(this.highWater), size: this.highWater });
    }
    this.current = 0;
    this.used = 0;
  }
}

const arenaFinalizer = new FinalizationRegistry<{ heap: WasmHeap; chunks: { offset: number }[] }>(({ heap, chunks }) => {
  for (const c of chunks) heap.release(c.offset);
});
