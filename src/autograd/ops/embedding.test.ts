import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { Rng } from '../../random/rng.js';
import { IntTensor, Tensor } from '../../tensor/tensor.js';
import { randomFloats } from '../../testing/compare.js';
import { gradcheck } from '../gradcheck.js';
import { Parameter } from '../parameter.js';
import { Tape } from '../tape.js';
import { embedding } from './embedding.js';
import { mul } from './elementwise.js';
import { sum } from './sum-mean.js';

test('embedding: gathers rows, output is [...ids.shape, D]', () => {
  const tape = new Tape(new ReferenceBackend());
  const table = Tensor.from([0, 0, 1, 1, 2, 2, 3, 3], [4, 2]);
  const out = embedding(tape, IntTensor.from([3, 1, 1, 0], [2, 2]), table);
  assert.deepEqual(out.shape, [2, 2, 2]);
  assert.deepEqual(out.toArray(), [3, 3, 1, 1, 1, 1, 0, 0]);
  assert.throws(() => embedding(tape, IntTensor.from([4]), table), /embedding: id 4 at position 0 is outside \[0, 4\)/);
  assert.throws(() => embedding(tape, IntTensor.from([0]), table, 4), { message: 'embedding: paddingIdx must be -1 (none) or in [0, 4), got 4' });
  assert.throws(() => embedding(tape, IntTensor.from([0]), Tensor.zeros([4])), { message: 'embedding: table must be [*, *], got [4]' });
});

test('embedding: gradcheck with repeated ids', () => {
  const table = new Tensor(randomFloats(new Rng(9), 5 * 3), [5, 3]);
  const ids = IntTensor.from([2, 0, 2, 4, 2, 0], [3, 2]);
  gradcheck((t, [tb]) => embedding(t, ids, tb!), [table]);
});

test('embedding: paddingIdx gets no gradient (gradcheck with padded positions masked out)', () => {
  const rng = new Rng(10);
  const table = new Tensor(randomFloats(rng, 4 * 3), [4, 3]);
  const ids = IntTensor.from([1, 0, 3, 0, 1]); // 0 is padding
  const keep = Tensor.from(Array.from(ids.data).flatMap((id) => Array(3).fill(id === 0 ? 0 : 1)), [5, 3]);
  gradcheck((t, [tb]) => mul(t, embedding(t, ids, tb!, 0), keep), [table]);

  // Even when padded outputs reach the loss, the padding row's gradient stays 0.
  const tape = new Tape(new ReferenceBackend());
  const p = new Parameter(randomFloats(rng, 12), [4, 3]);
  tape.backward(sum(tape, embedding(tape, ids, p, 0)));
  assert.deepEqual(Array.from(p.grad.data.subarray(0, 3)), [0, 0, 0]);
  assert.deepEqual(Array.from(p.grad.data.subarray(3, 6)), [2, 2, 2]); // id 1 twice
});

test('embedding: ids are copied, so the caller may reuse its buffer before backward', () => {
  const tape = new Tape(new ReferenceBackend());
  const p = new Parameter(new Float32Array(6), [3, 2]);
  const ids = IntTensor.from([2, 2]);
  const out = embedding(tape, ids, p);
  ids.data.fill(0);
  tape.backward(sum(tape, out));
  assert.deepEqual(Array.from(p.grad.data), [0, 0, 0, 0, 2, 2]);
});
