import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { Rng } from '../../random/rng.js';
import { IntTensor, Tensor } from '../../tensor/tensor.js';
import { assertClose, randomFloats } from '../../testing/compare.js';
import { gradcheck } from '../gradcheck.js';
import { Parameter } from '../parameter.js';
import { Tape } from '../tape.js';
import { crossEntropy } from './cross-entropy.js';
import { add } from './elementwise.js';
import { matmul } from './matmul.js';
import { reshape } from './reshape.js';

const LN3 = Math.log(3);
// Row softmaxes: [1/4, 3/4], [1/4, 3/4], [1/2, 1/2].
const logits = () => Tensor.from([0, LN3, 0, LN3, 0, 0], [3, 2]);
const targets = IntTensor.from([0, 1, -100]);

test('crossEntropy: forward values by hand for every reduction, ignored rows and a mask', () => {
  const tape = new Tape(new ReferenceBackend());
  const l0 = Math.log(4);
  const l1 = Math.log(4 / 3);
  assertClose(crossEntropy(tape, logits(), targets, { reduction: 'none' }).data, [l0, l1, 0], {}, 'none');
  assertClose(crossEntropy(tape, logits(), targets, { reduction: 'sum' }).data, [l0 + l1], {}, 'sum');
  const mean = crossEntropy(tape, logits(), targets);
  assert.deepEqual(mean.shape, []);
  assertClose(mean.data, [(l0 + l1) / 2], {}, 'mean divides by the 2 non-ignored rows');

  const mask = Tensor.from([1, 0.5, 1]);
  assertClose(crossEntropy(tape, logits(), targets, { mask, reduction: 'none' }).data, [l0, 0.5 * l1, 0], {}, 'masked none');
  assertClose(crossEntropy(tape, logits(), targets, { mask }).data, [(l0 + 0.5 * l1) / 1.5], {}, 'masked mean');
  const other = crossEntropy(tape, logits(), IntTensor.from([0, 1, 1]), { ignoreIndex: 1 });
  assertClose(other.data, [l0], {}, 'custom ignoreIndex');
});

test('crossEntropy: gradient by hand is (p - onehot) / count for mean', () => {
  const tape = new Tape(new ReferenceBackend());
  const x = new Parameter(logits().data, [3, 2]);
  tape.backward(crossEntropy(tape, x, targets));
  assertClose(x.grad.data, [(0.25 - 1) / 2, 0.75 / 2, 0.25 / 2, (0.75 - 1) / 2, 0, 0], {}, 'dlogits');
});

test('crossEntropy: gradcheck for every reduction, with ignoreIndex and with a mask', () => {
  const rng = new Rng(16);
  const [n, v] = [5, 4];
  const x = new Tensor(randomFloats(rng, n * v, -2, 2), [n, v]);
  const ids = IntTensor.from([3, -100, 0, 2, -100]);
  const mask = Tensor.from([0.5, 1, 0, 2, 1]);
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    gradcheck((t, [xi]) => crossEntropy(t, xi!, ids, { reduction }), [x], { names: [`logits (${reduction})`] });
    gradcheck((t, [xi]) => crossEntropy(t, xi!, ids, { reduction, mask }), [x], { names: [`logits (${reduction}, mask)`] });
    gradcheck((t, [xi]) => crossEntropy(t, xi!, IntTensor.from([1, 1, 0, 2, 3]), { reduction, ignoreIndex: 1 }), [x]);
  }
});

test('crossEntropy: gradcheck when logits already hold a gradient (second consumer, Parameter)', () => {
  const rng = new Rng(22);
  const [n, v] = [3, 4];
  const x = new Tensor(randomFloats(rng, n * v), [n, v]);
  const ids = IntTensor.from([1, 0, 3]);
  const ones = Tensor.full([v, 1], 1);
  // The matmul is recorded last, so its backward writes dlogits first; crossEntropy must add.
  gradcheck((t, [xi]) => add(t, crossEntropy(t, xi!, ids, { reduction: 'none' }), reshape(t, matmul(t, xi!, ones), [n])), [x]);
  gradcheck((t, [xi]) => crossEntropy(t, xi!, ids), [new Parameter(x.data, x.shape)]);
});

test('crossEntropy: every row ignored or masked gives loss 0 and zero gradients, not NaN', () => {
  for (const options of [{}, { mask: Tensor.from([0, 0]) }]) {
    const tape = new Tape(new ReferenceBackend());
    const x = new Parameter(Float32Array.from([1, 2, 3, 4]), [2, 2]);
    const ids = 'mask' in options ? IntTensor.from([0, 1]) : IntTensor.from([-100, -100]);
    const loss = crossEntropy(tape, x, ids, options);
    assert.equal(loss.item(), 0);
    tape.backward(loss);
    assert.deepEqual(Array.from(x.grad.data), [0, 0, 0, 0]);
  }
});

test('crossEntropy: argument errors', () => {
  const tape = new Tape(new ReferenceBackend());
  assert.throws(() => crossEntropy(tape, logits(), IntTensor.from([0, 1])), { message: 'crossEntropy: targets must be [3], got [2]' });
  assert.throws(() => crossEntropy(tape, logits(), targets, { mask: Tensor.zeros([2]) }), { message: 'crossEntropy: mask must be [3], got [2]' });
  assert.throws(() => crossEntropy(tape, logits(), IntTensor.from([0, 2, 0])), /target 2 at row 1 is outside \[0, 2\)/);
  assert.throws(() => crossEntropy(tape, logits(), targets, { reduction: 'avg' as never }), /crossEntropy: reduction must be 'mean', 'sum' or 'none', got 'avg'/);
  const mask = tape.watch(Tensor.from([1, 1, 1]));
  assert.throws(() => crossEntropy(tape, logits(), targets, { mask }), /crossEntropy: mask is treated as a constant/);
});

test('crossEntropy: label smoothing by hand (PyTorch label_smoothing), its gradient, ignored rows, and its range', () => {
  const tape = new Tape(new ReferenceBackend());
  const e = 0.1;
  // Row 0: p = [1/4, 3/4], y = 0: -(1 - e) log(1/4) - (e/2)(log(1/4) + log(3/4)).
  // Row 1: p = [1/4, 3/4], y = 1: -(1 - e) log(3/4) - (e/2)(log(1/4) + log(3/4)). Row 2 ignored.
  const both = Math.log(1 / 4) + Math.log(3 / 4);
  const r0 = -(1 - e) * Math.log(1 / 4) - (e / 2) * both;
  const r1 = -(1 - e) * Math.log(3 / 4) - (e / 2) * both;
  assertClose(crossEntropy(tape, logits(), targets, { reduction: 'none', labelSmoothing: e }).data, [r0, r1, 0], {}, 'none');
  assertClose(crossEntropy(tape, logits(), targets, { labelSmoothing: e }).data, [(r0 + r1) / 2], {}, 'mean');
  const rng = new Rng(5);
  const x = new Tensor(randomFloats(rng, 4 * 5, -2, 2), [4, 5]);
  const y = IntTensor.from([3, -100, 0, 4]);
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    gradcheck((t, [xi]) => crossEntropy(t, xi!, y, { labelSmoothing: 0.25, reduction }), [x]);
  }
  gradcheck((t, [xi]) => crossEntropy(t, xi!, y, { labelSmoothing: 0.25, mask: Tensor.from([1, 1, 0.5, 2]) }), [x]);
  for (const bad of [-0.1, 1, Number.NaN]) {
    assert.throws(() => crossEntropy(tape, logits(), targets, { labelSmoothing: bad }), /crossEntropy: labelSmoothing must be a number in \[0, 1\)/);
  }
});
