import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { Rng } from '../../random/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { randomFloats } from '../../testing/compare.js';
import { gradcheck } from '../gradcheck.js';
import { Tape } from '../tape.js';
import { linear } from './linear.js';
import { reshape } from './reshape.js';

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
