import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { Rng } from '../../random/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { assertClose, randomFloats } from '../../testing/compare.js';
import { gradcheck } from '../gradcheck.js';
import { Tape } from '../tape.js';
import { mseLoss } from './mse-loss.js';

test('mseLoss: forward values for every reduction, with element and row masks', () => {
  const tape = new Tape(new ReferenceBackend());
  const pred = Tensor.from([1, 2, 3, 4], [2, 2]);
  const target = Tensor.from([0, 2, 5, 1], [2, 2]); // squared errors 1, 0, 4, 9
  assertClose(mseLoss(tape, pred, target, { reduction: 'none' }).data, [1, 0, 4, 9]);
  assert.equal(mseLoss(tape, pred, target, { reduction: 'sum' }).item(), 14);
  assert.equal(mseLoss(tape, pred, target).item(), 3.5);
  const elementMask = Tensor.from([1, 1, 0, 0.5], [2, 2]);
  assertClose(mseLoss(tape, pred, target, { mask: elementMask }).data, [(1 + 4.5) / 2.5]);
  const rowMask = Tensor.from([0, 1]);
  assert.equal(mseLoss(tape, pred, target, { mask: rowMask }).item(), 13 / 2);
  assertClose(mseLoss(tape, pred, target, { mask: rowMask, reduction: 'none' }).data, [0, 0, 4, 9]);
  assert.equal(mseLoss(tape, pred, target, { mask: Tensor.zeros([2]) }).item(), 0);
  assert.throws(() => mseLoss(tape, pred, target, { mask: Tensor.zeros([4]) }), { message: 'mseLoss: mask must be [2, 2] or [2], got [4]' });
  assert.throws(() => mseLoss(tape, pred, Tensor.zeros([4])), { message: 'mseLoss: target must be [2, 2], got [4]' });
});

test('mseLoss: gradcheck into pred and target, every reduction, with masks', () => {
  const rng = new Rng(17);
  const pred = new Tensor(randomFloats(rng, 12), [4, 3]);
  const target = new Tensor(randomFloats(rng, 12), [4, 3]);
  const elementMask = new Tensor(randomFloats(rng, 12, 0, 1), [4, 3]);
  const rowMask = Tensor.from([1, 0, 0.5, 2]);
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    for (const mask of [undefined, elementMask, rowMask]) {
      gradcheck((t, [p, y]) => mseLoss(t, p!, y!, { reduction, mask }), [pred, target], { names: ['pred', 'target'] });
    }
  }
});
