// Pooling over valid steps: mean, max and attention values by hand; padding steps holding
// garbage change nothing and receive no gradient; gradient checks on full and padded batches
// (max: ties send the gradient to the first step); the wasm backend's arena gives the same
// numbers; clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { WasmBackend } from '../../kernels/wasm/wasm-backend.js';
import { Rng } from '../../random/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { assertClose, randomFloats } from '../../testing/compare.js';
import { gradcheck } from '../gradcheck.js';
import { Tape } from '../tape.js';
import { mul } from './elementwise.js';
import { attentionPool, dotAttention, maskedMaxPool, maskedMeanPool } from './sequence-pooling.js';
import { concatLast, select, stack } from './sequence-ops.js';
import { stepDot } from './step-broadcast.js';
import { sum } from './sum-mean.js';
import { transpose01 } from './transpose.js';

const rand = (rng: Rng, shape: number[], lo = -1, hi = 1) => new Tensor(randomFloats(rng, shape.reduce((a, b) => a * b, 1), lo, hi), shape);

/** A copy of a [T, B, ...] tensor whose padding steps (t >= lengths[b]) hold `value` (plus `spread` times the element's index). */
function fillPadding(x: Tensor, lengths: readonly number[], value: number, spread = 0): Tensor {
  const [T, B] = x.shape as [number, number];
  const inner = x.size / (T * B);
  const y = x.clone();
  for (let b = 0; b < B; b++) {
    for (let t = lengths[b]!; t < T; t++) for (let i = (t * B + b) * inner; i < (t * B + b + 1) * inner; i++) y.data[i] = value + spread * i;
  }
  return y;
}

// x [T=3, B=2, F=2]: sequence 0 has 3 steps, sequence 1 only 1 (its steps 1 and 2 are padding).
const X = Tensor.from([
  1, -2, /* b1 */ 5, 6,
  3, 0, /* b1 */ 100, 100,
  -1, 4, /* b1 */ 100, -100,
], [3, 2, 2]);
const LENGTHS = [3, 1];

test('maskedMeanPool / maskedMaxPool: values by hand over the valid steps only', () => {
  const tape = new Tape(new ReferenceBackend());
  assert.deepEqual(maskedMeanPool(tape, X, LENGTHS).toArray(), [1, 2 / 3, 5, 6].map(Math.fround));
  assert.deepEqual(maskedMaxPool(tape, X, LENGTHS).toArray(), [3, 4, 5, 6]);
  // Without lengths every step counts.
  assert.deepEqual(maskedMeanPool(tape, X).toArray(), [1, 2 / 3, 205 / 3, 2].map(Math.fround));
  assert.deepEqual(maskedMaxPool(tape, X).toArray(), [3, 4, 100, 100]);
});

test('attentionPool: softmax over the valid steps, weights 0 on padding, pooled = weighted sum', () => {
  const tape = new Tape(new ReferenceBackend());
  const scores = Tensor.from([0, 7, Math.log(2), 50, Math.log(5), -50], [3, 2]);
  const { pooled, weights } = attentionPool(tape, X, scores, LENGTHS);
  // Sequence 0: exp(scores) = 1, 2, 5 -> weights 1/8, 2/8, 5/8; sequence 1: one step, weight 1.
  assertClose(weights.data, [1 / 8, 1, 2 / 8, 0, 5 / 8, 0], { atol: 1e-7 }, 'weights');
  assertClose(pooled.data, [(1 + 6 - 5) / 8, (-2 + 0 + 20) / 8, 5, 6], { atol: 1e-6 }, 'pooled');
  // Large scores stay finite (the largest valid score is subtracted).
  const big = attentionPool(tape, X, Tensor.from([1000, 0, 1001, 0, 999, 0], [3, 2]));
  assert.ok(big.pooled.toArray().every(Number.isFinite), String(big.pooled.toArray()));
  assertClose(big.weights.data.filter((_, i) => i % 2 === 0), [1, Math.E, 1 / Math.E].map((v) => v / (1 + Math.E + 1 / Math.E)), {}, 'shift-invariant');
});

test('pooling: garbage (huge values, NaN) in padding steps changes no result and receives no gradient', () => {
  const rng = new Rng(3);
  const lengths = [4, 2, 1];
  const clean = fillPadding(rand(rng, [4, 3, 5]), lengths, 0);
  const scoresClean = fillPadding(rand(rng, [4, 3]), lengths, 0);
  const w = rand(rng, [3, 5]);
  for (const garbage of [1e30, -1e30, NaN]) {
    const dirty = fillPadding(clean, lengths, garbage);
    const scoresDirty = fillPadding(scoresClean, lengths, garbage);
    const run = (x: Tensor, s: Tensor) => {
      const tape = new Tape(new ReferenceBackend());
      const xi = tape.watch(tape.copy(x)), si = tape.watch(tape.copy(s));
      const outs = [maskedMeanPool(tape, xi, lengths), maskedMaxPool(tape, xi, lengths), attentionPool(tape, xi, si, lengths).pooled];
      tape.backward(sum(tape, mul(tape, concatLast(tape, outs), concatLast(tape, [w, w, w]))));
      return { y: outs.flatMap((o) => o.toArray()), dx: tape.grad(xi).toArray(), ds: tape.grad(si).toArray() };
    };
    const a = run(clean, scoresClean), b = run(dirty, scoresDirty);
    assert.deepEqual(b.y, a.y, `outputs with ${garbage} in padding`);
    assert.deepEqual(b.dx, a.dx, `dx with ${garbage} in padding`);
    assert.deepEqual(b.ds, a.ds, `dscores with ${garbage} in padding`);
    for (let t = 0; t < 4; t++) {
      for (let s = 0; s < 3; s++) {
        const g = b.dx.slice((t * 3 + s) * 5, (t * 3 + s + 1) * 5);
        assert.ok(t < lengths[s]! ? g.every((v) => v !== 0) : g.every((v) => v === 0), `dx[${t}, ${s}] = ${g}`);
      }
    }
  }
});

test('pooling: gradcheck on full and padded batches with garbage in the padding', () => {
  const rng = new Rng(4);
  const lengths = [5, 2, 3, 1];
  // Distinct garbage: without lengths it is data, and max pooling needs no ties for a finite difference.
  const x = fillPadding(rand(rng, [5, 4, 3]), lengths, 1e3, 1);
  const scores = fillPadding(rand(rng, [5, 4], -2, 2), lengths, -1e3, 1);
  for (const lens of [undefined, lengths]) {
    gradcheck((t, [xi]) => maskedMeanPool(t, xi!, lens), [x]);
    gradcheck((t, [xi]) => maskedMaxPool(t, xi!, lens), [x]);
    gradcheck((t, [xi, si]) => attentionPool(t, xi!, si!, lens).pooled, [x, scores], { names: ['x', 'scores'] });
    gradcheck((t, [xi, si]) => attentionPool(t, xi!, si!, lens).weights, [x, scores], { names: ['x', 'scores'] });
    // Both outputs used at once, and pooled through a product (the gradient sums).
    gradcheck((t, [xi, si]) => {
      const r = attentionPool(t, xi!, si!, lens);
      return concatLast(t, [mul(t, r.pooled, r.pooled), transpose01(t, r.weights)]);
    }, [x, scores], { names: ['x', 'scores'] });
  }
  gradcheck((t, [xi]) => mul(t, maskedMeanPool(t, xi!, lengths), maskedMaxPool(t, xi!, lengths)), [x]);
});

test('maskedMaxPool: on ties the gradient goes to the first step that holds the maximum', () => {
  const tape = new Tape(new ReferenceBackend());
  const x = tape.watch(Tensor.from([2, 1, 2, 3, 2, 3], [3, 1, 2]));
  tape.backward(sum(tape, maskedMaxPool(tape, x)));
  assert.deepEqual(tape.grad(x).toArray(), [1, 0, 0, 1, 0, 0]);
});

test('pooling: the wasm backend (its arena, float32) gives the reference numbers exactly', async () => {
  const rng = new Rng(5);
  const lengths = [17, 3, 9];
  const x = rand(rng, [17, 3, 65]), scores = rand(rng, [17, 3]), w = rand(rng, [3, 65 * 3]);
  const run = (tape: Tape) => {
    const xi = tape.watch(tape.copy(x)), si = tape.watch(tape.copy(scores));
    const y = concatLast(tape, [maskedMeanPool(tape, xi, lengths), maskedMaxPool(tape, xi, lengths), attentionPool(tape, xi, si, lengths).pooled]);
    tape.backward(sum(tape, mul(tape, y, tape.copy(w))));
    return [y.toArray(), tape.grad(xi).toArray(), tape.grad(si).toArray()];
  };
  const ref = run(new Tape(new ReferenceBackend()));
  const got = run(new Tape(await WasmBackend.create({ poisonScratch: true, threads: 1 })));
  for (let i = 0; i < ref.length; i++) assertClose(got[i]!, ref[i]!, { rtol: 1e-6, atol: 1e-7 }, ['y', 'dx', 'dscores'][i]!);
});

test('dotAttention: equals stepDot then attentionPool at every query step, values and gradients; gradcheck with garbage in padding', async () => {
  const rng = new Rng(12);
  const lengths = [5, 1, 3];
  const memory = rand(rng, [5, 3, 7]), queries = rand(rng, [4, 3, 7]), w = rand(rng, [4, 3, 7]);
  memory.data.fill(1e30, 3 * 7 + 7, 3 * 7 + 14); // step 1 of sequence 1, past its length
  const run = (tape: Tape, batched: boolean) => {
    const m = tape.watch(tape.copy(memory)), q = tape.watch(tape.copy(queries));
    const y = batched ? dotAttention(tape, m, q, lengths)
      : stack(tape, [0, 1, 2, 3].map((d) => attentionPool(tape, m, stepDot(tape, m, select(tape, q, d)), lengths).pooled));
    tape.backward(sum(tape, mul(tape, y, tape.copy(w))));
    return [y.toArray(), tape.grad(m).toArray(), tape.grad(q).toArray()];
  };
  const want = run(new Tape(new ReferenceBackend()), false);
  for (const tape of [new Tape(new ReferenceBackend()), new Tape(await WasmBackend.create({ poisonScratch: true, threads: 2 }))]) {
    const got = run(tape, true);
    for (let i = 0; i < want.length; i++) assertClose(got[i]!, want[i]!, { rtol: 1e-5, atol: 1e-6 }, ['pooled', 'dmemory', 'dqueries'][i]!);
  }
  const small = rand(rng, [4, 2, 3]);
  small.data.fill(50, 2 * 6, 4 * 6); // steps 2..3 of both sequences lie past length 2 of sequence 1 ...
  small.data.set(rand(rng, [2, 1, 3]).data, 2 * 6); // ... and sequence 0 (length 4) holds real values there
  small.data.set(rand(rng, [1, 1, 3]).data, 3 * 6);
  gradcheck((t, [mi, qi]) => dotAttention(t, mi!, qi!, [4, 2]), [small, rand(rng, [3, 2, 3])], { names: ['memory', 'queries'] });
  assert.throws(() => dotAttention(new Tape(new ReferenceBackend()), memory, Tensor.zeros([4, 3, 6])), { message: 'dotAttention: queries must be [Td, B, F] with B = 3 and F = 7 like memory [5, 3, 7], got [4, 3, 6]' });
});

test('pooling: clear errors for shapes and lengths', () => {
  const tape = new Tape(new ReferenceBackend());
  assert.throws(() => maskedMeanPool(tape, Tensor.zeros([3, 2])), { message: 'maskedMeanPool: x must be [T, B, F] with T, B, F >= 1, got [3, 2]' });
  assert.throws(() => maskedMaxPool(tape, X, [3]), { message: 'maskedMaxPool: lengths must have one entry per sequence (B = 2), got 1' });
  assert.throws(() => maskedMaxPool(tape, X, [4, 1]), { message: 'maskedMaxPool: lengths[0] = 4 must be an integer between 1 and T = 3' });
  assert.throws(() => maskedMeanPool(tape, X, [3, 0]), { message: 'maskedMeanPool: lengths[1] = 0 must be an integer between 1 and T = 3' });
  assert.throws(() => attentionPool(tape, X, Tensor.zeros([2, 3])), { message: 'attentionPool: scores must be [T, B] = [3, 2] like x [3, 2, 2], got [2, 3]' });
  assert.throws(() => attentionPool(tape, X, [1, 2] as never), /attentionPool: scores must be a float Tensor, got an array of 2/);
});
