// Layers and models built without an Rng (to load saved weights): parameters stay unset and a
// forward throws naming the fix until loadStateDict fills them; then they run exactly as the
// original. Dropout in training mode without an Rng throws; eval mode needs none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tape } from '../autograd/tape.js';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { Rng } from '../random/rng.js';
import { IntTensor, Tensor } from '../tensor/tensor.js';
import { Dropout } from './dropout.js';
import { Embedding } from './embedding.js';
import { Linear } from './linear.js';
import { Gru, Lstm, Rnn } from './recurrent.js';
import { RecurrentModel } from './recurrent-model.js';
import { decodeModelFile, encodeModelFile } from '../io/model-file.js';

const tape = Tape.inference(new ReferenceBackend());
const FIX = /pass options\.rng or load weights with loadStateDict/;

test('Linear and Embedding without an Rng: unset until loadStateDict, then the original numbers', () => {
  const lin = new Linear(3, 2);
  assert.deepEqual(lin.unsetParameters(), ['weight', 'bias']);
  const x = Tensor.from([1, -2, 0.5], [1, 3]);
  assert.throws(() => lin.forward(tape, x), (e: Error) => /^Linear\.forward: 2 parameters have no value yet \('weight', 'bias'\)/.test(e.message) && FIX.test(e.message));
  const original = new Linear(3, 2, { rng: new Rng(1) });
  assert.deepEqual(original.unsetParameters(), []);
  lin.loadStateDict(original.stateDict());
  assert.deepEqual(lin.unsetParameters(), []);
  assert.deepEqual(lin.forward(tape, x).toArray(), original.forward(tape, x).toArray());

  const emb = new Embedding(5, 2, { paddingIdx: 0 });
  const ids = IntTensor.from([1, 4]);
  assert.throws(() => emb.forward(tape, ids), (e: Error) => /^Embedding\.forward: 1 parameter has no value yet \('weight'\)/.test(e.message) && FIX.test(e.message));
  const trained = new Embedding(5, 2, { rng: new Rng(2), paddingIdx: 0 });
  emb.loadStateDict(trained.stateDict());
  assert.deepEqual(emb.forward(tape, ids).toArray(), trained.forward(tape, ids).toArray());
});

test('Rnn, Lstm and Gru without an Rng: forward throws until loaded; a partial load leaves the rest unset', () => {
  const x = Tensor.from(Array.from({ length: 4 * 2 * 3 }, (_, i) => Math.sin(i)), [4, 2, 3]);
  for (const make of [(rng?: Rng) => new Rnn({ inputSize: 3, hiddenSize: 4, numLayers: 2, rng }),
    (rng?: Rng) => new Lstm({ inputSize: 3, hiddenSize: 4, numLayers: 2, rng, forgetBias: 1 }),
    (rng?: Rng) => new Gru({ inputSize: 3, hiddenSize: 4, numLayers: 2, rng })]) {
    const layer = make();
    const name = layer.constructor.name;
    assert.throws(() => layer.forward(tape, x), (e: Error) => e.message.startsWith(`${name}.forward: 8 parameters have no value yet ('weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0' and 5 more)`) && FIX.test(e.message));
    assert.throws(() => layer.step(tape, x.at(0)), new RegExp(`^Error: ${name}\\.forward: 8 parameters have no value yet`));
    const original = make(new Rng(3));
    const dict = original.stateDict();
    dict.delete('weight_hh_l1');
    layer.loadStateDict(dict, { strict: false });
    assert.deepEqual(layer.unsetParameters(), ['weight_hh_l1']);
    assert.throws(() => layer.forward(tape, x), /1 parameter has no value yet \('weight_hh_l1'\)/);
    layer.loadStateDict(original.stateDict());
    assert.deepEqual(layer.forward(tape, x).output.toArray(), original.forward(tape, x).output.toArray(), name);
  }
});

test('dropout without an Rng: an error in training mode naming the fix, nothing in eval mode', () => {
  const x = Tensor.full([4], 1);
  const d = new Dropout(0.5);
  assert.throws(() => d.forward(new Tape(new ReferenceBackend()), x), /^Error: Dropout\.forward: dropout p = 0\.5 in training mode draws masks from an Rng, and this Dropout has none; pass options\.rng, or call eval\(\) for inference$/);
  assert.equal(d.eval().forward(tape, x), x);

  const original = new Gru({ inputSize: 2, hiddenSize: 3, numLayers: 2, dropout: 0.3, rng: new Rng(4) });
  const gru = new Gru({ inputSize: 2, hiddenSize: 3, numLayers: 2, dropout: 0.3 });
  gru.loadStateDict(original.stateDict());
  const xs = Tensor.full([2, 1, 2], 0.5);
  assert.throws(() => gru.forward(tape, xs), /^Error: Gru\.forward: dropout 0\.3 between layers in training mode draws masks from an Rng, and this Gru was made without one; pass options\.rng, or call eval\(\) for inference$/);
  assert.deepEqual(gru.eval().forward(tape, xs).output.toArray(), original.eval().forward(tape, xs).output.toArray());
});

test('RecurrentModel without an Rng; decodeModelFile needs none and the loaded model runs', () => {
  const config = { input: { kind: 'embedding' as const, vocabSize: 6, embeddingDim: 3 }, cell: 'lstm' as const, hiddenSize: 4, numLayers: 2, dropout: 0.2, outputSize: 6 };
  const empty = new RecurrentModel(config);
  const ids = IntTensor.from([1, 2, 3, 4], [2, 2]);
  assert.throws(() => empty.forward(tape, ids), (e: Error) => /^RecurrentModel\.forward: 11 parameters have no value yet \('embedding\.weight', 'rnn\.weight_ih_l0', 'rnn\.weight_hh_l0' and 8 more\): the RecurrentModel was made without an Rng/.test(e.message) && FIX.test(e.message));
  const original = new RecurrentModel(config, { rng: new Rng(5) }).eval();
  const { model } = decodeModelFile(encodeModelFile(original));
  assert.deepEqual(model.unsetParameters(), []);
  assert.throws(() => model.forward(new Tape(new ReferenceBackend()), ids), /Lstm\.forward: dropout 0\.2 between layers in training mode .* pass options\.rng, or call eval\(\)/);
  assert.deepEqual(model.eval().forward(tape, ids).logits.toArray(), original.forward(tape, ids).logits.toArray());
  // With an Rng, the loaded model trains with dropout.
  const trainable = decodeModelFile(encodeModelFile(original), { rng: new Rng(6) }).model;
  assert.doesNotThrow(() => trainable.forward(new Tape(new ReferenceBackend()), ids));
});
