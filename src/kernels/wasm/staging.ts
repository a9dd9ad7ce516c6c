/**
 * Staging for the wasm backend: kernels read and write wasm memory only, so an array that
 * lives elsewhere (the JavaScript heap, another backend) is copied into a heap block for one
 * call, and copied back afterwards if the kernel writes it. A call that throws writes nothing
 * back. Not here: the kernels and their splits (wasm-backend.ts).
 */
import type { F32, I32 } from '../backend.js';
import type { WasmHeap } from './heap.js';

export type Typed = F32 | I32;

export class Staging {
  /** Every ArrayBuffer object the memory has had (a shared memory gets a new one per grow). */
  private readonly buffers = new Set<ArrayBufferLike>();
  /** Copies made for arrays outside wasm memory during the current call. */
  private staged: { offset: number; src: Typed; writeBack: boolean }[] = [];

  constructor(private readonly memory: WebAssembly.Memory, private readonly heap: WasmHeap) {
    this.noteBuffer();
  }

  /** Call when the memory has grown: arrays on its new ArrayBuffer are inside it too. */
  noteBuffer(): void {
    this.buffers.add(this.memory.buffer);
  }

  /** Byte offset of `arr` inside wasm memory, copying it in if it lives elsewhere (`writeBack`: copy it back after the call). */
  offset(arr: Typed, writeBack: boolean): number {
    if (!(arr instanceof Float32Array) && !(arr instanceof Int32Array)) {
      throw new Error(`wasm backend: kernels take Float32Array or Int32Array buffers, got ${(arr as object)?.constructor?.name ?? typeof arr}`);
    }
    if (this.buffers.has(arr.buffer)) return arr.byteOffset;
    const offset = this.heap.alloc(arr.byteLength);
    const view = arr instanceof Float32Array
      ? new Float32Array(this.memory.buffer, offset, arr.length)
      : new Int32Array(this.memory.buffer, offset, arr.length);
    view.set(arr as never);
    this.staged.push({ offset, src: arr, writeBack });
    return offset;
  }

  /**
   * Runs `body`, which stages arguments with offset(): when it returns, copies staged outputs
   * back; when it throws, frees the copies without writing partial results into the caller's
   * arrays. Either way the copies are released.
   */
  run<T>(body: () => T): T {
    let result: T;
    try {
      result = body();
    } catch (e) {
      this.release(false);
      throw e;
    }
    this.release(true);
    return result;
  }

  /**
   * Ends a call: copies staged outputs back if `writeBack` (false after a throw: partial results
   * must not reach the caller's arrays) and frees the copies. `run` does this around a body.
   */
  release(writeBack: boolean): void {
    if (this.staged.length === 0) return;
    for (const s of this.staged) {
      if (writeBack && s.writeBack) {
        const view = s.src instanceof Float32Array
          ? new Float32Array(this.memory.buffer, s.offset, s.src.length)
          : new Int32Array(this.memory.buffer, s.offset, s.src.length);
        s.src.set(view as never);
      }
      this.heap.release(s.offset);
    }
    this.staged = [];
  }
}
