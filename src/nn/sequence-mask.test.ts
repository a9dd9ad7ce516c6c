import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sequenceMask } from './sequence-mask.js';
import { Lstm } from './recurrent.js';
import { Linear } from './linear.js';
import { Tape } from '../autograd/tape.js';
import { crossEntropy, reshape } from '../autograd/ops/index.js';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { Rng } from '../random/rng.js';
import { IntTensor, Tensor } from '../tensor/tensor.js';
import { randomFloats } from '../testing/compare.js';

test('sequenceMask marks the valid steps of each sequence', () => {
  assert.deepEqual(sequenceMask([3, 1], 3).toArray(), [1, 1, 1, 0, 1, 0]);
  assert.throws(() => sequenceMask([4], 3), /sequenceMask: lengths\[0\] = 4 must be an integer between 0 and T = 3/);
});

test('a masked loss over a padded batch equals the loss over the valid steps, and padding gets no gradient', () => {
  const backend = new ReferenceBackend();
  const T = 5, B = 3, I = 2, H = 4, V = 3;
  const rng = new Rng(2);
  const lstm = new Lstm({ inputSize: I, hiddenSize: H, rng }).to(backend);
  const head = new Linear(H, V, { rng }).to(backend);
  const lengths = [5, 2, 3];
  const x = new Tensor(randomFloats(rng, T * B * I), [T, B, I]);
  const y = IntTensor.from(Array.from({ length: T * B }, () => rng.int(V)), [T * B]);
  const tape = new Tape(backend);
  const input = tape.watch(tape.copy(x));
  const { output } = lstm.forward(tape, input, { lengths });
  const logits = reshape(tape, head.forward(tape, output), [T * B, V]);
  const loss = crossEntropy(tape, logits, y, { mask: sequenceMask(lengths, T).reshape([T * B]) });
  // The same loss from the valid rows only.
  const rows = [...Array(T * B).keys()].filter((r) => Math.floor(r / B) < lengths[r % B]!);
  const sub = tape.tensor([rows.length, V]);
  rows.forEach((r, i) => sub.data.set(logits.data.subarray(r * V, (r + 1) * V), i * V));
  const ref = crossEntropy(Tape.inference(backend), sub, IntTensor.from(rows.map((r) => y.data[r]!)));
  assert.ok(Math.abs(loss.item() - ref.item()) < 1e-6, `${loss.item()} vs ${ref.item()}`);
  tape.backward(loss);
  const gx = tape.grad(input);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) {
    const g = gx.data.subarray((t * B + b) * I, (t * B + b + 1) * I);
    if (t >= lengths[b]!) assert.ok(g.every((v) => v === 0), `padded step t=${t} b=${b} has no gradient`);
  }
});
