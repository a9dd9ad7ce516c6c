// --init-from and --freeze (issue 18): a new run starts from a model file's weights (recur's, or
// a bare safetensors file as PyTorch writes one), checked against the run's model before any
// tensor is decoded (and against its CRC-32s: a flipped bit is refused); a recur file's
// vocabulary is kept; frozen parameters never move; and --resume refuses a run whose
// model.safetensors was replaced after its checkpoint.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend } from '../kernels/index.js';
import type { Backend } from '../kernels/backend.js';
import { loadModel } from '../io/model-file.js';
import { decodeSafetensors, encodeSafetensors, readSafetensorsHeader } from '../io/safetensors.js';
import type { Tensor } from '../tensor/tensor.js';
import { tempDir } from '../testing/temp-dir.js';
import { charLmTask } from './char-lm/task.js';
import type { CharLmConfig } from './char-lm/config.js';
import { classifyTask } from './classify/task.js';
import { forecastTask } from './forecast/task.js';
import type { TrainEvent } from '../train/events.js';
import { runTask } from './run-task.js';

const RHYMES = readFileSync(fileURLToPath(new URL('../../src/tasks/char-lm/fixtures/rhymes.txt', import.meta.url)), 'utf8');
const QUICK: Partial<CharLmConfig> = { hiddenSize: 12, embeddingDim: 6, seqLen: 16, batchSize: 4, sampleLength: 0, evalEvery: 0, checkpointEvery: 0, maxSteps: 6 };
const root = tempDir('recur-init-from-');
let backend: Backend;
let source: string; // a trained run directory

const weights = async (path: string): Promise<Map<string, Float32Array>> => {
  const m = await loadModel(path);
  return new Map([...m.model.namedParameters()].map(([n, p]) => [n, p.toArray() as unknown as Float32Array]));
};

before(async () => {
  backend = await createBackend('wasm', { threads: 1 });
  source = join(root, 'source');
  await runTask(charLmTask, { out: source, backend, input: { text: RHYMES }, config: QUICK });
});

test('a new run starts from the file\'s weights: its first evaluation equals the source model\'s, and frozen parameters never move', async () => {
  const out = join(root, 'frozen');
  const notes: string[] = [];
  await runTask(charLmTask, {
    out, backend, input: { text: RHYMES }, config: { ...QUICK, maxSteps: 4, initFrom: source, freeze: ['embedding', 'rnn'] },
    onEvent: (e) => { if (e.type === 'start') notes.push(...((e.details as { notes?: string[] }).notes ?? [])); },
  });
  const before = await weights(join(source, 'model.safetensors'));
  const after = await weights(join(out, 'model.safetensors'));
  for (const [name, v] of after) {
    if (name.startsWith('embedding.') || name.startsWith('rnn.')) assert.deepEqual(v, before.get(name), `${name} frozen`);
  }
  const head = [...after.keys()].filter((n) => !n.startsWith('embedding.') && !n.startsWith('rnn.'));
  assert.ok(head.length > 0 && head.some((n) => after.get(n)!.some((x, i) => x !== before.get(n)![i])), 'the head trained');
  assert.ok(notes.some((n) => n.startsWith(`weights from ${join(source, 'model.safetensors')} (a char-lm model at step 6; its vocabulary kept)`)), notes.join(' | '));
  assert.ok(notes.some((n) => /^frozen: embedding\.weight, rnn\./.test(n)), notes.join(' | '));

  // Zero steps of change: with every trainable weight at lr ~ 0 the model equals the source's.
  const same = join(root, 'same');
  await runTask(charLmTask, { out: same, backend, input: { text: RHYMES }, config: { ...QUICK, maxSteps: 1, lr: 1e-30, warmupSteps: 0, initFrom: join(source, 'model.safetensors') } });
  const copy = await weights(join(same, 'model.safetensors'));
  for (const [name, v] of copy) {
    const a = before.get(name)!;
    for (let i = 0; i < v.length; i++) assert.ok(Math.abs(v[i]! - a[i]!) < 1e-6, `${name}[${i}]`);
  }
});

test('the source file\'s vocabulary is kept: new text with other characters reads them as the unknown symbol', async () => {
  const out = join(root, 'vocab');
  await runTask(charLmTask, { out, backend, input: { text: RHYMES.toUpperCase() + 'ÆØÅ qz' }, config: { ...QUICK, maxSteps: 1, initFrom: source } });
  const a = await loadModel(join(source, 'model.safetensors'));
  const b = await loadModel(join(out, 'model.safetensors'));
  assert.deepEqual(b.vocabulary, a.vocabulary);
});

test('a bare safetensors file (PyTorch\'s save_file of the state dict) initialises the run; the note says the vocabulary was not checked', async () => {
  const m = await loadModel(join(source, 'model.safetensors'));
  const file = join(root, 'torch.safetensors');
  writeFileSync(file, encodeSafetensors(new Map([...m.model.namedParameters()].map(([n, p]) => [n, p as unknown as Tensor]))));
  const notes: string[] = [];
  await runTask(charLmTask, {
    out: join(root, 'from-torch'), backend, input: { text: RHYMES }, config: { ...QUICK, maxSteps: 1, initFrom: file },
    onEvent: (e) => { if (e.type === 'start') notes.push(...((e.details as { notes?: string[] }).notes ?? [])); },
  });
  assert.ok(notes.some((n) => n.includes('no recur metadata: its vocabulary could not be checked')), notes.join(' | '));
});

test('a file that does not fit is refused before anything is written, with what differs', async () => {
  const m = await loadModel(join(source, 'model.safetensors'));
  const named = [...m.model.namedParameters()].map(([n, p]) => [n, p as unknown as Tensor] as const);
  const bare = (entries: (readonly [string, Tensor])[]) => {
    const f = join(root, `bare-${Math.random().toString(36).slice(2)}.safetensors`);
    writeFileSync(f, encodeSafetensors(new Map(entries)));
    return f;
  };
  // The source's model file with one bit of one weight flipped: only its CRC-32 tells.
  const flipped = join(root, 'flipped.safetensors');
  const bytes = readFileSync(join(source, 'model.safetensors'));
  const header = readSafetensorsHeader(bytes);
  bytes[header.dataStart + header.tensors.get('head.weight')!.dataOffsets[0]]! ^= 1;
  writeFileSync(flipped, bytes);
  const cases: [Partial<CharLmConfig>, RegExp][] = [
    [{ initFrom: source, hiddenSize: 16 }, /the file's model is not the one this run builds \(run vs file\): .*hiddenSize/],
    [{ initFrom: bare(named.slice(1)) }, new RegExp(`missing ${named[0]![0].replace(/\./g, '\\.')}`)],
    [{ initFrom: bare([...named, ['extra.weight', named[0]![1]]]) }, /not in this run's model: extra\.weight/],
    [{ initFrom: join(root, 'nope.safetensors') }, /--init-from .*nope\.safetensors: no such file or directory/],
    [{ initFrom: root }, /the directory holds no model\.safetensors/],
    [{ initFrom: join(source, 'events.jsonl') }, /not a model file/],
    [{ initFrom: source, freeze: ['encoder'] }, /--freeze encoder: no parameter of the model is named so; its parameters are embedding\.weight/],
    [{ initFrom: flipped }, /^Error: --init-from .*flipped\.safetensors: tensor 'head\.weight' does not match the CRC-32 recorded in the file \(the file is corrupted or was edited\)$/],
  ];
  // Every refusal comes before the run's model is built (its header against the config's shapes).
  let built = 0;
  const counted: typeof charLmTask = { ...charLmTask, buildModel: (...a) => { built++; return charLmTask.buildModel(...a); } };
  for (const [config, message] of cases) {
    const out = join(root, `refused-${Math.random().toString(36).slice(2)}`);
    await assert.rejects(runTask(counted, { out, backend, input: { text: RHYMES }, config: { ...QUICK, ...config } }), message, JSON.stringify(config));
    assert.throws(() => readFileSync(join(out, 'events.jsonl')), /ENOENT/, 'nothing written');
  }
  assert.equal(built, 1, 'only the --freeze case, which needs the parameters, built a model');
  // Another task's file: named.
  const classify = join(root, 'classify');
  await runTask(classifyTask, { out: classify, backend, input: { dataPath: fileURLToPath(new URL('../../src/data/fixtures/sentiment-tiny.tsv', import.meta.url)) }, config: { hiddenSize: 8, batchSize: 8, maxSteps: 1, evalEvery: 0, checkpointEvery: 0 } });
  await assert.rejects(runTask(charLmTask, { out: join(root, 'wrong-task'), backend, input: { text: RHYMES }, config: { ...QUICK, initFrom: classify } }),
    /the file holds a 'classify' model; this run trains 'char-lm'/);
});

test('--init-from with --resume is refused; --resume refuses a model file replaced after the checkpoint, and accepts the run\'s own', async () => {
  await assert.rejects(runTask(charLmTask, { out: source, resume: true, backend, input: { text: RHYMES }, config: { initFrom: source } }), /give one of them/);
  const out = join(root, 'replaced');
  await runTask(charLmTask, { out, backend, input: { text: RHYMES }, config: { ...QUICK, maxSteps: 2 } });
  // The run's own model file, touched later: resuming works.
  const later = new Date(Date.now() + 5000);
  utimesSync(join(out, 'model.safetensors'), later, later);
  await runTask(charLmTask, { out, resume: true, backend, input: { text: RHYMES }, config: { maxSteps: 3 } });
  // Replaced by other weights (the source run's), newer than the checkpoint: refused, with the way out.
  writeFileSync(join(out, 'model.safetensors'), readFileSync(join(source, 'model.safetensors')));
  const newer = new Date(Date.now() + 10_000);
  utimesSync(join(out, 'model.safetensors'), newer, newer);
  await assert.rejects(runTask(charLmTask, { out, resume: true, backend, input: { text: RHYMES }, config: { maxSteps: 4 } }),
    /model\.safetensors was replaced after the run's last checkpoint .*--init-from .*model\.safetensors --out NEW_DIR/);
});

test('forecast --model auto with --init-from takes the model the file holds (a window model, an ensemble) without training candidates', async () => {
  const data = { dataPath: fileURLToPath(new URL('../../src/tasks/forecast/fixtures/monthly-sales.csv', import.meta.url)) };
  const base = { targets: ['sales'], horizon: 6, hiddenSize: 8, maxSteps: 3, evalEvery: 3, checkpointEvery: 0 };
  for (const [model, expected] of [['window', /model: window, the model --init-from .* holds \(no candidates trained\)/], ['ensemble', /model: an ensemble of hybrid and window, the model --init-from/]] as const) {
    const src = join(root, `forecast-${model}`);
    const first = await runTask(forecastTask, { out: src, backend, input: data, config: { ...base, model } });
    const events: TrainEvent[] = [];
    const again = await runTask(forecastTask, {
      out: join(root, `forecast-${model}-again`), backend, input: data, onEvent: (e) => events.push(e),
      config: { ...base, model: 'auto', initFrom: src, maxSteps: 1, lr: 1e-30, warmupSteps: 0, evalEvery: 1 },
    });
    const start = (events.find((e) => e.type === 'start') as { details?: { notes?: string[] } } | undefined)?.details;
    assert.ok(start?.notes?.some((n) => expected.test(n)), JSON.stringify(events[0]));
    assert.equal(again.config.model, model);
    assert.equal(again.model.config.kind, first.model.config.kind);
    for (const [name, p] of first.model.namedParameters()) {
      assert.deepEqual([...again.model.namedParameters()].find(([n]) => n === name)?.[1].toArray(), p.toArray(), name);
    }
  }
  // Weights saved elsewhere (no metadata): an ensemble is told by its shapes; one member's could be either kind.
  const bareOf = async (dir: string) => {
    const f = join(root, `${dir}-bare.safetensors`);
    writeFileSync(f, encodeSafetensors(decodeSafetensors(readFileSync(join(root, dir, 'model.safetensors'))).tensors as Map<string, Tensor>));
    return f;
  };
  const fromBare = await runTask(forecastTask, { backend, input: data, config: { ...base, model: 'auto', initFrom: await bareOf('forecast-ensemble'), maxSteps: 1 } });
  assert.equal(fromBare.config.model, 'ensemble');
  await assert.rejects(runTask(forecastTask, { backend, input: data, config: { ...base, model: 'auto', initFrom: await bareOf('forecast-window'), maxSteps: 1 } }),
    /no recur metadata\) fit the hybrid model and the window model alike; give --model/);
  // A file no candidate fits: named, before anything is written.
  const out = join(root, 'forecast-misfit');
  await assert.rejects(runTask(forecastTask, { out, backend, input: data, config: { ...base, hiddenSize: 12, model: 'auto', initFrom: join(root, 'forecast-window') } }),
    /its tensors fit none of the models --model auto chooses from/);
  assert.throws(() => readFileSync(join(out, 'events.jsonl')), /ENOENT/);
});
