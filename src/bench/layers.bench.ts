/**
 * Layer benchmark: forward + backward of one recurrent layer (LSTM, GRU, Elman tanh) at
 * B=32, T=64, I=65, H=256 — the char-LM shape — in tokens/s, with the napkin math (FLOPs per
 * step) and the fraction of the measured GEMM rate. Run with `npm run bench` (or
 * `node dist/bench/layers.bench.js [--backend wasm|reference] [--iters N]`).
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Tape } from '../autograd/tape.js';
import { sum } from '../autograd/ops/index.js';
import { type BackendName, createBackend } from '../kernels/index.js';
import type { Backend } from '../kernels/backend.js';
import { Gru, Lstm, Rnn, type RecurrentBase } from '../nn/recurrent.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';

export interface LayerBenchResult {
  layer: string;
  backend: string;
  tokensPerSecond: number;
  msPerStep: number;
  gflops: number;
  runs: number;
}

const B = 32, T = 64, I = 65, H = 256;

/** FLOPs of one forward+backward: 3 GEMM passes (forward, dX/dH, dW) over both projections. */
export function layerFlops(gates: number): number {
  return 3 * 2 * T * B * (I + H) * gates * H;
}

export function benchLayer(backend: Backend, kind: 'lstm' | 'gru' | 'tanh', iters: number): LayerBenchResult {
  const rng = new Rng(1);
  const model: RecurrentBase = kind === 'lstm' ? new Lstm({ inputSize: I, hiddenSize: H, rng })
    : kind === 'gru' ? new Gru({ inputSize: I, hiddenSize: H, rng }) : new Rnn({ inputSize: I, hiddenSize: H, rng });
  model.to(backend);
  const x = new Tensor(Float32Array.from({ length: T * B * I }, () => rng.uniform(-1, 1)), [T, B, I]);
  const tape = new Tape(backend);
  const step = () => {
    tape.reset();
    const input = tape.copy(x);
    const { output } = model.forward(tape, input);
    tape.backward(sum(tape, output));
  };
  step(); // warm-up: first calls compile and fault in memory
  const times: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)]!;
  const gates = kind === 'lstm' ? 4 : kind === 'gru' ? 3 : 1;
  return {
    layer: kind === 'tanh' ? 'rnn-tanh' : kind, backend: backend.description, runs: iters,
    msPerStep: ms, tokensPerSecond: (B * T) / (ms / 1000), gflops: layerFlops(gates) / (ms / 1000) / 1e9,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const backendName = (args[args.indexOf('--backend') + 1] ?? 'wasm') as BackendName;
  const iters = Number(args.includes('--iters') ? args[args.indexOf('--iters') + 1] : 10);
  const names: BackendName[] = args.includes('--backend') ? [backendName] : ['wasm', 'reference'];
  console.log(`Layer benchmark: forward+backward, B=${B} T=${T} I=${I} H=${H} (median of runs)`);
  console.log('layer     backend                        tokens/s   ms/step   GFLOP/s');
  const results: LayerBenchResult[] = [];
  for (const name of names) {
    const backend = await createBackend(name);
    for (const kind of ['lstm', 'gru', 'tanh'] as const) {
      const r = benchLayer(backend, kind, name === 'reference' ? 1 : iters);
      results.push(r);
      console.log(`${r.layer.padEnd(9)} ${r.backend.padEnd(30)} ${r.tokensPerSecond.toFixed(0).padStart(8)} ${r.msPerStep.toFixed(1).padStart(9)} ${r.gflops.toFixed(1).padStart(9)}`);
    }
  }
  for (const kind of ['lstm', 'gru', 'rnn-tanh']) {
    const w = results.find((r) => r.layer === kind && r.backend.startsWith('wasm'));
    const ref = results.find((r) => r.layer === kind && r.backend.startsWith('reference'));
    if (w && ref) console.log(`${kind}: wasm/reference = ${(w.tokensPerSecond / ref.tokensPerSecond).toFixed(1)}x`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
