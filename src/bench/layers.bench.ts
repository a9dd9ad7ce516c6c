/**
 * Layer benchmark: forward + backward of one recurrent layer (LSTM, GRU, Elman tanh) at
 * B=32, T=64, I=65, H=256 — the char-LM shape — in tokens/s, with the napkin math (FLOPs per
 * step) and the fraction of the wasm GEMM rate. Each wasm result is first checked against the
 * reference backend (same weights, same input: output and input gradient). The first section of
 * `npm run bench`; on its own: `node dist/bench/layers.bench.js [--iters N] [--threads N]`.
 */
import './relaxed-simd.js';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Tape } from '../autograd/tape.js';
import { sum } from '../autograd/ops/index.js';
import type { Backend } from '../kernels/backend.js';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import { type RecurrentBase, createRecurrent } from '../nn/recurrent.js';
import { CELL_KINDS, type CellKind, cellKind } from '../kernels/cell-kinds.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { worstRatio } from '../testing/compare.js';

/** The first cell kind of each gate count (LSTM, GRU, Elman tanh): the other Elman kinds differ only in their activation. */
export const LAYER_KINDS: readonly CellKind[] = CELL_KINDS.filter((k, i) =>
  CELL_KINDS.findIndex((j) => cellKind(j).gates === cellKind(k).gates) === i);

export interface LayerBenchResult {
  layer: CellKind;
  backend: string;
  threads: number;
  tokensPerSecond: number;
  msPerStep: number;
  gflops: number;
  runs: number;
  min: number;
  max: number;
}

const B = 32, T = 64, I = 65, H = 256;
export const LAYER_SHAPE = { batch: B, seqLen: T, input: I, hidden: H };


/** FLOPs of one forward+backward: 3 GEMM passes (forward, dX/dH, dW) over both projections. */
export function layerFlops(kind: CellKind): number {
  return 3 * 2 * T * B * (I + H) * cellKind(kind).gates * H;
}

function makeLayer(kind: CellKind): RecurrentBase {
  return createRecurrent(kind, { inputSize: I, hiddenSize: H, rng: new Rng(1) });
}

const input = (): Tensor => {
  const rng = new Rng(2);
  return new Tensor(Float32Array.from({ length: T * B * I }, () => rng.uniform(-1, 1)), [T, B, I]);
};

/** One forward+backward of `kind` on `backend`; returns a step function and the last output / dx. */
function layerStep(backend: Backend, kind: CellKind): { step: () => void; output: () => Float32Array; dx: () => Float32Array } {
  const model = makeLayer(kind).to(backend);
  const x = input();
  const tape = new Tape(backend);
  let out: Tensor | undefined;
  let xin: Tensor | undefined;
  const step = () => {
    tape.reset();
    xin = tape.watch(tape.copy(x));
    out = model.forward(tape, xin).output;
    tape.backward(sum(tape, out));
  };
  return { step, output: () => Float32Array.from(out!.data), dx: () => Float32Array.from(tape.grad(xin!).data) };
}

/** Throws unless the wasm layer's output and input gradient match the reference backend's. */
export function validateLayer(wasm: Backend, kind: CellKind): void {
  const ref = layerStep(new ReferenceBackend(), kind);
  const got = layerStep(wasm, kind);
  ref.step();
  got.step();
  for (const [what, a, e] of [['output', got.output(), ref.output()], ['dL/dx', got.dx(), ref.dx()]] as const) {
    const { ratio, index } = worstRatio(a, e, { rtol: 1e-4, atol: 1e-5 });
    if (!(ratio <= 1)) throw new Error(`layers.bench: ${kind} on ${wasm.description}: ${what}[${index}] = ${a[index]}, reference ${e[index]}`);
  }
}

/** Median-timed forward+backward of `kind` over `iters` steps after a warm-up step. */
export function benchLayer(backend: Backend, kind: CellKind, iters: number): LayerBenchResult {
  const { step } = layerStep(backend, kind);
  step(); // warm-up: first calls compile and fault in memory
  const times: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)]!;
  const rate = (t: number) => (B * T) / (t / 1000);
  return {
    layer: kind, backend: backend.description, threads: backend instanceof WasmBackend ? backend.threads : 1, runs: iters,
    msPerStep: ms, tokensPerSecond: rate(ms), gflops: layerFlops(kind) / (ms / 1000) / 1e9, min: rate(times.at(-1)!), max: rate(times[0]!),
  };
}

/**
 * The layer section of `npm run bench`: validates then times each layer on the wasm backend at
 * every thread count of `threadCounts` and on the reference backend (fewer runs: it is ~50x
 * slower), prints a table with wasm/reference ratios and returns the results.
 */
export async function runLayerBench(threadCounts: number[], iters: number): Promise<LayerBenchResult[]> {
  const backends: Backend[] = [];
  for (const threads of threadCounts) backends.push(await WasmBackend.create({ threads }));
  const reference = new ReferenceBackend();
  console.log(`\nLayers: one recurrent layer, forward + backward, B=${B} T=${T} I=${I} H=${H} (median of runs; wasm checked against the reference first)`);
  console.log(`  ${'layer'.padEnd(9)} ${'backend'.padEnd(28)} ${'tokens/s'.padStart(9)} ${'ms/step'.padStart(8)} ${'GFLOP/s'.padStart(8)} ${'wasm/reference'.padStart(15)}`);
  const results: LayerBenchResult[] = [];
  for (const kind of LAYER_KINDS) {
    for (const be of backends) validateLayer(be, kind);
    const ref = benchLayer(reference, kind, 2);
    const rows = [...backends.map((be) => benchLayer(be, kind, iters)), ref];
    for (const r of rows) {
      const ratio = r === ref ? '' : `${(r.tokensPerSecond / ref.tokensPerSecond).toFixed(1)}x`;
      console.log(`  ${r.layer.padEnd(9)} ${r.backend.padEnd(28)} ${r.tokensPerSecond.toFixed(0).padStart(9)} ${r.msPerStep.toFixed(1).padStart(8)} ${r.gflops.toFixed(1).padStart(8)} ${ratio.padStart(15)}`);
    }
    results.push(...rows);
  }
  return results;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: number): number => {
    const i = args.indexOf(name);
    if (i < 0) return fallback;
    const v = Number(args[i + 1]);
    if (!(Number.isInteger(v) && v >= 1)) throw new Error(`layers.bench: ${name} needs an integer >= 1, got ${JSON.stringify(args[i + 1])}`);
    return v;
  };
  const cores = await WasmBackend.availableThreads();
  const threads = flag('--threads', cores);
  await runLayerBench(threads > 1 ? [1, threads] : [1], flag('--iters', 10));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
