// Every registered model kind through a model file and a checkpoint: the round trip keeps every
// weight bit for bit, and a flipped bit in any tensor's data is refused, naming the tensor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModelFile, encodeModelFile } from '../io/model-file.js';
import { readSafetensorsHeader } from '../io/safetensors.js';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { type SavedModule, modelKinds } from '../nn/model-kinds.js';
import { RecurrentModel } from '../nn/recurrent-model.js';
import { Adam } from '../optim/adam.js';
import { Rng } from '../random/rng.js';
import { decodeCheckpoint, encodeCheckpoint } from '../train/checkpoint.js';
import './all-model-kinds.js';
import { ForecastEnsemble } from './forecast/ensemble.js';
import { EncoderDecoder } from './seq2seq/model.js';
import { Tagger } from './tag/model.js';

const MODELS: Record<string, () => SavedModule> = {
  recurrent: () => new RecurrentModel({ input: { kind: 'embedding', vocabSize: 5, embeddingDim: 2 }, cell: 'lstm', hiddenSize: 3, outputSize: 5 }, { rng: new Rng(1) }),
  'encoder-decoder': () => new EncoderDecoder({ kind: 'encoder-decoder', sourceVocabSize: 7, targetVocabSize: 6, embeddingDim: 3, cell: 'gru', encoderHiddenSize: 4, decoderHiddenSize: 4,
    goId: 2, eosId: 3, maxSourceLength: 5, maxTargetLength: 5, attention: 'general', inputFeeding: true }, { rng: new Rng(2) }),
  tagger: () => new Tagger({ kind: 'tagger', wordVocabSize: 17, wordEmbeddingDim: 4, charVocabSize: 9, charEmbeddingDim: 3, charHiddenSize: 2, cell: 'gru', hiddenSize: 4, tagCount: 3, crf: true }, { rng: new Rng(3) }),
  'forecast-ensemble': () => new ForecastEnsemble({ kind: 'forecast-ensemble', members: [1, 2].map(() => ({ input: { kind: 'dense' as const, size: 1 }, hiddenSize: 3, outputSize: 2, output: 'last' as const })) }, { rng: new Rng(4) }),
};

/** Every one-bit flip of the first and last data byte of every tensor, each refused with `message(name)`. */
function assertEveryFlipRefused(bytes: Uint8Array, decode: (b: Uint8Array) => unknown, message: (tensor: string) => string): number {
  const header = readSafetensorsHeader(bytes);
  let flips = 0;
  for (const t of header.tensors.values()) {
    if (t.dataOffsets[1] === t.dataOffsets[0]) continue;
    for (const at of [t.dataOffsets[0], t.dataOffsets[1] - 1]) {
      const flipped = bytes.slice();
      flipped[header.dataStart + at]! ^= 1 << (at % 8);
      assert.throws(() => decode(flipped), { message: message(t.name) });
      flips++;
    }
  }
  return flips;
}

test('every model kind round-trips through a model file and a checkpoint, and a flipped bit in any tensor is refused', () => {
  assert.deepEqual(modelKinds().sort(), Object.keys(MODELS).sort(), 'a kind registered without a case here');
  for (const [kind, make] of Object.entries(MODELS)) {
    const model = make().to(new ReferenceBackend());
    const bytes = encodeModelFile(model, { extra: { 'recur.step': '3' } });
    const loaded = decodeModelFile<SavedModule>(bytes, { kind: 'any', source: `${kind}.safetensors` });
    assert.deepEqual(loaded.model.stateDict(), model.stateDict(), kind);
    const flips = assertEveryFlipRefused(bytes, (b) => decodeModelFile(b, { kind: 'any', source: `${kind}.safetensors` }),
      (name) => `decodeModelFile: ${kind}.safetensors: tensor '${name}' does not match the CRC-32 recorded in the file (the file is corrupted or was edited)`);
    assert.equal(flips, 2 * model.stateDict().size, kind);

    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    const ckpt = encodeCheckpoint({ model, optimizer, carried: null, training: { step: 3 } });
    const decoded = decodeCheckpoint(ckpt, `${kind}/checkpoint.safetensors`);
    assert.deepEqual(decoded.weights, model.stateDict(), kind);
    assert.deepEqual(decoded.training, { step: 3 });
    assertEveryFlipRefused(ckpt, (b) => decodeCheckpoint(b, `${kind}/checkpoint.safetensors`),
      (name) => `${kind}/checkpoint.safetensors is corrupted: tensor '${name}' does not match the CRC-32 recorded in the file`);
  }
});
