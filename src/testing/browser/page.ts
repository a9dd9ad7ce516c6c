/**
 * Runs inside a browser page (loaded by run-browser-tests.ts): the wasm backend as a page gets
 * it by default, against a 1-thread wasm backend and the reference, on a GEMM, a whole-sequence
 * LSTM inference and a few steps of training. Returns a report; the Node side asserts on it.
 * Browser-safe imports only (no node: modules).
 */
import { Tape } from '../../autograd/tape.js';
import type { Backend } from '../../kernels/backend.js';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { WasmBackend } from '../../kernels/wasm/wasm-backend.js';
import { Lstm } from '../../nn/recurrent.js';
import { Rng } from '../../random/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { trainSteps } from '../train-steps.js';

export interface PageReport {
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  threads: number;
  sharedMemory: boolean;
  description: string;
  /** Default backend against a 1-thread one: bit-identical? */
  gemmSameBits: boolean;
  lstmSameBits: boolean;
  trainingSameBits: boolean;
  /** Largest |wasm - reference| of the GEMM and of the LSTM inference output. */
  gemmMaxDiff: number;
  lstmMaxDiff: number;
  /** Training losses on the default backend (compared across pages by the Node side). */
  losses: number[];
  threadStats: { posted: number; takenBack: number; chunksTakenOver: number };
  /** The error a too-small fixed memory gives (unshared memory only), or ''. */
  outOfMemoryError: string;
}

const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
  a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

function fill(rng: Rng, a: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

function gemm(be: Backend): Float32Array {
  const m = 64, n = 512, k = 256; // 17 MFLOP: split between threads
  const rng = new Rng(3);
  const a = fill(rng, be.allocFloats(m * k)), b = fill(rng, be.allocFloats(n * k)), c = be.allocFloats(m * n);
  be.gemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n);
  return Float32Array.from(c);
}

function lstmInference(be: Backend): Float32Array {
  const T = 40, B = 1, I = 16, H = 128; // 65k multiply-adds per step: recurrentSequence splits it
  const lstm = new Lstm({ inputSize: I, hiddenSize: H, rng: new Rng(5) }).to(be);
  const x = new Tensor(fill(new Rng(6), new Float32Array(T * B * I)), [T, B, I]);
  return Float32Array.from(lstm.forward(Tape.inference(be), x).output.data);
}

function train(be: Backend): { losses: number[]; params: Float32Array[] } {
  return trainSteps(be, { cell: 'lstm', T: 8, B: 16, vocab: 11, hidden: 64, numLayers: 2, steps: 4, seed: 11 });
}

export async function run(): Promise<PageReport> {
  const g = globalThis as unknown as { crossOriginIsolated: boolean; navigator: { hardwareConcurrency: number } };
  const be = await WasmBackend.create();
  const one = await WasmBackend.create({ threads: 1 });
  const ref = new ReferenceBackend();
  const [gBe, gOne, gRef] = [gemm(be), gemm(one), gemm(ref)];
  const [lBe, lOne, lRef] = [lstmInference(be), lstmInference(one), lstmInference(ref)];
  const [tBe, tOne] = [train(be), train(one)];
  let outOfMemoryError = '';
  if (!be.sharedMemory) {
    const small = await WasmBackend.create({ memoryMiB: 16 });
    try {
      small.allocFloats(5 * 1024 * 1024); // 20 MiB
    } catch (e) {
      outOfMemoryError = (e as Error).message;
    }
  }
  return {
    crossOriginIsolated: g.crossOriginIsolated,
    hardwareConcurrency: g.navigator.hardwareConcurrency,
    threads: be.threads,
    sharedMemory: be.sharedMemory,
    description: be.description,
    gemmSameBits: sameBits(gBe, gOne),
    lstmSameBits: sameBits(lBe, lOne),
    trainingSameBits: sameBits(tBe.losses, tOne.losses) && tBe.params.every((p, i) => sameBits(p, tOne.params[i]!)),
    gemmMaxDiff: maxDiff(gBe, gRef),
    lstmMaxDiff: maxDiff(lBe, lRef),
    losses: tBe.losses,
    threadStats: be.threadStats,
    outOfMemoryError,
  };
}
