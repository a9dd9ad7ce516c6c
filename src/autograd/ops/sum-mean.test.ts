import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { Rng } from '../../random/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { randomFloats } from '../../testing/compare.js';
import { gradcheck } from '../gradcheck.js';
import { Tape } from '../tape.js';
import { mul } from './elementwise.js';
import { mean, sum } from './sum-mean.js';

const rand = (rng: Rng, shape: number[]) => new Tensor(randomFloats(rng, shape.reduce((a, b) => a * b, 1)), shape);

test('sum and mean: forward values, scalar shape, gradcheck', () => {
  const tape = new Tape(new ReferenceBackend());
  const x = Tensor.from([1, 2, 3, 6], [2, 2]);
  const s = sum(tape, x);
  assert.deepEqual(s.shape, []);
  assert.equal(s.item(), 12);
  assert.equal(mean(tape, x).item(), 3);
  const a = rand(new Rng(7), [3, 5]);
  gradcheck((t, [xi]) => sum(t, xi!), [a]);
  gradcheck((t, [xi]) => mean(t, mul(t, xi!, xi!)), [a]);
});
