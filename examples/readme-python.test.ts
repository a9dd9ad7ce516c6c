// The README's PyTorch loading snippet, run (issue 18): where a Python imports torch and
// safetensors (RECUR_PYTHON, else .venv-torch in the checkout), the snippet as written loads
// model files of each cell kind (LSTM, GRU, Elman tanh and relu; bidirectional, two layers,
// without bias, one-hot input) and its layers give recur's outputs on the same input. Where no
// such Python exists, that test is skipped with a line saying why; the static checks always run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecurrentModel, Rng, Tape, Tensor, createBackend, decodeSafetensors, encodeModelFile, type RecurrentModelConfigInput } from 'recur-nn';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const python = /```python\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';

test('README PyTorch snippet: the layer it builds passes bias, num_layers, bidirectional and batch_first from the config', () => {
  const call = /rnn = layer\(([\s\S]*?)\)\s*#/.exec(python)?.[1] ?? '';
  for (const kw of ['bias=config["bias"]', 'num_layers=config["numLayers"]', 'bidirectional=config["bidirectional"]', 'batch_first=', 'hidden_size=config["hiddenSize"]']) {
    assert.ok(call.includes(kw), `the snippet's layer(...) call lacks ${kw}`);
  }
});

test('README PyTorch snippet: the config keys it reads are those of a model file, and a bias:false file has no bias tensors', () => {
  const model = new RecurrentModel({ input: { kind: 'embedding', vocabSize: 5, embeddingDim: 3 }, hiddenSize: 4, bias: false, outputSize: 5 }, { rng: new Rng(1) });
  const file = decodeSafetensors(encodeModelFile(model));
  const config = JSON.parse(file.metadata['recur.config']!) as Record<string, unknown>;
  const keys = [...python.matchAll(/\bconfig\["([A-Za-z]+)"\]/g)].map((m) => m[1]!);
  assert.ok(keys.length >= 5, `found ${keys.length} config reads`);
  for (const k of keys) assert.notEqual(config[k], undefined, `config["${k}"] is not in a model file's config`);
  assert.deepEqual([...file.tensors.keys()].filter((n) => n.startsWith('rnn.')).sort(), ['rnn.weight_hh_l0', 'rnn.weight_ih_l0']);
});

/** A Python that imports torch and safetensors, or why there is none. */
function findPython(): { python: string } | { skip: string } {
  const given = process.env.RECUR_PYTHON;
  const python = given ?? (existsSync(join(ROOT, '.venv-torch', 'bin', 'python')) ? join(ROOT, '.venv-torch', 'bin', 'python') : undefined);
  if (!python) return { skip: 'no Python with PyTorch and safetensors (set RECUR_PYTHON, or make .venv-torch in the checkout)' };
  const r = spawnSync(python, ['-c', 'import torch, safetensors'], { encoding: 'utf8' });
  if (r.status !== 0) return { skip: `${python} cannot import torch and safetensors (${(r.stderr || String(r.error)).trim().split('\n').at(-1)})` };
  return { python };
}

const CASES: [string, RecurrentModelConfigInput][] = [
  ['lstm, 2 layers, bidirectional', { input: { kind: 'embedding', vocabSize: 9, embeddingDim: 5 }, cell: 'lstm', hiddenSize: 6, numLayers: 2, bidirectional: true, outputSize: 9 }],
  ['gru without bias', { input: { kind: 'embedding', vocabSize: 9, embeddingDim: 5 }, cell: 'gru', hiddenSize: 6, bias: false, outputSize: 9 }],
  ['elman relu, one-hot input', { input: { kind: 'one-hot', vocabSize: 7 }, cell: 'rnn-relu', hiddenSize: 5, outputSize: 7 }],
  ['elman tanh, dense input, batch first', { input: { kind: 'dense', size: 3 }, cell: 'rnn-tanh', hiddenSize: 4, numLayers: 2, outputSize: 2, batchFirst: true }],
];

test('README PyTorch snippet, run: its layers give recur\'s outputs on the same input (LSTM, GRU, Elman)', async (t) => {
  const found = findPython();
  if ('skip' in found) { t.skip(found.skip); return; }
  const backend = await createBackend('wasm', { threads: 1 });
  for (const [name, config] of CASES) {
    const dir = mkdtempSync(join(tmpdir(), 'recur-readme-python-'));
    try {
      const model = new RecurrentModel(config, { rng: new Rng(7) }).to(backend);
      model.eval();
      writeFileSync(join(dir, 'model.safetensors'), encodeModelFile(model));
      const I = model.rnn.inputSize, T = 5, B = 3;
      const rng = new Rng(3);
      const x = Tensor.from(Array.from({ length: T * B * I }, () => rng.uniform() * 2 - 1), config.batchFirst ? [B, T, I] : [T, B, I]);
      writeFileSync(join(dir, 'x.json'), JSON.stringify({ data: Array.from(x.data), shape: x.shape }));
      // The snippet as the README prints it, then its layer run on our input.
      const script = `${python}\nx = json.load(open("x.json"))\nwith torch.no_grad():\n    y, _ = rnn(torch.tensor(x["data"]).reshape(x["shape"]))\nprint(json.dumps(y.reshape(-1).tolist()))\n`;
      const r: SpawnSyncReturns<string> = spawnSync(found.python, ['-c', script], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
      const theirs = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as number[];
      const ours = model.rnn.forward(Tape.inference(backend), x).output.data;
      assert.equal(theirs.length, ours.length, `${name}: output sizes`);
      let worst = 0;
      for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - theirs[i]!));
      assert.ok(worst <= 1e-5, `${name}: PyTorch and recur differ by ${worst}`);
      t.diagnostic(`${name}: max |PyTorch - recur| = ${worst.toExponential(2)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
