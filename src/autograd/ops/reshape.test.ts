import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { Rng } from '../../random/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { randomFloats } from '../../testing/compare.js';
import { gradcheck } from '../gradcheck.js';
import { Tape } from '../tape.js';
import { add } from './elementwise.js';
import { linear } from './linear.js';
import { reshape } from './reshape.js';
import { sum } from './sum-mean.js';

test('reshape: zero-copy view of the same data', () => {
  const tape = new Tape(new ReferenceBackend());
  const x = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const y = reshape(tape, x, [3, 2]);
  assert.deepEqual(y.shape, [3, 2]);
  assert.equal(y.data, x.data);
  assert.throws(() => reshape(tape, x, [4, 2]), { message: 'reshape: shape must have 6 elements to view [2, 3], got [4, 2]' });
});

test('reshape: gradient flows back to x (gradcheck through a linear)', () => {
  const rng = new Rng(8);
  const x = new Tensor(randomFloats(rng, 12), [2, 3, 2]);
  const w = new Tensor(randomFloats(rng, 12), [2, 6]);
  gradcheck((t, [xi, wi]) => reshape(t, linear(t, reshape(t, xi!, [2, 6]), wi!), [4]), [x, w]);
});

test('reshape: the gradient buffer it lends x still sums every use of x, and a watched view keeps its own', () => {
  const rng = new Rng(9);
  const x = new Tensor(randomFloats(rng, 6), [2, 3]);
  const w = new Tensor(randomFloats(rng, 36), [6, 6]);
  const v = new Tensor(randomFloats(rng, 9), [3, 3]);
  // x is used before the view (its gradient is added after the view's backward lent the buffer)
  // and after it (x's gradient exists first, so the view adds into it).
  gradcheck((t, [xi, wi, vi]) => {
    const before = linear(t, xi!, vi!);
    const viewed = reshape(t, linear(t, reshape(t, xi!, [1, 6]), wi!), [2, 3]);
    const after = linear(t, xi!, vi!);
    return add(t, add(t, before, viewed), after);
  }, [x, w, v]);
  const tape = new Tape(new ReferenceBackend());
  const xw = tape.watch(Tensor.from([1, 2, 3, 4], [2, 2]));
  const early = linear(tape, xw, Tensor.from([1, 1], [1, 2])); // recorded before the view: its gradient reaches x last
  const view = tape.watch(reshape(tape, xw, [4]));
  const late = linear(tape, reshape(tape, view, [1, 4]), Tensor.from([1, 10, 100, 1000], [1, 4]));
  tape.backward(add(tape, sum(tape, early), sum(tape, late)));
  assert.deepEqual([...tape.grad(view).data], [1, 10, 100, 1000]);
  assert.deepEqual([...tape.grad(xw).data], [2, 11, 101, 1001]);
});
