import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
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

test('recur export onnx never writes over its input model, and over another file only with --force', async () => {
  const d = join(dir, 'guard');
  mkdirSync(d);
  const model = new RecurrentModel({ input: { kind: 'one-hot', vocabSize: 4 }, cell: 'lstm', hiddenSize: 3, outputSize: 4 }, { rng: new Rng(2) });
  const modelFile = join(d, 'model.safetensors');
  await saveModel(modelFile, model);
  const original = readFileSync(modelFile);
  symlinkSync(modelFile, join(d, 'link.safetensors'));
  linkSync(modelFile, join(d, 'hard.safetensors'));
  const inputCases: [string, string][] = [
    [d, modelFile], // a directory's model.safetensors
    [modelFile, modelFile],
    [d, join(d, '..', 'guard', '.', 'model.safetensors')],
    [d, join(d, 'link.safetensors')],
    [join(d, 'link.safetensors'), modelFile],
    [d, join(d, 'hard.safetensors')],
  ];
  for (const [i, [modelArg, out]] of inputCases.entries()) {
    const force = i === 0 ? [] : ['--force']; // --force changes nothing here
    const r = recur('export', 'onnx', '--model', modelArg, '--out', out, ...force);
    assert.equal(r.status, 1, `--model ${modelArg} --out ${out} ${force.join('')}`);
    assert.match(r.stderr, /^recur: --out .+ is the input model .+; write to another file\n$/);
  }
  assert.deepEqual(readFileSync(modelFile), original, 'the model file is untouched');

  const other = join(d, 'other.onnx');
  writeFileSync(other, 'keep me');
  const refused = recur('export', 'onnx', '--model', d, '--out', other);
  assert.equal(refused.status, 1);
  assert.equal(refused.stderr, `recur: --out ${other} already exists; add --force to overwrite it\n`);
  assert.equal(readFileSync(other, 'utf8'), 'keep me');
  const forced = recur('export', 'onnx', '--model', d, '--out', other, '--force');
  assert.equal(forced.status, 0, forced.stderr);
  await ort.InferenceSession.create(readFileSync(other));

  const intoDir = recur('export', 'onnx', '--model', d, '--out', d, '--force');
  assert.equal(intoDir.stderr, `recur: --out ${d} is a directory; give the path of a file to write\n`);
  const noDir = recur('export', 'onnx', '--model', d, '--out', join(d, 'missing', 'x.onnx'));
  assert.equal(noDir.stderr, `recur: --out ${join(d, 'missing', 'x.onnx')}: the directory ${join(d, 'missing')} does not exist\n`);
  assert.deepEqual(readFileSync(modelFile), original);
});

test('recur export onnx --opset: 14 to 26, said in --help and in the error; both ends load in ONNX Runtime', async () => {
  assert.match(recur('export', 'onnx', '--help').stdout, /--opset <n>\s+ONNX opset version, 14 to 26: the opsets ONNX Runtime 1\.30\s+loads \(default: 14\)/);
  for (const opset of ['13', '27', '99']) {
    const out = join(dir, `opset-${opset}.onnx`);
    const r = recur('export', 'onnx', '--model', dir, '--out', out, '--opset', opset);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `recur: --opset must be from 14 to 26 (the opsets ONNX Runtime 1.30 loads), got ${opset}\n`);
    assert.ok(!existsSync(out));
  }
  for (const opset of ['14', '26']) {
    const out = join(dir, `opset-${opset}.onnx`);
    const r = recur('export', 'onnx', '--model', dir, '--out', out, '--opset', opset, '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).opset, Number(opset));
    const session = await ort.InferenceSession.create(readFileSync(out));
    assert.deepEqual([...session.outputNames], ['logits', 'probabilities', 'h_n']);
  }
});
