/**
 * GEMM conformance: the wasm kernel (the build this runtime picks, and the plain SIMD build
 * explicitly) and the native one (when its addon is built) against the reference oracle, over odd and edge sizes, all four transpose
 * combinations, alpha/beta variants, strided leading dimensions, and buffers both in wasm
 * memory (`allocFloats`) and on the JavaScript heap. The oracle itself is checked by hand.
 *
 * Tolerance (norm-aware, the honest bound for a float32 dot product of length k):
 *   |c - c_ref| <= 1e-5 * (|alpha| * sum_p |a_ip| |b_pj| + |beta c0_ij|) + 1e-30
 * where c0 is C before the call. A relative bound on c_ref alone would fail on cancellation.
 * Elements of the strided padding (in A, B: NaN, so reading them poisons C) must be untouched.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Backend, F32 } from './backend.js';
import { ReferenceBackend } from './reference/reference-backend.js';
import { gemm as referenceGemm } from './reference/gemm.js';
import { WasmBackend } from './wasm/wasm-backend.js';
import { Rng } from '../random/rng.js';
import { assertClose, randomFloats } from '../testing/compare.js';
import { maybeNative, noteNativeSkipped } from '../testing/native-backends.js';
import type { NativeBackend } from './native/native-backend.js';

const ref = new ReferenceBackend();
/** The backends under test: wasm builds, then native when built (not in the relaxed-SIMD child, which re-checks wasm only). */
const optimised: { label: string; backend: Backend }[] = [];
/** Set in the child process that re-runs this file with relaxed SIMD enabled. */
const IS_RELAXED_CHILD = process.env.RECUR_GEMM_RELAXED_CHILD === '1';

before(async () => {
  const best = await WasmBackend.create();
  optimised.push({ label: `wasm default (${best.flavour})`, backend: best });
  if (best.flavour !== 'simd') optimised.push({ label: 'wasm (simd)', backend: await WasmBackend.create({ flavour: 'simd' }) });
  const native = IS_RELAXED_CHILD ? undefined : await maybeNative();
  if (native) optimised.push({ label: native.description, backend: native });
});
after(() => { optimised.length = 0; });
if (!IS_RELAXED_CHILD) noteNativeSkipped();

// ---- the oracle ------------------------------------------------------------------------------

test('reference gemm: hand-computed 2x3 . 3x2, every transpose, alpha/beta, strides', () => {
  // A = [[1, 2, 3], [4, 5, 6]], B = [[7, 8], [9, 10], [11, 12]]  =>  AB = [[58, 64], [139, 154]]
  const A = [1, 2, 3, 4, 5, 6];
  const At = [1, 4, 2, 5, 3, 6]; // A^T stored [3, 2]
  const B = [7, 8, 9, 10, 11, 12];
  const Bt = [7, 9, 11, 8, 10, 12]; // B^T stored [2, 3]
  const AB = [58, 64, 139, 154];
  for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
    const c = new Float32Array(4).fill(NaN); // beta = 0 must ignore NaN in C
    referenceGemm(tA, tB, 2, 2, 3, 1, new Float32Array(tA ? At : A), tA ? 2 : 3,
      new Float32Array(tB ? Bt : B), tB ? 3 : 2, 0, c, 2);
    assert.deepEqual([...c], AB, `transA ${tA} transB ${tB}`);
  }
  // alpha = 2, beta = -1 on C = 1: 2 AB - 1; C with ldc 3 keeps its padding column.
  const c = new Float32Array([1, 1, 99, 1, 1]);
  referenceGemm(false, false, 2, 2, 3, 2, new Float32Array(A), 3, new Float32Array(B), 2, -1, c, 3);
  assert.deepEqual([...c], [115, 127, 99, 277, 307], 'alpha 2, beta -1, ldc 3');
  // lda 4 (A rows padded with a NaN that must not be read).
  const aPadded = new Float32Array([1, 2, 3, NaN, 4, 5, 6]);
  const c2 = new Float32Array(4);
  referenceGemm(false, false, 2, 2, 3, 1, aPadded, 4, new Float32Array(B), 2, 0, c2, 2);
  assert.deepEqual([...c2], AB, 'lda 4');
});

test('reference gemm is precision-agnostic: float64 buffers keep float64 accuracy', () => {
  // 1/3 + 1/3 * 1 rounds differently in float32; a Float64Array must come back exact to 1e-15.
  const a = new Float64Array([1 / 3, 1 / 7]) as unknown as F32;
  const b = new Float64Array([1, 1]) as unknown as F32;
  const c = new Float64Array([1 / 11]) as unknown as F32;
  referenceGemm(false, false, 1, 1, 2, 1, a, 2, b, 1, 1, c, 1);
  assert.ok(Math.abs(c[0]! - (1 / 3 + 1 / 7 + 1 / 11)) < 1e-15, `got ${c[0]}`);
});

test('gemm: invalid arguments throw on both backends, naming what is wrong', async () => {
  const a = new Float32Array(6);
  const b = new Float32Array(6);
  const c = new Float32Array(4);
  for (const be of [ref, ...optimised.map((w) => w.backend)]) {
    assert.throws(() => be.gemm(false, false, 2, 2, 3, 1, a, 2, b, 2, 0, c, 2), /gemm: lda must be an integer >= k = 3, got 2/);
    assert.throws(() => be.gemm(false, true, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2), /gemm: ldb must be an integer >= k \(transB\) = 3/);
    assert.throws(() => be.gemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c.subarray(1), 2), /gemm: C holds 3 elements but a \[2, 2\] matrix with ldc 2 needs 4/);
    assert.throws(() => be.gemm(false, false, 2, 2, 4, 1, a, 4, b, 2, 0, c, 2), /gemm: A holds 6 elements/);
    assert.throws(() => be.gemm(false, false, -1, 2, 3, 1, a, 3, b, 2, 0, c, 2), /gemm: m must be a non-negative integer/);
  }
});

// ---- conformance -----------------------------------------------------------------------------

const SMALL = [1, 3, 17];
/** (m, n, k). Each large case is there for a path of the kernel, named on its line. */
const CASES: [number, number, number][] = [
  ...SMALL.flatMap((m) => SMALL.flatMap((n) => SMALL.map((k) => [m, n, k] as [number, number, number]))),
  [65, 17, 257], // k > 256: two K blocks; the second adds to the first (beta becomes 1)
  [65, 257, 257], // every blocking level at once; n = 257 leaves a 1-column B panel
  [257, 65, 3], // m = 257: several row blocks of packed A, the last of 1 row; k < 4
  [257, 257, 17],
  [17, 257, 65], // m = 17: a 1-row edge tile under full tiles
  [7, 17, 65], // m = 7: a 3-row edge tile
  [65, 65, 65],
  [257, 3, 17], // n < 8: only edge tiles
  [3, 257, 257], // m < 4: vector-matrix path, k tail after 8- and 4-wide steps
  [1, 65, 257],
  [2, 19, 13], // m < 4 with k = 8 + 4 + 1: every step width of the dot products
  [1, 64, 19], // m < 4, two groups of 4 panels: k unrolled by 4, then a tail of 3
  [2, 40, 6], // m < 4: one group of 4 panels (k = 4 + 2) and one single panel
  [5, 2053, 5], // n > 2048: two column blocks of packed B
];

interface Variant { alpha: number; beta: number; padded: boolean; label: string }
const VARIANTS: Variant[] = [
  { alpha: 1, beta: 0, padded: false, label: 'alpha 1, beta 0 (C = NaN), contiguous' },
  { alpha: 1, beta: 0, padded: true, label: 'alpha 1, beta 0 (C = NaN), strided' },
  { alpha: 0.5, beta: 1, padded: true, label: 'alpha 0.5, beta 1 (accumulate), strided' },
  { alpha: -1.25, beta: 0.75, padded: false, label: 'alpha -1.25, beta 0.75, contiguous' },
];
const TRANSPOSES = [[false, false], [false, true], [true, false], [true, true]] as const;

interface Problem {
  label: string;
  tA: boolean; tB: boolean; m: number; n: number; k: number; alpha: number; beta: number;
  a: F32; lda: number; b: F32; ldb: number; c0: F32; ldc: number;
  /** The reference result and the bound per element of C (dense [m, n]). */
  want: F32; bound: Float64Array;
}

/** A stored [rows, cols] matrix with row stride ld: random values, NaN in the padding. */
function stored(rng: Rng, rows: number, cols: number, ld: number): F32 {
  const x = new Float32Array((rows - 1) * ld + cols).fill(NaN);
  const v = randomFloats(rng, rows * cols);
  for (let r = 0; r < rows; r++) x.set(v.subarray(r * cols, (r + 1) * cols), r * ld);
  return x;
}

function makeProblem(seed: number, tA: boolean, tB: boolean, m: number, n: number, k: number, v: Variant): Problem {
  const rng = new Rng(seed);
  const lda = (tA ? m : k) + (v.padded ? 3 : 0);
  const ldb = (tB ? k : n) + (v.padded ? 5 : 0);
  const ldc = n + (v.padded ? 2 : 0);
  const a = stored(rng, tA ? k : m, tA ? m : k, lda);
  const b = stored(rng, tB ? n : k, tB ? k : n, ldb);
  const c0 = v.beta === 0 ? new Float32Array((m - 1) * ldc + n).fill(NaN) : stored(rng, m, n, ldc);
  const want = c0.slice();
  referenceGemm(tA, tB, m, n, k, v.alpha, a, lda, b, ldb, v.beta, want, ldc);
  // sum_p |a_ip| |b_pj| is itself a GEMM of the absolute values (padding stays NaN, unread).
  const absProd = new Float32Array(m * n);
  referenceGemm(tA, tB, m, n, k, 1, a.map(Math.abs), lda, b.map(Math.abs), ldb, 0, absProd, n);
  const bound = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const betaTerm = v.beta === 0 ? 0 : Math.abs(v.beta * c0[i * ldc + j]!);
      bound[i * n + j] = 1e-5 * (Math.abs(v.alpha) * absProd[i * n + j]! + betaTerm) + 1e-30;
    }
  }
  const label = `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} m=${m} n=${n} k=${k}, ${v.label}`;
  return { label, tA, tB, m, n, k, alpha: v.alpha, beta: v.beta, a, lda, b, ldb, c0, ldc, want, bound };
}

let problems: Problem[] | undefined;
function allProblems(): Problem[] {
  if (problems) return problems;
  problems = [];
  let seed = 1;
  for (const [m, n, k] of CASES) {
    for (const [tA, tB] of TRANSPOSES) {
      for (const v of VARIANTS) problems.push(makeProblem(seed++, tA, tB, m, n, k, v));
    }
  }
  return problems;
}

/** Copies `src` into memory of `be` (allocFloats) or onto the JS heap. */
function place(be: Backend, src: F32, where: 'alloc' | 'heap'): F32 {
  if (where === 'heap') return src.slice();
  const x = be.allocFloats(src.length);
  x.set(src);
  return x;
}

function checkResult(p: Problem, got: F32): void {
  for (let idx = 0; idx < got.length; idx++) {
    const i = Math.floor(idx / p.ldc);
    const j = idx - i * p.ldc;
    if (j >= p.n) {
      assert.ok(Object.is(got[idx], p.c0[idx]), `${p.label}: padding C[${idx}] changed to ${got[idx]}`);
      continue;
    }
    const g = got[idx]!;
    const w = p.want[idx]!;
    const bound = p.bound[i * p.n + j]!;
    if (!(Math.abs(g - w) <= bound)) {
      assert.fail(`${p.label}: C[${i}, ${j}] = ${g}, reference ${w}, |diff| ${Math.abs(g - w)} > bound ${bound}`);
    }
  }
}

for (const where of ['alloc', 'heap'] as const) {
  test(`gemm conformance against the reference, buffers ${where === 'alloc' ? 'in wasm memory' : 'on the JS heap'}`, async (t) => {
    const ps = allProblems();
    for (const { label, backend } of optimised) {
      await t.test(label, () => {
        for (const p of ps) {
          const a = place(backend, p.a, where);
          const b = place(backend, p.b, where);
          const c = place(backend, p.c0, where);
          backend.gemm(p.tA, p.tB, p.m, p.n, p.k, p.alpha, a, p.lda, b, p.ldb, p.beta, c, p.ldc);
          checkResult(p, c);
          // Inputs are read only.
          assert.ok(sameBits(a, p.a) && sameBits(b, p.b), `${p.label}: A or B was modified`);
        }
      });
    }
  });
}

function sameBits(x: F32, y: F32): boolean {
  return x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
}

test('gemm: alpha = 0 and k = 0 give beta * C without reading A or B', () => {
  const m = 5, n = 9, k = 3;
  const nanA = new Float32Array(m * k).fill(NaN);
  const nanB = new Float32Array(k * n).fill(NaN);
  const c0 = randomFloats(new Rng(7), m * n);
  for (const be of [ref, ...optimised.map((w) => w.backend)]) {
    for (const beta of [0, 1, -0.5]) {
      const expected = c0.map((x) => (beta === 0 ? 0 : beta * x));
      for (const [kk, alpha] of [[k, 0], [0, 2]] as const) {
        for (const [tA, tB] of TRANSPOSES) {
          const c = beta === 0 ? new Float32Array(m * n).fill(NaN) : c0.slice();
          be.gemm(tA, tB, m, n, kk, alpha, nanA, tA ? m : Math.max(kk, 1), nanB, tB ? Math.max(kk, 1) : n, beta, c, n);
          assertClose(c, expected, { rtol: 1e-6, atol: 1e-30 }, `${be.description} k=${kk} alpha=${alpha} beta=${beta} ${+tA}${+tB}`);
        }
      }
    }
  }
});

// ---- pre-packed B -------------------------------------------------------------------------------

test('gemmPacked (B packed once by gemmPackB) conforms to the reference on every backend', async (t) => {
  const ps = allProblems();
  for (const { label, backend } of [{ label: 'reference', backend: ref as Backend }, ...optimised]) {
    await t.test(label, () => {
      for (const p of ps) {
        const packed = backend.allocFloats(backend.gemmPackedSize(p.k, p.n));
        packed.fill(NaN); // every element gemmPacked reads must have been written by gemmPackB
        backend.gemmPackB(p.tB, p.k, p.n, place(backend, p.b, 'alloc'), p.ldb, packed);
        const c = place(backend, p.c0, 'alloc');
        backend.gemmPacked(p.tA, p.m, p.n, p.k, p.alpha, place(backend, p.a, 'alloc'), p.lda, packed, p.beta, c, p.ldc);
        checkResult({ ...p, label: `gemmPacked ${p.label}` }, c);
      }
    });
  }
});

test('wasm gemmPacked is bit-identical to gemm from 4 rows up (same tile loop)', () => {
  for (const { backend } of optimised.filter((w) => w.backend.name === 'wasm')) {
    for (const p of allProblems().filter((q) => q.m >= 4)) {
      const packed = backend.allocFloats(backend.gemmPackedSize(p.k, p.n));
      backend.gemmPackB(p.tB, p.k, p.n, p.b, p.ldb, packed);
      const viaPacked = p.c0.slice();
      backend.gemmPacked(p.tA, p.m, p.n, p.k, p.alpha, p.a, p.lda, packed, p.beta, viaPacked, p.ldc);
      const direct = p.c0.slice();
      backend.gemm(p.tA, p.tB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, direct, p.ldc);
      assert.ok(sameBits(viaPacked, direct), `${backend.description} ${p.label}: gemmPacked differs from gemm`);
    }
  }
});

// ---- native: every instruction-set path, and thread counts --------------------------------------

/** The native backends of `threads` threads (empty when the addon is not built or in the relaxed child). */
async function nativeBackends(threads: number[]): Promise<NativeBackend[]> {
  if (IS_RELAXED_CHILD) return [];
  const out: NativeBackend[] = [];
  for (const t of threads) {
    const be = await maybeNative({ threads: t });
    if (be) out.push(be);
  }
  return out;
}

test('native: gemm and gemmPacked conform on every instruction set this CPU runs (portable, avx2, avx512)', async (t) => {
  const [native] = await nativeBackends([2]);
  if (!native) { t.skip('native addon not built'); return; }
  const best = native.info.isaBest;
  const ps = allProblems();
  try {
    for (const isa of ['portable', 'avx2', 'avx512'] as const) {
      if (!native.setIsa(isa)) { assert.notEqual(isa, 'portable', 'the portable path always runs'); continue; }
      await t.test(native.description, () => {
        for (const p of ps) {
          const c = p.c0.slice();
          native.gemm(p.tA, p.tB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, c, p.ldc);
          checkResult({ ...p, label: `${isa} ${p.label}` }, c);
          const packed = new Float32Array(native.gemmPackedSize(p.k, p.n)).fill(NaN);
          native.gemmPackB(p.tB, p.k, p.n, p.b, p.ldb, packed);
          const viaPacked = p.c0.slice();
          native.gemmPacked(p.tA, p.m, p.n, p.k, p.alpha, p.a, p.lda, packed, p.beta, viaPacked, p.ldc);
          // One loop nest for both, any m (gemm_impl.h): the same bits, not only the same tolerance.
          assert.ok(sameBits(viaPacked, c), `${isa} ${p.label}: gemmPacked differs from gemm`);
        }
      });
    }
  } finally {
    native.setIsa(best);
  }
  assert.equal(native.info.isaActive, best);
});

test('native: gemm results are bit-identical on 1, 2 and 3 threads (splits by rows and by columns)', async (t) => {
  const backends = await nativeBackends([1, 2, 3]);
  if (!backends.length) { t.skip('native addon not built'); return; }
  const rng = new Rng(5);
  // Big enough to split (150 kFLOP per part): tall (rows), wide (columns), few rows (columns).
  for (const [m, n, k] of [[200, 40, 64], [24, 700, 50], [3, 1000, 80], [130, 130, 130]] as const) {
    for (const [tA, tB] of TRANSPOSES) {
      const a = randomFloats(rng, m * k), b = randomFloats(rng, k * n), c0 = randomFloats(rng, m * n);
      const results = backends.map((be) => {
        const c = c0.slice();
        be.gemm(tA, tB, m, n, k, 1.5, a, tA ? m : k, b, tB ? k : n, 0.5, c, n);
        return c;
      });
      results.forEach((c, i) => assert.ok(sameBits(c, results[0]!), `${m}x${n}x${k} ${+tA}${+tB}: ${backends[i]!.threads} threads differ`));
    }
  }
});

test('native: 400 back-to-back calls whose split changes every time (1 to 3 parts) match one thread', async (t) => {
  const [one, three] = await nativeBackends([1, 3]);
  if (!one || !three) { t.skip('native addon not built'); return; }
  // Jobs of different part counts in quick succession: a worker still leaving one job must never
  // take a part of the next (pool.cc closes the claim counter while a job is posted).
  const rng = new Rng(9);
  for (let call = 0; call < 400; call++) {
    const m = 1 + Math.floor(rng.uniform(0, 90)), n = 16 + Math.floor(rng.uniform(0, 300)), k = 8 + Math.floor(rng.uniform(0, 120));
    const a = randomFloats(rng, m * k), b = randomFloats(rng, k * n);
    const c1 = new Float32Array(m * n), c3 = new Float32Array(m * n);
    one.gemm(false, false, m, n, k, 1, a, k, b, n, 0, c1, n);
    three.gemm(false, false, m, n, k, 1, a, k, b, n, 0, c3, n);
    assert.ok(sameBits(c3, c1), `call ${call}: ${m}x${n}x${k} differs on 3 threads`);
  }
});

test('gemmPackB / gemmPacked: invalid arguments throw on both backends, naming what is wrong', () => {
  for (const be of [ref, ...optimised.map((w) => w.backend)]) {
    const size = be.gemmPackedSize(3, 5);
    assert.ok(size >= 15, `${be.description}: gemmPackedSize(3, 5) = ${size}`);
    const packed = new Float32Array(size);
    assert.throws(() => be.gemmPackedSize(-1, 2), /gemmPackedSize: k must be a non-negative integer, got -1/);
    assert.throws(() => be.gemmPackB(false, 3, 5, new Float32Array(15), 4, packed), /gemmPackB: ldb must be an integer >= n = 5, got 4/);
    assert.throws(() => be.gemmPackB(false, 3, 5, new Float32Array(14), 5, packed), /gemmPackB: B holds 14 elements/);
    assert.throws(() => be.gemmPackB(false, 3, 5, new Float32Array(15), 5, packed.subarray(1)), /gemmPackB: packed holds \d+ floats but op\(B\) \[3, 5\] needs gemmPackedSize = \d+/);
    assert.throws(() => be.gemmPacked(false, 2, 5, 3, 1, new Float32Array(5), 3, packed, 0, new Float32Array(10), 5), /gemmPacked: A holds 5 elements/);
    assert.throws(() => be.gemmPacked(false, 2, 5, 3, 1, new Float32Array(6), 3, packed, 0, new Float32Array(10), 4), /gemmPacked: ldc must be an integer >= n = 5, got 4/);
    assert.throws(() => be.gemmPacked(false, 2, 5, 3, 1, new Float32Array(6), 3, packed.subarray(1), 0, new Float32Array(10), 5), /gemmPacked: packed holds/);
  }
});

// ---- builds ----------------------------------------------------------------------------------

const wasmDir = new URL('./wasm/', import.meta.url);
const plainBytes = readFileSync(new URL('recur-simd.wasm', wasmDir));
const relaxedBytes = readFileSync(new URL('recur-relaxed.wasm', wasmDir));

test('the plain build validates without relaxed SIMD (no relaxed opcode survived)', () => {
  // Checked in a child with relaxed SIMD switched off, so the answer does not depend on this
  // runtime's defaults or flags; the relaxed build must fail there, or the check proves nothing.
  const script = `const fs = require('node:fs');
    console.log(JSON.stringify([WebAssembly.validate(fs.readFileSync(process.argv[1])), WebAssembly.validate(fs.readFileSync(process.argv[2]))]));`;
  const out = execFileSync(process.execPath, ['--no-experimental-wasm-relaxed-simd', '-e', script,
    fileURLToPath(new URL('recur-simd.wasm', wasmDir)), fileURLToPath(new URL('recur-relaxed.wasm', wasmDir))], { encoding: 'utf8' });
  const [plainOk, relaxedOk] = JSON.parse(out) as [boolean, boolean];
  assert.equal(plainOk, true, 'recur-simd.wasm must validate with relaxed SIMD disabled');
  assert.equal(relaxedOk, false, 'recur-relaxed.wasm validated with relaxed SIMD disabled: it has no relaxed opcode');
  if (process.execArgv.length === 0) {
    assert.equal(WebAssembly.validate(plainBytes), true, 'recur-simd.wasm must validate in this flagless process');
  }
});

test('the default wasm backend picks the relaxed build exactly when the runtime validates it', async (t) => {
  const relaxedSupported = WebAssembly.validate(relaxedBytes);
  const be = await WasmBackend.create();
  t.diagnostic(`relaxed SIMD ${relaxedSupported ? 'supported' : 'not supported'} by node ${process.version}` +
    ` ${process.execArgv.join(' ')}; default backend: ${be.description}`);
  assert.equal(be.flavour, relaxedSupported ? 'relaxed-simd' : 'simd');
  if (IS_RELAXED_CHILD) assert.ok(relaxedSupported, 'the child was started to test the relaxed build, but it does not validate');
});

test('the relaxed build passes this file too (re-run with --experimental-wasm-relaxed-simd)', {
  skip: IS_RELAXED_CHILD ? 'this is the re-run' : WebAssembly.validate(relaxedBytes) ? 'relaxed build already tested in-process' : false,
}, (t) => {
  // Node 20 validates relaxed SIMD only behind a flag; without this re-run the build that
  // browsers and newer Node pick would go untested here.
  // NODE_TEST_CONTEXT would make the child report to a parent runner instead of running its tests.
  const env: NodeJS.ProcessEnv = { ...process.env, RECUR_GEMM_RELAXED_CHILD: '1' };
  delete env.NODE_TEST_CONTEXT;
  let out: string;
  try {
    out = execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', fileURLToPath(import.meta.url)], {
      env, encoding: 'utf8', stdio: 'pipe',
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    assert.fail(`re-run with relaxed SIMD failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
  const passed = /^# pass (\d+)/m.exec(out);
  assert.ok(passed && +passed[1]! >= 8 && /^# fail 0/m.test(out), `unexpected re-run output:\n${out}`);
  t.diagnostic(`re-run with relaxed SIMD: ${passed[0].slice(2)} tests`);
});
