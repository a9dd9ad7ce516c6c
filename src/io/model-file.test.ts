import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_FORMAT_VERSION, decodeModelFile, encodeModelFile, loadModel, saveModel } from './model-file.js';
import { decodeSafetensors, encodeSafetensors, readSafetensorsHeader } from './safetensors.js';
import { RecurrentModel } from '../nn/recurrent-model.js';
import { CELL_KINDS } from '../kernels/cell-kinds.js';
import { Lstm } from '../nn/recurrent.js';
import { Tape } from '../autograd/tape.js';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import { Rng } from '../random/rng.js';
import { IntTensor, Tensor } from '../tensor/tensor.js';
import { tempDir } from '../testing/temp-dir.js';

const dir = tempDir('recur-model-');

test('save -> load gives bit-identical outputs for every cell type, stacked and bidirectional', async () => {
  const backend = await WasmBackend.create();
  let i = 0;
  for (const cell of CELL_KINDS) {
    for (const [numLayers, bidirectional] of [[1, false], [2, true]] as const) {
      i++;
      const model = new RecurrentModel({ input: { kind: 'embedding', vocabSize: 9, embeddingDim: 4 }, cell, hiddenSize: 6, numLayers, bidirectional, outputSize: 9 },
        { rng: new Rng(i) }).to(backend);
      const path = join(dir, `m${i}.safetensors`);
      const vocabulary = [...'abcdefgh\n'];
      await saveModel(path, model, { vocabulary, normalization: { mean: 0.5, std: [1, 2] } });
      const loaded = await loadModel(path);
      loaded.model.to(backend);
      assert.deepEqual(loaded.config, model.config);
      assert.deepEqual(loaded.vocabulary, vocabulary);
      assert.deepEqual(loaded.normalization, { mean: 0.5, std: [1, 2] });
      const ids = IntTensor.from(Array.from({ length: 5 * 2 }, (_, k) => (k * 7 + i) % 9), [5, 2]);
      const a = model.eval().forward(Tape.inference(backend), ids);
      const b = loaded.model.eval().forward(Tape.inference(backend), ids);
      assert.deepEqual(Array.from(b.logits.data), Array.from(a.logits.data), `${cell} L${numLayers} bi=${bidirectional}`);
      assert.deepEqual(Array.from(b.state.h.data), Array.from(a.state.h.data));
    }
  }
});

test('the file holds PyTorch names and loads into a plain Lstm via its state dict', () => {
  const model = new RecurrentModel({ input: { kind: 'dense', size: 3 }, cell: 'lstm', hiddenSize: 4, numLayers: 2, outputSize: 2 }, { rng: new Rng(1) });
  const file = decodeSafetensors(encodeModelFile(model));
  assert.deepEqual([...file.tensors.keys()].sort(), [
    'head.bias', 'head.weight',
    'rnn.bias_hh_l0', 'rnn.bias_hh_l1', 'rnn.bias_ih_l0', 'rnn.bias_ih_l1',
    'rnn.weight_hh_l0', 'rnn.weight_hh_l1', 'rnn.weight_ih_l0', 'rnn.weight_ih_l1',
  ]);
  assert.equal(file.metadata.format, 'pt');
  assert.equal(file.metadata['recur.format_version'], String(MODEL_FORMAT_VERSION));
  // What torch.nn.LSTM(3, 4, num_layers=2).state_dict() would hold, saved by safetensors.torch.
  const bare = new Map([...file.tensors].filter(([n]) => n.startsWith('rnn.')).map(([n, t]) => [n.slice(4), t]));
  const lstm = new Lstm({ inputSize: 3, hiddenSize: 4, numLayers: 2, rng: new Rng(9) });
  lstm.loadStateDict(decodeSafetensors(encodeSafetensors(bare, { format: 'pt' })).tensors);
  assert.deepEqual(lstm.param('weight_hh_l1').toArray(), model.rnn.param('weight_hh_l1').toArray());
});

test('weights saved without recur metadata load given a config', () => {
  const config = { input: { kind: 'one-hot' as const, vocabSize: 5 }, cell: 'gru' as const, hiddenSize: 3, numLayers: 1, bidirectional: false, dropout: 0, bias: true, outputSize: 5, output: 'sequence' as const };
  const model = new RecurrentModel(config, { rng: new Rng(3) });
  const bytes = encodeSafetensors(model.stateDict(), { format: 'pt' });
  assert.throws(() => decodeModelFile(bytes), /no recur config in its metadata; pass the model config/);
  const loaded = decodeModelFile(bytes, { config });
  assert.deepEqual(loaded.model.head.weight.toArray(), model.head.weight.toArray());
});

test('a file that disagrees with its config, or comes from another format version, is rejected clearly', () => {
  const model = new RecurrentModel({ input: { kind: 'one-hot', vocabSize: 5 }, cell: 'lstm', hiddenSize: 3, outputSize: 5 }, { rng: new Rng(4) });
  const dict = model.stateDict();
  const meta = { format: 'pt', 'recur.format_version': '1', 'recur.config': JSON.stringify({ ...model.config, hiddenSize: 4 }) };
  assert.throws(() => decodeModelFile(encodeSafetensors(dict, meta)),
    /model file does not match its config: tensor 'rnn.weight_ih_l0' is \[12, 5\] but the config needs \[16, 5\]/);
  dict.delete('head.bias');
  dict.set('extra', Tensor.zeros([2]));
  assert.throws(() => decodeModelFile(encodeSafetensors(dict, { ...meta, 'recur.config': JSON.stringify(model.config) })),
    /missing tensor 'head.bias' \[5\]; unexpected tensor 'extra'/);
  assert.throws(() => decodeModelFile(encodeSafetensors(model.stateDict(), { ...meta, 'recur.format_version': '99' })),
    /model file format version 99 is not supported by this recur \(expects 1\)/);
  assert.throws(() => decodeModelFile(encodeSafetensors(model.stateDict(), { ...meta, 'recur.config': '{"input": ' })),
    /metadata 'recur.config' is not valid JSON/);
  assert.throws(() => decodeModelFile(encodeSafetensors(model.stateDict(), { ...meta, 'recur.config': JSON.stringify({ ...model.config, cell: 'transformer' }) })),
    /cell must be one of lstm, gru, rnn-tanh, rnn-relu, rnn-sigmoid, got "transformer"/);
});

test('loadModel names a missing file; a corrupted file gets a safetensors error', async () => {
  await assert.rejects(loadModel(join(dir, 'nope.safetensors')), /model file not found: .*nope.safetensors/);
  const model = new RecurrentModel({ input: { kind: 'one-hot', vocabSize: 5 }, outputSize: 5, hiddenSize: 2 }, { rng: new Rng(5) });
  const path = join(dir, 'corrupt.safetensors');
  await saveModel(path, model);
  const bytes = readFileSync(path);
  writeFileSync(path, bytes.subarray(0, bytes.length - 3));
  await assert.rejects(loadModel(path), /safetensors: /);
});

test('a model file written before model kinds existed (no kind in its config) loads as a recurrent model', () => {
  const model = new RecurrentModel({ input: { kind: 'one-hot', vocabSize: 4 }, hiddenSize: 3, outputSize: 4 }, { rng: new Rng(6) });
  const { kind, ...old } = model.config;
  assert.equal(kind, 'recurrent');
  const bytes = encodeSafetensors(model.stateDict(), { format: 'pt', 'recur.format_version': '1', 'recur.config': JSON.stringify(old), 'recur.vocabulary': '["a","b","c","d"]' });
  const loaded = decodeModelFile(bytes);
  assert.deepEqual(loaded.config, model.config);
  assert.deepEqual(loaded.vocabulary, ['a', 'b', 'c', 'd']);
  assert.deepEqual(loaded.model.stateDict(), model.stateDict());
});

test('a pooled model (mean, max, attention) round-trips through a file with identical logits; a file without pooling loads as before', async () => {
  const backend = await WasmBackend.create({ threads: 1 });
  const x = new Tensor(Float32Array.from({ length: 4 * 3 * 2 }, (_, k) => Math.sin(k)), [4, 3, 2]);
  const lengths = [4, 1, 3];
  for (const pooling of ['mean', 'max', 'attention', 'last'] as const) {
    const model = new RecurrentModel({ input: { kind: 'dense', size: 2 }, cell: 'lstm', hiddenSize: 3, bidirectional: true, outputSize: 2, output: 'last', pooling }, { rng: new Rng(8) }).to(backend);
    const path = join(dir, `pooled-${pooling}.safetensors`);
    await saveModel(path, model);
    const loaded = await loadModel(path);
    assert.equal(loaded.config.pooling, pooling);
    assert.deepEqual(loaded.model.stateDict(), model.stateDict());
    const a = model.eval().forward(Tape.inference(backend), x, { lengths });
    const b = loaded.model.to(backend).eval().forward(Tape.inference(backend), x, { lengths });
    assert.deepEqual(Array.from(b.logits.data), Array.from(a.logits.data), pooling);
    if (pooling === 'last') {
      // Written before the field existed: same weights, no pooling in the config.
      const { pooling: _, ...old } = model.config;
      const bytes = encodeSafetensors(model.stateDict(), { format: 'pt', 'recur.format_version': '1', 'recur.config': JSON.stringify(old) });
      const before = decodeModelFile(bytes).model.to(backend).eval();
      assert.equal(before.config.pooling, 'last');
      assert.deepEqual(Array.from(before.forward(Tape.inference(backend), x, { lengths }).logits.data), Array.from(a.logits.data));
    }
  }
  // A file whose attention weights are missing is refused before anything is built.
  const attention = new RecurrentModel({ input: { kind: 'dense', size: 2 }, hiddenSize: 3, outputSize: 2, output: 'last', pooling: 'attention' }, { rng: new Rng(9) });
  const dict = attention.stateDict();
  dict.delete('attention.score.weight');
  const bytes = encodeSafetensors(dict, { format: 'pt', 'recur.format_version': '1', 'recur.config': JSON.stringify(attention.config) });
  assert.throws(() => decodeModelFile(bytes), /attention\.score\.weight/);
});

test('a flipped byte in any tensor\'s data makes loadModel refuse the file, naming it and the tensor', async () => {
  const model = new RecurrentModel({ input: { kind: 'embedding', vocabSize: 6, embeddingDim: 3 }, cell: 'gru', hiddenSize: 4, numLayers: 2, bidirectional: true, outputSize: 6 }, { rng: new Rng(10) });
  const path = join(dir, 'flipped.safetensors');
  await saveModel(path, model, { vocabulary: [...'abcdef'] });
  const bytes = readFileSync(path);
  const header = readSafetensorsHeader(bytes);
  assert.equal(header.tensors.size, model.stateDict().size);
  assert.deepEqual(Object.keys(JSON.parse(header.metadata['recur.crc32']!) as object).sort(), [...header.tensors.keys()].sort());
  for (const t of header.tensors.values()) {
    for (const at of [t.dataOffsets[0], t.dataOffsets[1] - 1]) {
      const flipped = Buffer.from(bytes);
      flipped[header.dataStart + at]! ^= 0x01; // the lowest mantissa bit: the weights stay finite and plausible
      writeFileSync(path, flipped);
      await assert.rejects(loadModel(path), {
        message: `loadModel: ${path}: tensor '${t.name}' does not match the CRC-32 recorded in the file (the file is corrupted or was edited)`,
      });
    }
  }
  writeFileSync(path, bytes);
  assert.deepEqual((await loadModel(path)).model.stateDict(), model.stateDict());
});

test('a model file without checksums (saved by PyTorch, or by an older recur) loads unchecked; a malformed checksum entry is refused', () => {
  const model = new RecurrentModel({ input: { kind: 'one-hot', vocabSize: 4 }, cell: 'lstm', hiddenSize: 3, outputSize: 4 }, { rng: new Rng(11) });
  const file = decodeSafetensors(encodeModelFile(model, { vocabulary: [...'abcd'] }));
  const { 'recur.crc32': sums, ...unchecked } = file.metadata;
  assert.ok(sums);
  assert.deepEqual(decodeModelFile(encodeSafetensors(file.tensors, unchecked)).model.stateDict(), model.stateDict());
  // PyTorch's save_file of the state dict, with recur's metadata given (--config FILE): checksums
  // of the file the metadata came from are not this file's, and are ignored.
  const bare = encodeSafetensors(file.tensors, { format: 'pt' });
  const other = { ...file.metadata, 'recur.crc32': JSON.stringify(Object.fromEntries([...file.tensors.keys()].map((n) => [n, '00000000']))) };
  const loaded = decodeModelFile(bare, { metadata: other });
  assert.deepEqual(loaded.model.stateDict(), model.stateDict());
  assert.equal(loaded.metadata['recur.crc32'], undefined);
  const map = JSON.parse(sums) as Record<string, string>;
  const refused = (crc: string, want: RegExp) => assert.throws(() => decodeModelFile(encodeSafetensors(file.tensors, { ...unchecked, 'recur.crc32': crc }), { source: 'm.safetensors' }),
    (e: Error) => want.test(e.message) && !e.message.includes('\n'));
  refused('[1]', /^decodeModelFile: m.safetensors: metadata 'recur.crc32' must be a JSON object of CRC-32s \(8 hex digits\) by tensor name \(the file is corrupted or was edited\)$/);
  const { 'head.bias': _, ...noHead } = map;
  refused(JSON.stringify(noHead), /^decodeModelFile: m.safetensors: tensor 'head.bias' has no CRC-32 in 'recur.crc32' \(the file/);
  refused(JSON.stringify({ ...map, 'head.extra': '00000000' }), /^decodeModelFile: m.safetensors: 'recur.crc32' lists tensor 'head.extra', which the file does not hold \(the file/);
  refused(JSON.stringify({ ...map, 'head.bias': 12 }), /^decodeModelFile: m.safetensors: the CRC-32 of tensor 'head.bias' in 'recur.crc32' is not 8 hex digits \(the file/);
  const upper = Object.fromEntries(Object.entries(map).map(([n, crc]) => [n, crc.toUpperCase()]));
  assert.doesNotThrow(() => decodeModelFile(encodeSafetensors(file.tensors, { ...unchecked, 'recur.crc32': JSON.stringify(upper) })));
});

test('extras cannot set the checksum keys, and a loaded model\'s extras never carry them into another file', () => {
  const model = new RecurrentModel({ input: { kind: 'one-hot', vocabSize: 4 }, hiddenSize: 2, outputSize: 4 }, { rng: new Rng(12) });
  for (const key of ['recur.crc32', 'recur.metadata_crc32']) {
    assert.throws(() => encodeModelFile(model, { extra: { [key]: '{}' } }), { message: `encodeModelFile: extras.extra cannot set "${key}", which the format writes itself` });
  }
  const loaded = decodeModelFile(encodeModelFile(model, { extra: { 'recur.step': '5' } }));
  assert.deepEqual(loaded.extra, { 'recur.step': '5' });
});
