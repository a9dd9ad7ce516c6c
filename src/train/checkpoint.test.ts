import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { METADATA_CHECKSUMS_KEY, metadataChecksums } from '../io/checksums.js';
import { decodeSafetensors, encodeSafetensors, readSafetensorsHeader } from '../io/safetensors.js';
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

/** The metadata with its CRC-32s recomputed, as a writer who edits a checkpoint on purpose would. */
const sealed = (meta: Record<string, string>) => ({ ...meta, [METADATA_CHECKSUMS_KEY]: metadataChecksums(meta) });

test('decodeCheckpoint: a flipped byte in any tensor\'s data is refused, naming the file and the tensor', () => {
  const { bytes, model } = setup();
  const header = readSafetensorsHeader(bytes);
  assert.equal(header.tensors.size, 3 * model.stateDict().size + 2); // weights, Adam's two moments of each, h and c
  for (const t of header.tensors.values()) {
    const [begin, end] = t.dataOffsets;
    for (const at of [begin, end - 1]) {
      const flipped = bytes.slice();
      flipped[header.dataStart + at]! ^= 0x01; // the lowest mantissa bit: still a valid float, only the checksum sees it
      assert.throws(() => decodeCheckpoint(flipped, 'runs/a/checkpoint.safetensors'),
        { message: `runs/a/checkpoint.safetensors is corrupted: tensor '${t.name}' does not match the CRC-32 recorded in the file` });
    }
  }
  assert.doesNotThrow(() => decodeCheckpoint(bytes, 'ck'));
});

test('decodeCheckpoint: a checkpoint whose metadata was edited (the step, say) is refused before any entry is used', () => {
  const { bytes } = setup();
  // A hand edit of the header in place: the same length, still valid JSON.
  const edited = Buffer.from(bytes);
  const at = edited.indexOf('{\\"step\\":7,');
  assert.ok(at > 0 && at < readSafetensorsHeader(bytes).dataStart);
  edited.write('9', at + '{\\"step\\":'.length);
  assert.equal(decodeSafetensors(edited).metadata['recur.training'], '{"step":9,"note":"x"}');
  assert.throws(() => decodeCheckpoint(edited, 'ck'), {
    message: "ck is corrupted: metadata 'recur.training' does not match the CRC-32 recorded in the file (its metadata was edited or damaged after recur wrote it)",
  });
  // Rewritten through a safetensors writer: an edited entry, an added one, a removed one.
  const file = decodeSafetensors(bytes);
  const rewrite = (meta: Record<string, string>) => encodeSafetensors(file.tensors, meta);
  assert.throws(() => decodeCheckpoint(rewrite({ ...file.metadata, 'recur.training': JSON.stringify({ step: 700, note: 'x' }) }), 'ck'),
    /^Error: ck is corrupted: metadata 'recur.training' does not match the CRC-32 recorded in the file \(its metadata was edited/);
  assert.throws(() => decodeCheckpoint(rewrite({ ...file.metadata, 'recur.note': 'hi' }), 'ck'), /^Error: ck is corrupted: metadata 'recur.note' has no CRC-32 in 'recur.metadata_crc32' /);
  const { 'recur.vocabulary': _v, ...noVocabulary } = file.metadata;
  assert.throws(() => decodeCheckpoint(rewrite(noVocabulary), 'ck'), /^Error: ck is corrupted: 'recur.metadata_crc32' lists metadata 'recur.vocabulary', which the file does not hold /);
  const { [METADATA_CHECKSUMS_KEY]: _m, ...unsealed } = file.metadata;
  assert.throws(() => decodeCheckpoint(rewrite(unsealed), 'ck'), { message: "ck is corrupted: metadata 'recur.metadata_crc32' is missing" });
  const { 'recur.crc32': _c, ...noTensorSums } = unsealed;
  assert.throws(() => decodeCheckpoint(rewrite(sealed(noTensorSums)), 'ck'), { message: "ck is corrupted: metadata 'recur.crc32' is missing" });
  // Resealed by hand, the edit is accepted: the checksums find accidents, not intent.
  assert.equal(decodeCheckpoint(rewrite(sealed({ ...unsealed, 'recur.training': '{"step":9}' })), 'ck').training.step, 9);
});

test('decodeCheckpoint: corrupted, truncated, foreign and other-version files get one-line errors', () => {
  const { bytes } = setup();
  const flipped = bytes.slice();
  flipped[flipped.length - 3]! ^= 0x40; // a bit inside the tensor data: only the checksum sees it
  assert.throws(() => decodeCheckpoint(flipped, 'ck'), { message: "ck is corrupted: tensor 'state.h' does not match the CRC-32 recorded in the file" });
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
  // Resealed: a hostile file can carry checksums that match, so every check behind them must hold on its own.
  const edit = (tensors: Map<string, Tensor | IntTensor>, more: Record<string, string> = {}) => encodeSafetensors(tensors, sealed({ ...file.metadata, ...more }));
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
