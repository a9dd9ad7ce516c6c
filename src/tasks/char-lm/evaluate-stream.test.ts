import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tape } from '../../autograd/tape.js';
import { crossEntropy, reshape } from '../../autograd/ops/index.js';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { RecurrentModel } from '../../nn/recurrent-model.js';
import { Rng } from '../../random/rng.js';
import { IntTensor } from '../../tensor/tensor.js';
import { evaluateStream } from './evaluate-stream.js';

const backend = new ReferenceBackend();
const V = 7;
const model = new RecurrentModel({ input: { kind: 'embedding', vocabSize: V, embeddingDim: 4 }, cell: 'lstm', hiddenSize: 5, numLayers: 2, dropout: 0.5, outputSize: V }, { rng: new Rng(3) }).to(backend);
const rng = new Rng(9);
const ids = Int32Array.from({ length: 47 }, () => rng.int(V));

/** Summed loss of predicting seq[1..] from seq[..-1] in one forward pass from a zero state. */
function sequenceLoss(seq: Int32Array): number {
  const tape = Tape.inference(backend);
  const T = seq.length - 1;
  model.eval();
  const { logits } = model.forward(tape, new IntTensor(seq.slice(0, T), [T, 1]));
  model.train();
  return crossEntropy(tape, reshape(tape, logits, [T, V]), new IntTensor(seq.slice(1), [T]), { reduction: 'sum' }).item();
}

test('evaluateStream scores every prediction once: streams + tail equal whole-sequence passes', () => {
  model.train();
  // One stream: the whole sequence, in windows of 4 with the state carried = one pass.
  const one = evaluateStream(model, backend, ids, { batchSize: 1, seqLen: 4 });
  assert.equal(one.tokens, 46);
  assert.ok(Math.abs(one.loss - sequenceLoss(ids) / 46) < 1e-6);
  // Three streams of L = 15 predictions; the last one continues to the end (46 = 3 * 15 + 1).
  const three = evaluateStream(model, backend, ids, { batchSize: 3, seqLen: 4 });
  const want = (sequenceLoss(ids.slice(0, 16)) + sequenceLoss(ids.slice(15, 31)) + sequenceLoss(ids.slice(30))) / 46;
  assert.ok(Math.abs(three.loss - want) < 1e-6, `${three.loss} vs ${want}`);
  assert.equal(model.training, true, 'the training flag is restored (dropout was off inside)');
  assert.equal(evaluateStream(model, backend, ids, { batchSize: 3, seqLen: 4 }).loss, three.loss, 'deterministic');
  assert.throws(() => evaluateStream(model, backend, ids.slice(0, 1)), /needs at least 2 tokens/);
});
