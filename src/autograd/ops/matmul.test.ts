import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { Rng } from '../../random/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { randomFloats } from '../../testing/compare.js';
import { gradcheck } from '../gradcheck.js';
import { Tape } from '../tape.js';
import { matmul } from './matmul.js';

const rand = (rng: Rng, shape: number[]) => new Tensor(randomFloats(rng, shape.reduce((a, b) => a * b, 1)), shape);

test('matmul: forward on a hand example', () => {
  const tape = new Tape(new ReferenceBackend());
  const a = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = Tensor.from([1, 0, 0, 1, 1, 1], [3, 2]);
  assert.deepEqual(matmul(tape, a, b).toArray(), [4, 5, 10, 11]);
  // a^T [3, 2] . a [2, 3] is the Gram matrix of the columns
  assert.deepEqual(matmul(tape, a, a, { transA: true }).toArray(), [17, 22, 27, 22, 29, 36, 27, 36, 45]);
  assert.deepEqual(matmul(tape, a, a, { transB: true }).toArray(), [14, 32, 32, 77]);
});

test('matmul: gradcheck for all four transpose combinations', () => {
  const rng = new Rng(4);
  const [m, k, n] = [3, 4, 2];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      const a = rand(rng, transA ? [k, m] : [m, k]);
      const b = rand(rng, transB ? [n, k] : [k, n]);
      gradcheck((t, [ai, bi]) => matmul(t, ai!, bi!, { transA, transB }), [a, b], { names: [`a (transA ${transA})`, `b (transB ${transB})`] });
    }
  }
});

test('matmul: shape errors', () => {
  const tape = new Tape(new ReferenceBackend());
  assert.throws(() => matmul(tape, Tensor.zeros([2, 3]), Tensor.zeros([4, 2])), { message: 'matmul: b must be [3, *] to match a [2, 3], got [4, 2]' });
  assert.throws(() => matmul(tape, Tensor.zeros([2, 3]), Tensor.zeros([2, 4]), { transB: true }), /matmul: b must be \[\*, 3\]/);
  assert.throws(() => matmul(tape, Tensor.zeros([3]), Tensor.zeros([3, 2])), /matmul: a must be \[\*, \*\], got \[3\]/);
});
