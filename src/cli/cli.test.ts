import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { saveModel } from '../io/model-file.js';
import { RecurrentModel } from '../nn/recurrent-model.js';
import { Rng } from '../random/rng.js';
import { tempDir } from '../testing/temp-dir.js';

const bin = fileURLToPath(new URL('./bin.js', import.meta.url));
const dir = tempDir('recur-cli-');
const recur = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('recur --help and --version', () => {
  const help = recur('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: recur/);
  assert.match(help.stdout, /export/);
  assert.match(recur('export', 'onnx', '--help').stdout, /--model <path>/);
  assert.match(recur('--version').stdout, /^\d+\.\d+\.\d+/);
});

test('recur export onnx writes a model ONNX Runtime loads', async () => {
  const model = new RecurrentModel({ input: { kind: 'embedding', vocabSize: 6, embeddingDim: 3 }, cell: 'gru', hiddenSize: 4, numLayers: 2, outputSize: 6 }, { rng: new Rng(1) });
  await saveModel(join(dir, 'model.safetensors'), model);
  const out = join(dir, 'model.onnx');
  const r = recur('export', 'onnx', '--model', dir, '--out', out, '--json');
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.opset, 14);
  // sequence_lens and initial_h have defaults: onnxruntime-node lists (and needs) only input.
  const session = await ort.InferenceSession.create(readFileSync(out), { logSeverityLevel: 3 });
  assert.deepEqual([...session.inputNames], ['input']);
  assert.deepEqual([...session.outputNames], ['logits', 'probabilities', 'h_n']);
  const run = await session.run({ input: new ort.Tensor('int64', BigInt64Array.from([1n, 2n, 3n, 4n]), [2, 2]) });
  assert.deepEqual(run.logits!.dims, [2, 2, 6]);
  const required = recur('export', 'onnx', '--model', dir, '--out', join(dir, 'required.onnx'), '--required-inputs');
  assert.equal(required.status, 0, required.stderr);
  const strict = await ort.InferenceSession.create(readFileSync(join(dir, 'required.onnx')));
  assert.deepEqual([...strict.inputNames], ['input', 'sequence_lens', 'initial_h']);
});

test('bad input to recur export onnx: one-line errors, non-zero exit, nothing written', () => {
  const out = join(dir, 'never.onnx');
  const missing = recur('export', 'onnx', '--model', join(dir, 'missing'), '--out', out);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr.trim(), `recur: model not found: ${join(dir, 'missing')}`);
  const unknown = recur('export', 'onnx', '--model', dir, '--out', out, '--bogus');
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stderr, /unknown option '--bogus'/);
  const opset = recur('export', 'onnx', '--model', dir, '--out', out, '--opset', 'x');
  assert.notEqual(opset.status, 0);
  assert.match(opset.stderr, /--opset must be an integer, got 'x'/);
  assert.ok(!existsSync(out));
});
