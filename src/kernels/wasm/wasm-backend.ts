/**
 * The WebAssembly backend: SIMD kernels over one shared linear memory, on all cores by default.
 * Tensors allocated by this backend live inside that memory, so kernels run on them in place;
 * arrays from elsewhere are copied in (and results back) around each call, correct but slower.
 * Large calls are split between the calling thread and worker threads that run the same
 * compiled module on the same memory (thread-pool.ts); splits follow output rows or columns only,
 * so results are bit-identical for any thread count (split.ts).
 * Not here: the kernel code itself (`../assembly/`) and autograd.
 */
import type { Activation, AdagradOptions, AdamOptions, Arena, Backend, F32, I32, RecurrentSaved, RmspropOptions, SgdOptions } from '../backend.js';
import { type CellKind, cellKind } from '../cell-kinds.js';
import {
  ACT_RELU, ACT_SIGMOID, ACT_TANH, JOB_SLOT_BYTES, JOB_SYNC_BYTES, SEQ_BATCH, SEQ_C, SEQ_CELL, SEQ_DC, SEQ_DH, SEQ_DHPREV, SEQ_DHPROJ,
  SEQ_DOUT, SEQ_DXPROJ, SEQ_FAILED, SEQ_H, SEQ_HBIAS, SEQ_HIDDEN, SEQ_H_SPARE, SEQ_LENGTHS, SEQ_OUT, SEQ_PACKED, SEQ_PARTS,
  SEQ_REVERSE, SEQ_SAVE_C, SEQ_SAVE_CPREV, SEQ_SAVE_GATES, SEQ_SAVE_HPREV, SEQ_SCRATCH, SEQ_SCRATCH_BYTES, SEQ_STEPS,
  SEQ_TAKEN_OVER, SEQ_XPROJ,
} from './kernel-abi.js';
import type { KernelExports } from './exports.js';
import { WasmHeap } from './heap.js';
import { WasmArena } from './wasm-arena.js';
import { type WasmFlavour, loadKernelModule } from './load.js';
import { ThreadPool } from './thread-pool.js';
import { controlBlockBytes } from './control-block.js';
import { GEMM_NR, MIN_ELEMENTS_PER_PART, MIN_TRANSCENDENTAL_PER_PART, gemmSplit, sequenceParts, splitRange } from './split.js';
import {
  badIdError, badTargetError, checkGemmArgs, checkPackBArgs, checkPackedGemmArgs, checkPackedSize, checkRecurrentBackwardArgs,
  checkRecurrentPackArgs, checkRecurrentPackedSize, checkRecurrentSequenceArgs, firstBadTarget,
} from '../checks.js';
import { availableThreads, canShareMemory, resolveThreads } from './threads.js';

const ACTIVATION_CODE: Record<Activation, number> = { tanh: ACT_TANH, relu: ACT_RELU, sigmoid: ACT_SIGMOID };
const MAX_PAGES = 65536; // 4 GiB, the wasm32 limit; shared memory reserves address space only
const INITIAL_PAGES = 256; // 16 MiB
const DEFAULT_UNSHARED_MIB = 256;
const MIN_UNSHARED_MIB = INITIAL_PAGES / 16; // the kernel module declares INITIAL_PAGES
/** Elementwise splits fall on multiples of 16 floats: whole vectors and whole 64-byte lines. */
const ALIGN = 16;

/** Kernels worker threads can run; a job names one by its index here. */
const OPS = ['gemm', 'gemmPacked', 'gemmPackB', 'fill', 'axpy', 'scale', 'mul', 'add', 'clamp', 'addRowVector', 'sumRows',
  'activationForward', 'activationBackward', 'lstmCellForward', 'lstmCellBackward', 'gruCellForward', 'gruCellBackward',
  'recurrentPack', 'recurrentSequence', 'recurrentSequenceBackward', 'softmaxCrossEntropyForward', 'softmaxCrossEntropyBackward', 'softmax', 'bceWithLogitsForward', 'bceWithLogitsBackward',
  'sgdStep', 'adagradStep', 'rmspropStep', 'adamStep'] as const satisfies readonly (keyof KernelExports)[];
type Op = (typeof OPS)[number];
const OP_CODE = Object.fromEntries(OPS.map((name, i) => [name, i])) as Record<Op, number>;

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

type Typed = F32 | I32;

/** A whole-sequence job: the descriptor's fields by name (kernel-abi.ts), pointers already staged. */
interface SequenceJob {
  op: 'recurrentSequence' | 'recurrentSequenceBackward';
  cell: number;
  steps: number;
  batch: number;
  hidden: number;
  reverse: boolean;
  parts: number;
  lengths: number;
  packed: number;
  scratchBytes: number;
  /** The field that gets the address of the job's zeroed [B, H] buffer (SEQ_H_SPARE, SEQ_DHPREV). */
  buffer: number;
  /** The job's own fields: SEQ_* -> value. */
  fields: Record<number, number>;
  after?: (buffer: number) => void;
}

export class WasmBackend implements Backend {
  readonly name = 'wasm' as const;
  readonly flavour: WasmFlavour;
  readonly memory: WebAssembly.Memory;
  /** False on a memory of its own (a browser page that is not cross-origin isolated): 1 thread, fixed size. */
  readonly sharedMemory: boolean;
  private readonly k: KernelExports;
  private readonly heap: WasmHeap;
  /** Every ArrayBuffer object this memory has had (a shared memory gets a new one per grow). */
  private readonly buffers = new Set<ArrayBufferLike>();
  private readonly finalizer = new FinalizationRegistry<number>((offset) => this.heap.release(offset));
  /** Copies made for arrays outside wasm memory during the current call. */
  private staged: { offset: number; src: Typed; writeBack: boolean }[] = [];
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
    this.buffers.add(memory.buffer);
    this.heap = new WasmHeap(memory, this.k.heapBase(), () => this.buffers.add(memory.buffer),
      shared ? undefined : 'the memory is not shared (page not cross-origin isolated), so its size is fixed: pass a larger memoryMiB to WasmBackend.create');
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

  /**
   * Copies staged outputs back (unless `writeBack` is false: the kernel failed and its partial
   * results must not reach the caller's arrays) and frees the staging copies; call after every kernel.
   */
  private done(writeBack = true): void {
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

  // ---- threads ---------------------------------------------------------------------------

  /** GEMM scratch of at least `bytes` for thread t. */
  private workspace(t: number, bytes: number): number {
    if (bytes > (this.workBytes[t] ?? 0)) {
      if (this.workBytes[t]) this.heap.release(this.work[t]!);
      this.workBytes[t] = Math.max(bytes, 2 * (this.workBytes[t] ?? 0));
      this.work[t] = this.heap.alloc(this.workBytes[t]!);
    }
    return this.work[t] ?? 0;
  }

  /** Boundaries for splitting `n` items (rows or elements), or null to run on this thread. */
  private ranges(n: number, align: number, minPerPart: number): number[] | null {
    if (!this.pool) return null;
    const b = splitRange(n, this.pool.threads, align, minPerPart);
    return b.length > 2 ? b : null;
  }

  /** Runs `op` once per range [bounds[t], bounds[t+1]), part 0 on this thread, with args(t, lo, hi). */
  private parallel(op: Op, bounds: number[], args: (t: number, lo: number, hi: number) => number[]): void {
    const partArgs: number[][] = [];
    for (let t = 0; t + 1 < bounds.length; t++) partArgs.push(args(t, bounds[t]!, bounds[t + 1]!));
    const f = this.k[op] as (...a: number[]) => unknown;
    this.pool!.run(OP_CODE[op], partArgs, (a) => f(...a));
  }

  /** Elementwise kernel over n items: one call, or one per range (args get lo, hi). */
  private each(op: Op, n: number, minPerPart: number, args: (lo: number, hi: number) => number[], align = ALIGN): void {
    const bounds = this.ranges(n, align, minPerPart);
    if (bounds) this.parallel(op, bounds, (_t, lo, hi) => args(lo, hi));
    else (this.k[op] as (...a: number[]) => unknown)(...args(0, n));
  }

  // ---- matrix products -------------------------------------------------------------------

  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number,
    alpha: number, a: F32, lda: number, b: F32, ldb: number, beta: number, c: F32, ldc: number): void {
    // The kernel trusts its sizes: a bad ld or short buffer would touch other tensors' memory.
    checkGemmArgs(transA, transB, m, n, k, a.length, lda, b.length, ldb, c.length, ldc);
    if (m === 0 || n === 0) return;
    const pa = this.p(a), pb = this.p(b), pc = this.p(c, true);
    const tA = +transA, tB = +transB;
    const split = this.pool ? gemmSplit(m, n, k, this.pool.threads, false) : undefined;
    if (!split || split.bounds.length <= 2) {
      const work = this.workspace(0, this.k.gemmWorkspaceBytes(tA, tB, m, n, k));
      this.k.gemm(tA, tB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, work);
    } else if (split.axis === 'rows') {
      const aRow = transA ? 4 : lda * 4;
      this.parallel('gemm', split.bounds, (t, lo, hi) => [tA, tB, hi - lo, n, k, alpha, pa + lo * aRow, lda, pb, ldb, beta,
        pc + lo * ldc * 4, ldc, this.workspace(t, this.k.gemmWorkspaceBytes(tA, tB, hi - lo, n, k))]);
    } else {
      const bCol = transB ? ldb * 4 : 4;
      this.parallel('gemm', split.bounds, (t, lo, hi) => [tA, tB, m, hi - lo, k, alpha, pa, lda, pb + lo * bCol, ldb, beta,
        pc + lo * 4, ldc, this.workspace(t, this.k.gemmWorkspaceBytes(tA, tB, m, hi - lo, k))]);
    }
    this.done();
  }

  gemmPackedSize(k: number, n: number): number {
    checkPackedSize(k, n);
    return this.k.gemmPackedFloats(k, n);
  }

  gemmPackB(transB: boolean, k: number, n: number, b: F32, ldb: number, packed: F32): void {
    const size = this.gemmPackedSize(k, n);
    checkPackBArgs(transB, k, n, b.length, ldb, packed.length, size);
    if (k === 0 || n === 0) return;
    const pb = this.p(b), pp = this.p(packed, true), tB = +transB;
    const bounds = this.ranges(n, GEMM_NR, Math.max(GEMM_NR, Math.ceil(MIN_ELEMENTS_PER_PART / k)));
    if (bounds) this.parallel('gemmPackB', bounds, (_t, lo, hi) => [tB, k, n, pb, ldb, pp, lo, hi]);
    else this.k.gemmPackB(tB, k, n, pb, ldb, pp, 0, n);
    this.done();
  }

  gemmPacked(transA: boolean, m: number, n: number, k: number, alpha: number, a: F32, lda: number,
    packed: F32, beta: number, c: F32, ldc: number): void {
    checkPackedGemmArgs(transA, m, n, k, a.length, lda, packed.length, this.gemmPackedSize(k, n), c.length, ldc);
    if (m === 0 || n === 0) return;
    const pa = this.p(a), pp = this.p(packed), pc = this.p(c, true), tA = +transA;
    const split = this.pool ? gemmSplit(m, n, k, this.pool.threads, true) : undefined;
    if (!split || split.bounds.length <= 2) {
      const work = this.workspace(0, this.k.gemmPackedWorkspaceBytes(tA, m, k));
      this.k.gemmPacked(tA, m, n, k, alpha, pa, lda, pp, n, 0, beta, pc, ldc, work);
    } else if (split.axis === 'rows') {
      const aRow = transA ? 4 : lda * 4;
      this.parallel('gemmPacked', split.bounds, (t, lo, hi) => [tA, hi - lo, n, k, alpha, pa + lo * aRow, lda, pp, n, 0, beta,
        pc + lo * ldc * 4, ldc, this.workspace(t, this.k.gemmPackedWorkspaceBytes(tA, hi - lo, k))]);
    } else {
      this.parallel('gemmPacked', split.bounds, (t, lo, hi) => [tA, m, hi - lo, k, alpha, pa, lda, pp, n, lo, beta,
        pc + lo * 4, ldc, this.workspace(t, this.k.gemmPackedWorkspaceBytes(tA, m, k))]);
    }
    this.done();
  }

  // ---- elementwise and reductions --------------------------------------------------------

  fill(n: number, value: number, x: F32): void {
    const px = this.p(x, true);
    this.each('fill', n, 4 * MIN_ELEMENTS_PER_PART, (lo, hi) => [hi - lo, value, px + lo * 4]);
    this.done();
  }
  axpy(n: number, alpha: number, x: F32, y: F32): void {
    const px = this.p(x), py = this.p(y, true);
    this.each('axpy', n, MIN_ELEMENTS_PER_PART, (lo, hi) => [hi - lo, alpha, px + lo * 4, py + lo * 4]);
    this.done();
  }
  scale(n: number, alpha: number, x: F32): void {
    const px = this.p(x, true);
    this.each('scale', n, MIN_ELEMENTS_PER_PART, (lo, hi) => [hi - lo, alpha, px + lo * 4]);
    this.done();
  }
  mul(n: number, a: F32, b: F32, out: F32): void {
    const pa = this.p(a), pb = this.p(b), po = this.p(out, true);
    this.each('mul', n, MIN_ELEMENTS_PER_PART, (lo, hi) => [hi - lo, pa + lo * 4, pb + lo * 4, po + lo * 4]);
    this.done();
  }
  add(n: number, a: F32, b: F32, out: F32): void {
    const pa = this.p(a), pb = this.p(b), po = this.p(out, true);
    this.each('add', n, MIN_ELEMENTS_PER_PART, (lo, hi) => [hi - lo, pa + lo * 4, pb + lo * 4, po + lo * 4]);
    this.done();
  }
  clamp(n: number, lo: number, hi: number, x: F32): void {
    const px = this.p(x, true);
    this.each('clamp', n, MIN_ELEMENTS_PER_PART, (l, h) => [h - l, lo, hi, px + l * 4]);
    this.done();
  }
  addRowVector(rows: number, cols: number, bias: F32, x: F32): void {
    const pb = this.p(bias), px = this.p(x, true);
    this.each('addRowVector', rows, Math.ceil(MIN_ELEMENTS_PER_PART / Math.max(cols, 1)),
      (lo, hi) => [hi - lo, cols, pb, px + lo * cols * 4], 1);
    this.done();
  }
  sumRows(rows: number, cols: number, x: F32, out: F32): void {
    // Threads take column ranges (16 = one cache line of each row); a column's sum never changes.
    const px = this.p(x), po = this.p(out, true);
    this.each('sumRows', cols, Math.max(ALIGN, Math.ceil(MIN_ELEMENTS_PER_PART / Math.max(rows, 1))),
      (lo, hi) => [rows, hi - lo, px + lo * 4, cols, po + lo * 4]);
    this.done();
  }
  sum(n: number, x: F32): number {
    const r = this.k.sum(n, this.p(x)); this.done(); return r;
  }
  sumSquares(n: number, x: F32): number {
    const r = this.k.sumSquares(n, this.p(x)); this.done(); return r;
  }
  activationForward(kind: Activation, n: number, x: F32, y: F32): void {
    const px = this.p(x), py = this.p(y, true), code = ACTIVATION_CODE[kind];
    this.each('activationForward', n, kind === 'relu' ? MIN_ELEMENTS_PER_PART : MIN_TRANSCENDENTAL_PER_PART,
      (lo, hi) => [code, hi - lo, px + lo * 4, py + lo * 4]);
    this.done();
  }
  activationBackward(kind: Activation, n: number, y: F32, dy: F32, dx: F32, accumulate: boolean): void {
    const py = this.p(y), pdy = this.p(dy), pdx = this.p(dx, true), code = ACTIVATION_CODE[kind];
    this.each('activationBackward', n, MIN_ELEMENTS_PER_PART, (lo, hi) => [code, hi - lo, py + lo * 4, pdy + lo * 4, pdx + lo * 4, +accumulate]);
    this.done();
  }

  // ---- fused recurrent cells: split by batch rows ------------------------------------------

  lstmCellForward(batch: number, hidden: number, gates: F32, cPrev: F32, c: F32, h: F32): void {
    const g = this.p(gates, true), cp = this.p(cPrev), co = this.p(c, true), ho = this.p(h, true);
    const H4 = hidden * 4;
    this.each('lstmCellForward', batch, Math.ceil(MIN_TRANSCENDENTAL_PER_PART / hidden),
      (lo, hi) => [hi - lo, hidden, g + lo * H4 * 4, cp + lo * H4, co + lo * H4, ho + lo * H4], 1);
    this.done();
  }
  lstmCellBackward(batch: number, hidden: number, gates: F32, cPrev: F32, c: F32, dh: F32, dc: F32, dGates: F32, dcPrev: F32): void {
    const g = this.p(gates), cp = this.p(cPrev), co = this.p(c), pdh = this.p(dh), pdc = this.p(dc);
    const pdg = this.p(dGates, true), pdcp = this.p(dcPrev, true);
    const H4 = hidden * 4;
    this.each('lstmCellBackward', batch, Math.ceil(MIN_TRANSCENDENTAL_PER_PART / hidden),
      (lo, hi) => [hi - lo, hidden, g + lo * H4 * 4, cp + lo * H4, co + lo * H4, pdh + lo * H4, pdc + lo * H4,
        pdg + lo * H4 * 4, pdcp + lo * H4], 1);
    this.done();
  }
  gruCellForward(batch: number, hidden: number, xProj: F32, hProj: F32, hPrev: F32, saved: F32, h: F32): void {
    const px = this.p(xProj), ph = this.p(hProj), php = this.p(hPrev), ps = this.p(saved, true), pho = this.p(h, true);
    const H4 = hidden * 4;
    this.each('gruCellForward', batch, Math.ceil(MIN_TRANSCENDENTAL_PER_PART / hidden),
      (lo, hi) => [hi - lo, hidden, px + lo * H4 * 3, ph + lo * H4 * 3, php + lo * H4, ps + lo * H4 * 4, pho + lo * H4], 1);
    this.done();
  }
  gruCellBackward(batch: number, hidden: number, saved: F32, hPrev: F32, dh: F32, dxProj: F32, dhProj: F32, dhPrev: F32): void {
    const ps = this.p(saved), php = this.p(hPrev), pdh = this.p(dh);
    const pdx = this.p(dxProj, true), pdhp = this.p(dhProj, true), pdhPrev = this.p(dhPrev, true);
    const H4 = hidden * 4;
    this.each('gruCellBackward', batch, Math.ceil(MIN_TRANSCENDENTAL_PER_PART / hidden),
      (lo, hi) => [hi - lo, hidden, ps + lo * H4 * 4, php + lo * H4, pdh + lo * H4, pdx + lo * H4 * 3, pdhp + lo * H4 * 3,
        pdhPrev + lo * H4], 1);
    this.done();
  }

  // ---- whole recurrent sequences ------------------------------------------------------------

  recurrentPackedSize(gates: number, hidden: number): number {
    checkRecurrentPackedSize(gates, hidden);
    return this.k.recurrentPackedFloats(gates, hidden);
  }

  recurrentPack(gates: number, hidden: number, weightHh: F32, packed: F32): void {
    checkRecurrentPackArgs(gates, hidden, weightHh, packed, this.recurrentPackedSize(gates, hidden));
    const pw = this.p(weightHh), pp = this.p(packed, true);
    const blocks = Math.ceil(hidden / GEMM_NR);
    const bounds = this.ranges(blocks, 1, Math.ceil(MIN_ELEMENTS_PER_PART / (gates * GEMM_NR * hidden)));
    if (bounds) this.parallel('recurrentPack', bounds, (_t, lo, hi) => [gates, hidden, pw, pp, lo, hi]);
    else this.k.recurrentPack(gates, hidden, pw, pp, 0, blocks);
    this.done();
  }

  /**
   * All T steps in one kernel job: each thread owns a range of hidden units for the whole
   * sequence and the threads meet at a barrier in shared memory once per step (see
   * assembly/recurrent.ts), instead of two posted jobs per step.
   */
  recurrentSequence(kind: CellKind, steps: number, batch: number, hidden: number, xProj: F32, packed: F32,
    hBias: F32 | null, lengths: I32 | null, reverse: boolean, h: F32, c: F32 | null, out: F32, save: RecurrentSaved | null = null): void {
    const cell = cellKind(kind, 'recurrentSequence', 'kind');
    const G = cell.gates;
    checkRecurrentSequenceArgs(kind, steps, batch, hidden, xProj, packed, this.k.recurrentPackedFloats(G, hidden),
      hBias, lengths, h, c, out, save);
    const parts = sequenceParts(batch, G, hidden, this.threads);
    const BH = batch * hidden;
    this.staging(() => {
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
    this.staging(() => {
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

  /**
   * Runs `job` on arguments staged by p(): copies outputs back when it returns; when it throws,
   * frees the copies without writing partial results into the caller's arrays.
   */
  private staging(job: () => void): void {
    try {
      job();
    } catch (e) {
      this.done(false);
      throw e;
    }
    this.done();
  }

  /**
   * Runs a whole-sequence job on `job.parts` threads. One heap block holds the descriptor (the
   * named words of kernel-abi.ts, then a zeroed sync slot per part), a zeroed buffer of B * H
   * floats whose address goes into the field `job.buffer`, and the scratch of every part;
   * `job.after(buffer)`, if given, runs before the block is released.
   */
  private sequenceJob(job: SequenceJob): void {
    const { op, parts, scratchBytes } = job;
    const descBytes = JOB_SYNC_BYTES + JOB_SLOT_BYTES * parts;
    const bufferBytes = Math.ceil(job.batch * job.hidden * 4 / 64) * 64;
    // One block (64-byte aligned, as every heap block): descriptor, buffer, scratch per part.
    const desc = this.heap.alloc(descBytes + bufferBytes + scratchBytes * parts);
    let threadFailed = false; // then a stuck thread may still write to the block: it is never reused
    try {
      const buffer = desc + descBytes;
      const d = new Int32Array(this.memory.buffer, desc, (descBytes + bufferBytes) / 4);
      d.fill(0);
      d[SEQ_CELL] = job.cell;
      d[SEQ_STEPS] = job.steps;
      d[SEQ_BATCH] = job.batch;
      d[SEQ_HIDDEN] = job.hidden;
      d[SEQ_REVERSE] = +job.reverse;
      d[SEQ_PARTS] = parts;
      d[SEQ_LENGTHS] = job.lengths;
      d[SEQ_PACKED] = job.packed;
      d[SEQ_SCRATCH] = buffer + bufferBytes;
      d[SEQ_SCRATCH_BYTES] = scratchBytes;
      d[job.buffer] = buffer;
      for (const field in job.fields) d[+field] = job.fields[field]!;
      const run = this.k[op];
      if (parts === 1) {
        run(desc, 0);
      } else {
        const partArgs: number[][] = [];
        for (let t = 0; t < parts; t++) partArgs.push([desc, t]);
        try {
          this.pool!.run(OP_CODE[op], partArgs, (a) => run(a[0]!, a[1]!));
        } catch (e) {
          threadFailed = true;
          throw e;
        }
      }
      this.chunksTakenOver += d[SEQ_TAKEN_OVER]!;
      if (d[SEQ_FAILED] !== 0) {
        threadFailed = true;
        throw new Error(`${op}: a thread waited on the others for over 30 s (a worker thread stopped)`);
      }
      job.after?.(buffer);
    } finally {
      if (!threadFailed) this.heap.release(desc);
    }
  }

  // ---- losses ----------------------------------------------------------------------------

  softmaxCrossEntropyForward(rows: number, classes: number, logits: F32, targets: I32, ignoreIndex: number, probs: F32, losses: F32): void {
    const pl = this.p(logits), pt = this.p(targets), pp = this.p(probs, true), plo = this.p(losses, true);
    const bounds = this.ranges(rows, 1, Math.ceil(MIN_TRANSCENDENTAL_PER_PART / Math.max(classes, 1)));
    let bad = -1;
    if (bounds) {
      // Parts check only their own rows: check all targets first so a throw writes nothing.
      bad = firstBadTarget(rows, classes, targets, ignoreIndex);
      if (bad < 0) {
        this.parallel('softmaxCrossEntropyForward', bounds, (_t, lo, hi) => [hi - lo, classes, pl + lo * classes * 4, pt + lo * 4,
          ignoreIndex, pp + lo * classes * 4, plo + lo * 4]);
      }
    } else {
      bad = this.k.softmaxCrossEntropyForward(rows, classes, pl, pt, ignoreIndex, pp, plo);
    }
    this.done();
    if (bad >= 0) throw badTargetError(targets, bad, classes);
  }
  softmaxCrossEntropyBackward(rows: number, classes: number, probs: F32, targets: I32, ignoreIndex: number, rowScale: F32, dLogits: F32): void {
    const pp = this.p(probs), pt = this.p(targets), ps = this.p(rowScale), pd = this.p(dLogits, true);
    this.each('softmaxCrossEntropyBackward', rows, Math.ceil(MIN_ELEMENTS_PER_PART / Math.max(classes, 1)),
      (lo, hi) => [hi - lo, classes, pp + lo * classes * 4, pt + lo * 4, ignoreIndex, ps + lo * 4, pd + lo * classes * 4], 1);
    this.done();
  }
  softmax(rows: number, cols: number, x: F32, y: F32): void {
    const px = this.p(x), py = this.p(y, true);
    this.each('softmax', rows, Math.ceil(MIN_TRANSCENDENTAL_PER_PART / Math.max(cols, 1)),
      (lo, hi) => [hi - lo, cols, px + lo * cols * 4, py + lo * cols * 4], 1);
    this.done();
  }
  bceWithLogitsForward(n: number, logits: F32, targets: F32, posWeight: number, losses: F32): void {
    const pl = this.p(logits), pt = this.p(targets), plo = this.p(losses, true);
    this.each('bceWithLogitsForward', n, MIN_TRANSCENDENTAL_PER_PART, (lo, hi) => [hi - lo, pl + lo * 4, pt + lo * 4, posWeight, plo + lo * 4]);
    this.done();
  }
  bceWithLogitsBackward(n: number, logits: F32, targets: F32, posWeight: number, scale: F32, dLogits: F32): void {
    const pl = this.p(logits), pt = this.p(targets), ps = this.p(scale), pd = this.p(dLogits, true);
    this.each('bceWithLogitsBackward', n, MIN_TRANSCENDENTAL_PER_PART,
      (lo, hi) => [hi - lo, pl + lo * 4, pt + lo * 4, posWeight, ps + lo * 4, pd + lo * 4]);
    this.done();
  }

  // ---- embeddings (single-threaded: the backward scatters into shared rows) ------------------

  embeddingForward(rows: number, dim: number, vocab: number, ids: I32, table: F32, out: F32): void {
    const bad = this.k.embeddingForward(rows, dim, vocab, this.p(ids), this.p(table), this.p(out, true));
    this.done();
    if (bad >= 0) throw badIdError(ids, bad, vocab);
  }
  embeddingBackward(rows: number, dim: number, vocab: number, ids: I32, dOut: F32, dTable: F32, paddingIdx: number): void {
    this.k.embeddingBackward(rows, dim, vocab, this.p(ids), this.p(dOut), this.p(dTable, true), paddingIdx); this.done();
  }

  // ---- optimizers ------------------------------------------------------------------------

  sgdStep(n: number, params: F32, grads: F32, momentumBuf: F32, o: SgdOptions, firstStep: boolean): void {
    const pp = this.p(params, true), pg = this.p(grads), pm = this.p(momentumBuf, true);
    this.each('sgdStep', n, MIN_ELEMENTS_PER_PART, (lo, hi) => [hi - lo, pp + lo * 4, pg + lo * 4, pm + lo * 4, o.lr, o.momentum,
      o.dampening, o.weightDecay, +o.nesterov, +firstStep]);
    this.done();
  }
  adagradStep(n: number, params: F32, grads: F32, sumSquares: F32, o: AdagradOptions): void {
    const pp = this.p(params, true), pg = this.p(grads), ps = this.p(sumSquares, true);
    this.each('adagradStep', n, MIN_ELEMENTS_PER_PART, (lo, hi) => [hi - lo, pp + lo * 4, pg + lo * 4, ps + lo * 4, o.lr, o.eps, o.weightDecay]);
    this.done();
  }
  rmspropStep(n: number, params: F32, grads: F32, squareAvg: F32, gradAvg: F32, momentumBuf: F32, o: RmspropOptions): void {
    const pp = this.p(params, true), pg = this.p(grads), psq = this.p(squareAvg, true), pga = this.p(gradAvg, true);
    const pm = this.p(momentumBuf, true);
    this.each('rmspropStep', n, MIN_ELEMENTS_PER_PART, (lo, hi) => [hi - lo, pp + lo * 4, pg + lo * 4, psq + lo * 4, pga + lo * 4,
      pm + lo * 4, o.lr, o.alpha, o.eps, o.weightDecay, o.momentum, +o.centered]);
    this.done();
  }
  adamStep(n: number, params: F32, grads: F32, m: F32, v: F32, o: AdamOptions): void {
    const pp = this.p(params, true), pg = this.p(grads), pm = this.p(m, true), pv = this.p(v, true);
    this.each('adamStep', n, MIN_ELEMENTS_PER_PART, (lo, hi) => [hi - lo, pp + lo * 4, pg + lo * 4, pm + lo * 4, pv + lo * 4, o.lr,
      o.beta1, o.beta2, o.eps, o.weightDecay, +o.decoupled, o.biasCorrection1, o.biasCorrection2]);
    this.done();
  }
}

function wasmAbort(): never {
  throw new Error('wasm backend: a kernel aborted');
}
