// Losses reject inputs of the wrong kind with a message naming the loss, the argument, what was
// expected and what came: crossEntropy given float targets from plain JavaScript (a Tensor, a
// Float32Array, an array) used to truncate them to ids and return a loss; mseLoss and
// bceWithLogits given integer tensors or arrays read them as other numbers or crashed later.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { IntTensor, Tensor } from '../../tensor/tensor.js';
import { Tape } from '../tape.js';
import { bceWithLogits } from './bce-with-logits.js';
import { crossEntropy } from './cross-entropy.js';
import { mseLoss } from './mse-loss.js';

const tape = new Tape(new ReferenceBackend());
const logits = () => Tensor.from([0.2, 1, -1, 0.5, 0, 0], [3, 2]);
const CE_FIX = '; make one with IntTensor.from(ids) (for float targets use mseLoss or bceWithLogits)';

test('crossEntropy: float targets throw, whatever JavaScript value carries them', () => {
  const cases: [unknown, string][] = [
    [Tensor.from([0, 1, 1]), 'a float Tensor [3]'], // integral floats: still a mistake of kind
    [Tensor.from([0.3, 0.7, 1]), 'a float Tensor [3]'],
    [Float32Array.from([0, 1, 1]), 'a Float32Array of 3'],
    [[0, 1, 1], 'an array of 3'],
    [Int32Array.from([0, 1, 1]), 'an Int32Array of 3'],
    [undefined, 'undefined'],
  ];
  for (const [targets, got] of cases) {
    assert.throws(() => crossEntropy(tape, logits(), targets as IntTensor),
      { message: `crossEntropy: targets must be an IntTensor [N] of class ids, got ${got}${CE_FIX}` });
  }
  assert.throws(() => crossEntropy(tape, IntTensor.from([0, 1, 1, 0, 0, 0], [3, 2]) as never, IntTensor.from([0, 1, 1])),
    { message: 'crossEntropy: logits must be a float Tensor, got an IntTensor [3, 2]' });
  assert.throws(() => crossEntropy(tape, logits(), IntTensor.from([0, 1, 1]), { mask: [1, 1, 0] as never }),
    { message: 'crossEntropy: mask must be a float Tensor, got an array of 3' });
  assert.equal(crossEntropy(tape, logits(), IntTensor.from([0, 1, 1])).shape.length, 0, 'an IntTensor still gives a loss');
});

test('mseLoss and bceWithLogits: integer tensors and arrays throw naming the argument', () => {
  const pred = Tensor.from([0.5, 1, 0], [3]);
  assert.throws(() => mseLoss(tape, pred, IntTensor.from([1, 1, 0]) as never), { message: 'mseLoss: target must be a float Tensor, got an IntTensor [3]' });
  assert.throws(() => mseLoss(tape, pred, [1, 1, 0] as never), { message: 'mseLoss: target must be a float Tensor, got an array of 3' });
  assert.throws(() => mseLoss(tape, Float32Array.of(1) as never, pred), { message: 'mseLoss: pred must be a float Tensor, got a Float32Array of 1' });
  assert.throws(() => mseLoss(tape, pred, pred, { mask: IntTensor.from([1, 0, 1]) as never }), { message: 'mseLoss: mask must be a float Tensor, got an IntTensor [3]' });
  const hint = ' (labels 0/1 or probabilities as floats)';
  assert.throws(() => bceWithLogits(tape, pred, IntTensor.from([1, 0, 1]) as never), { message: `bceWithLogits: targets must be a float Tensor, got an IntTensor [3]${hint}` });
  assert.throws(() => bceWithLogits(tape, pred, [1, 0, 1] as never), { message: `bceWithLogits: targets must be a float Tensor, got an array of 3${hint}` });
  assert.throws(() => bceWithLogits(tape, pred, Tensor.from([1, 0, 1]), { mask: Float32Array.of(1, 1, 1) as never }), { message: 'bceWithLogits: mask must be a float Tensor, got a Float32Array of 3' });
  assert.ok(Number.isFinite(bceWithLogits(tape, pred, Tensor.from([1, 0, 1])).item()));
  assert.ok(Number.isFinite(mseLoss(tape, pred, Tensor.from([1, 0, 1])).item()));
});
