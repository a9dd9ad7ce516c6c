/**
 * Kernel benchmark (`npm run bench:kernels`): GEMM at the shapes recurrent layers use, and the
 * fused LSTM cell, on the reference backend and on every wasm build this runtime can run.
 * Every result is validated against the reference before it is timed. Not a test: it prints.
 *
 * Node 20 validates relaxed SIMD only behind --experimental-wasm-relaxed-simd, so when the
 * relaxed build does not validate here this script re-runs itself once with that flag (the
 * library itself never needs a flag: it falls back to the plain SIMD build).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Backend } from './backend.js';
import { ReferenceBackend } from './reference/reference-backend.js';
import { WasmBackend } from './wasm/wasm-backend.js';
import type { WasmFlavour } from './wasm/load.js';
import { Rng } from '../random/rng.js';
import { copyToBackend, randomFloats, worstRatio } from '../testing/compare.js';

const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';
const relaxedBytes = readFileSync(new URL('./wasm/recur-relaxed.wasm', import.meta.url));

if (!WebAssembly.validate(relaxedBytes) && !process.env.RECUR_BENCH_CHILD) {
  const child = spawnSync(process.execPath, [RELAXED_FLAG, ...process.execArgv, fileURLToPath(import.meta.url)],
    { stdio: 'inherit', env: { ...process.env, RECUR_BENCH_CHILD: '1' } });
  // Exit code 9 is node's "invalid option": a runtime without the flag; bench what there is.
  if (child.status !== 9) process.exit(child.status ?? 1);
  console.log(`(${RELAXED_FLAG} is not accepted by this runtime: timing the plain SIMD build only)\n`);
}

// ---- timing ----------------------------------------------------------------------------------

interface Contender { name: string; run: () => void }

/**
 * Median milliseconds per call for each contender. Each is warmed up (first calls of a wasm
 * kernel run 4-5x slower), calibrated so one sample lasts about `sampleMs`, then sampled
 * `samples` times round-robin so that machine noise hits all contenders alike.
 */
function medians(contenders: Contender[], samples: number, sampleMs: number): number[] {
  const reps = contenders.map((c) => {
    const t0 = performance.now();
    c.run();
    const first = performance.now() - t0;
    for (let i = 0; i < 3 && first < 200; i++) c.run();
    const t1 = performance.now();
    c.run();
    return Math.max(1, Math.round(sampleMs / Math.max(performance.now() - t1, 1e-3)));
  });
  const times: number[][] = contenders.map(() => []);
  for (let s = 0; s < samples; s++) {
    contenders.forEach((c, i) => {
      const t0 = process.hrtime.bigint();
      for (let r = 0; r < reps[i]!; r++) c.run();
      times[i]!.push(Number(process.hrtime.bigint() - t0) / 1e6 / reps[i]!);
    });
  }
  return times.map((t) => t.sort((x, y) => x - y)[t.length >> 1]!);
}

const fmt = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const pad = (s: string, w: number): string => s.padStart(w);

// ---- backends ------------------------------------------------------------------------------

const reference = new ReferenceBackend();
const flavours: WasmFlavour[] = WebAssembly.validate(relaxedBytes) ? ['simd', 'relaxed-simd'] : ['simd'];
// Each build on one thread (the issue #2 target is single-threaded) and on all cores.
const cores = await WasmBackend.availableThreads();
const wasms: WasmBackend[] = [];
for (const flavour of flavours) {
  for (const threads of cores > 1 ? [1, cores] : [1]) wasms.push(await WasmBackend.create({ flavour, threads }));
}
const single = wasms.filter((w) => w.threads === 1);
/** Best time of the single-threaded wasm contenders, given times in the order of `wasms`. */
const bestSingle = (ms: number[]): number => Math.min(...ms.filter((_, i) => wasms[i]!.threads === 1));
/** GEMM rows meeting issue #2's single-thread target (>= 30 GFLOP/s and >= 10x the reference). */
let gemmRows = 0, gemmMet = 0;
const rng = new Rng(2024);

const on = copyToBackend;

console.log(`node ${process.version} ${process.execArgv.join(' ')}`.trim());
console.log(`backends: ${[reference, ...wasms].map((b) => b.description).join(', ')}\n`);

// ---- GEMM ------------------------------------------------------------------------------------

const GEMM_SHAPES: [number, number, number][] = [[32, 512, 1024], [64, 320, 1024], [2048, 256, 1024], [512, 512, 512]];

console.log('GEMM  C[M,N] = A[M,K] . op(B[K,N]);  NN: B stored [K,N] (x W),  NT: B stored [N,K] (x W^T, PyTorch Linear)');
console.log('FLOPs = 2*M*N*K per call;  GFLOP/s = FLOPs / median time;  1T ratio = best one-thread wasm / reference, all = best wasm / reference\n');
const gemmHeader = ['shape MxKxN', 'op', 'MFLOP', 'reference', ...wasms.map((w) => w.description), 'best us', '1T ratio', 'all ratio'];
const gemmWidths = [14, 3, 7, 10, ...wasms.map((w) => Math.max(12, w.description.length)), 9, 8, 9];
console.log(gemmHeader.map((h, i) => pad(h, gemmWidths[i]!)).join('  '));

for (const [M, K, N] of GEMM_SHAPES) {
  const flops = 2 * M * N * K;
  const a = randomFloats(rng, M * K);
  const b = randomFloats(rng, K * N); // [K, N]
  const bt = new Float32Array(N * K); // the same op(B), stored [N, K]
  for (let p = 0; p < K; p++) for (let j = 0; j < N; j++) bt[j * K + p] = b[p * N + j]!;

  // Oracle and error bound: |c - c_ref| <= 1e-5 * sum_p |a_ip| |b_pj| (see gemm.test.ts).
  const want = new Float32Array(M * N);
  const t0 = performance.now();
  reference.gemm(false, false, M, N, K, 1, a, K, b, N, 0, want, N);
  const firstRefMs = performance.now() - t0;
  const absProd = new Float32Array(M * N);
  reference.gemm(false, false, M, N, K, 1, a.map(Math.abs), K, b.map(Math.abs), N, 0, absProd, N);

  for (const transB of [false, true]) {
    const op = transB ? 'NT' : 'NN';
    const bStored = transB ? bt : b;
    const ldb = transB ? K : N;
    for (const w of wasms) {
      const c = on(w, new Float32Array(M * N).fill(NaN));
      w.gemm(false, transB, M, N, K, 1, on(w, a), K, on(w, bStored), ldb, 0, c, N);
      for (let i = 0; i < c.length; i++) {
        if (!(Math.abs(c[i]! - want[i]!) <= 1e-5 * absProd[i]! + 1e-30)) {
          throw new Error(`GEMM ${op} ${M}x${K}x${N} on ${w.description} is WRONG: C[${Math.floor(i / N)}, ${i % N}] = ` +
            `${c[i]}, reference ${want[i]}`);
        }
      }
    }
    // The reference is slow: three samples of one call (the validation run above is NN's first).
    const refTimes = op === 'NN' ? [firstRefMs] : [];
    const refC = new Float32Array(M * N);
    while (refTimes.length < 3) {
      const t = performance.now();
      reference.gemm(false, transB, M, N, K, 1, a, K, bStored, ldb, 0, refC, N);
      refTimes.push(performance.now() - t);
    }
    const refMs = refTimes.sort((x, y) => x - y)[1]!;

    const contenders = wasms.map((w) => {
      const wa = on(w, a), wb = on(w, bStored), wc = w.allocFloats(M * N);
      return { name: w.description, run: () => w.gemm(false, transB, M, N, K, 1, wa, K, wb, ldb, 0, wc, N) };
    });
    const ms = medians(contenders, 9, 40);
    const best = Math.min(...ms);
    const best1 = bestSingle(ms);
    gemmRows++;
    if (flops / best1 / 1e6 >= 30 && refMs / best1 >= 10) gemmMet++;
    const row = [`${M}x${K}x${N}`, op, fmt(flops / 1e6, 0), fmt(flops / refMs / 1e6, 2),
      ...ms.map((t) => fmt(flops / t / 1e6)), fmt(best * 1000, 0), `${fmt(refMs / best1, 0)}x`, `${fmt(refMs / best, 0)}x`];
    console.log(row.map((h, i) => pad(h, gemmWidths[i]!)).join('  '));
  }
}

console.log(`\nsingle-thread target (issue #2: wasm >= 30 GFLOP/s and >= 10x reference on one thread): met on ${gemmMet} of ${gemmRows} rows` +
  ` (${single.map((w) => w.description).join(', ')})`);

// ---- LSTM cell -----------------------------------------------------------------------------

// Bytes each call must move at least once (float32):
//   forward  reads gates [B,4H] and cPrev [B,H], writes gates, c and h:        11 * B * H * 4
//   backward reads gates, cPrev, c, dh, dc, writes dGates [B,4H] and dcPrev:    13 * B * H * 4
const LSTM_SIZES: [number, number][] = [[32, 256], [128, 1024]];
console.log('\nLSTM cell, fused gate math (PyTorch gate order i,f,g,o)');
console.log('bytes: forward 11*B*H*4, backward 13*B*H*4;  GB/s = bytes / median time;  ratios as for GEMM\n');
const lstmHeader = ['B, H', 'kernel', 'KiB', 'reference', ...wasms.map((w) => w.description), 'best us', '1T ratio', 'all ratio'];
const lstmWidths = [10, 9, 7, 10, ...wasms.map((w) => Math.max(12, w.description.length)), 9, 8, 9];
console.log(lstmHeader.map((h, i) => pad(h, lstmWidths[i]!)).join('  '));
let lstmProblems = 0;

for (const [B, H] of LSTM_SIZES) {
  const gates0 = randomFloats(rng, B * 4 * H, -3, 3);
  const cPrev = randomFloats(rng, B * H);
  const dh = randomFloats(rng, B * H);
  const dc = randomFloats(rng, B * H);

  /** All buffers of one backend; forward first, so the saved gates feed the backward. */
  const setup = (be: Backend) => {
    const s = {
      gates: on(be, gates0), cPrev: on(be, cPrev), c: be.allocFloats(B * H), h: be.allocFloats(B * H),
      dh: on(be, dh), dc: on(be, dc), dGates: be.allocFloats(B * 4 * H), dcPrev: be.allocFloats(B * H),
    };
    be.lstmCellForward(B, H, s.gates, s.cPrev, s.c, s.h);
    be.lstmCellBackward(B, H, s.gates, s.cPrev, s.c, s.dh, s.dc, s.dGates, s.dcPrev);
    return s;
  };
  const state = new Map<Backend, ReturnType<typeof setup>>();
  const missing: string[] = [];
  for (const be of [reference, ...wasms]) {
    try {
      state.set(be, setup(be));
    } catch (e) {
      missing.push(`${be.description}: ${(e as Error).message}`);
    }
  }
  if (missing.length > 0) {
    console.log(`${pad(`${B}, ${H}`, lstmWidths[0]!)}  not implemented (${missing.join('; ')})`);
    continue;
  }
  // Validate against the reference (tolerance of the vectorised exp/tanh: 1e-4 relative).
  const r = state.get(reference)!;
  for (const w of wasms) {
    const s = state.get(w)!;
    for (const name of ['gates', 'c', 'h', 'dGates', 'dcPrev'] as const) {
      const { ratio, index } = worstRatio(s[name], r[name], { rtol: 1e-4, atol: 1e-5 });
      if (!(ratio <= 1)) {
        console.log(`!! LSTM ${B},${H} on ${w.description} is WRONG: ${name}[${index}] = ${s[name][index]}, reference ${r[name][index]}`);
        lstmProblems++;
      }
    }
  }

  for (const kernel of ['forward', 'backward'] as const) {
    const bytes = (kernel === 'forward' ? 11 : 13) * B * H * 4;
    const contenders = [reference, ...wasms].map((be) => {
      const s = state.get(be)!;
      const run = kernel === 'forward'
        ? () => be.lstmCellForward(B, H, s.gates, s.cPrev, s.c, s.h)
        : () => be.lstmCellBackward(B, H, s.gates, s.cPrev, s.c, s.dh, s.dc, s.dGates, s.dcPrev);
      return { name: be.description, run };
    });
    const ms = medians(contenders, 9, 20);
    const best = Math.min(...ms.slice(1));
    const best1 = bestSingle(ms.slice(1));
    const row = [`${B}, ${H}`, kernel, fmt(bytes / 1024, 0), ...ms.map((t) => fmt(bytes / t / 1e6, 2)),
      fmt(best * 1000, 1), `${fmt(ms[0]! / best1, 0)}x`, `${fmt(ms[0]! / best, 0)}x`];
    console.log(row.map((h, i) => pad(h, lstmWidths[i]!)).join('  '));
  }
}
if (lstmProblems > 0) {
  console.log(`\n${lstmProblems} LSTM result(s) disagree with the reference: timings above are of wrong kernels`);
  process.exitCode = 1;
}
