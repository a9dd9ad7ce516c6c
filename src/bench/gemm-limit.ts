/**
 * The machine's own limit for the benchmark table: GFLOP/s of recur's wasm GEMM at the shapes a
 * W1 training step runs (and a square one for the peak), on 1 and on N threads, each result
 * checked against the reference kernel before it is timed.
 */
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import type { Backend } from '../kernels/backend.js';
import { Rng } from '../random/rng.js';
import { copyToBackend, randomFloats } from '../testing/compare.js';

export interface GemmShape {
  label: string;
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  /** B packed once (gemmPackB) and reused, as the recurrent layer does across time steps. */
  packed: boolean;
}

/** W1 (B=32, T=64, V=65, LSTM H=256, G*H=1024) and a square product for the peak. */
export const W1_GEMMS: readonly GemmShape[] = [
  { label: 'peak: 512x512x512', transA: false, transB: false, m: 512, n: 512, k: 512, packed: false },
  { label: 'recurrent fwd h W_hh^T, per step', transA: false, transB: true, m: 32, n: 1024, k: 256, packed: true },
  { label: 'recurrent bwd dG W_hh, per step', transA: false, transB: false, m: 32, n: 256, k: 1024, packed: true },
  { label: 'input projection x W_ih^T', transA: false, transB: true, m: 2048, n: 1024, k: 65, packed: false },
  { label: 'weight gradient dG^T h', transA: true, transB: false, m: 1024, n: 256, k: 2048, packed: false },
  { label: 'head forward h W^T', transA: false, transB: true, m: 2048, n: 65, k: 256, packed: false },
];

export interface GemmRate {
  shape: GemmShape;
  threads: number;
  gflops: number;
  microseconds: number;
}

/** Median GFLOP/s of each shape on each backend (one backend per thread count). */
export function measureGemmRates(backends: (Backend & { readonly threads: number })[], shapes: readonly GemmShape[] = W1_GEMMS, sampleMs = 150): GemmRate[] {
  const ref = new ReferenceBackend();
  const rng = new Rng(7);
  const out: GemmRate[] = [];
  for (const s of shapes) {
    const aStored = randomFloats(rng, s.m * s.k);
    const bStored = randomFloats(rng, s.k * s.n);
    const lda = s.transA ? s.m : s.k, ldb = s.transB ? s.k : s.n;
    const want = new Float32Array(s.m * s.n);
    ref.gemm(s.transA, s.transB, s.m, s.n, s.k, 1, aStored, lda, bStored, ldb, 0, want, s.n);
    for (const be of backends) {
      const a = copyToBackend(be, aStored), b = copyToBackend(be, bStored), c = be.allocFloats(s.m * s.n);
      let run: () => void;
      if (s.packed) {
        const p = be.allocFloats(be.gemmPackedSize(s.k, s.n));
        be.gemmPackB(s.transB, s.k, s.n, b, ldb, p);
        run = () => be.gemmPacked(s.transA, s.m, s.n, s.k, 1, a, lda, p, 0, c, s.n);
      } else {
        run = () => be.gemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n);
      }
      run();
      for (let i = 0; i < c.length; i++) {
        if (!(Math.abs(c[i]! - want[i]!) <= 1e-4 * (1 + Math.abs(want[i]!)) * Math.sqrt(s.k))) {
          throw new Error(`gemm ${s.label} on ${be.description} is WRONG at ${i}: ${c[i]} vs reference ${want[i]}`);
        }
      }
      const us = medianMicroseconds(run, sampleMs);
      out.push({ shape: s, threads: be.threads, microseconds: us, gflops: (2 * s.m * s.n * s.k) / us / 1e3 });
    }
  }
  return out;
}

/** Median time of one call over 7 samples of about sampleMs / 7 each, after a warm-up. */
export function medianMicroseconds(run: () => void, sampleMs: number): number {
  for (let i = 0; i < 3; i++) run();
  const t0 = performance.now();
  run();
  const once = Math.max(performance.now() - t0, 1e-3);
  const reps = Math.max(1, Math.round(sampleMs / 7 / once));
  const times: number[] = [];
  for (let s = 0; s < 7; s++) {
    const t = performance.now();
    for (let r = 0; r < reps; r++) run();
    times.push(((performance.now() - t) * 1000) / reps);
  }
  return times.sort((x, y) => x - y)[3]!;
}
