/**
 * Proof of the backward math: the reference backward kernels (LSTM, GRU, activations,
 * softmax + cross-entropy) against central differences of their forward kernels, run in
 * float64 (the reference kernels are precision-agnostic loops), plus one LSTM and one GRU step
 * checked against the equations written out here and golden values computed independently.
 * The wasm kernels are tied to these through conformance.test.ts; the native ones too, and here
 * (when the addon is built) to the golden values, on every instruction set the CPU runs, and to
 * their own whole-sequence kernel, which must equal a step-by-step loop of them bit for bit.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Activation, F32 } from './backend.js';
import { ReferenceBackend } from './reference/reference-backend.js';
import { CELL_KINDS, cellKind } from './cell-kinds.js';
import { Rng } from '../random/rng.js';
import { assertClose, randomFloats } from '../testing/compare.js';
import { maybeNative, noteNativeSkipped } from '../testing/native-backends.js';

const ref = new ReferenceBackend();
const EPS = 1e-6;
const AGREE = { rtol: 1e-6, atol: 1e-8 };
const B = 3;
const H = 5;

/** A float64 buffer typed as the kernels' F32 (the reference kernels never assume float32). */
function f64(n: number, rng?: Rng, lo = -1, hi = 1): F32 {
  const a = new Float64Array(n);
  if (rng) for (let i = 0; i < n; i++) a[i] = rng.uniform(lo, hi);
  return a as unknown as F32;
}
const copy = (a: F32): F32 => Float64Array.from(a) as unknown as F32;
const dot = (a: F32, b: F32): number => a.reduce((s, v, i) => s + v * b[i]!, 0);

/** Central-difference gradient of `loss` with respect to every element of `x`. */
function numericGrad(loss: () => number, x: F32): F32 {
  const g = f64(x.length);
  for (let i = 0; i < x.length; i++) {
    const old = x[i]!;
    x[i] = old + EPS;
    const plus = loss();
    x[i] = old - EPS;
    const minus = loss();
    x[i] = old;
    g[i] = (plus - minus) / (2 * EPS);
  }
  return g;
}

describe('backward kernels against finite differences (float64)', () => {
  test('lstmCellBackward, with a nonzero dc from the next step', () => {
    const rng = new Rng(21);
    const pre = f64(B * 4 * H, rng, -2, 2); // gate pre-activations
    const cPrev = f64(B * H, rng, -1, 1);
    const dh = f64(B * H, rng);
    const dc = f64(B * H, rng);
    const forward = () => {
      const gates = copy(pre); // the forward overwrites its input with activations
      const c = f64(B * H);
      const h = f64(B * H);
      ref.lstmCellForward(B, H, gates, cPrev, c, h);
      return { gates, c, h };
    };
    const loss = () => { const { c, h } = forward(); return dot(dh, h) + dot(dc, c); };
    const { gates, c } = forward();
    const dGates = f64(B * 4 * H, rng);
    const dcPrev = f64(B * H, rng);
    ref.lstmCellBackward(B, H, gates, cPrev, c, dh, dc, dGates, dcPrev);
    assertClose(dGates, numericGrad(loss, pre), AGREE, 'dGates');
    assertClose(dcPrev, numericGrad(loss, cPrev), AGREE, 'dcPrev');
  });

  test('gruCellBackward', () => {
    const rng = new Rng(22);
    const xProj = f64(B * 3 * H, rng, -2, 2);
    const hProj = f64(B * 3 * H, rng, -2, 2);
    const hPrev = f64(B * H, rng);
    const dh = f64(B * H, rng);
    const forward = () => {
      const saved = f64(B * 4 * H);
      const h = f64(B * H);
      ref.gruCellForward(B, H, xProj, hProj, hPrev, saved, h);
      return { saved, h };
    };
    const loss = () => dot(dh, forward().h);
    const { saved } = forward();
    const dxProj = f64(B * 3 * H, rng);
    const dhProj = f64(B * 3 * H, rng);
    const dhPrev = f64(B * H, rng);
    ref.gruCellBackward(B, H, saved, hPrev, dh, dxProj, dhProj, dhPrev);
    assertClose(dxProj, numericGrad(loss, xProj), AGREE, 'dxProj');
    assertClose(dhProj, numericGrad(loss, hProj), AGREE, 'dhProj');
    // With hProj held fixed, the only path from hPrev to h is z * hPrev: the direct part.
    assertClose(dhPrev, numericGrad(loss, hPrev), AGREE, 'dhPrev');
  });

  for (const kind of ['tanh', 'relu', 'sigmoid'] as Activation[]) {
    test(`activationBackward (${kind}), overwriting and accumulating`, () => {
      const rng = new Rng(23);
      const n = B * H;
      const x = f64(n, rng, -3, 3);
      if (kind === 'relu') for (let i = 0; i < n; i++) x[i] = x[i]! + (x[i]! >= 0 ? 0.1 : -0.1); // keep away from the kink
      const dy = f64(n, rng);
      const forward = () => { const y = f64(n); ref.activationForward(kind, n, x, y); return y; };
      const expected = numericGrad(() => dot(dy, forward()), x);
      const y = forward();
      const dx = f64(n, rng);
      ref.activationBackward(kind, n, y, dy, dx, false);
      assertClose(dx, expected, AGREE, `${kind} dx`);
      const acc = f64(n, rng);
      const want = acc.map((v, i) => v + expected[i]!);
      ref.activationBackward(kind, n, y, dy, acc, true);
      assertClose(acc, want, AGREE, `${kind} dx (accumulate)`);
    });
  }

  test('softmaxCrossEntropyBackward, with an ignored row', () => {
    const rng = new Rng(24);
    const V = 5;
    const logits = f64(B * V, rng, -3, 3);
    const targets = Int32Array.from([3, -100, 0]);
    const rowScale = f64(B, rng, 0.5, 2);
    const forward = () => {
      const probs = f64(B * V);
      const losses = f64(B);
      ref.softmaxCrossEntropyForward(B, V, logits, targets, -100, probs, losses);
      return { probs, losses };
    };
    const { probs, losses } = forward();
    assert.equal(losses[1], 0);
    const dLogits = f64(B * V, rng);
    ref.softmaxCrossEntropyBackward(B, V, probs, targets, -100, rowScale, dLogits);
    assertClose(dLogits, numericGrad(() => dot(rowScale, forward().losses), logits), AGREE, 'dLogits');
    assert.ok(dLogits.subarray(V, 2 * V).every((v) => v === 0), 'ignored row has zero gradient');
  });
});

/** Golden values of the written-out LSTM and GRU steps below, for the native (float32) check. */
const GOLDEN = { lstmC: [0.7189822278593613, -0.38124381170729005], lstmH: [0.4704212128952706, -0.06912013007042576], gruH: [0.3264382504251952, -0.6356599929624924] };
/** LSTM and GRU inputs of the written-out steps, filled by that describe block. */
const stepInputs: { lstmPre?: number[]; gruX?: number[]; gruH?: number[] } = {};
const CPREV = [0.6, -0.2];
const HPREV = [0.1, -0.3];

describe('one step against the written-out equations', () => {
  // B = 1, I = 3, H = 2. Weights follow simple formulas; the golden values below were computed
  // independently (Python, float64) from the same weights and PyTorch's equations.
  const I = 3;
  const x = [0.5, -1.0, 0.25];
  const hPrev = [0.1, -0.3];
  const cPrev = [0.6, -0.2];
  const wIh = (r: number, k: number) => 0.1 * (r + 1) * ((r + k) % 2 === 0 ? 1 : -1) + 0.05 * k;
  const wHh = (r: number, k: number) => 0.2 - 0.07 * r + 0.11 * k;
  const bIh = (r: number) => 0.01 * r - 0.03;
  const bHh = (r: number) => -0.02 * r + 0.05;
  const sigma = (v: number) => 1 / (1 + Math.exp(-v));
  /** Row r of W_ih x + b_ih and of W_hh h + b_hh. */
  const xRow = (r: number) => { let s = bIh(r); for (let k = 0; k < I; k++) s += wIh(r, k) * x[k]!; return s; };
  const hRow = (r: number) => { let s = bHh(r); for (let k = 0; k < 2; k++) s += wHh(r, k) * hPrev[k]!; return s; };
  const close = (a: ArrayLike<number>, e: number[], label: string) => assertClose(a, e, { rtol: 1e-12, atol: 1e-14 }, label);

  test('LSTM: i, f, g, o = sigma, sigma, tanh, sigma; c = f cPrev + i g; h = o tanh(c)', () => {
    const Hs = 2;
    const pre = Array.from({ length: 4 * Hs }, (_, r) => xRow(r) + hRow(r));
    const c: number[] = [];
    const h: number[] = [];
    for (let j = 0; j < Hs; j++) {
      const i = sigma(pre[j]!);
      const f = sigma(pre[Hs + j]!);
      const g = Math.tanh(pre[2 * Hs + j]!);
      const o = sigma(pre[3 * Hs + j]!);
      c.push(f * cPrev[j]! + i * g);
      h.push(o * Math.tanh(c[j]!));
    }
    close(c, [0.7189822278593613, -0.38124381170729005], 'equations c vs golden');
    close(h, [0.4704212128952706, -0.06912013007042576], 'equations h vs golden');
    stepInputs.lstmPre = pre;
    const gates = Float64Array.from(pre) as unknown as F32;
    const cOut = f64(Hs);
    const hOut = f64(Hs);
    ref.lstmCellForward(1, Hs, gates, Float64Array.from(cPrev) as unknown as F32, cOut, hOut);
    close(cOut, c, 'kernel c');
    close(hOut, h, 'kernel h');
  });

  test('GRU: r, z = sigma; n = tanh(W_in x + b_in + r (W_hn h + b_hn)); h = (1 - z) n + z hPrev', () => {
    const Hs = 2;
    const xProj = Array.from({ length: 3 * Hs }, (_, r) => xRow(r));
    const hProj = Array.from({ length: 3 * Hs }, (_, r) => hRow(r));
    const h: number[] = [];
    for (let j = 0; j < Hs; j++) {
      const r = sigma(xProj[j]! + hProj[j]!);
      const z = sigma(xProj[Hs + j]! + hProj[Hs + j]!);
      const n = Math.tanh(xProj[2 * Hs + j]! + r * hProj[2 * Hs + j]!);
      h.push((1 - z) * n + z * hPrev[j]!);
    }
    close(h, [0.3264382504251952, -0.6356599929624924], 'equations h vs golden');
    stepInputs.gruX = xProj;
    stepInputs.gruH = hProj;
    const hOut = f64(Hs);
    const saved = f64(4 * Hs);
    const asF = (a: number[]) => Float64Array.from(a) as unknown as F32;
    ref.gruCellForward(1, Hs, asF(xProj), asF(hProj), asF(hPrev), saved, hOut);
    close(hOut, h, 'kernel h');
    close(saved.subarray(3 * Hs), hProj.slice(2 * Hs), 'saved hn');
  });
});

noteNativeSkipped();

describe('native cells', () => {
  const ISAS = ['portable', 'avx2', 'avx512'] as const;

  test('the written-out LSTM and GRU steps, on every instruction set this CPU runs', async (t) => {
    const be = await maybeNative({ threads: 1 });
    if (!be) { t.skip('native addon not built'); return; }
    const best = be.info.isaBest;
    const f32 = { rtol: 2e-6, atol: 1e-7 }; // float32 and the exp/tanh approximations
    try {
      for (const isa of ISAS) {
        if (!be.setIsa(isa)) continue;
        const gates = Float32Array.from(stepInputs.lstmPre!);
        const c = new Float32Array(2), h = new Float32Array(2);
        be.lstmCellForward(1, 2, gates, Float32Array.from(CPREV), c, h);
        assertClose(c, GOLDEN.lstmC, f32, `${isa} LSTM c`);
        assertClose(h, GOLDEN.lstmH, f32, `${isa} LSTM h`);
        const gh = new Float32Array(2);
        be.gruCellForward(1, 2, Float32Array.from(stepInputs.gruX!), Float32Array.from(stepInputs.gruH!), Float32Array.from(HPREV),
          new Float32Array(8), gh);
        assertClose(gh, GOLDEN.gruH, f32, `${isa} GRU h`);
      }
    } finally {
      be.setIsa(best);
    }
  });

  test('recurrentSequence is bit-identical to a step-by-step loop of the cell kernels (every kind and instruction set)', async (t) => {
    const be = await maybeNative({ threads: 2 });
    if (!be) { t.skip('native addon not built'); return; }
    const best = be.info.isaBest;
    const [T, Bt, Ht] = [4, 5, 37]; // 37: a 16-unit block and a lane tail on every path
    try {
      for (const isa of ISAS) {
        if (!be.setIsa(isa)) continue;
        for (const kind of CELL_KINDS) {
          const { gates: G, hiddenBiasInCell, cellState, nonlinearity } = cellKind(kind);
          const rng = new Rng(31);
          const xProj = randomFloats(rng, T * Bt * G * Ht, -1.5, 1.5);
          const w = randomFloats(rng, G * Ht * Ht, -0.5, 0.5);
          const hBias = hiddenBiasInCell ? randomFloats(rng, G * Ht) : null;
          const h0 = randomFloats(rng, Bt * Ht);
          const c0 = cellState ? randomFloats(rng, Bt * Ht) : null;
          // The fused kernel.
          const packed = new Float32Array(be.recurrentPackedSize(G, Ht));
          be.recurrentPack(G, Ht, w, packed);
          const h = h0.slice(), c = c0?.slice() ?? null, out = new Float32Array(T * Bt * Ht);
          be.recurrentSequence(kind, T, Bt, Ht, xProj, packed, hBias, null, false, h, c, out);
          // The loop: gemmPacked with beta = 1 onto the projection (or b_hh), then the cell.
          const packedB = new Float32Array(be.gemmPackedSize(Ht, G * Ht));
          be.gemmPackB(true, Ht, G * Ht, w, Ht, packedB);
          let hs = h0.slice(), cs = c0?.slice() ?? null;
          const loopOut = new Float32Array(T * Bt * Ht);
          for (let step = 0; step < T; step++) {
            const x = xProj.subarray(step * Bt * G * Ht, (step + 1) * Bt * G * Ht);
            const sums = hiddenBiasInCell ? new Float32Array(Bt * G * Ht) : x.slice();
            if (hiddenBiasInCell) for (let b = 0; b < Bt; b++) sums.set(hBias!, b * G * Ht);
            be.gemmPacked(false, Bt, G * Ht, Ht, 1, hs, Ht, packedB, 1, sums, G * Ht);
            const hNext = new Float32Array(Bt * Ht);
            if (kind === 'lstm') {
              const cNext = new Float32Array(Bt * Ht);
              be.lstmCellForward(Bt, Ht, sums, cs!, cNext, hNext);
              cs = cNext;
            } else if (kind === 'gru') {
              be.gruCellForward(Bt, Ht, x, sums, hs, new Float32Array(4 * Bt * Ht), hNext);
            } else {
              be.activationForward(nonlinearity!, Bt * Ht, sums, hNext);
            }
            hs = hNext;
            loopOut.set(hNext, step * Bt * Ht);
          }
          const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
          assert.ok(same(out, loopOut), `${isa} ${kind}: out differs from the step-by-step loop`);
          assert.ok(same(h, hs), `${isa} ${kind}: final h differs`);
          if (c) assert.ok(same(c, cs!), `${isa} ${kind}: final c differs`);
        }
      }
    } finally {
      be.setIsa(best);
    }
  });
});
