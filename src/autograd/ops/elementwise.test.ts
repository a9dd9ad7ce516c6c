import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { Rng } from '../../random/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { randomFloats } from '../../testing/compare.js';
import { gradcheck } from '../gradcheck.js';
import { Tape } from '../tape.js';
import { add, mul, scale } from './elementwise.js';

const rand = (rng: Rng, shape: number[]) => new Tensor(randomFloats(rng, shape.reduce((a, b) => a * b, 1)), shape);

test('add, mul, scale: forward values', () => {
  const tape = new Tape(new ReferenceBackend());
  const a = Tensor.from([1, 2, 3]);
  const b = Tensor.from([4, -5, 0.5]);
  assert.deepEqual(add(tape, a, b).toArray(), [5, -3, 3.5]);
  assert.deepEqual(mul(tape, a, b).toArray(), [4, -10, 1.5]);
  assert.deepEqual(scale(tape, a, -2).toArray(), [-2, -4, -6]);
  assert.throws(() => add(tape, a, Tensor.zeros([2])), { message: 'add: b must be [3], got [2]' });
  assert.throws(() => mul(tape, a, Tensor.zeros([3, 1])), { message: 'mul: b must be [3], got [3, 1]' });
});

test('add, mul, scale: gradcheck, including an input used twice', () => {
  const rng = new Rng(5);
  const a = rand(rng, [2, 3]);
  const b = rand(rng, [2, 3]);
  gradcheck((t, [x, y]) => add(t, x!, y!), [a, b]);
  gradcheck((t, [x, y]) => mul(t, x!, y!), [a, b]);
  gradcheck((t, [x]) => scale(t, x!, -1.5), [a]);
  gradcheck((t, [x, y]) => mul(t, add(t, x!, x!), mul(t, x!, y!)), [a, b]); // 2 x^2 y
});
