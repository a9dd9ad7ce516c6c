// stepDot and addToSteps: values by hand, gradient checks (alone, chained as additive and dot
// attention are, and through attentionPool), the wasm backend gives the same numbers, clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { WasmBackend } from '../../kernels/wasm/wasm-backend.js';
import { Rng } from '../../random/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { randomFloats } from '../../testing/compare.js';
import { gradcheck } from '../gradcheck.js';
import { Tape } from '../tape.js';
import { tanh } from './activation.js';
import { mul } from './elementwise.js';
import { attentionPool } from './sequence-pooling.js';
import { addToSteps, stepDot } from './step-broadcast.js';

const rand = (rng: Rng, shape: number[]) => new Tensor(randomFloats(rng, shape.reduce((a, b) => a * b, 1), -1, 1), shape);

// x [T=2, B=2, F=2], q [B=2, F=2].
const X = Tensor.from([1, 2, /* b1 */ 3, -1, /* t1 */ 0, 5, /* b1 */ -2, 4], [2, 2, 2]);
const Q = Tensor.from([10, 1, /* b1 */ 2, -3], [2, 2]);

test('stepDot and addToSteps: values by hand', () => {
  const tape = new Tape(new ReferenceBackend());
  // t0: b0 1*10 + 2*1 = 12, b1 3*2 + -1*-3 = 9; t1: b0 0 + 5 = 5, b1 -4 - 12 = -16.
  assert.deepEqual(Array.from(stepDot(tape, X, Q).data), [12, 9, 5, -16]);
  assert.deepEqual(Array.from(addToSteps(tape, X, Q).data), [11, 3, 5, -4, 10, 6, 0, 1]);
  assert.deepEqual(stepDot(tape, X, Q).shape, [2, 2]);
});

test('stepDot and addToSteps: gradient checks alone and chained as dot and additive attention', () => {
  const rng = new Rng(7);
  const x = rand(rng, [4, 3, 5]);
  const q = rand(rng, [3, 5]);
  const lengths = [4, 1, 2];
  gradcheck((t, [xi, qi]) => stepDot(t, xi!, qi!), [x, q], { names: ['x', 'q'] });
  gradcheck((t, [xi, qi]) => addToSteps(t, xi!, qi!), [x, q], { names: ['x', 'q'] });
  // Dot attention: the keys are also the values; the gradient reaches x by two paths.
  gradcheck((t, [xi, qi]) => attentionPool(t, xi!, stepDot(t, xi!, qi!), lengths).pooled, [x, q], { names: ['x', 'q'] });
  // Additive: scores = sum_f tanh(x + q) * v.
  const v = rand(rng, [3, 5]);
  gradcheck((t, [xi, qi, vi]) => stepDot(t, tanh(t, addToSteps(t, xi!, qi!)), mul(t, vi!, vi!)), [x, q, v], { names: ['x', 'q', 'v'] });
});

test('stepDot and addToSteps: the wasm backend gives the reference numbers', async () => {
  const rng = new Rng(3);
  const x = rand(rng, [6, 4, 33]);
  const q = rand(rng, [4, 33]);
  const ref = new Tape(new ReferenceBackend());
  const w = new Tape(await WasmBackend.create({ poisonScratch: true, threads: 1 }));
  assert.deepEqual(Array.from(addToSteps(w, x, q).data), Array.from(addToSteps(ref, x, q).data));
  assert.deepEqual(Array.from(stepDot(w, x, q).data), Array.from(stepDot(ref, x, q).data));
});

test('stepDot and addToSteps: clear errors', () => {
  const tape = new Tape(new ReferenceBackend());
  assert.throws(() => stepDot(tape, Tensor.zeros([2, 2]), Q), /stepDot: x must be \[T, B, F\] time-major, got \[2, 2\]/);
  assert.throws(() => addToSteps(tape, X, Tensor.zeros([3, 2])), /addToSteps: q must be \[B, F\] = \[2, 2\] like x \[2, 2, 2\], got \[3, 2\]/);
  assert.throws(() => stepDot(tape, X, [1, 2] as unknown as Tensor), /stepDot: q must be a float Tensor/);
});
