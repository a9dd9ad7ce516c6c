/**
 * The native backend (Node only, optional): C++ kernels in a Node-API addon compiled at install
 * time (native/, scripts/build-native.mjs), vectorised for the CPU's best instruction set and
 * run on a pool of native threads. Every method calls the addon once on the caller's own arrays,
 * in place: unlike wasm there is no memory to copy into, so `allocFloats` is a plain
 * Float32Array. Threaded kernels (GEMMs, whole sequences) split outputs only, so results are
 * bit-identical for any thread count. Not here: the kernels (native/src/), the loader (load.ts).
 */
import type {
  Activation, AdagradOptions, AdamOptions, Arena, Backend, F32, I32, RecurrentInput, RecurrentSaved, RmspropOptions, SgdOptions,
} from '../backend.js';
import { type CellKind, cellKind } from '../cell-kinds.js';
import {
  badIdError, badTargetError, checkGemmArgs, checkPackBArgs, checkPackedGemmArgs, checkPackedSize, checkRecurrentBackwardArgs,
  checkRecurrentPackArgs, checkRecurrentPackedSize, checkRecurrentSequenceArgs, firstBadTarget, isRecurrentInput,
} from '../checks.js';
import { resolveThreads } from '../wasm/threads.js';
import { NativeArena } from './native-arena.js';
import { type NativeAddon, type NativeAvailability, type NativeInfo, type NativeIsa, type NativePool, loadNativeAddon, nativeAvailability } from './load.js';

export interface NativeBackendOptions {
  /**
   * Threads that run kernels, the calling one included: a positive integer, default all cores
   * (`os.availableParallelism()`); 1 runs everything on the calling thread.
   */
  threads?: number;
}

/** kernels.h's numbering of activations and cell kinds (the addon takes these codes). */
const ACTIVATION: Record<Activation, number> = { tanh: 0, relu: 1, sigmoid: 2 };
const CELL: Record<CellKind, number> = { lstm: 0, gru: 1, 'rnn-tanh': 2, 'rnn-relu': 3, 'rnn-sigmoid': 4 };

export class NativeBackend implements Backend {
  readonly name = 'native' as const;
  private readonly k: NativeAddon;
  private readonly pool: NativePool;
  private readonly threadCount: number;

  private constructor(addon: NativeAddon, threads: number) {
    this.k = addon;
    this.threadCount = threads;
    this.pool = addon.createPool(threads);
  }

  /**
   * Loads the addon and starts its threads. Throws when the addon is unavailable (not built:
   * no compiler at install time, RECUR_NATIVE=0, a browser), with the reason, and on a
   * `threads` value that is not a positive integer.
   */
  static async create(options: NativeBackendOptions = {}): Promise<NativeBackend> {
    const threads = await resolveThreads('NativeBackend.create', options.threads);
    const addon = await loadNativeAddon('NativeBackend.create');
    return new NativeBackend(addon, threads);
  }

  /** Whether `create` can succeed here, and if not, why (the install-time build's own reason). */
  static available(): NativeAvailability {
    return nativeAvailability();
  }

  /** Threads that run kernels, the calling one included. */
  get threads(): number {
    return this.threadCount;
  }

  /** What the CPU offers and what the kernels use. */
  get info(): NativeInfo {
    return this.k.info();
  }

  /**
   * Chooses the kernels' instruction set for this process (every NativeBackend shares the
   * addon): for tests that run each path, and benchmarks. Returns false, changing nothing, when
   * the CPU cannot run it.
   */
  setIsa(isa: NativeIsa): boolean {
    return this.k.setIsa(isa);
  }

  /**
   * The machine's multiply-add ceiling for native code, GFLOP/s per thread with all of this
   * backend's threads busy: independent FMA chains on registers of the active instruction set
   * for about `seconds` (what `npm run bench` reports each workload's share of). Not a kernel.
   */
  fmaCeiling(seconds = 0.2): number {
    if (!(seconds > 0 && seconds <= 10)) throw new Error(`fmaCeiling: seconds must be in (0, 10], got ${seconds}`);
    return this.k.fmaCeiling(this.pool, seconds) / this.threadCount;
  }

  /** A short description for benchmarks, e.g. `native (avx2, 2 threads)`. */
  get description(): string {
    const t = this.threadCount;
    return `native (${this.k.info().isaActive}, ${t} thread${t === 1 ? '' : 's'})`;
  }

  // ---- memory: plain arrays; the addon works on them where they are ---------------------------

  allocFloats(n: number): F32 {
    return new Float32Array(n);
  }
  allocInts(n: number): I32 {
    return new Int32Array(n);
  }
  createArena(): Arena {
    return new NativeArena();
  }

  // ---- matrix products (threaded) ----------------------------------------------------------------

  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number,
    alpha: number, a: F32, lda: number, b: F32, ldb: number, beta: number, c: F32, ldc: number): void {
    checkGemmArgs(transA, transB, m, n, k, a.length, lda, b.length, ldb, c.length, ldc);
    if (m === 0 || n === 0) return;
    this.k.gemm(this.pool, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
  gemmPackedSize(k: number, n: number): number {
    checkPackedSize(k, n);
    return this.k.gemmPackedSize(k, n);
  }
  gemmPackB(transB: boolean, k: number, n: number, b: F32, ldb: number, packed: F32): void {
    checkPackBArgs(transB, k, n, b.length, ldb, packed.length, this.gemmPackedSize(k, n));
    if (k === 0 || n === 0) return;
    this.k.gemmPackB(transB, k, n, b, ldb, packed);
  }
  gemmPacked(transA: boolean, m: number, n: number, k: number, alpha: number, a: F32, lda: number,
    packed: F32, beta: number, c: F32, ldc: number): void {
    checkPackedGemmArgs(transA, m, n, k, a.length, lda, packed.length, this.gemmPackedSize(k, n), c.length, ldc);
    if (m === 0 || n === 0) return;
    this.k.gemmPacked(this.pool, transA, m, n, k, alpha, a, lda, packed, beta, c, ldc);
  }

  // ---- elementwise and reductions ------------------------------------------------------------------

  fill(n: number, value: number, x: F32): void { this.k.fill(this.pool, n, value, x); }
  axpy(n: number, alpha: number, x: F32, y: F32): void { this.k.axpy(this.pool, n, alpha, x, y); }
  scale(n: number, alpha: number, x: F32): void { this.k.scale(this.pool, n, alpha, x); }
  mul(n: number, a: F32, b: F32, out: F32): void { this.k.mul(this.pool, n, a, b, out); }
  add(n: number, a: F32, b: F32, out: F32): void { this.k.add(this.pool, n, a, b, out); }
  clamp(n: number, lo: number, hi: number, x: F32): void { this.k.clamp(this.pool, n, lo, hi, x); }
  addRowVector(rows: number, cols: number, bias: F32, x: F32): void { this.k.addRowVector(this.pool, rows, cols, bias, x); }
  sumRows(rows: number, cols: number, x: F32, out: F32): void { this.k.sumRows(this.pool, rows, cols, x, out); }
  sum(n: number, x: F32): number { return this.k.sum(n, x); }
  sumSquares(n: number, x: F32): number { return this.k.sumSquares(n, x); }
  activationForward(kind: Activation, n: number, x: F32, y: F32): void {
    this.k.activationForward(this.pool, activationCode(kind, 'activationForward'), n, x, y);
  }
  activationBackward(kind: Activation, n: number, y: F32, dy: F32, dx: F32, accumulate: boolean): void {
    this.k.activationBackward(this.pool, activationCode(kind, 'activationBackward'), n, y, dy, dx, accumulate);
  }

  // ---- fused recurrent cells ------------------------------------------------------------------------

  lstmCellForward(batch: number, hidden: number, gates: F32, cPrev: F32, c: F32, h: F32): void {
    this.k.lstmCellForward(batch, hidden, gates, cPrev, c, h);
  }
  lstmCellBackward(batch: number, hidden: number, gates: F32, cPrev: F32, c: F32, dh: F32, dc: F32, dGates: F32, dcPrev: F32): void {
    this.k.lstmCellBackward(batch, hidden, gates, cPrev, c, dh, dc, dGates, dcPrev);
  }
  gruCellForward(batch: number, hidden: number, xProj: F32, hProj: F32, hPrev: F32, saved: F32, h: F32): void {
    this.k.gruCellForward(batch, hidden, xProj, hProj, hPrev, saved, h);
  }
  gruCellBackward(batch: number, hidden: number, saved: F32, hPrev: F32, dh: F32, dxProj: F32, dhProj: F32, dhPrev: F32): void {
    this.k.gruCellBackward(batch, hidden, saved, hPrev, dh, dxProj, dhProj, dhPrev);
  }

  // ---- whole recurrent sequences (threaded) ---------------------------------------------------------

  recurrentPackedSize(gates: number, hidden: number): number {
    checkRecurrentPackedSize(gates, hidden);
    return this.k.recurrentPackedSize(gates, hidden);
  }
  recurrentPack(gates: number, hidden: number, weightHh: F32, packed: F32): void {
    checkRecurrentPackArgs(gates, hidden, weightHh, packed, this.recurrentPackedSize(gates, hidden));
    this.k.recurrentPack(gates, hidden, weightHh, packed);
  }
  recurrentSequence(kind: CellKind, steps: number, batch: number, hidden: number, projection: F32 | RecurrentInput, packed: F32,
    hBias: F32 | null, lengths: I32 | null, reverse: boolean, h: F32, c: F32 | null, out: F32, save: RecurrentSaved | null = null,
    xBias: F32 | null = null): void {
    const cell = cellKind(kind, 'recurrentSequence', 'kind');
    const G = cell.gates;
    checkRecurrentSequenceArgs(kind, steps, batch, hidden, projection, packed, this.k.recurrentPackedSize(G, hidden), hBias, lengths, h,
      c, out, save, xBias);
    // Given x and W_ih, the kernel projects each step itself, chunk by chunk, and adds xBias.
    // Given xProj, it adds xBias as it copies each step's projection (no pass of its own), except
    // for GRU, whose cell reads the projection itself: there it is added in place first.
    const input = isRecurrentInput(projection) ? projection : null;
    if (!input && xBias && cell.hiddenBiasInCell) {
      this.addRowVector(steps * batch, G * hidden, xBias, projection as F32);
      xBias = null;
    }
    this.k.recurrentSequence(this.pool, CELL[kind], steps, batch, hidden, input ? null : projection as F32, packed, hBias, lengths, reverse,
      h, c, out, save?.gates ?? null, save?.hPrev ?? null, save?.cPrev ?? null, save?.c ?? null, xBias, input?.x ?? null,
      input?.size ?? 0, input?.weightIh ?? null);
  }
  recurrentSequenceBackward(kind: CellKind, steps: number, batch: number, hidden: number, packedT: F32,
    lengths: I32 | null, reverse: boolean, saved: RecurrentSaved, dOut: F32 | null, dh: F32, dc: F32 | null,
    dxProj: F32, dhProj: F32 | null): void {
    const G = cellKind(kind, 'recurrentSequenceBackward', 'kind').gates;
    checkRecurrentBackwardArgs(kind, steps, batch, hidden, packedT, this.k.gemmPackedSize(G * hidden, hidden), lengths, saved,
      dOut, dh, dc, dxProj, dhProj);
    this.k.recurrentSequenceBackward(this.pool, CELL[kind], steps, batch, hidden, packedT, lengths, reverse, saved.gates, saved.hPrev,
      saved.cPrev ?? null, saved.c ?? null, dOut, dh, dc, dxProj, dhProj);
  }

  // ---- losses ------------------------------------------------------------------------------------------

  softmaxCrossEntropyForward(rows: number, classes: number, logits: F32, targets: I32, ignoreIndex: number, probs: F32, losses: F32): void {
    // The kernel checks every target before writing; on a bad one find it for the shared message.
    if (!this.k.softmaxCrossEntropyForward(this.pool, rows, classes, logits, targets, ignoreIndex, probs, losses)) {
      throw badTargetError(targets, firstBadTarget(rows, classes, targets, ignoreIndex), classes);
    }
  }
  softmaxCrossEntropyBackward(rows: number, classes: number, probs: F32, targets: I32, ignoreIndex: number, rowScale: F32, dLogits: F32): void {
    this.k.softmaxCrossEntropyBackward(this.pool, rows, classes, probs, targets, ignoreIndex, rowScale, dLogits);
  }
  softmax(rows: number, cols: number, x: F32, y: F32): void {
    this.k.softmax(this.pool, rows, cols, x, y);
  }
  bceWithLogitsForward(n: number, logits: F32, targets: F32, posWeight: number, losses: F32): void {
    this.k.bceWithLogitsForward(this.pool, n, logits, targets, posWeight, losses);
  }
  bceWithLogitsBackward(n: number, logits: F32, targets: F32, posWeight: number, scale: F32, dLogits: F32): void {
    this.k.bceWithLogitsBackward(this.pool, n, logits, targets, posWeight, scale, dLogits);
  }

  // ---- embeddings -------------------------------------------------------------------------------------

  embeddingForward(rows: number, dim: number, vocab: number, ids: I32, table: F32, out: F32): void {
    if (!this.k.embeddingForward(this.pool, rows, dim, vocab, ids, table, out)) {
      let bad = 0;
      while (bad < rows && ids[bad]! >= 0 && ids[bad]! < vocab) bad++;
      throw badIdError(ids, bad, vocab);
    }
  }
  embeddingBackward(rows: number, dim: number, vocab: number, ids: I32, dOut: F32, dTable: F32, paddingIdx: number): void {
    this.k.embeddingBackward(rows, dim, vocab, ids, dOut, dTable, paddingIdx);
  }

  // ---- optimizers ----------------------------------------------------------------------------------------

  sgdStep(n: number, params: F32, grads: F32, momentumBuf: F32, o: SgdOptions, firstStep: boolean): void {
    this.k.sgdStep(this.pool, n, params, grads, momentumBuf, o.lr, o.momentum, o.dampening, o.weightDecay, o.nesterov, firstStep);
  }
  adagradStep(n: number, params: F32, grads: F32, sumSquares: F32, o: AdagradOptions): void {
    this.k.adagradStep(this.pool, n, params, grads, sumSquares, o.lr, o.eps, o.weightDecay);
  }
  rmspropStep(n: number, params: F32, grads: F32, squareAvg: F32, gradAvg: F32, momentumBuf: F32, o: RmspropOptions): void {
    this.k.rmspropStep(this.pool, n, params, grads, squareAvg, gradAvg, momentumBuf, o.lr, o.alpha, o.eps, o.weightDecay, o.momentum, o.centered);
  }
  adamStep(n: number, params: F32, grads: F32, m: F32, v: F32, o: AdamOptions): void {
    this.k.adamStep(this.pool, n, params, grads, m, v, o.lr, o.beta1, o.beta2, o.eps, o.weightDecay, o.decoupled, o.biasCorrection1, o.biasCorrection2);
  }
}

function activationCode(kind: Activation, fn: string): number {
  const code = ACTIVATION[kind];
  if (code === undefined) throw new Error(`${fn}: kind must be 'tanh', 'relu' or 'sigmoid', got '${String(kind)}'`);
  return code;
}
