/**
 * Worker threads of the wasm backend: `threads` validation, conformance of split GEMMs (odd
 * sizes, all transposes, strided, pre-packed B) against the reference, bit-identical results
 * for 1, 2 and 3 threads (GEMM and every split elementwise kernel, on wasm and on native), and a
 * process that used a threaded backend still exits by itself.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Backend, F32, I32 } from '../backend.js';
import { WasmBackend } from './wasm-backend.js';
import { NativeBackend } from '../native/native-backend.js';
import { gemmSplit, splitRange } from './split.js';
import { gemm as referenceGemm } from '../reference/gemm.js';
import { Rng } from '../../random/rng.js';
import { copyToBackend, randomFloats } from '../../testing/compare.js';

const backends = new Map<number, WasmBackend>();
before(async () => {
  for (const threads of [1, 2, 3]) backends.set(threads, await WasmBackend.create({ threads }));
});
after(() => backends.clear());

const sameBits = (x: ArrayLike<number>, y: ArrayLike<number>): boolean =>
  x.length === y.length && Array.prototype.every.call(x, (v: number, i: number) => Object.is(v, y[i]));

test('threads: validated, 1 means no workers, the default is every core', async () => {
  for (const bad of [0, -1, 1.5, NaN, 257, '2', null]) {
    await assert.rejects(WasmBackend.create({ threads: bad as number }), /WasmBackend\.create: threads must be an integer from 1 to 256 \(1 = no worker threads\), got/);
  }
  await assert.rejects(WasmBackend.create({ spinMs: -1 }), /WasmBackend\.create: spinMs must be a number of milliseconds in \[0, 1000\], got -1/);
  assert.equal(backends.get(1)!.threads, 1);
  assert.equal(backends.get(3)!.threads, 3);
  assert.match(backends.get(3)!.description, /^wasm \((relaxed-)?simd, 3 threads\)$/);
  const all = await WasmBackend.availableThreads();
  assert.equal((await WasmBackend.create()).threads, all);
});

test('splitRange and gemmSplit: aligned, even, never a part below the minimum', () => {
  assert.deepEqual(splitRange(1024, 2, 8, 8), [0, 512, 1024]);
  assert.deepEqual(splitRange(10, 2, 4, 4), [0, 4, 10]);
  assert.deepEqual(splitRange(6, 2, 4, 4), [0, 6], 'a part would have 2 rows');
  assert.deepEqual(splitRange(100, 3, 16, 1), [0, 32, 64, 100]);
  assert.deepEqual(splitRange(5, 8, 1, 1), [0, 1, 2, 3, 4, 5]);
  for (let n = 1; n < 300; n += 7) {
    for (const parts of [2, 3, 5]) {
      const b = splitRange(n, parts, 8, 8);
      assert.equal(b[0], 0);
      assert.equal(b[b.length - 1], n);
      for (let i = 1; i < b.length; i++) {
        assert.ok(b[i]! - b[i - 1]! >= 8 || b.length === 2, `n=${n}: part ${i} too small in ${b}`);
        if (i < b.length - 1) assert.equal(b[i]! % 8, 0, `n=${n}: boundary ${b[i]} not aligned`);
      }
    }
  }
  // The per-step recurrent GEMMs at B = 32 split by columns; the input projection by rows.
  assert.deepEqual(gemmSplit(32, 1024, 256, 2, false), { axis: 'cols', bounds: [0, 512, 1024] });
  assert.deepEqual(gemmSplit(32, 256, 1024, 2, true), { axis: 'cols', bounds: [0, 128, 256] });
  assert.deepEqual(gemmSplit(2048, 1024, 65, 2, false), { axis: 'rows', bounds: [0, 1024, 2048] });
  assert.deepEqual(gemmSplit(1, 1024, 256, 2, true), { axis: 'cols', bounds: [0, 512, 1024] });
  assert.deepEqual(gemmSplit(8, 8, 8, 2, false).bounds, [0, 8], 'tiny products stay on one thread');
});

/** (m, n, k) large enough to be split, with odd sizes so parts and tiles have edges. */
const CASES: [number, number, number][] = [
  [131, 517, 67], [9, 1031, 33], [1, 2053, 129], [2, 1001, 300], [3, 777, 200], [67, 100, 1000], [36, 260, 513],
  [1000, 19, 100], [4, 4099, 40],
];
const TRANSPOSES = [[false, false], [false, true], [true, false], [true, true]] as const;

/** A stored [rows, cols] matrix with row stride ld (NaN padding, which must never be read). */
function stored(rng: Rng, rows: number, cols: number, ld: number): F32 {
  const x = new Float32Array((rows - 1) * ld + cols).fill(NaN);
  for (let r = 0; r < rows; r++) x.set(randomFloats(rng, cols), r * ld);
  return x;
}

test('threaded gemm and gemmPacked: conform to the reference and are bit-identical for 1, 2 and 3 threads', () => {
  let seed = 1;
  let splitCalls = 0;
  for (const [m, n, k] of CASES) {
    for (const [tA, tB] of TRANSPOSES) {
      const rng = new Rng(seed++);
      const lda = (tA ? m : k) + 3, ldb = (tB ? k : n) + 1, ldc = n + 2;
      const a = stored(rng, tA ? k : m, tA ? m : k, lda);
      const b = stored(rng, tB ? n : k, tB ? k : n, ldb);
      const c0 = stored(rng, m, n, ldc);
      const want = c0.slice();
      referenceGemm(tA, tB, m, n, k, 0.5, a, lda, b, ldb, -1, want, ldc);
      const label = `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${m}x${n}x${k}`;
      const results: F32[] = [];
      for (const [threads, be] of backends) {
        if (gemmSplit(m, n, k, threads, false).bounds.length > 2) splitCalls++;
        const [wa, wb] = [on(be, a), on(be, b)];
        const c = on(be, c0);
        be.gemm(tA, tB, m, n, k, 0.5, wa, lda, wb, ldb, -1, c, ldc);
        const packed = be.allocFloats(be.gemmPackedSize(k, n));
        be.gemmPackB(tB, k, n, wb, ldb, packed);
        const cp = on(be, c0);
        be.gemmPacked(tA, m, n, k, 0.5, wa, lda, packed, -1, cp, ldc);
        for (const [name, got] of [['gemm', c], ['gemmPacked', cp]] as const) {
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < ldc; j++) {
              const g = got[i * ldc + j]!, w = want[i * ldc + j]!;
              if (j >= n) assert.ok(Object.is(g, c0[i * ldc + j]), `${label} ${name} ${threads}T: padding changed`);
              else if (!(Math.abs(g - w) <= 1e-5 * (k + Math.abs(w)))) assert.fail(`${label} ${name} ${threads}T: C[${i}, ${j}] = ${g}, reference ${w}`);
            }
          }
        }
        results.push(c, cp);
      }
      for (let r = 2; r < results.length; r++) {
        assert.ok(sameBits(results[r]!, results[r % 2]!), `${label}: ${r % 2 ? 'gemmPacked' : 'gemm'} with ${[1, 2, 3][r >> 1]} threads differs from 1 thread`);
      }
    }
  }
  assert.ok(splitCalls >= CASES.length * 4, `only ${splitCalls} calls were split: the cases are too small to test threads`);
});

const on = copyToBackend;

/**
 * Every split elementwise kernel on each backend of `list` (the same kind at 1, 2 and 3 threads),
 * with sizes above the split thresholds and odd tails: the outputs must be bit-identical.
 */
function assertSplitKernelsBitIdentical(list: Backend[]): void {
  const B = 67, H = 131, n = 100_003;
  const rng = new Rng(5);
  const inputs = {
    gates: randomFloats(rng, B * 4 * H, -3, 3), cPrev: randomFloats(rng, B * H), dh: randomFloats(rng, B * H),
    dc: randomFloats(rng, B * H), xProj: randomFloats(rng, B * 3 * H), hProj: randomFloats(rng, B * 3 * H),
    x: randomFloats(rng, n, -4, 4), y: randomFloats(rng, n), g: randomFloats(rng, n), v: randomFloats(rng, n, 0, 1),
    logits: randomFloats(rng, 2003 * 65, -5, 5),
  };
  const targets = Int32Array.from({ length: 2003 }, (_, i) => (i % 7 === 0 ? -100 : (i * 31) % 65));
  const outputs: Record<string, F32>[] = [];
  for (const be of list) {
    const t = Object.fromEntries(Object.entries(inputs).map(([name, src]) => [name, on(be, src)])) as Record<keyof typeof inputs, F32>;
    const out: Record<string, F32> = {};
    const f = (name: string, len: number) => (out[name] = be.allocFloats(len));
    be.lstmCellForward(B, H, t.gates, t.cPrev, f('c', B * H), f('h', B * H));
    be.lstmCellBackward(B, H, t.gates, t.cPrev, out.c!, t.dh, t.dc, f('dGates', B * 4 * H), f('dcPrev', B * H));
    out.gates = t.gates;
    be.gruCellForward(B, H, t.xProj, t.hProj, t.cPrev, f('saved', B * 4 * H), f('gh', B * H));
    be.gruCellBackward(B, H, out.saved!, t.cPrev, t.dh, f('dx', B * 3 * H), f('dhp', B * 3 * H), f('dhPrev', B * H));
    for (const kind of ['tanh', 'sigmoid', 'relu'] as const) {
      be.activationForward(kind, n, t.x, f(`act-${kind}`, n));
      be.activationBackward(kind, n, out[`act-${kind}`]!, t.y, f(`dact-${kind}`, n), false);
    }
    const p = on(be, inputs.x), m = on(be, inputs.y), v = on(be, inputs.v);
    be.adamStep(n, p, t.g, m, v, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: true, biasCorrection1: 0.1, biasCorrection2: 0.001 });
    Object.assign(out, { adamP: p, adamM: m, adamV: v });
    const sp = on(be, inputs.x), sm = on(be, inputs.y);
    be.sgdStep(n, sp, t.g, sm, { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01, nesterov: true }, false);
    const ap = on(be, inputs.x), as = on(be, inputs.v);
    be.adagradStep(n, ap, t.g, as, { lr: 0.1, eps: 1e-10, weightDecay: 0.01 });
    const rp = on(be, inputs.x), rs = on(be, inputs.v), rg = on(be, inputs.y), rm = on(be, inputs.y);
    be.rmspropStep(n, rp, t.g, rs, rg, rm, { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0.01, momentum: 0.9, centered: true });
    Object.assign(out, { sgdP: sp, sgdM: sm, adagradP: ap, adagradS: as, rmsP: rp, rmsS: rs, rmsG: rg, rmsM: rm });
    be.bceWithLogitsForward(n, t.x, t.v, 2.5, f('bce', n));
    be.bceWithLogitsBackward(n, t.x, t.v, 2.5, t.y, f('dBce', n));
    const ids = be.allocInts(3001) as I32;
    ids.set(Int32Array.from({ length: 3001 }, (_, i) => (i * 17) % 97));
    be.embeddingForward(3001, 33, 97, ids, t.g, f('embedded', 3001 * 33));
    be.fill(n, 0.25, f('filled', n));
    const y = on(be, inputs.y);
    be.axpy(n, 0.3, t.x, y);
    be.mul(n, y, t.g, y);
    be.add(n, y, t.x, y);
    be.scale(n, 1.7, y);
    be.clamp(n, -1, 1, y);
    out.y = y;
    const rows = on(be, inputs.logits);
    be.addRowVector(2003, 65, t.g, rows);
    const tg = be.allocInts(2003) as I32;
    tg.set(targets);
    be.softmaxCrossEntropyForward(2003, 65, rows, tg, -100, f('probs', 2003 * 65), f('losses', 2003));
    be.softmaxCrossEntropyBackward(2003, 65, out.probs!, tg, -100, t.v, f('dLogits', 2003 * 65));
    be.softmax(2003, 65, rows, f('softmax', 2003 * 65));
    be.sumRows(2003, 65, rows, f('colSums', 65)); // column ranges of 16 + a tail
    be.sumRows(97, 1030, on(be, inputs.x.subarray(0, 97 * 1030)), f('wideColSums', 1030));
    outputs.push(out);
  }
  for (let i = 1; i < outputs.length; i++) {
    for (const name of Object.keys(outputs[0]!)) {
      assert.ok(sameBits(outputs[i]![name]!, outputs[0]![name]!), `${list[0]!.description}: ${name}: backend ${i} of [1, 2, 3] threads differs from 1 thread`);
    }
  }
}

test('split elementwise kernels are bit-identical for 1, 2 and 3 threads', () => {
  assertSplitKernelsBitIdentical([...backends.values()]);
});

test('native: elementwise, loss, embedding and optimizer kernels split between threads are bit-identical for 1, 2 and 3 threads', async (t) => {
  const why = NativeBackend.available();
  if (!why.ok) {
    t.skip(`native backend not built: ${why.reason}`);
    return;
  }
  assertSplitKernelsBitIdentical(await Promise.all([1, 2, 3].map((threads) => NativeBackend.create({ threads }))));
});

test('softmaxCrossEntropyForward split between threads still checks every target before writing', () => {
  const be = backends.get(2)!;
  const rows = 4000, classes = 65;
  const logits = be.allocFloats(rows * classes);
  const targets = be.allocInts(rows);
  targets[3999] = 65;
  const probs = be.allocFloats(rows * classes).fill(7);
  assert.throws(() => be.softmaxCrossEntropyForward(rows, classes, logits, targets, -100, probs, be.allocFloats(rows)),
    /softmaxCrossEntropy: target 65 at row 3999 is outside \[0, 65\)/);
  assert.ok(probs.every((p) => p === 7), 'nothing was written');
});

test('a process that used a 2-thread backend exits by itself, promptly', () => {
  const url = new URL('./wasm-backend.js', import.meta.url).href;
  const script = `
    const { WasmBackend } = await import(${JSON.stringify(url)});
    const be = await WasmBackend.create({ threads: 2 });
    const a = be.allocFloats(64 * 256).fill(1), b = be.allocFloats(256 * 1024).fill(1), c = be.allocFloats(64 * 1024);
    be.gemm(false, false, 64, 1024, 256, 1, a, 256, b, 1024, 0, c, 1024);
    console.log(be.threads, c[0], c[64 * 1024 - 1]);`;
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'recur-threads-'));
  const file = join(dir, 'exit.mjs');
  writeFileSync(file, script);
  const child = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 10_000 });
  rmSync(dir, { recursive: true, force: true });
  const ms = performance.now() - t0;
  assert.equal(child.error, undefined, `child did not exit within 10 s: ${child.error?.message}`);
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout.trim(), '2 256 256');
  assert.ok(ms < 5000, `exit took ${ms.toFixed(0)} ms`);
});



test('a part its worker has not started is taken back by the calling thread: same bits, run exactly once', async () => {
  // spinMs 0: the worker sleeps after every part, so waking it (tens of microseconds) takes
  // longer than the calling thread's own half of a small GEMM; it then runs the other half too.
  const sleepy = await WasmBackend.create({ threads: 2, spinMs: 0 });
  const one = backends.get(1)!;
  const rng = new Rng(17);
  const m = 32, n = 256, k = 64; // 1 MFLOP: split in two column halves
  assert.equal(gemmSplit(m, n, k, 2, false).bounds.length, 3);
  const a = randomFloats(rng, m * k), b = randomFloats(rng, n * k), c0 = randomFloats(rng, m * n);
  const [sa, sb, sc] = [on(sleepy, a), on(sleepy, b), on(sleepy, c0)];
  const [oa, ob, oc] = [on(one, a), on(one, b), on(one, c0)];
  const before = sleepy.threadStats;
  for (let i = 0; i < 200; i++) {
    // beta = 1 accumulates: a part run twice, or not at all, changes C.
    sleepy.gemm(false, true, m, n, k, 0.5, sa, k, sb, k, 1, sc, n);
    one.gemm(false, true, m, n, k, 0.5, oa, k, ob, k, 1, oc, n);
  }
  const stats = sleepy.threadStats;
  assert.equal(stats.posted - before.posted, 200, 'one part per call went to the worker');
  assert.ok(stats.takenBack - before.takenBack > 0, `parts taken back: ${stats.takenBack - before.takenBack} of 200`);
  assert.ok(sameBits(sc, oc), 'bit-identical to one thread after 200 accumulating calls');
});
