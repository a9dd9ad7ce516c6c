/**
 * The ceiling of wasm SIMD arithmetic on this machine: GFLOP/s of `multiplyAddPeak` (register-only
 * f32x4 multiply-add chains, assembly/peak.ts) on 1 thread and on N threads at once (worker
 * threads, each with its own instance). No recur kernel, and no wasm code at all, can multiply
 * faster per thread; a peer whose measured GFLOP/s exceed this ceiling times recur's threads is
 * using wider vectors than wasm has (native AVX-512), and the bench says so next to its ratio.
 */
import { Worker } from 'node:worker_threads';
import { loadKernelModule } from '../kernels/wasm/load.js';

/** FLOPs of one round of multiplyAddPeak: 12 chains x 4 lanes x (multiply + add). */
const FLOPS_PER_ITERATION = 96;

export interface SimdCeiling {
  /** The kernel build measured ('simd' or 'relaxed-simd'). */
  flavour: string;
  /** Best GFLOP/s per thread with 1, and with `threads`, threads running at once. */
  perThread: { threads: number; gflops: number }[];
}

// Runs in each worker (and, for one thread, in a worker too, so both cases are alike): instantiate,
// warm up, then time `samples` calls of `iterations` rounds when told to start; reply the best.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { module, samples, iterations } = workerData;
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true });
  const { exports } = await WebAssembly.instantiate(module, { env: { memory, abort: () => { throw new Error('abort'); }, now: () => performance.now() } });
  const p = 1 << 16;
  new Float32Array(memory.buffer, p, 12).set([1, 2, 3, 4, 0.999, 0.998, 0.997, 0.996, 0.01, 0.02, 0.03, 0.04]);
  exports.multiplyAddPeak(iterations, p);
  parentPort.once('message', () => {
    let best = Infinity;
    for (let s = 0; s < samples; s++) {
      const t0 = performance.now();
      exports.multiplyAddPeak(iterations, p);
      best = Math.min(best, performance.now() - t0);
    }
    parentPort.postMessage({ ms: best, check: new Float32Array(memory.buffer, p, 4)[0] });
  });
  parentPort.postMessage('ready');
})();
`;

async function runTogether(module: WebAssembly.Module, threads: number, samples: number, iterations: number): Promise<number[]> {
  const workers = Array.from({ length: threads }, () => new Worker(WORKER, { eval: true, workerData: { module, samples, iterations } }));
  try {
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      w.once('error', reject);
      w.once('message', () => resolve());
    })));
    const results = workers.map((w) => new Promise<{ ms: number; check: number }>((resolve, reject) => {
      w.once('error', reject);
      w.once('message', resolve);
    }));
    for (const w of workers) w.postMessage('start');
    const out = await Promise.all(results);
    for (const r of out) {
      // Each chain converges to c / (1 - m) = 10 per lane; a broken kernel shows up here.
      if (!(Math.abs(r.check - 12 * 10) < 1)) throw new Error(`multiplyAddPeak computed ${r.check}, expected about 120`);
    }
    return out.map((r) => (FLOPS_PER_ITERATION * iterations) / r.ms / 1e6);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** The ceiling on 1 thread and on `threads` threads at once (best of `samples` runs; 2,000,000 iterations take about 3.5 ms at 57 GFLOP/s). */
export async function measureSimdCeiling(threads: number, samples = 15, iterations = 2_000_000): Promise<SimdCeiling> {
  const { module, flavour } = await loadKernelModule();
  const perThread: SimdCeiling['perThread'] = [];
  for (const t of [...new Set([1, threads])]) {
    const rates = await runTogether(module, t, samples, iterations);
    perThread.push({ threads: t, gflops: rates.reduce((a, b) => a + b, 0) / t });
  }
  return { flavour, perThread };
}

/** Per thread count, the better of two measurements (a burst of VM slowness can only lower a ceiling). */
export function bestCeiling(a: SimdCeiling, b: SimdCeiling): SimdCeiling {
  return {
    flavour: a.flavour,
    perThread: a.perThread.map((x) => ({ threads: x.threads, gflops: Math.max(x.gflops, b.perThread.find((y) => y.threads === x.threads)?.gflops ?? 0) })),
  };
}
