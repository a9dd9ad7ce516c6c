import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { Rng } from '../../random/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { assertClose, randomFloats } from '../../testing/compare.js';
import { gradcheck } from '../gradcheck.js';
import { Parameter } from '../parameter.js';
import { Tape } from '../tape.js';
import { bceWithLogits } from './bce-with-logits.js';

test('bceWithLogits: forward values by hand, posWeight, and no overflow for large logits', () => {
  const tape = new Tape(new ReferenceBackend());
  // x = 0: -log(1/2) whatever y; x = ln 3: sigma = 3/4, y = 1 -> -log(3/4), y = 0 -> -log(1/4).
  const x = Tensor.from([0, Math.log(3), Math.log(3), 0]);
  const y = Tensor.from([1, 1, 0, 0.5]);
  const ln2 = Math.log(2);
  const expected = [ln2, -Math.log(3 / 4), -Math.log(1 / 4), ln2];
  assertClose(bceWithLogits(tape, x, y, { reduction: 'none' }).data, expected, {}, 'none');
  assertClose(bceWithLogits(tape, x, y).data, [expected.reduce((a, b) => a + b) / 4], {}, 'mean');
  // posWeight 3 multiplies the positive term: -(3 y log sigma + (1 - y) log(1 - sigma)).
  const pw = [3 * ln2, -3 * Math.log(3 / 4), -Math.log(1 / 4), 0.5 * 3 * ln2 + 0.5 * ln2];
  assertClose(bceWithLogits(tape, x, y, { reduction: 'none', posWeight: 3 }).data, pw, {}, 'posWeight');
  // Large logits: loss is |x| for the wrong label and ~0 for the right one, never Inf/NaN.
  const big = bceWithLogits(tape, Tensor.from([80, -80, 80]), Tensor.from([0, 1, 1]), { reduction: 'none' });
  assertClose(big.data, [80, 80, 0], { atol: 1e-6 }, 'large logits');
  const row = bceWithLogits(tape, Tensor.from([0, 0, 0, 0], [2, 2]), Tensor.from([1, 0, 1, 0], [2, 2]), { mask: Tensor.from([1, 0]), reduction: 'sum' });
  assertClose(row.data, [2 * ln2], {}, 'row mask');
});

test('bceWithLogits: gradient by hand is (sigma(x) - y) / n', () => {
  const tape = new Tape(new ReferenceBackend());
  const x = new Parameter(Float32Array.from([0, Math.log(3)]), [2]);
  tape.backward(bceWithLogits(tape, x, Tensor.from([1, 0])));
  assertClose(x.grad.data, [(0.5 - 1) / 2, 0.75 / 2], {}, 'dlogits');
});

test('bceWithLogits: gradcheck for every reduction, with posWeight and masks', () => {
  const rng = new Rng(18);
  const x = new Tensor(randomFloats(rng, 12, -4, 4), [3, 4]);
  const y = new Tensor(randomFloats(rng, 12, 0, 1), [3, 4]);
  const elementMask = new Tensor(randomFloats(rng, 12, 0, 1), [3, 4]);
  const rowMask = Tensor.from([1, 0, 0.5]);
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    for (const posWeight of [1, 2.5]) {
      for (const mask of [undefined, elementMask, rowMask]) {
        gradcheck((t, [xi]) => bceWithLogits(t, xi!, y, { reduction, posWeight, mask }), [x], { names: [`logits (${reduction}, posWeight ${posWeight})`] });
      }
    }
  }
});

test('bceWithLogits: argument errors', () => {
  const tape = new Tape(new ReferenceBackend());
  const x = Tensor.zeros([2, 3]);
  assert.throws(() => bceWithLogits(tape, x, Tensor.zeros([3, 2])), { message: 'bceWithLogits: targets must be [2, 3], got [3, 2]' });
  assert.throws(() => bceWithLogits(tape, x, Tensor.zeros([2, 3]), { mask: Tensor.zeros([3]) }), { message: 'bceWithLogits: mask must be [2, 3] or [2], got [3]' });
  assert.throws(() => bceWithLogits(tape, x, Tensor.zeros([2, 3]), { posWeight: Number.NaN }), /posWeight must be a finite number/);
  assert.throws(() => bceWithLogits(tape, x, tape.watch(Tensor.zeros([2, 3]))), /bceWithLogits: targets is treated as a constant/);
});
