import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors.js';
import { RecurrentModel } from '../nn/recurrent-model.js';
import { Adam } from '../optim/adam.js';
import { Rng } from '../random/rng.js';
import { IntTensor, Tensor } from '../tensor/tensor.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';

function setup() {
  const backend = new ReferenceBackend();
  const model = new RecurrentModel({ input: { kind: 'one-hot', vocabSize: 5 }, cell: 'lstm', hiddenSize: 3, outputSize: 5 }, { rng: new Rng(1) }).to(backend);
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  for (const p of model.parameters()) p.grad.data.fill(0.5);
  optimizer.step();
  const carried = { h: Tensor.from([1, 2, 3, 4, 5, 6], [1, 2, 3]), c: Tensor.from([6, 5, 4, 3, 2, 1], [1, 2, 3]) };
  const bytes = encodeCheckpoint({ model, vocabulary: ['a', 'b', 'c', 'd', 'e'], optimizer, carried, training: { step: 7, note: 'x' } });
  return { model, optimizer, carried, bytes };
}

test('encodeCheckpoint/decodeCheckpoint: weights, optimizer moments, carried state and metadata round-trip exactly', () => {
  const { model, optimizer, carried, bytes } = setup();
  const d = decodeCheckpoint(bytes, 'ck');
  assert.deepEqual(d.training, { step: 7, note: 'x' });
  assert.deepEqual(d.vocabulary, ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(d.config, model.config);
  for (const [n, t] of model.stateDict()) assert.deepEqual(d.weights.get(n)!.data, t.data, n);
  const fresh = new Adam(new RecurrentModel(d.config, { rng: new Rng(5) }).to(new ReferenceBackend()).parameters(), { lr: 0.01 });
  fresh.loadStateDict(d.optimizer);
  assert.deepEqual(fresh.stateDict(), optimizer.stateDict());
  assert.deepEqual(d.carried!.h.data, carried.h.data);
  assert.deepEqual(d.carried!.c!.data, carried.c.data);
});

test('decodeCheckpoint: corrupted, truncated, foreign and other-version files get one-line errors', () => {
  const { bytes } = setup();
  const flipped = bytes.slice();
  flipped[flipped.length - 3]! ^= 0x40; // a bit inside the tensor data: only the checksum sees it
  assert.throws(() => decodeCheckpoint(flipped, 'ck'), { message: 'ck is corrupted: its tensor data does not match the SHA-256 recorded in it' });
  assert.throws(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 10), 'ck'), /^Error: ck is corrupted or not a recur checkpoint: safetensors: /);
  assert.throws(() => decodeCheckpoint(new TextEncoder().encode('hello'), 'ck'), /ck is corrupted or not a recur checkpoint/);
  const file = decodeSafetensors(bytes);
  const other = encodeSafetensors(file.tensors, { ...file.metadata, 'recur.checkpoint_version': '99' });
  assert.throws(() => decodeCheckpoint(other, 'ck'), /ck was written by a different version of recur \(checkpoint format 99/);
  const plain = encodeSafetensors(file.tensors, { format: 'pt' });
  assert.throws(() => decodeCheckpoint(plain, 'ck'), /ck is not a recur training checkpoint/);
  for (const e of [() => decodeCheckpoint(flipped, 'ck'), () => decodeCheckpoint(other, 'ck')]) {
    assert.throws(e, (err: Error) => !err.message.includes('\n'));
  }
});

test('decodeCheckpoint: a config, weights, optimizer buffers or carried state that disagree are found from the header, before any model is built', () => {
  const { bytes } = setup();
  const file = decodeSafetensors(bytes);
  const config = JSON.parse(file.metadata['recur.config']!) as Record<string, unknown>;
  const edit = (tensors: Map<string, Tensor | IntTensor>, more: Record<string, string> = {}) => encodeSafetensors(tensors, { ...file.metadata, ...more });
  const corrupted = (b: Uint8Array, want: RegExp) => {
    const t0 = performance.now();
    assert.throws(() => decodeCheckpoint(b, 'ck'), (e: Error) => e.constructor === Error && want.test(e.message) && e.message.length < 600 && !e.message.includes('\n'));
    assert.ok(performance.now() - t0 < 1000);
  };
  const tensors = () => new Map<string, Tensor | IntTensor>(file.tensors);
  // A huge model asked for by a tiny file (4 GB if it were built).
  corrupted(edit(tensors(), { 'recur.config': JSON.stringify({ ...config, hiddenSize: 600, numLayers: 256 }) }),
    /^ck is corrupted: tensor 'model\.rnn\.weight_ih_l0' is \[12, 5\] but the config needs \[2400, 5\]; .*; and \d+ more$/);
  corrupted(edit(tensors(), { 'recur.config': JSON.stringify({ ...config, numLayers: 1e5 }) }), /^ck is corrupted: RecurrentModel config: numLayers must be at most 256, got 100000$/);
  corrupted(edit(tensors(), { 'recur.vocabulary': '["a"]' }), /^ck is corrupted: metadata 'recur.vocabulary' holds 1 tokens but the config's input.vocabSize is 5$/);
  const short = tensors();
  short.set('optimizer.expAvg.head.bias', Tensor.zeros([4]));
  corrupted(edit(short), /^ck is corrupted: tensor 'optimizer.expAvg.head.bias' holds 4 values but weight 'head.bias' has 5$/);
  const noMoment = tensors();
  noMoment.delete('optimizer.expAvgSq.rnn.weight_hh_l0');
  corrupted(edit(noMoment), /^ck is corrupted: tensor 'optimizer.expAvgSq.rnn.weight_hh_l0' is missing$/);
  const state = tensors();
  state.set('state.h', Tensor.zeros([2, 2, 3]));
  state.set('extra', Tensor.zeros([1]));
  corrupted(edit(state), /^ck is corrupted: tensor 'state.h' must be \[1, B, 3\], got \[2, 2, 3\]; unexpected tensor 'extra'$/);
  const noC = tensors();
  noC.delete('state.c');
  corrupted(edit(noC), /^ck is corrupted: an LSTM's carried state needs both 'state.h' and 'state.c'$/);
  const ints = tensors();
  ints.set('model.head.bias', IntTensor.from([1, 2, 3, 4, 5], [5]));
  corrupted(edit(ints), /^ck is corrupted or not a recur checkpoint: safetensors: tensor 'model.head.bias' has dtype I32, which is not accepted here/);
  corrupted(edit(tensors(), { 'recur.optimizer': JSON.stringify({ params: ['nope'], buffers: ['expAvg'] }) }),
    /^ck is corrupted: optimizer parameter 'nope' is not a weight of the model; unexpected tensor 'optimizer\.exp/);
});
