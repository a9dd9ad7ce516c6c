// transpose01 swaps the first two axes (values by hand, rank 2 to 4, small and wide inner
// rows), passes the gradient check, and is its own inverse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { Rng } from '../../random/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { randomFloats } from '../../testing/compare.js';
import { gradcheck } from '../gradcheck.js';
import { Tape } from '../tape.js';
import { mul } from './elementwise.js';
import { transpose01 } from './transpose.js';

const rand = (rng: Rng, shape: number[]) => new Tensor(randomFloats(rng, shape.reduce((a, b) => a * b, 1)), shape);

test('transpose01: values by hand and shapes', () => {
  const tape = new Tape(new ReferenceBackend());
  const m = transpose01(tape, Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]));
  assert.deepEqual(m.shape, [3, 2]);
  assert.deepEqual(m.toArray(), [1, 4, 2, 5, 3, 6]);
  // [2, 3, 2]: element (a, b, k) = 100a + 10b + k moves to (b, a, k).
  const x = Tensor.from(Array.from({ length: 12 }, (_, i) => 100 * Math.floor(i / 6) + 10 * Math.floor((i % 6) / 2) + (i % 2)), [2, 3, 2]);
  const y = transpose01(tape, x);
  assert.deepEqual(y.shape, [3, 2, 2]);
  assert.deepEqual(y.toArray(), [0, 1, 100, 101, 10, 11, 110, 111, 20, 21, 120, 121]);
  const wide = rand(new Rng(1), [3, 2, 20]); // inner rows copied as blocks
  assert.deepEqual(transpose01(tape, transpose01(tape, wide)).toArray(), wide.toArray(), 'its own inverse');
  assert.deepEqual(transpose01(tape, wide).at(1).at(2).toArray(), wide.at(2).at(1).toArray());
  assert.throws(() => transpose01(tape, Tensor.zeros([4])), { message: 'transpose01: x must have at least two axes, got [4]' });
});

test('transpose01: gradcheck on rank 2, 3 and 4, and used twice', () => {
  const rng = new Rng(2);
  gradcheck((t, [x]) => transpose01(t, x!), [rand(rng, [3, 4])]);
  gradcheck((t, [x]) => transpose01(t, x!), [rand(rng, [2, 3, 5])]);
  gradcheck((t, [x]) => transpose01(t, x!), [rand(rng, [2, 3, 2, 17])]);
  gradcheck((t, [x]) => mul(t, transpose01(t, x!), transpose01(t, x!)), [rand(rng, [3, 2, 2])]);
});
