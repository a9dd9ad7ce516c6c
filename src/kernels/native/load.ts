/**
 * Finds and loads the native addon (native/build/Release/recur_native.node, built by
 * scripts/build-native.mjs at install time), and says why when it cannot: the build's own
 * record (native/build/status.json) or the loader's error. Node only; node: modules are reached
 * through `process.getBuiltinModule` or a dynamic import, so a browser bundle that contains this
 * file never loads them. Not here: the backend (native-backend.ts), the C++ (native/src/).
 */

/** The addon's exports (native/src/addon.cc): one function per kernel, in Backend argument order. */
export interface NativeAddon {
  gemm(pool: NativePool | null, transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Float32Array,
    lda: number, b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number): void;
  gemmPackedSize(k: number, n: number): number;
  gemmPackB(transB: boolean, k: number, n: number, b: Float32Array, ldb: number, packed: Float32Array): void;
  gemmPacked(pool: NativePool | null, transA: boolean, m: number, n: number, k: number, alpha: number, a: Float32Array, lda: number,
    packed: Float32Array, beta: number, c: Float32Array, ldc: number): void;
  fill(pool: NativePool | null, n: number, value: number, x: Float32Array): void;
  axpy(pool: NativePool | null, n: number, alpha: number, x: Float32Array, y: Float32Array): void;
  scale(pool: NativePool | null, n: number, alpha: number, x: Float32Array): void;
  mul(pool: NativePool | null, n: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  add(pool: NativePool | null, n: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  clamp(pool: NativePool | null, n: number, lo: number, hi: number, x: Float32Array): void;
  addRowVector(pool: NativePool | null, rows: number, cols: number, bias: Float32Array, x: Float32Array): void;
  sumRows(pool: NativePool | null, rows: number, cols: number, x: Float32Array, out: Float32Array): void;
  sum(n: number, x: Float32Array): number;
  sumSquares(n: number, x: Float32Array): number;
  /** kind: 0 tanh, 1 relu, 2 sigmoid (kernels.h `Activation`). */
  activationForward(pool: NativePool | null, kind: number, n: number, x: Float32Array, y: Float32Array): void;
  activationBackward(pool: NativePool | null, kind: number, n: number, y: Float32Array, dy: Float32Array, dx: Float32Array, accumulate: boolean): void;
  lstmCellForward(batch: number, hidden: number, gates: Float32Array, cPrev: Float32Array, c: Float32Array, h: Float32Array): void;
  lstmCellBackward(batch: number, hidden: number, gates: Float32Array, cPrev: Float32Array, c: Float32Array, dh: Float32Array,
    dc: Float32Array, dGates: Float32Array, dcPrev: Float32Array): void;
  gruCellForward(batch: number, hidden: number, xProj: Float32Array, hProj: Float32Array, hPrev: Float32Array, saved: Float32Array,
    h: Float32Array): void;
  gruCellBackward(batch: number, hidden: number, saved: Float32Array, hPrev: Float32Array, dh: Float32Array, dxProj: Float32Array,
    dhProj: Float32Array, dhPrev: Float32Array): void;
  recurrentPackedSize(gates: number, hidden: number): number;
  recurrentPack(gates: number, hidden: number, weightHh: Float32Array, packed: Float32Array): void;
  /** kind: kernels.h `Cell` (0 lstm, 1 gru, 2 rnn-tanh, 3 rnn-relu, 4 rnn-sigmoid); `save` flattened to four buffers. */
  /** xProj null: x [T, B, inputSize] and weightIh [G*H, inputSize] are projected by the kernel itself. */
  recurrentSequence(pool: NativePool | null, kind: number, steps: number, batch: number, hidden: number, xProj: Float32Array | null,
    packed: Float32Array, hBias: Float32Array | null, lengths: Int32Array | null, reverse: boolean, h: Float32Array,
    c: Float32Array | null, out: Float32Array, saveGates: Float32Array | null, saveHPrev: Float32Array | null,
    saveCPrev: Float32Array | null, saveC: Float32Array | null, xBias: Float32Array | null, x: Float32Array | null,
    inputSize: number, weightIh: Float32Array | null): void;
  recurrentSequenceBackward(pool: NativePool | null, kind: number, steps: number, batch: number, hidden: number, packedT: Float32Array,
    lengths: Int32Array | null, reverse: boolean, savedGates: Float32Array, savedHPrev: Float32Array, savedCPrev: Float32Array | null,
    savedC: Float32Array | null, dOut: Float32Array | null, dh: Float32Array, dc: Float32Array | null, dxProj: Float32Array,
    dhProj: Float32Array | null): void;
  /** False (nothing written) when a non-ignored target is outside [0, classes). */
  softmaxCrossEntropyForward(pool: NativePool | null, rows: number, classes: number, logits: Float32Array, targets: Int32Array, ignoreIndex: number,
    probs: Float32Array, losses: Float32Array): boolean;
  softmaxCrossEntropyBackward(pool: NativePool | null, rows: number, classes: number, probs: Float32Array, targets: Int32Array, ignoreIndex: number,
    rowScale: Float32Array, dLogits: Float32Array): void;
  softmax(pool: NativePool | null, rows: number, cols: number, x: Float32Array, y: Float32Array): void;
  bceWithLogitsForward(pool: NativePool | null, n: number, logits: Float32Array, targets: Float32Array, posWeight: number, losses: Float32Array): void;
  bceWithLogitsBackward(pool: NativePool | null, n: number, logits: Float32Array, targets: Float32Array, posWeight: number, scale: Float32Array,
    dLogits: Float32Array): void;
  /** False (nothing written) on an id outside [0, vocab). */
  embeddingForward(pool: NativePool | null, rows: number, dim: number, vocab: number, ids: Int32Array, table: Float32Array, out: Float32Array): boolean;
  embeddingBackward(rows: number, dim: number, vocab: number, ids: Int32Array, dOut: Float32Array, dTable: Float32Array,
    paddingIdx: number): void;
  sgdStep(pool: NativePool | null, n: number, params: Float32Array, grads: Float32Array, momentumBuf: Float32Array, lr: number, momentum: number,
    dampening: number, weightDecay: number, nesterov: boolean, firstStep: boolean): void;
  adagradStep(pool: NativePool | null, n: number, params: Float32Array, grads: Float32Array, sumSquares: Float32Array, lr: number, eps: number,
    weightDecay: number): void;
  rmspropStep(pool: NativePool | null, n: number, params: Float32Array, grads: Float32Array, squareAvg: Float32Array, gradAvg: Float32Array,
    momentumBuf: Float32Array, lr: number, alpha: number, eps: number, weightDecay: number, momentum: number, centered: boolean): void;
  adamStep(pool: NativePool | null, n: number, params: Float32Array, grads: Float32Array, m: Float32Array, v: Float32Array, lr: number, beta1: number,
    beta2: number, eps: number, weightDecay: number, decoupled: boolean, biasCorrection1: number, biasCorrection2: number): void;

  /** A pool of `threads` threads, the caller's included; collected (workers joined) with its last reference. */
  createPool(threads: number): NativePool;
  poolThreads(pool: NativePool): number;
  /** GFLOP/s of register-only multiply-adds of the active instruction set on every pool thread at once, summed (native/src/peak.h). */
  fmaCeiling(pool: NativePool, seconds: number): number;
  info(): NativeInfo;
  /** Chooses the kernels' instruction set; false when this CPU cannot run it. */
  setIsa(isa: NativeIsa): boolean;
  /** Hands the C allocator's free pages back to the system (glibc's malloc_trim); false where it cannot. */
  releaseFreedMemory(): boolean;
}

/** An opaque handle to the addon's thread pool. */
export type NativePool = { readonly __nativePool: unique symbol };
export type NativeIsa = 'portable' | 'avx2' | 'avx512';
export interface NativeInfo {
  /** The best instruction set this CPU and OS support. */
  isaBest: NativeIsa;
  /** The one the kernels use now (isaBest unless setIsa chose another). */
  isaActive: NativeIsa;
  /** CPU features seen, e.g. `sse4.2 avx avx2 fma`. */
  features: string;
  /** std::thread::hardware_concurrency(). */
  threadsMax: number;
}

/** Whether the addon can be loaded here, and if not, why. */
export interface NativeAvailability {
  ok: boolean;
  reason: string;
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;
/** From dist/kernels/native/ (or src/kernels/native/) to the package root. */
const ROOT = '../../../';
const ADDON = `${ROOT}native/build/Release/recur_native.node`;
const STATUS = `${ROOT}native/build/status.json`;

type Require = (id: string) => unknown;

/**
 * Why there is no addon and no build record: the install script never ran (npm's allowScripts
 * not approving it, --ignore-scripts), or this is a checkout that was never installed.
 */
const NEVER_BUILT = 'native/build/Release/recur_native.node was never built: the install script did not run (in a checkout: '
  + '`npm run build:native`; as a dependency: approve recur-nn in package.json\'s allowScripts, or run `node node_modules/recur-nn/scripts/build-native.mjs`)';
let cached: { addon?: NativeAddon; reason: string } | undefined;

/** Node's builtin modules without a static import (Node >= 20.16 has process.getBuiltinModule). */
function builtin<T>(name: string): T | undefined {
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  return typeof get === 'function' ? get.call(process, name) as T : undefined;
}

/** The reason the install script recorded for not building the addon, if it did record one. */
function buildStatus(require: Require): string | undefined {
  try {
    const status = require(STATUS) as { ok?: boolean; reason?: string };
    if (status && status.ok === false && typeof status.reason === 'string') return `the install-time build reported: ${status.reason}`;
  } catch { /* no record: the build never ran */ }
  return undefined;
}

function load(require: Require): { addon?: NativeAddon; reason: string } {
  try {
    const addon = require(ADDON) as NativeAddon;
    return { addon, reason: `loaded ${new URL(ADDON, import.meta.url).pathname}` };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const missing = err.code === 'MODULE_NOT_FOUND';
    const why = buildStatus(require)
      ?? (missing ? NEVER_BUILT : `loading the addon failed: ${err.message}`);
    return { reason: why };
  }
}

function requireHere(createRequire: (url: string) => Require): Require {
  return createRequire(import.meta.url);
}

/** Synchronous check (Node >= 20.16; older Node answers after the first `loadNativeAddon`). */
export function nativeAvailability(): NativeAvailability {
  if (cached) return { ok: !!cached.addon, reason: cached.reason };
  if (!isNode) return { ok: false, reason: 'the native backend runs only in Node.js' };
  const mod = builtin<{ createRequire: (url: string) => Require }>('node:module');
  if (!mod) return { ok: false, reason: 'cannot tell synchronously on this Node version: call NativeBackend.create()' };
  cached = load(requireHere(mod.createRequire));
  return { ok: !!cached.addon, reason: cached.reason };
}

/** The addon, loaded once; throws an Error saying why it is unavailable. */
export async function loadNativeAddon(where: string): Promise<NativeAddon> {
  if (!cached) {
    if (!isNode) throw new Error(`${where}: the native backend runs only in Node.js; use 'wasm'`);
    const { createRequire } = await import('node:module');
    cached = load(requireHere(createRequire as (url: string) => Require));
  }
  if (!cached.addon) throw new Error(`${where}: the native backend is unavailable: ${cached.reason}. Use the 'wasm' backend, or rebuild with \`npm run build:native\`.`);
  return cached.addon;
}

/**
 * Hands the memory the process's C allocator holds free back to the system, through the addon
 * (glibc's malloc_trim). Node's allocator keeps the pages that V8's compiler, write buffers and
 * evaluation batches free, so without this a long run's resident memory climbs through its first
 * seconds and stays high. False, doing nothing, where the addon is not built or not glibc, and in a
 * browser.
 */
export function releaseFreedMemory(): boolean {
  if (!isNode || !nativeAvailability().ok) return false;
  return typeof cached?.addon?.releaseFreedMemory === 'function' ? cached.addon.releaseFreedMemory() : false;
}
