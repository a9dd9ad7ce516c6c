/**
 * The WebAssembly backend: SIMD kernels over one shared linear memory, on all cores by default.
 * Tensors allocated by this backend live inside that memory, so kernels run on them in place;
 * arrays from elsewhere are copied in (and results back) around each call, correct but slower.
 * Large calls are split between the calling thread and worker threads that run the same
 * compiled module on the same memory (thread-pool.ts); splits follow output rows or columns only,
 * so results are bit-identical for any thread count (split.ts). Each kernel method is one call
 * of one mechanism (`kernel`): its arguments as numbers, buffers and range markers
 * (kernel-args.ts) and how it splits. Not here: the kernel code itself (`../assembly/`),
 * argument checks (`../checks.ts`) and autograd.
 */
import type {
  Activation, AdagradOptions, AdamOptions, Arena, Backend, F32, I32, RecurrentInput, RecurrentSaved, RmspropOptions, SgdOptions,
} from '../backend.js';
import { type CellKind, cellKind } from '../cell-kinds.js';
import {
  ACT_RELU, ACT_SIGMOID, ACT_TANH, SEQ_C, SEQ_DC, SEQ_DH, SEQ_DHPREV, SEQ_DHPROJ, SEQ_DOUT, SEQ_DXPROJ, SEQ_H, SEQ_HBIAS, SEQ_H_SPARE,
  SEQ_OUT, SEQ_SAVE_C, SEQ_SAVE_CPREV, SEQ_SAVE_GATES, SEQ_SAVE_HPREV, SEQ_XPROJ,
} from './kernel-abi.js';
import type { KernelExports } from './exports.js';
import { WasmHeap } from './heap.js';
import { WasmArena } from './wasm-arena.js';
import { type WasmFlavour, loadKernelModule } from './load.js';
import { ThreadPool } from './thread-pool.js';
import { controlBlockBytes } from './control-block.js';
import { GEMM_NR, MIN_ELEMENTS_PER_PART, MIN_TRANSCENDENTAL_PER_PART, gemmSplit, sequenceParts, splitRange } from './split.js';
import { type Arg, Buf, COUNT, HI, LO, invoke, partArgs } from './kernel-args.js';
import { type SequenceJob, runSequenceJob } from './sequence-job.js';
import { Staging, type Typed } from './staging.js';
import {
  badIdError, badTargetError, checkGemmArgs, checkPackBArgs, checkPackedGemmArgs, checkPackedSize, checkRecurrentBackwardArgs,
  checkRecurrentPackArgs, checkRecurrentPackedSize, checkRecurrentSequenceArgs, firstBadTarget, isRecurrentInput,
} from '../checks.js';
import { availableThreads, canShareMemory, resolveThreads } from './threads.js';

const ACTIVATION_CODE: Record<Activation, number> = { tanh: ACT_TANH, relu: ACT_RELU, sigmoid: ACT_SIGMOID };
const MAX_PAGES = 65536; // 4 GiB, the wasm32 limit; shared memory reserves address space only
const INITIAL_PAGES = 256; // 16 MiB
const DEFAULT_UNSHARED_MIB = 256;
const MIN_UNSHARED_MIB = INITIAL_PAGES / 16; // the kernel module declares INITIAL_PAGES
/** Elementwise splits fall on multiples of 16 floats: whole vectors and whole 64-byte lines. */
const ALIGN = 16;
const MIN_E = MIN_ELEMENTS_PER_PART;
const MIN_T = MIN_TRANSCENDENTAL_PER_PART;

/** Kernels worker threads can run; a job names one by its index here. */
const OPS = ['gemm', 'gemmPacked', 'gemmPackB', 'fill', 'axpy', 'scale', 'mul', 'add', 'clamp', 'addRowVector', 'sumRows',
  'activationForward', 'activationBackward', 'lstmCellForward', 'lstmCellBackward', 'gruCellForward', 'gruCellBackward',
  'recurrentPack', 'recurrentSequence', 'recurrentSequenceBackward', 'softmaxCrossEntropyForward', 'softmaxCrossEntropyBackward', 'softmax', 'bceWithLogitsForward', 'bceWithLogitsBackward',
  'sgdStep', 'adagradStep', 'rmspropStep', 'adamStep'] as const satisfies readonly (keyof KernelExports)[];
type Op = (typeof OPS)[number];
const OP_CODE = Object.fromEntries(OPS.map((name, i) => [name, i])) as Record<Op, number>;
type KernelFn = (...args: number[]) => number;

export interface WasmBackendOptions {
  /** Force a kernel build instead of the best supported one. */
  flavour?: WasmFlavour;
  /**
   * Threads that run kernels, the calling one included: a positive integer, default all cores
   * (`os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in a browser); 1 runs
   * everything on the calling thread. Browsers need cross-origin isolation for shared memory
   * between workers; without it the backend runs on 1 thread.
   */
  threads?: number;
  /**
   * Milliseconds an idle worker keeps polling for the next kernel before it sleeps (default
   * 2). Waking a sleeping worker costs tens of microseconds; polling costs a core.
   */
  spinMs?: number;
  /**
   * MiB of WebAssembly memory when it cannot be shared (a browser page that is not
   * cross-origin isolated): an unshared memory cannot grow without invalidating every tensor
   * view into it, so it is allocated at this size once (default 256; 16 .. 4095). A shared
   * memory ignores this and grows as needed, up to 4 GiB.
   */
  memoryMiB?: number;
  /**
   * Debugging: fill arena scratch (tensors an op leaves to a kernel to overwrite entirely)
   * with NaN instead of leaving earlier contents, so a kernel that misses part of its output
   * shows up as NaN. Default false.
   */
  poisonScratch?: boolean;
}

export class WasmBackend implements Backend {
  readonly name = 'wasm' as const;
  readonly flavour: WasmFlavour;
  readonly memory: WebAssembly.Memory;
  /** False on a memory of its own (a browser page that is not cross-origin isolated): 1 thread, fixed size. */
  readonly sharedMemory: boolean;
  private readonly k: KernelExports;
  private readonly heap: WasmHeap;
  private readonly staging: Staging;
  private readonly finalizer = new FinalizationRegistry<number>((offset) => this.heap.release(offset));
  /** GEMM scratch per thread (byte offsets and sizes in wasm memory). */
  private readonly work: number[] = [];
  private readonly workBytes: number[] = [];
  private pool: ThreadPool | undefined;
  private chunksTakenOver = 0;

  private constructor(instance: WebAssembly.Instance, memory: WebAssembly.Memory, flavour: WasmFlavour, shared: boolean,
    private readonly poisonScratch: boolean) {
    this.k = instance.exports as unknown as KernelExports;
    this.memory = memory;
    this.flavour = flavour;
    this.sharedMemory = shared;
    this.heap = new WasmHeap(memory, this.k.heapBase(), () => this.staging.noteBuffer(),
      shared ? undefined : 'the memory is not shared (page not cross-origin isolated), so its size is fixed: pass a larger memoryMiB to WasmBackend.create');
    this.staging = new Staging(memory, this.heap);
  }

  /**
   * Compiles the kernels and starts the worker threads. Throws on a `threads` value that is not
   * a positive integer; in an environment without workers or shared memory between them (a
   * browser page that is not cross-origin isolated) it runs on one thread.
   */
  static async create(options: WasmBackendOptions = {}): Promise<WasmBackend> {
    const threads = await resolveThreads('WasmBackend.create', options.threads);
    const spinMs = options.spinMs ?? 2;
    if (!(typeof spinMs === 'number' && spinMs >= 0 && spinMs <= 1000)) {
      throw new Error(`WasmBackend.create: spinMs must be a number of milliseconds in [0, 1000], got ${String(options.spinMs)}`);
    }
    const memoryMiB = options.memoryMiB ?? DEFAULT_UNSHARED_MIB;
    if (!(Number.isInteger(memoryMiB) && memoryMiB >= MIN_UNSHARED_MIB && memoryMiB <= 4095)) {
      throw new Error(`WasmBackend.create: memoryMiB must be an integer from ${MIN_UNSHARED_MIB} to 4095, got ${String(options.memoryMiB)}`);
    }
    const shared = canShareMemory();
    const { module, flavour } = await loadKernelModule(options.flavour, shared);
    const memory = shared
      ? new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true })
      : new WebAssembly.Memory({ initial: memoryMiB * 16, maximum: memoryMiB * 16 });
    const instance = await WebAssembly.instantiate(module, { env: { memory, abort: wasmAbort, now: () => performance.now() } });
    const backend = new WasmBackend(instance, memory, flavour, shared, options.poisonScratch === true);
    if (threads > 1) {
      const control = backend.heap.alloc(controlBlockBytes(threads));
      backend.pool = await ThreadPool.start(module, memory, control, threads, [...OPS], spinMs);
    }
    return backend;
  }

  /** All cores this runtime reports (the default of `threads`). */
  static availableThreads(): Promise<number> {
    return availableThreads();
  }

  /** Threads that run kernels, the calling one included. */
  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /**
   * Kernel parts handed to worker threads so far, and how many of them the calling thread took
   * back because their worker had not started them (asleep, or descheduled on a busy machine);
   * and the chunks of whole-sequence jobs (a thread's share of one forward step or backward
   * phase, recurrentSequence*) that another thread ran because their own thread was late.
   */
  get threadStats(): { posted: number; takenBack: number; chunksTakenOver: number } {
    return { ...(this.pool?.stats ?? { posted: 0, takenBack: 0 }), chunksTakenOver: this.chunksTakenOver };
  }

  /** A short description for benchmarks, e.g. `wasm (simd, 2 threads)`. */
  get description(): string {
    const t = this.threads;
    return `wasm (${this.flavour}, ${t} thread${t === 1 ? '' : 's'}${this.sharedMemory ? '' : ', unshared memory'})`;
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
    return new WasmArena(this.heap, this.memory, this.poisonScratch);
  }

  // ---- the call mechanism ------------------------------------------------------------------

  /** Byte offset of `arr` in wasm memory, staged for this call if it lives elsewhere (`writeBack`: an output). */
  private p(arr: Typed, writeBack = false): number {
    return this.staging.offset(arr, writeBack);
  }

  /** An input buffer that advances `stride` elements per item of a part's range. */
  private in(arr: Typed, stride = 1): Buf {
    return new Buf(this.p(arr), stride);
  }

  /** An output (or in-place) buffer: copied back after the call if it was staged. */
  private out(arr: Typed, stride = 1): Buf {
    return new Buf(this.p(arr, true), stride);
  }

  /**
   * Boundaries of the parts `n` items split into ([0, n]: one part, this thread): inner
   * boundaries at multiples of `align`, at least `minPerPart` items per part (split.ts).
   */
  private split(n: number, align: number, minPerPart: number): number[] {
    if (!this.pool) return [0, n];
    const b = splitRange(n, this.pool.threads, align, minPerPart);
    return b.length > 2 ? b : [0, n];
  }

  /** Elementwise: ranges of items at multiples of ALIGN. */
  private elements(n: number, minPerPart: number): number[] {
    return this.split(n, ALIGN, minPerPart);
  }

  /** Row-wise: ranges of whole rows. */
  private rows(rows: number, minPerPart: number): number[] {
    return this.split(rows, 1, minPerPart);
  }

  /**
   * The one wrapper mechanism: stages the arguments `args()` describes, runs `op` on each range
   * [bounds[t], bounds[t+1]) (part 0 on this thread, the others on workers), copies outputs
   * back. Returns what a single call returned (-1 after a split).
   */
  private kernel(op: Op, bounds: readonly number[], args: () => readonly Arg[]): number {
    // staging.run written out: this runs for every kernel call, and a closure less is 10-20 ns of a small one.
    let result = -1;
    try {
      const a = args();
      const f = this.k[op] as KernelFn;
      if (bounds.length <= 2) {
        result = invoke(f, partArgs(a, 0, bounds[0]!, bounds[1]!));
      } else {
        const parts: number[][] = [];
        for (let t = 0; t + 1 < bounds.length; t++) parts.push(partArgs(a, t, bounds[t]!, bounds[t + 1]!));
        this.pool!.run(OP_CODE[op], parts, (x) => invoke(f, x));
      }
    } catch (e) {
      this.staging.release(false);
      throw e;
    }
    this.staging.release(true);
    return result;
  }

  /** A kernel that never splits (reductions, embeddings): one call on this thread. */
  private whole(op: 'sum' | 'sumSquares' | 'embeddingForward' | 'embeddingBackward', args: () => readonly Arg[]): number {
    return this.staging.run(() => invoke(this.k[op] as KernelFn, partArgs(args(), 0, 0, 0)));
  }

  /** GEMM scratch of at least `bytes` for thread t. */
  private workspace(t: number, bytes: number): number {
    if (bytes > (this.workBytes[t] ?? 0)) {
      if (this.workBytes[t]) this.heap.release(this.work[t]!);
      this.workBytes[t] = Math.max(bytes, 2 * (this.workBytes[t] ?? 0));
      this.work[t] = this.heap.alloc(this.workBytes[t]!);
    }
    return this.work[t] ?? 0;
  }

  // ---- matrix products: split along rows of C (at multiples of 4) or columns (multiples of 8) ----

  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number,
    alpha: number, a: F32, lda: number, b: F32, ldb: number, beta: number, c: F32, ldc: number): void {
    // The kernel trusts its sizes: a bad ld or short buffer would touch other tensors' memory.
    checkGemmArgs(transA, transB, m, n, k, a.length, lda, b.length, ldb, c.length, ldc);
    if (m === 0 || n === 0) return;
    const tA = +transA, tB = +transB;
    const { axis, bounds } = gemmSplit(m, n, k, this.threads, false);
    if (axis === 'rows') {
      this.kernel('gemm', bounds, () => [tA, tB, COUNT, n, k, alpha, this.in(a, transA ? 1 : lda), lda, this.in(b, 0), ldb, beta,
        this.out(c, ldc), ldc, (t, lo, hi) => this.workspace(t, this.k.gemmWorkspaceBytes(tA, tB, hi - lo, n, k))]);
    } else {
      this.kernel('gemm', bounds, () => [tA, tB, m, COUNT, k, alpha, this.in(a, 0), lda, this.in(b, transB ? ldb : 1), ldb, beta,
        this.out(c, 1), ldc, (t, lo, hi) => this.workspace(t, this.k.gemmWorkspaceBytes(tA, tB, m, hi - lo, k))]);
    }
  }

  gemmPackedSize(k: number, n: number): number {
    checkPackedSize(k, n);
    return this.k.gemmPackedFloats(k, n);
  }

  gemmPackB(transB: boolean, k: number, n: number, b: F32, ldb: number, packed: F32): void {
    checkPackBArgs(transB, k, n, b.length, ldb, packed.length, this.gemmPackedSize(k, n));
    if (k === 0 || n === 0) return;
    this.kernel('gemmPackB', this.split(n, GEMM_NR, Math.max(GEMM_NR, Math.ceil(MIN_E / k))),
      () => [+transB, k, n, this.in(b, 0), ldb, this.out(packed, 0), LO, HI]);
  }

  gemmPacked(transA: boolean, m: number, n: number, k: number, alpha: number, a: F32, lda: number,
    packed: F32, beta: number, c: F32, ldc: number): void {
    checkPackedGemmArgs(transA, m, n, k, a.length, lda, packed.length, this.gemmPackedSize(k, n), c.length, ldc);
    if (m === 0 || n === 0) return;
    const tA = +transA;
    const { axis, bounds } = gemmSplit(m, n, k, this.threads, true);
    if (axis === 'rows') {
      this.kernel('gemmPacked', bounds, () => [tA, COUNT, n, k, alpha, this.in(a, transA ? 1 : lda), lda, this.in(packed, 0), n, 0, beta,
        this.out(c, ldc), ldc, (t, lo, hi) => this.workspace(t, this.k.gemmPackedWorkspaceBytes(tA, hi - lo, k))]);
    } else {
      this.kernel('gemmPacked', bounds, () => [tA, m, COUNT, k, alpha, this.in(a, 0), lda, this.in(packed, 0), n, LO, beta,
        this.out(c, 1), ldc, (t) => this.workspace(t, this.k.gemmPackedWorkspaceBytes(tA, m, k))]);
    }
  }

  // ---- elementwise and reductions ----------------------------------------------------------

  fill(n: number, value: number, x: F32): void {
    this.kernel('fill', this.elements(n, 4 * MIN_E), () => [COUNT, value, this.out(x)]);
  }
  axpy(n: number, alpha: number, x: F32, y: F32): void {
    this.kernel('axpy', this.elements(n, MIN_E), () => [COUNT, alpha, this.in(x), this.out(y)]);
  }
  scale(n: number, alpha: number, x: F32): void {
    this.kernel('scale', this.elements(n, MIN_E), () => [COUNT, alpha, this.out(x)]);
  }
  mul(n: number, a: F32, b: F32, out: F32): void {
    this.kernel('mul', this.elements(n, MIN_E), () => [COUNT, this.in(a), this.in(b), this.out(out)]);
  }
  add(n: number, a: F32, b: F32, out: F32): void {
    this.kernel('add', this.elements(n, MIN_E), () => [COUNT, this.in(a), this.in(b), this.out(out)]);
  }
  clamp(n: number, lo: number, hi: number, x: F32): void {
    this.kernel('clamp', this.elements(n, MIN_E), () => [COUNT, lo, hi, this.out(x)]);
  }
  addRowVector(rows: number, cols: number, bias: F32, x: F32): void {
    this.kernel('addRowVector', this.rows(rows, Math.ceil(MIN_E / Math.max(cols, 1))), () => [COUNT, cols, this.in(bias, 0), this.out(x, cols)]);
  }
  sumRows(rows: number, cols: number, x: F32, out: F32): void {
    // Threads take column ranges (16 = one cache line of each row); a column's sum never changes.
    this.kernel('sumRows', this.split(cols, ALIGN, Math.max(ALIGN, Math.ceil(MIN_E / Math.max(rows, 1)))),
      () => [rows, COUNT, this.in(x), cols, this.out(out)]);
  }
  sum(n: number, x: F32): number {
    return this.whole('sum', () => [n, this.in(x)]);
  }
  sumSquares(n: number, x: F32): number {
    return this.whole('sumSquares', () => [n, this.in(x)]);
  }
  activationForward(kind: Activation, n: number, x: F32, y: F32): void {
    this.kernel('activationForward', this.elements(n, kind === 'relu' ? MIN_E : MIN_T), () => [ACTIVATION_CODE[kind], COUNT, this.in(x), this.out(y)]);
  }
  activationBackward(kind: Activation, n: number, y: F32, dy: F32, dx: F32, accumulate: boolean): void {
    this.kernel('activationBackward', this.elements(n, MIN_E), () => [ACTIVATION_CODE[kind], COUNT, this.in(y), this.in(dy), this.out(dx), +accumulate]);
  }

  // ---- fused recurrent cells: split by batch rows --------------------------------------------

  lstmCellForward(batch: number, hidden: number, gates: F32, cPrev: F32, c: F32, h: F32): void {
    const H = hidden;
    this.kernel('lstmCellForward', this.rows(batch, Math.ceil(MIN_T / H)),
      () => [COUNT, H, this.out(gates, 4 * H), this.in(cPrev, H), this.out(c, H), this.out(h, H)]);
  }
  lstmCellBackward(batch: number, hidden: number, gates: F32, cPrev: F32, c: F32, dh: F32, dc: F32, dGates: F32, dcPrev: F32): void {
    const H = hidden;
    this.kernel('lstmCellBackward', this.rows(batch, Math.ceil(MIN_T / H)), () => [COUNT, H, this.in(gates, 4 * H), this.in(cPrev, H),
      this.in(c, H), this.in(dh, H), this.in(dc, H), this.out(dGates, 4 * H), this.out(dcPrev, H)]);
  }
  gruCellForward(batch: number, hidden: number, xProj: F32, hProj: F32, hPrev: F32, saved: F32, h: F32): void {
    const H = hidden;
    this.kernel('gruCellForward', this.rows(batch, Math.ceil(MIN_T / H)), () => [COUNT, H, this.in(xProj, 3 * H), this.in(hProj, 3 * H),
      this.in(hPrev, H), this.out(saved, 4 * H), this.out(h, H)]);
  }
  gruCellBackward(batch: number, hidden: number, saved: F32, hPrev: F32, dh: F32, dxProj: F32, dhProj: F32, dhPrev: F32): void {
    const H = hidden;
    this.kernel('gruCellBackward', this.rows(batch, Math.ceil(MIN_T / H)), () => [COUNT, H, this.in(saved, 4 * H), this.in(hPrev, H),
      this.in(dh, H), this.out(dxProj, 3 * H), this.out(dhProj, 3 * H), this.out(dhPrev, H)]);
  }

  // ---- whole recurrent sequences -------------------------------------------------------------

  recurrentPackedSize(gates: number, hidden: number): number {
    checkRecurrentPackedSize(gates, hidden);
    return this.k.recurrentPackedFloats(gates, hidden);
  }

  recurrentPack(gates: number, hidden: number, weightHh: F32, packed: F32): void {
    checkRecurrentPackArgs(gates, hidden, weightHh, packed, this.recurrentPackedSize(gates, hidden));
    // Threads take ranges of 8-unit blocks.
    this.kernel('recurrentPack', this.rows(Math.ceil(hidden / GEMM_NR), Math.ceil(MIN_E / (gates * GEMM_NR * hidden))),
      () => [gates, hidden, this.in(weightHh, 0), this.out(packed, 0), LO, HI]);
  }

  /**
   * All T steps in one kernel job: each thread owns a range of hidden units for the whole
   * sequence and the threads meet at a barrier in shared memory once per step (see
   * assembly/recurrent.ts), instead of two posted jobs per step.
   */
  recurrentSequence(kind: CellKind, steps: number, batch: number, hidden: number, projection: F32 | RecurrentInput, packed: F32,
    hBias: F32 | null, lengths: I32 | null, reverse: boolean, h: F32, c: F32 | null, out: F32, save: RecurrentSaved | null = null,
    xBias: F32 | null = null): void {
    const cell = cellKind(kind, 'recurrentSequence', 'kind');
    const G = cell.gates;
    checkRecurrentSequenceArgs(kind, steps, batch, hidden, projection, packed, this.k.recurrentPackedFloats(G, hidden),
      hBias, lengths, h, c, out, save, xBias);
    if (isRecurrentInput(projection)) {
      // The wasm kernels read a projection of every step: one GEMM into a block of wasm memory
      // that lives for this call only.
      const n = steps * batch * G * hidden, I = projection.size;
      const offset = this.heap.alloc(n * 4);
      try {
        const xProj = new Float32Array(this.memory.buffer, offset, n);
        this.gemm(false, true, steps * batch, G * hidden, I, 1, projection.x, I, projection.weightIh, I, 0, xProj, G * hidden);
        this.recurrentSequence(kind, steps, batch, hidden, xProj, packed, hBias, lengths, reverse, h, c, out, save, xBias);
      } finally {
        this.heap.release(offset);
      }
      return;
    }
    const xProj = projection;
    if (xBias) this.addRowVector(steps * batch, G * hidden, xBias, xProj); // in place, as the contract allows
    const parts = sequenceParts(batch, G, hidden, this.threads);
    const BH = batch * hidden;
    this.staging.run(() => {
      const ph = this.p(h, true);
      this.sequenceJob({
        op: 'recurrentSequence', cell: cell.kernelCode, steps, batch, hidden, reverse, parts, lengths: lengths ? this.p(lengths) : 0,
        packed: this.p(packed), scratchBytes: this.k.recurrentScratchBytes(G, batch, hidden, Math.ceil(Math.ceil(hidden / GEMM_NR) / parts)),
        buffer: SEQ_H_SPARE,
        fields: {
          [SEQ_XPROJ]: this.p(xProj), [SEQ_HBIAS]: hBias ? this.p(hBias) : 0, [SEQ_H]: ph, [SEQ_C]: c ? this.p(c, true) : 0,
          [SEQ_OUT]: this.p(out, true), [SEQ_SAVE_GATES]: save ? this.p(save.gates, true) : 0,
          [SEQ_SAVE_HPREV]: save ? this.p(save.hPrev, true) : 0, [SEQ_SAVE_CPREV]: save && c ? this.p(save.cPrev!, true) : 0,
          [SEQ_SAVE_C]: save && c ? this.p(save.c!, true) : 0,
        },
        // Step s writes the new state into the spare buffer when s is even, into h when odd:
        // after an odd number of steps the final state is in the spare one.
        after: (spare) => {
          if (steps % 2 === 1) new Float32Array(this.memory.buffer, ph, BH).set(new Float32Array(this.memory.buffer, spare, BH));
        },
      });
    });
  }

  recurrentSequenceBackward(kind: CellKind, steps: number, batch: number, hidden: number, packedT: F32,
    lengths: I32 | null, reverse: boolean, saved: RecurrentSaved, dOut: F32 | null, dh: F32, dc: F32 | null,
    dxProj: F32, dhProj: F32 | null): void {
    const cell = cellKind(kind, 'recurrentSequenceBackward', 'kind');
    const G = cell.gates;
    checkRecurrentBackwardArgs(kind, steps, batch, hidden, packedT, this.k.gemmPackedFloats(G * hidden, hidden), lengths, saved,
      dOut, dh, dc, dxProj, dhProj);
    const parts = sequenceParts(batch, G, hidden, this.threads);
    this.staging.run(() => {
      const pdx = this.p(dxProj, true);
      this.sequenceJob({
        op: 'recurrentSequenceBackward', cell: cell.kernelCode, steps, batch, hidden, reverse, parts, lengths: lengths ? this.p(lengths) : 0,
        packed: this.p(packedT), scratchBytes: this.k.recurrentBackwardScratchBytes(G, batch, hidden),
        buffer: SEQ_DHPREV,
        fields: {
          [SEQ_SAVE_GATES]: this.p(saved.gates), [SEQ_SAVE_HPREV]: this.p(saved.hPrev),
          [SEQ_SAVE_CPREV]: saved.cPrev ? this.p(saved.cPrev) : 0, [SEQ_SAVE_C]: saved.c ? this.p(saved.c) : 0,
          [SEQ_DOUT]: dOut ? this.p(dOut) : 0, [SEQ_DH]: this.p(dh, true), [SEQ_DC]: dc ? this.p(dc, true) : 0,
          [SEQ_DXPROJ]: pdx, [SEQ_DHPROJ]: dhProj ? this.p(dhProj, true) : pdx,
        },
      });
    });
  }

  private sequenceJob(job: SequenceJob): void {
    this.chunksTakenOver += runSequenceJob({ kernels: this.k, heap: this.heap, memory: this.memory, pool: this.pool, opCode: OP_CODE[job.op] }, job);
  }

  // ---- losses: split by rows -------------------------------------------------------------------

  softmaxCrossEntropyForward(rows: number, classes: number, logits: F32, targets: I32, ignoreIndex: number, probs: F32, losses: F32): void {
    const bounds = this.rows(rows, Math.ceil(MIN_T / Math.max(classes, 1)));
    // Parts check only their own rows: when split, check every target first so that a throw writes nothing.
    let bad = bounds.length > 2 ? firstBadTarget(rows, classes, targets, ignoreIndex) : -1;
    if (bad < 0) {
      bad = this.kernel('softmaxCrossEntropyForward', bounds, () => [COUNT, classes, this.in(logits, classes), this.in(targets), ignoreIndex,
        this.out(probs, classes), this.out(losses)]);
    }
    if (bad >= 0) throw badTargetError(targets, bad, classes);
  }
  softmaxCrossEntropyBackward(rows: number, classes: number, probs: F32, targets: I32, ignoreIndex: number, rowScale: F32, dLogits: F32): void {
    this.kernel('softmaxCrossEntropyBackward', this.rows(rows, Math.ceil(MIN_E / Math.max(classes, 1))), () => [COUNT, classes,
      this.in(probs, classes), this.in(targets), ignoreIndex, this.in(rowScale), this.out(dLogits, classes)]);
  }
  softmax(rows: number, cols: number, x: F32, y: F32): void {
    this.kernel('softmax', this.rows(rows, Math.ceil(MIN_T / Math.max(cols, 1))), () => [COUNT, cols, this.in(x, cols), this.out(y, cols)]);
  }
  bceWithLogitsForward(n: number, logits: F32, targets: F32, posWeight: number, losses: F32): void {
    this.kernel('bceWithLogitsForward', this.elements(n, MIN_T), () => [COUNT, this.in(logits), this.in(targets), posWeight, this.out(losses)]);
  }
  bceWithLogitsBackward(n: number, logits: F32, targets: F32, posWeight: number, scale: F32, dLogits: F32): void {
    this.kernel('bceWithLogitsBackward', this.elements(n, MIN_T),
      () => [COUNT, this.in(logits), this.in(targets), posWeight, this.in(scale), this.out(dLogits)]);
  }

  // ---- embeddings (single-threaded: the backward scatters into shared rows) ------------------

  embeddingForward(rows: number, dim: number, vocab: number, ids: I32, table: F32, out: F32): void {
    const bad = this.whole('embeddingForward', () => [rows, dim, vocab, this.in(ids), this.in(table), this.out(out)]);
    if (bad >= 0) throw badIdError(ids, bad, vocab);
  }
  embeddingBackward(rows: number, dim: number, vocab: number, ids: I32, dOut: F32, dTable: F32, paddingIdx: number): void {
    this.whole('embeddingBackward', () => [rows, dim, vocab, this.in(ids), this.in(dOut), this.out(dTable), paddingIdx]);
  }

  // ---- optimizers: elementwise over the flat parameter buffer ---------------------------------

  sgdStep(n: number, params: F32, grads: F32, momentumBuf: F32, o: SgdOptions, firstStep: boolean): void {
    this.kernel('sgdStep', this.elements(n, MIN_E), () => [COUNT, this.out(params), this.in(grads), this.out(momentumBuf), o.lr, o.momentum,
      o.dampening, o.weightDecay, +o.nesterov, +firstStep]);
  }
  adagradStep(n: number, params: F32, grads: F32, sumSquares: F32, o: AdagradOptions): void {
    this.kernel('adagradStep', this.elements(n, MIN_E), () => [COUNT, this.out(params), this.in(grads), this.out(sumSquares), o.lr, o.eps,
      o.weightDecay]);
  }
  rmspropStep(n: number, params: F32, grads: F32, squareAvg: F32, gradAvg: F32, momentumBuf: F32, o: RmspropOptions): void {
    this.kernel('rmspropStep', this.elements(n, MIN_E), () => [COUNT, this.out(params), this.in(grads), this.out(squareAvg), this.out(gradAvg),
      this.out(momentumBuf), o.lr, o.alpha, o.eps, o.weightDecay, o.momentum, +o.centered]);
  }
  adamStep(n: number, params: F32, grads: F32, m: F32, v: F32, o: AdamOptions): void {
    this.kernel('adamStep', this.elements(n, MIN_E), () => [COUNT, this.out(params), this.in(grads), this.out(m), this.out(v), o.lr,
      o.beta1, o.beta2, o.eps, o.weightDecay, +o.decoupled, o.biasCorrection1, o.biasCorrection2]);
  }
}

function wasmAbort(): never {
  throw new Error('wasm backend: a kernel aborted');
}
