/**
 * How the wasm backend divides one kernel call between threads. Pure functions of the sizes:
 * the same call is always split the same way, and only ever along output rows or columns at
 * multiples of the kernels' vector/tile widths, so every output element is computed by the same
 * instructions in the same order whatever the thread count (bit-identical results).
 * Thresholds come from `npm run bench:threads` on a 2-core Zen 4 VM (see the comments).
 */

/** The register tile of the wasm GEMM (assembly/gemm-blocks.ts): MR rows by NR columns. */
export const GEMM_MR = 4;
export const GEMM_NR = 8;

/**
 * Below this many FLOPs a GEMM stays on one thread. A job round trip with spinning workers
 * costs about 1 us (write the arguments, bump the counter, spin on the answers), the time of
 * roughly 40 kFLOP at 40 GFLOP/s; each part must amortise that and the packing it repeats.
 */
export const GEMM_MIN_FLOPS_PER_PART = 150_000;
/** Elementwise kernels: minimum elements per part (cheap ones such as axpy or Adam). */
export const MIN_ELEMENTS_PER_PART = 16_384;
/** Kernels with exp/tanh per element (cells, activations): minimum elements per part. */
export const MIN_TRANSCENDENTAL_PER_PART = 2_048;

/**
 * Boundaries [0 = b_0 < b_1 < ... < b_p = n] of at most `parts` ranges of [0, n): inner
 * boundaries are multiples of `align`, every range holds at least `minSize` elements (one range
 * when n is too small to split). Ranges are as even as the alignment allows.
 */
export function splitRange(n: number, parts: number, align: number, minSize: number): number[] {
  let p = Math.max(1, Math.min(parts, Math.floor(n / Math.max(minSize, align, 1))));
  for (; p > 1; p--) {
    const bounds = [0];
    let ok = true;
    for (let i = 1; i < p; i++) {
      const b = Math.round((i * n) / p / align) * align;
      if (b - bounds[i - 1]! < Math.max(minSize, 1)) { ok = false; break; }
      bounds.push(b);
    }
    if (ok && n - bounds[p - 1]! >= Math.max(minSize, 1)) {
      bounds.push(n);
      return bounds;
    }
  }
  return [0, n];
}

export interface GemmSplit {
  /** 'rows' of C (and op(A)), or 'cols' of C (and op(B)). */
  axis: 'rows' | 'cols';
  /** Boundaries along the axis, as from splitRange (length parts + 1). */
  bounds: number[];
}

/**
 * Chooses how to split C [m, n] = op(A) [m, k] op(B) [k, n] between up to `threads` threads.
 * Each part repacks the operand it shares with the others: splitting rows repacks all of op(B)
 * (k * n floats) per thread, splitting columns repacks all of op(A) (stored broadcast, 4 * k * m
 * floats). So split the dimension whose shared operand is cheaper, columns when B is pre-packed
 * (nothing to repack, and each thread then streams only its own share of the weights, which
 * stays in its core's L2 across time steps), and columns for fewer than MR rows (vector-matrix
 * products have no rows to split). Rows split at multiples of MR, columns at multiples of NR.
 */
export function gemmSplit(m: number, n: number, k: number, threads: number, prepackedB: boolean): GemmSplit {
  const one: GemmSplit = { axis: 'rows', bounds: [0, m] };
  if (threads <= 1) return one;
  const flops = 2 * m * n * k;
  const parts = Math.min(threads, Math.floor(flops / GEMM_MIN_FLOPS_PER_PART));
  if (parts <= 1) return one;
  const cols = (): GemmSplit => ({ axis: 'cols', bounds: splitRange(n, parts, GEMM_NR, GEMM_NR) });
  const rows = (): GemmSplit => ({ axis: 'rows', bounds: splitRange(m, parts, GEMM_MR, GEMM_MR) });
  if (m < GEMM_MR || prepackedB) {
    const c = cols();
    if (c.bounds.length > 2 || m < GEMM_MR) return c;
    return rows();
  }
  const preferCols = 4 * m < n;
  const first = preferCols ? cols() : rows();
  if (first.bounds.length > 2) return first;
  return preferCols ? rows() : cols();
}

/**
 * Below this many multiply-adds per time step and part, a whole-sequence recurrent job
 * (recurrentSequence*) stays on one thread. Its parts meet at a barrier every step, which costs
 * 0.1-0.2 us here (LSTM, batch 1, T = 100, 2 parts against 1 thread, per step: H = 16, 1k
 * multiply-adds, 0.49 vs 0.42 us; H = 32, 4k, 0.63 vs 0.80; H = 128, 66k, 3.4 vs 6.0; H = 256,
 * 262k, 11.3 vs 22.8).
 */
export const SEQUENCE_MIN_MACS_PER_PART = 2_048;

/**
 * Parts of a whole-sequence recurrent job: at most one per thread and per 8-unit block of the
 * hidden state, each with at least SEQUENCE_MIN_MACS_PER_PART of the step's recurrent product.
 */
export function sequenceParts(batch: number, gates: number, hidden: number, threads: number): number {
  const blocks = Math.ceil(hidden / GEMM_NR);
  const macs = batch * gates * hidden * hidden;
  return Math.max(1, Math.min(threads, blocks, Math.floor(macs / SEQUENCE_MIN_MACS_PER_PART)));
}
