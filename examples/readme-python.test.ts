// The README's PyTorch loading snippet cannot run here (no torch), so this checks what it relies
// on: every recurrent layer it builds passes the file's bias, layers and direction (a bias:false
// file has no bias_* tensors and would not load otherwise), and every config key it reads exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RecurrentModel, Rng, decodeSafetensors, encodeModelFile } from 'recur-nn';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const python = /```python\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';

test('README PyTorch snippet: each torch.nn.LSTM/GRU/RNN passes bias, num_layers and bidirectional from the config', () => {
  const calls = [...python.matchAll(/torch\.nn\.(?:LSTM|GRU|RNN)\(([^)]*)\)/g)].map((m) => m[1]!);
  assert.ok(calls.length >= 2, `found ${calls.length} recurrent layers in the snippet`);
  for (const args of calls) {
    for (const kw of ['bias=', 'num_layers=', 'bidirectional=']) assert.ok(args.includes(kw), `missing ${kw} in torch.nn.LSTM(${args.replace(/\s+/g, ' ')})`);
  }
});

test('README PyTorch snippet: the config keys it reads are those of a model file, and a bias:false file has no bias tensors', () => {
  const model = new RecurrentModel({ input: { kind: 'embedding', vocabSize: 5, embeddingDim: 3 }, hiddenSize: 4, bias: false, outputSize: 5 }, { rng: new Rng(1) });
  const file = decodeSafetensors(encodeModelFile(model));
  const config = JSON.parse(file.metadata['recur.config']!) as Record<string, Record<string, unknown>>;
  const keys = [...python.matchAll(/\b(?:config|c)((?:\["[A-Za-z]+"\])+)/g)].map((m) => [...m[1]!.matchAll(/"([A-Za-z]+)"/g)].map((k) => k[1]!));
  assert.ok(keys.length >= 8, `found ${keys.length} config reads`);
  for (const path of keys) {
    const value = path.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], config);
    assert.notEqual(value, undefined, `config${path.map((k) => `["${k}"]`).join('')} is not in a model file's config`);
  }
  assert.deepEqual([...file.tensors.keys()].filter((n) => n.startsWith('rnn.')).sort(), ['rnn.weight_hh_l0', 'rnn.weight_ih_l0']);
});
