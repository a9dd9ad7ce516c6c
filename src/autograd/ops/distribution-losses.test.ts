import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { Rng } from '../../random/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { assertClose, randomFloats } from '../../testing/compare.js';
import { gradcheck } from '../gradcheck.js';
import { Tape } from '../tape.js';
import { gaussianNll } from './gaussian-nll.js';
import { pinballLoss } from './pinball-loss.js';

test('pinballLoss: values worked by hand, a row mask, gradcheck, clear errors', () => {
  const tape = new Tape(new ReferenceBackend());
  // target 10; quantile 0.1 predicts 12 (u = -2: 0.9 * 2 = 1.8), 0.9 predicts 9 (u = 1: 0.9 * 1 = 0.9); target 0 with 0 and 1 (u = 0: 0; u = -1: 0.1).
  const pred = Tensor.from([12, 9, 0, 1], [2, 2]);
  const target = Tensor.from([10, 0]);
  assertClose(pinballLoss(tape, pred, target, [0.1, 0.9]).data, [(1.8 + 0.9 + 0 + 0.1) / 4]);
  assertClose(pinballLoss(tape, pred, target, [0.1, 0.9], { mask: Tensor.from([0, 1]) }).data, [0.1 / 2]);
  const rng = new Rng(3);
  const p = new Tensor(randomFloats(rng, 15), [5, 3]);
  const y = new Tensor(randomFloats(rng, 5), [5]);
  gradcheck((t, [a]) => pinballLoss(t, a!, y, [0.1, 0.5, 0.9]), [p], { names: ['pred'] });
  assert.throws(() => pinballLoss(tape, pred, target, [0.1, 1]), /pinballLoss: quantiles must be 2 levels in \(0, 1\)/);
  assert.throws(() => pinballLoss(tape, pred, Tensor.from([1, 2, 3]), [0.1, 0.9]), /pinballLoss: target must be \[2\], got \[3\]/);
});

test('gaussianNll: the normal log-density, gradcheck, log sigma clamped', () => {
  const tape = new Tape(new ReferenceBackend());
  // N(y = 1; mu = 0, sigma = e^0.5): log(2 pi)/2 + 0.5 + (1 / e^0.5)^2 / 2
  const want = 0.5 * Math.log(2 * Math.PI) + 0.5 + 0.5 * Math.exp(-1);
  assertClose(gaussianNll(tape, Tensor.from([0, 0.5], [1, 2]), Tensor.from([1])).data, [want]);
  const rng = new Rng(5);
  const p = new Tensor(randomFloats(rng, 8), [4, 2]);
  const y = new Tensor(randomFloats(rng, 4), [4]);
  gradcheck((t, [a]) => gaussianNll(t, a!, y), [p], { names: ['pred'] });
  assert.ok(Number.isFinite(gaussianNll(tape, Tensor.from([0, -1e6], [1, 2]), Tensor.from([1])).item()), 'no overflow');
  assert.throws(() => gaussianNll(tape, Tensor.from([0, 0, 0], [1, 3]), Tensor.from([1])), /gaussianNll: pred must be \[N, 2\]/);
});
