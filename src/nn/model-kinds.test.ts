import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModelFile, encodeModelFile } from '../io/model-file.js';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { Adam } from '../optim/adam.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { decodeCheckpoint, encodeCheckpoint } from '../train/checkpoint.js';
import { Linear } from './linear.js';
import { type ModelKind, type SavedModule, modelKindOf, registerModelKind } from './model-kinds.js';
import { Module } from './module.js';
import { RecurrentModel } from './recurrent-model.js';

/** A module graph that is not a RecurrentModel: two recurrent models side by side (an encoder-decoder's shape). */
interface PairConfig { kind: 'pair'; size: number }
class Pair extends Module implements SavedModule<PairConfig> {
  readonly encoder: RecurrentModel;
  readonly decoder: RecurrentModel;
  readonly bridge: Linear;
  constructor(readonly config: PairConfig, rng?: Rng) {
    super();
    const part = { input: { kind: 'one-hot' as const, vocabSize: config.size }, hiddenSize: 3, outputSize: config.size };
    this.encoder = this.registerModule('encoder', new RecurrentModel(part, { rng }));
    this.decoder = this.registerModule('decoder', new RecurrentModel({ ...part, cell: 'gru' }, { rng }));
    this.bridge = this.registerModule('bridge', new Linear(3, 3, { rng }));
  }
}
const pairKind: ModelKind<PairConfig, Pair> = {
  kind: 'pair',
  normalize(raw) {
    const c = raw as PairConfig;
    if (!(Number.isInteger(c.size) && c.size > 0)) throw new Error(`pair config: size must be a positive integer, got ${String(c.size)}`);
    return { kind: 'pair', size: c.size };
  },
  parameterShapes: (c) => [...new Pair(c, new Rng(0)).namedParameters()].map(([n, p]) => [n, [...p.shape]]),
  create: (c, o) => new Pair(c, o.rng),
};

test('model files and checkpoints hold any registered module graph; loaders check the kind they expect', () => {
  registerModelKind(pairKind);
  registerModelKind(pairKind); // the same kind again is fine
  assert.throws(() => registerModelKind({ ...pairKind }), /a model kind 'pair' is already registered/);
  const model = new Pair({ kind: 'pair', size: 4 }, new Rng(1)).to(new ReferenceBackend());
  const bytes = encodeModelFile(model, { task: 'toy' });
  assert.throws(() => decodeModelFile(bytes), /the file holds a 'pair' model, not a 'recurrent' model/);
  const loaded = decodeModelFile<Pair>(bytes, { kind: 'pair' });
  assert.ok(loaded.model instanceof Pair);
  assert.equal(loaded.task, 'toy');
  assert.deepEqual(loaded.model.stateDict(), model.stateDict());
  assert.equal(decodeModelFile(bytes, { kind: 'any' }).config.kind, 'pair');

  const optimizer = new Adam(model.parameters(), { lr: 0.1 });
  for (const p of model.parameters()) p.grad.data.fill(0.25);
  optimizer.step();
  const ck = decodeCheckpoint(encodeCheckpoint({ model, optimizer, carried: null, training: { step: 1 } }), 'ck');
  assert.deepEqual(ck.config, { kind: 'pair', size: 4 });
  assert.equal(ck.weights.size, model.stateDict().size);
  // A kind that carries no state between windows accepts none in its checkpoints.
  assert.throws(() => decodeCheckpoint(encodeCheckpoint({ model, optimizer, carried: { h: Tensor.zeros([1, 1, 3]) }, training: {} }), 'ck'),
    /ck is corrupted: unexpected tensor 'state.h' \(a pair model carries no state between windows\)/);
  assert.throws(() => modelKindOf({ kind: 'transformer' }), /model kind "transformer" is not known to this recur \(known: recurrent, pair\)/);
  assert.equal(modelKindOf({ input: {} }).kind, 'recurrent', 'configs without a kind are recurrent (files written before kinds)');
});
