/**
 * The WebAssembly backend: SIMD kernels over one shared linear memory. Tensors allocated by
 * this backend live inside that memory, so kernels run on them in place; arrays from elsewhere
 * are copied in (and results back) around each call, correct but slower.
 * Not here: the kernel code itself (`../assembly/`) and autograd.
 */
import type { Activation, AdagradOptions, AdamOptions, Arena, Backend, F32, I32, RmspropOptions, SgdOptions } from '../backend.js';
import type { KernelExports } from './exports.js';
import { WasmHeap } from './heap.js';
import { checkGemmArgs } from '../reference/gemm.js';
import { type WasmFlavour, loadKernelModule } from './load.js';

const ACTIVATION_CODE: Record<Activation, number> = { tanh: 0, relu: 1, sigmoid: 2 };
const MAX_PAGES = 65536; // 4 GiB, the wasm32 limit; shared memory reserves address space only
const INITIAL_PAGES = 256; // 16 MiB

export interface WasmBackendOptions {
  /** Force a kernel build instead of the best supported one. */
  flavour?: WasmFlavour;
}

type Typed = F32 | I32;

export class WasmBackend implements Backend {
  readonly name = 'wasm' as const;
  readonly description: string;
  readonly flavour: WasmFlavour;
  readonly memory: WebAssembly.Memory;
  private readonly k: KernelExports;
  private readonly heap: WasmHeap;
  /** Every ArrayBuffer object this memory has had (a shared memory gets a new one per grow). */
  private readonly buffers = new Set<ArrayBufferLike>();
  private readonly finalizer = new FinalizationRegistry<number>((offset) => this.heap.release(offset));
  /** Copies made for arrays outside wasm memory during the current call. */
  private staged: { offset: number; src: Typed; writeBack: boolean }[] = [];
  private gemmWork = 0;
  private gemmWorkBytes = 0;

  private constructor(instance: WebAssembly.Instance, memory: WebAssembly.Memory, flavour: WasmFlavour) {
    this.k = instance.exports as unknown as KernelExports;
    this.memory = memory;
    this.flavour = flavour;
    this.description = `wasm (${flavour})`;
    this.buffers.add(memory.buffer);
    this.heap = new WasmHeap(memory, this.k.heapBase(), () => this.buffers.add(memory.buffer));
  }

  static async create(options: WasmBackendOptions = {}): Promise<WasmBackend> {
    const { module, flavour } = await loadKernelModule(options.flavour);
    const memory = createMemory();
    const instance = await WebAssembly.instantiate(module, { env: { memory, abort: wasmAbort } });
    return new WasmBackend(instance, memory, flavour);
  }

  /** Bytes currently allocated from wasm memory (parameters, arenas, scratch). */
  get bytesInUse(): number {
    return this.heap.bytesInUse;
  }

  // ---- memory ----------------------------------------------------------------------------

  allocFloats(n: number): F32 {
    const offset = this.heap.alloc(n * 4);
    const arr = new Float32Array(this.memory.buffer, offset, n);
    arr.fill(0);
    this.finalizer.register(arr, offset);
    return arr;
  }

  allocInts(n: number): I32 {
    const offset = this.heap.alloc(n * 4);
    const arr = new Int32Array(this.memory.buffer, offset, n);
    arr.fill(0);
    this.finalizer.register(arr, offset);
    return arr;
  }

  createArena(): Arena {
    return new WasmArena(this.heap, this.memory);
  }

  /** Byte offset of `arr` inside wasm memory, copying it in if it lives elsewhere. */
  private p(arr: Typed, writeBack = false): number {
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

  /** Copies staged outputs back and frees the staging copies; call after every kernel. */
  private done(): void {
    if (this.staged.length === 0) return;
    for (const s of this.staged) {
      if (s.writeBack) {
        const view = s.src instanceof Float32Array
          ? new Float32Array(this.memory.buffer, s.offset, s.src.length)
          : new Int32Array(this.memory.buffer, s.offset, s.src.length);
        s.src.set(view as never);
      }
      this.heap.release(s.offset);
    }
    this.staged = [];
  }

  // ---- matrix products -------------------------------------------------------------------

  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number,
    alpha: number, a: F32, lda: number, b: F32, ldb: number, beta: number, c: F32, ldc: number): void {
    // The kernel trusts its sizes: a bad ld or short buffer would touch other tensors' memory.
    checkGemmArgs(transA, transB, m, n, k, a.length, lda, b.length, ldb, c.length, ldc);
    if (m === 0 || n === 0) return;
    const need = this.k.gemmWorkspaceBytes(+transA, +transB, m, n, k);
    if (need > this.gemmWorkBytes) {
      if (this.gemmWorkBytes) this.heap.release(this.gemmWork);
      this.gemmWorkBytes = Math.max(need, 2 * this.gemmWorkBytes);
      this.gemmWork = this.heap.alloc(this.gemmWorkBytes);
    }
    this.k.gemm(+transA, +transB, m, n, k, alpha, this.p(a), lda, this.p(b), ldb, beta, this.p(c, true), ldc, this.gemmWork);
    this.done();
  }

  // ---- elementwise and reductions --------------------------------------------------------

  fill(n: number, value: number, x: F32): void {
    this.k.fill(n, value, this.p(x, true)); this.done();
  }
  axpy(n: number, alpha: number, x: F32, y: F32): void {
    this.k.axpy(n, alpha, this.p(x), this.p(y, true)); this.done();
  }
  scale(n: number, alpha: number, x: F32): void {
    this.k.scale(n, alpha, this.p(x, true)); this.done();
  }
  mul(n: number, a: F32, b: F32, out: F32): void {
    this.k.mul(n, this.p(a), this.p(b), this.p(out, true)); this.done();
  }
  add(n: number, a: F32, b: F32, out: F32): void {
    this.k.add(n, this.p(a), this.p(b), this.p(out, true)); this.done();
  }
  clamp(n: number, lo: number, hi: number, x: F32): void {
    this.k.clamp(n, lo, hi, this.p(x, true)); this.done();
  }
  addRowVector(rows: number, cols: number, bias: F32, x: F32): void {
    this.k.addRowVector(rows, cols, this.p(bias), this.p(x, true)); this.done();
  }
  sumRows(rows: number, cols: number, x: F32, out: F32): void {
    this.k.sumRows(rows, cols, this.p(x), this.p(out, true)); this.done();
  }
  sum(n: number, x: F32): number {
    const r = this.k.sum(n, this.p(x)); this.done(); return r;
  }
  sumSquares(n: number, x: F32): number {
    const r = this.k.sumSquares(n, this.p(x)); this.done(); return r;
  }
  activationForward(kind: Activation, n: number, x: F32, y: F32): void {
    this.k.activationForward(ACTIVATION_CODE[kind], n, this.p(x), this.p(y, true)); this.done();
  }
  activationBackward(kind: Activation, n: number, y: F32, dy: F32, dx: F32, accumulate: boolean): void {
    this.k.activationBackward(ACTIVATION_CODE[kind], n, this.p(y), this.p(dy), this.p(dx, true), +accumulate); this.done();
  }

  // ---- fused recurrent cells ---------------------------------------------------------------

  lstmCellForward(batch: number, hidden: number, gates: F32, cPrev: F32, c: F32, h: F32): void {
    this.k.lstmCellForward(batch, hidden, this.p(gates, true), this.p(cPrev), this.p(c, true), this.p(h, true)); this.done();
  }
  lstmCellBackward(batch: number, hidden: number, gates: F32, cPrev: F32, c: F32, dh: F32, dc: F32, dGates: F32, dcPrev: F32): void {
    this.k.lstmCellBackward(batch, hidden, this.p(gates), this.p(cPrev), this.p(c), this.p(dh), this.p(dc),
      this.p(dGates, true), this.p(dcPrev, true));
    this.done();
  }
  gruCellForward(batch: number, hidden: number, xProj: F32, hProj: F32, hPrev: F32, saved: F32, h: F32): void {
    this.k.gruCellForward(batch, hidden, this.p(xProj), this.p(hProj), this.p(hPrev), this.p(saved, true), this.p(h, true)); this.done();
  }
  gruCellBackward(batch: number, hidden: number, saved: F32, hPrev: F32, dh: F32, dxProj: F32, dhProj: F32, dhPrev: F32): void {
    this.k.gruCellBackward(batch, hidden, this.p(saved), this.p(hPrev), this.p(dh), this.p(dxProj, true), this.p(dhProj, true),
      this.p(dhPrev, true));
    this.done();
  }

  // ---- losses ----------------------------------------------------------------------------

  softmaxCrossEntropyForward(rows: number, classes: number, logits: F32, targets: I32, ignoreIndex: number, probs: F32, losses: F32): void {
    const bad = this.k.softmaxCrossEntropyForward(rows, classes, this.p(logits), this.p(targets), ignoreIndex,
      this.p(probs, true), this.p(losses, true));
    this.done();
    if (bad >= 0) throw new Error(`softmaxCrossEntropy: target ${targets[bad]} at row ${bad} is outside [0, ${classes})`);
  }
  softmaxCrossEntropyBackward(rows: number, classes: number, probs: F32, targets: I32, ignoreIndex: number, rowScale: F32, dLogits: F32): void {
    this.k.softmaxCrossEntropyBackward(rows, classes, this.p(probs), this.p(targets), ignoreIndex, this.p(rowScale), this.p(dLogits, true));
    this.done();
  }
  softmax(rows: number, cols: number, x: F32, y: F32): void {
    this.k.softmax(rows, cols, this.p(x), this.p(y, true)); this.done();
  }
  bceWithLogitsForward(n: number, logits: F32, targets: F32, posWeight: number, losses: F32): void {
    this.k.bceWithLogitsForward(n, this.p(logits), this.p(targets), posWeight, this.p(losses, true)); this.done();
  }
  bceWithLogitsBackward(n: number, logits: F32, targets: F32, posWeight: number, scale: F32, dLogits: F32): void {
    this.k.bceWithLogitsBackward(n, this.p(logits), this.p(targets), posWeight, this.p(scale), this.p(dLogits, true)); this.done();
  }

  // ---- embeddings ------------------------------------------------------------------------

  embeddingForward(rows: number, dim: number, vocab: number, ids: I32, table: F32, out: F32): void {
    const bad = this.k.embeddingForward(rows, dim, vocab, this.p(ids), this.p(table), this.p(out, true));
    this.done();
    if (bad >= 0) throw new Error(`embedding: id ${ids[bad]} at position ${bad} is outside [0, ${vocab})`);
  }
  embeddingBackward(rows: number, dim: number, vocab: number, ids: I32, dOut: F32, dTable: F32, paddingIdx: number): void {
    this.k.embeddingBackward(rows, dim, vocab, this.p(ids), this.p(dOut), this.p(dTable, true), paddingIdx); this.done();
  }

  // ---- optimizers ------------------------------------------------------------------------

  sgdStep(n: number, params: F32, grads: F32, momentumBuf: F32, o: SgdOptions, firstStep: boolean): void {
    this.k.sgdStep(n, this.p(params, true), this.p(grads), this.p(momentumBuf, true), o.lr, o.momentum, o.dampening,
      o.weightDecay, +o.nesterov, +firstStep);
    this.done();
  }
  adagradStep(n: number, params: F32, grads: F32, sumSquares: F32, o: AdagradOptions): void {
    this.k.adagradStep(n, this.p(params, true), this.p(grads), this.p(sumSquares, true), o.lr, o.eps, o.weightDecay); this.done();
  }
  rmspropStep(n: number, params: F32, grads: F32, squareAvg: F32, gradAvg: F32, momentumBuf: F32, o: RmspropOptions): void {
    this.k.rmspropStep(n, this.p(params, true), this.p(grads), this.p(squareAvg, true), this.p(gradAvg, true),
      this.p(momentumBuf, true), o.lr, o.alpha, o.eps, o.weightDecay, o.momentum, +o.centered);
    this.done();
  }
  adamStep(n: number, params: F32, grads: F32, m: F32, v: F32, o: AdamOptions): void {
    this.k.adamStep(n, this.p(params, true), this.p(grads), this.p(m, true), this.p(v, true), o.lr, o.beta1, o.beta2, o.eps,
      o.weightDecay, +o.decoupled, o.biasCorrection1, o.biasCorrection2);
    this.done();
  }
}

/**
 * Bump allocation in chunks of wasm memory. After a reset that found several chunks in use,
 * they are merged into one chunk of the combined size, so a steady training loop settles into
 * a single chunk and memory stays flat.
 */
class WasmArena implements Arena {
  private chunks: { offset: number; size: number }[] = [];
  private current = 0;
  private used = 0;
  private highWater = 0;

  constructor(private readonly heap: WasmHeap, private readonly memory: WebAssembly.Memory) {
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

function createMemory(): WebAssembly.Memory {
  if (typeof SharedArrayBuffer === 'undefined') {
    // TODO(#5): browsers without cross-origin isolation have no shared memory; views would
    // detach when a non-shared memory grows.
    throw new Error('wasm backend: SharedArrayBuffer is unavailable (in a browser, serve the page cross-origin isolated)');
  }
  return new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
}

function wasmAbort(): never {
  throw new Error('wasm backend: a kernel aborted');
}
