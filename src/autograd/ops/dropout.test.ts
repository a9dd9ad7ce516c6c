import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { Rng } from '../../random/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { randomFloats } from '../../testing/compare.js';
import { gradcheck } from '../gradcheck.js';
import { Tape } from '../tape.js';
import { dropout } from './dropout.js';

test('dropout: inverted scaling, rate close to p, same seed gives the same mask', () => {
  const tape = new Tape(new ReferenceBackend());
  const x = Tensor.full([100, 100], 1);
  const p = 0.3;
  const y = dropout(tape, x, p, new Rng(11));
  let zeros = 0;
  for (const v of y.data) {
    if (v === 0) zeros++;
    else assert.ok(Math.abs(v - 1 / (1 - p)) < 1e-6, `kept value ${v}`);
  }
  assert.ok(Math.abs(zeros / 10000 - p) < 0.02, `drop rate ${zeros / 10000}`);
  assert.deepEqual(dropout(tape, x, p, new Rng(11)).toArray(), y.toArray());
  assert.notDeepEqual(dropout(tape, x, p, new Rng(12)).toArray(), y.toArray());
});

test('dropout: p = 0 returns x and draws nothing; p outside [0, 1) throws', () => {
  const tape = new Tape(new ReferenceBackend());
  const x = Tensor.from([1, 2, 3]);
  const rng = new Rng(13);
  const before = rng.state();
  assert.equal(dropout(tape, x, 0, rng), x);
  assert.deepEqual(rng.state(), before);
  for (const p of [1, -0.1, Number.NaN]) assert.throws(() => dropout(tape, x, p, rng), /dropout: p must be in \[0, 1\)/);
});

test('dropout: gradcheck with a fixed rng', () => {
  const x = new Tensor(randomFloats(new Rng(14), 24), [4, 6]);
  gradcheck((t, [xi]) => dropout(t, xi!, 0.4, new Rng(15)), [x]);
});
