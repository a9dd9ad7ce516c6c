/**
 * A first-fit allocator for WebAssembly linear memory, managed from JavaScript (the kernels
 * themselves never allocate). Blocks are 64-byte aligned; free blocks coalesce with their
 * neighbours. Not thread-safe: only the main thread allocates.
 */

const ALIGN = 64;

export class WasmHeap {
  /** Free blocks sorted by offset: [offset, size] pairs. */
  private free: { offset: number; size: number }[] = [];
  private readonly sizes = new Map<number, number>();
  private top: number;
  private usedBytes = 0;

  /** `fixed`: the memory may not grow, and this explains why in the out-of-memory error. */
  constructor(private readonly memory: WebAssembly.Memory, base: number, private readonly onGrow: () => void,
    private readonly fixed?: string) {
    this.top = align(base);
  }

  get bytesInUse(): number {
    return this.usedBytes;
  }

  /** Byte offset of a new block of at least `bytes` bytes. */
  alloc(bytes: number): number {
    const size = align(Math.max(bytes, 1));
    for (let i = 0; i < this.free.length; i++) {
      const blk = this.free[i]!;
      if (blk.size >= size) {
        const offset = blk.offset;
        if (blk.size === size) this.free.splice(i, 1);
        else { blk.offset += size; blk.size -= size; }
        this.sizes.set(offset, size);
        this.usedBytes += size;
        return offset;
      }
    }
    const offset = this.top;
    const end = offset + size;
    const have = this.memory.buffer.byteLength;
    if (end > have && this.fixed) {
      throw new Error(`wasm backend: out of WebAssembly memory (wanted ${bytes} more bytes, ${this.usedBytes} of ${have} in use); ${this.fixed}`);
    }
    if (end > have) {
      const pages = Math.ceil((end - have) / 65536);
      // Grow geometrically so that a growing model does not pay for many small grows.
      const want = Math.max(pages, Math.ceil(have / 65536 / 4));
      try {
        this.memory.grow(want);
      } catch {
        try {
          this.memory.grow(pages);
        } catch {
          throw new Error(`wasm backend: out of WebAssembly memory (wanted ${bytes} more bytes, ${have} in use)`);
        }
      }
      this.onGrow();
    }
    this.top = end;
    this.sizes.set(offset, size);
    this.usedBytes += size;
    return offset;
  }

  release(offset: number): void {
    const size = this.sizes.get(offset);
    if (size === undefined) throw new Error(`wasm backend: release of unknown block at ${offset}`);
    this.sizes.delete(offset);
    this.usedBytes -= size;
    // Insert sorted, then coalesce with neighbours.
    let lo = 0;
    let hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.free[mid]!.offset < offset) lo = mid + 1;
      else hi = mid;
    }
    this.free.splice(lo, 0, { offset, size });
    const next = this.free[lo + 1];
    const cur = this.free[lo]!;
    if (next && cur.offset + cur.size === next.offset) {
      cur.size += next.size;
      this.free.splice(lo + 1, 1);
    }
    const prev = this.free[lo - 1];
    if (prev && prev.offset + prev.size === cur.offset) {
      prev.size += cur.size;
      this.free.splice(lo, 1);
    }
    // Give the tail back to the bump pointer.
    const last = this.free[this.free.length - 1];
    if (last && last.offset + last.size === this.top) {
      this.top = last.offset;
      this.free.pop();
    }
  }
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
