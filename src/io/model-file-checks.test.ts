// Hostile model files: every problem is found from the header and metadata before the model
// is built, fast, and reported in one short line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModelFile, encodeModelFile, loadModel } from './model-file.js';
import { encodeSafetensors } from './safetensors.js';
import { configDifferences as differences } from './model-file-checks.js';
import type { ModelConfig } from '../nn/model-kinds.js';
import { RecurrentModel, type RecurrentModelConfig } from '../nn/recurrent-model.js';
import { Rng } from '../random/rng.js';
import { IntTensor, Tensor } from '../tensor/tensor.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../testing/temp-dir.js';

const small = { input: { kind: 'embedding' as const, vocabSize: 7, embeddingDim: 3 }, cell: 'lstm' as const, hiddenSize: 4, outputSize: 7 };
const model = new RecurrentModel(small, { rng: new Rng(1) });
const meta = (config: unknown, more: Record<string, string> = {}) => ({ format: 'pt', 'recur.format_version': '1', 'recur.config': JSON.stringify(config), ...more });

/** The fastest of up to 3 runs of `f` (a loaded machine slows single runs), and what it threw. */
function timedThrow(f: () => unknown): { ms: number; error: Error } {
  let ms = Infinity;
  let error: unknown;
  for (let i = 0; i < 3 && ms >= 100; i++) {
    const t0 = performance.now();
    try {
      f();
    } catch (e) {
      error = e;
    }
    ms = Math.min(ms, performance.now() - t0);
  }
  assert.ok(error instanceof Error && error.constructor === Error, `expected a plain Error, got ${String(error)}`);
  return { ms, error };
}

function rejectsFast(bytes: Uint8Array, want: RegExp, options?: Parameters<typeof decodeModelFile>[1]): string {
  const { ms, error } = timedThrow(() => decodeModelFile(bytes, options));
  assert.match(error.message, want);
  assert.ok(!/[\n\r]/.test(error.message) && error.message.length < 600, `not one short line (${error.message.length} chars): ${error.message.slice(0, 200)}`);
  assert.ok(ms < 100, `${ms.toFixed(1)} ms: ${error.message.slice(0, 100)}`);
  return error.message;
}

test('decodeModelFile: a tiny file whose recur.config asks for a huge model is rejected from the header, before allocating', () => {
  const dict = model.stateDict();
  const before = process.memoryUsage().rss;
  // Configs that normalizeModelConfig accepts (each below 2^30 parameters) but the file does not hold.
  rejectsFast(encodeSafetensors(dict, meta({ ...small, input: { kind: 'embedding', vocabSize: 1_000_000, embeddingDim: 1000 } })),
    /^decodeModelFile: model file does not match its config: tensor 'embedding.weight' is \[7, 3\] but the config needs \[1000000, 1000\]; tensor 'rnn.weight_ih_l0' is \[16, 3\] but the config needs \[16, 1000\]$/);
  const many = rejectsFast(encodeSafetensors(dict, meta({ ...small, hiddenSize: 600, numLayers: 256 })),
    /^decodeModelFile: model file does not match its config: tensor 'rnn.weight_ih_l0' is \[16, 3\] but the config needs \[2400, 3\]; .*; and 1020 more$/);
  assert.equal(many.split('; ').length, 6);
  rejectsFast(encodeSafetensors(dict, meta({ ...small, input: { kind: 'one-hot', vocabSize: 3e9 } })), /input.vocabSize must be at most 2147483647, got 3000000000/);
  rejectsFast(encodeSafetensors(dict, meta({ ...small, hiddenSize: 100_000, numLayers: 100_000 })), /^decodeModelFile: metadata 'recur.config': RecurrentModel config: numLayers must be at most 256, got 100000$/);
  rejectsFast(encodeSafetensors(dict, meta({ ...small, hiddenSize: 100_000 })), /the model would have 4\.00e\+10 parameters, more than the 1073741824/);
  assert.ok(process.memoryUsage().rss - before < 100 * 2 ** 20, 'no model was allocated');
});

test('decodeModelFile: many tensors are refused by the model tensor limit, and extra ones are listed briefly', () => {
  const zeros = (n: number, prefix: string) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, Tensor.zeros([0])]));
  const dict = Object.fromEntries(model.stateDict());
  rejectsFast(encodeSafetensors({ ...dict, ...zeros(99_000, 'extra.') }, meta(small)), /^decodeModelFile: safetensors: header length 6424592 exceeds the limit of 4194304 bytes$/);
  rejectsFast(encodeSafetensors({ ...dict, ...zeros(2100, 'extra.') }, meta(small)), /^decodeModelFile: safetensors: header lists more than 2054 tensors \(the maxTensors limit\)$/);
  rejectsFast(encodeSafetensors({ ...dict, ...zeros(2000, 'extra.') }, meta(small)), /^decodeModelFile: model file does not match its config: unexpected tensor 'extra\.0'; .*; and 1995 more$/);
});

test('decodeModelFile: an integer tensor in place of a weight is named as a dtype problem', () => {
  const dict = new Map<string, Tensor | IntTensor>(model.stateDict());
  dict.set('head.bias', IntTensor.from([0, 0, 0, 0, 0, 0, 0], [7]));
  rejectsFast(encodeSafetensors(dict, meta(small)), /^decodeModelFile: safetensors: tensor 'head.bias' has dtype I32, which is not accepted here \(accepted: F32, F16, BF16, F64\)$/);
});

test('decodeModelFile and encodeModelFile check the vocabulary against the config and the shape of the normalisation', () => {
  const dict = model.stateDict();
  const vocab = [...'abcdefg'];
  const cases: [Record<string, string>, RegExp][] = [
    [{ 'recur.normalization': '"oops"' }, /^decodeModelFile: metadata 'recur.normalization' must be an object of numbers or arrays of numbers .*, got "oops"$/],
    [{ 'recur.normalization': '{"mean":[1,"a"]}' }, /metadata 'recur.normalization': 'mean' must be a finite number or an array of finite numbers, got an array of 2$/],
    [{ 'recur.normalization': '{"std":1e999}' }, /'std' must be a finite number or an array of finite numbers, got Infinity$/],
    [{ 'recur.normalization': '[1,2]' }, /must be an object of numbers .*, got an array of 2$/],
    [{ 'recur.vocabulary': '["a"]' }, /^decodeModelFile: metadata 'recur.vocabulary' holds 1 tokens but the config's input.vocabSize is 7$/],
    [{ 'recur.vocabulary': JSON.stringify([...vocab, 'h']) }, /holds 8 tokens but the config's input.vocabSize is 7$/],
    [{ 'recur.vocabulary': '["a",1,"c"]' }, /must be a JSON array of strings, but entry 1 is 1$/],
    [{ 'recur.vocabulary': '{"a":0}' }, /must be a JSON array of strings, got an object$/],
    [{ 'recur.vocabulary': '["a",' }, /^decodeModelFile: metadata 'recur.vocabulary' is not valid JSON$/],
  ];
  for (const [more, want] of cases) rejectsFast(encodeSafetensors(dict, meta(small, more)), want);
  const ok = decodeModelFile(encodeSafetensors(dict, meta(small, { 'recur.vocabulary': JSON.stringify(vocab), 'recur.normalization': '{"mean":[0.5,-1],"std":2}' })));
  assert.deepEqual(ok.vocabulary, vocab);
  assert.deepEqual(ok.normalization, { mean: [0.5, -1], std: 2 });
  // The writer refuses what the reader would.
  assert.throws(() => encodeModelFile(model, { vocabulary: ['a'] }), /^Error: encodeModelFile: extras.vocabulary holds 1 tokens but the config's input.vocabSize is 7$/);
  assert.throws(() => encodeModelFile(model, { normalization: 'oops' as never }), /^Error: encodeModelFile: extras.normalization must be an object/);
  assert.throws(() => encodeModelFile(model, { extra: { 'recur.config': '{}' } }), /^Error: encodeModelFile: extras.extra cannot set "recur.config", which the format writes itself$/);
  const dense = new RecurrentModel({ input: { kind: 'dense', size: 2 }, hiddenSize: 3, outputSize: 1 }, { rng: new Rng(2) });
  assert.throws(() => encodeModelFile(dense, { vocabulary: ['a', 'b'] }), /lists tokens, but the model's input is dense \(2 features\), not token ids/);
});

test('decodeModelFile: a config passed for a file with its own must agree with it', () => {
  const bytes = encodeModelFile(model);
  const full = model.config;
  assert.deepEqual(decodeModelFile(bytes, { config: full }).config, full);
  assert.deepEqual(decodeModelFile(bytes, { config: small as RecurrentModelConfig }).config, full, 'defaults filled in agree');
  rejectsFast(bytes, /^decodeModelFile: options.config disagrees with the file's own config \(given vs file\): hiddenSize 5 vs 4; pass no config or the file's$/, { config: { ...full, hiddenSize: 5 } });
  rejectsFast(bytes, /\(given vs file\): input.vocabSize 9 vs 7; cell "gru" vs "lstm";/, { config: { ...full, cell: 'gru', input: { ...small.input, vocabSize: 9 } } });
  rejectsFast(bytes, /^decodeModelFile: options.config: RecurrentModel config: hiddenSize must be a positive integer, got -1$/, { config: { ...full, hiddenSize: -1 } });
});

test('configDifferences: list entries by index, long values cut short (an ensemble\'s members were printed whole: a 1,000-character message)', () => {
  const diff = (p: object, q: object) => differences(p as ModelConfig, q as ModelConfig);
  const member = (hiddenSize: number) => ({ ...model.config, hiddenSize });
  const a = { kind: 'forecast-ensemble', members: [member(4), member(5)] }, b = { kind: 'forecast-ensemble', members: [member(4), member(6)] };
  assert.deepEqual(diff(a, b), ['members.1.hiddenSize 5 vs 6']);
  assert.deepEqual(diff(a, { kind: 'forecast-ensemble', members: [member(4)] }).slice(0, 2), ['members.1.kind "recurrent" vs absent', 'members.1.input.kind "embedding" vs absent']);
  assert.deepEqual(diff({ kind: 'x', list: [] }, { kind: 'x' }), ['list [] vs absent']);
  assert.deepEqual(diff({ kind: 'x', cell: 'y'.repeat(1000) }, { kind: 'x', cell: 'lstm' }), [`cell "${'y'.repeat(39)}… vs "lstm"`]);
});

test('loadModel names the function and the file in every error', async () => {
  const dir = tempDir('recur-hostile-');
  const path = join(dir, 'm.safetensors');
  writeFileSync(path, encodeSafetensors(model.stateDict(), meta({ ...small, hiddenSize: 600, numLayers: 256 })));
  await assert.rejects(loadModel(path), (e: Error) => e.message.startsWith(`loadModel: ${path}: model file does not match its config: `) && e.message.endsWith('and 1020 more'));
  writeFileSync(path, new Uint8Array([1, 2, 3]));
  await assert.rejects(loadModel(path), { message: `loadModel: ${path}: safetensors: file has 3 bytes, fewer than the 8-byte header length` });
});
