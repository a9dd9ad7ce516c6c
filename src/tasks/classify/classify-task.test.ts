import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Tape } from '../../autograd/tape.js';
import { makeSequenceBatch } from '../../data/sequence-batcher.js';
import { CELL_KINDS } from '../../kernels/cell-kinds.js';
import { createBackend } from '../../kernels/index.js';
import { POOLINGS } from '../../nn/recurrent-model.js';
import { type MatrixPanel, type TablePanel, checkPanels } from '../../plot/panels.js';
import { Rng } from '../../random/rng.js';
import { IntTensor } from '../../tensor/tensor.js';
import { tempDir } from '../../testing/temp-dir.js';
import type { EvalEvent } from '../../train/events.js';
import { runTask } from '../run-task.js';
import type { Prepared } from '../task.js';
import { type ClassifyConfig, normalizeClassifyConfig } from './config.js';
import { evaluateClassifierOn } from './evaluate.js';
import { type Classifier, classProbabilities, encodeTexts, loadClassifier, predictedClasses, topK } from './predict.js';
import { type ClassifyData, type ClassifyInput, type RawExamples, readExamples } from './prepare.js';
import { classifyTask } from './task.js';
import { VIEW_MAX_CLASSES, confusionPanel } from './eval-panels.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../src/data/fixtures/${name}`, import.meta.url));
const SENTIMENT = fixture('sentiment-tiny.tsv');
const NAMES = fixture('names-tiny');
const SEQUENCES = fixture('sequences-tiny.jsonl');
const IMAGES = fixture('tiny-images-idx3-ubyte.gz');
const LABELS = fixture('tiny-labels-idx1-ubyte.gz');
const backend = await createBackend('wasm', { threads: 1 });
const dir = tempDir('recur-classify-task-');
const file = (name: string, text: string | Uint8Array) => { writeFileSync(join(dir, name), text); return join(dir, name); };
/** Runs that write nothing and validate only at the end. */
const QUICK: Partial<ClassifyConfig> = { hiddenSize: 8, batchSize: 8, evalEvery: 0, checkpointEvery: 0 };

/** Examples read and prepared by the task record, as `recur classify train` does, without training. */
async function prepare(config: Partial<ClassifyConfig>, input: ClassifyInput) {
  const c = normalizeClassifyConfig(config);
  const prepared = await classifyTask.prepare(c, input);
  return { config: c, prepared, data: prepared.data, raw: prepared.data.raw };
}

/** An untrained classifier of prepared data, as predict and eval see one. */
function classifierOf(config: ClassifyConfig, prepared: Prepared<ClassifyData>, seed = 3): Classifier {
  const model = classifyTask.buildModel(config, prepared, new Rng(seed)).to(backend);
  return { model, meta: prepared.data.meta, tokenizer: prepared.data.tokenizer };
}

const mean = (a: readonly number[]) => a.reduce((s, x) => s + x, 0) / a.length;
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));

/** 48 short texts, each 'good' (pos) or 'bad' (neg) among filler words, at a random place. */
function separableTable(seed: number): string {
  const rng = new Rng(seed);
  const filler = ['the', 'a', 'of', 'and', 'this', 'it', 'was', 'so'];
  const rows: string[] = [];
  for (let i = 0; i < 48; i++) {
    const words = Array.from({ length: 3 + rng.int(6) }, () => filler[rng.int(filler.length)]!);
    words.splice(rng.int(words.length + 1), 0, i % 2 ? 'good' : 'bad');
    rows.push(`${words.join(' ')}\t${i % 2 ? 'pos' : 'neg'}`);
  }
  return `${rows.join('\n')}\n`;
}

test('the tokenizer saved in the model file round-trips: predict gives the training ids, word and char level', async () => {
  const table = file('tokenize.tsv', [
    'Café CRÈME :) costs 3.50 at https://example.com/menu\tpos', 'café crème :( is cold\tneg', 'The CAFÉ was GREAT :)\tpos',
    'the café was awful :(\tneg', "don't go there, 100% bad\tneg", 'great great great :)\tpos', 'Ölçü and Œuvre\tpos', 'cold and awful\tneg',
  ].join('\n'));
  for (const tokenizer of ['word', 'char'] as const) {
    const out = join(dir, `tok-${tokenizer}`);
    // Options a predict that fitted its own tokenizer, or used the defaults, would get wrong.
    const options = { tokenizer, lowercase: 'no' as const, stripAccents: true, specials: [':)', ':('], minCount: 2, maxVocab: 30 };
    const r = await runTask(classifyTask, { out, backend, input: { dataPath: table, validationPath: table }, config: { ...QUICK, ...options, maxSteps: 2 } });
    const trained = r.prepared.data;
    const c = await loadClassifier(join(out, 'model.safetensors'));
    assert.deepEqual(c.tokenizer!.toJSON(), trained.tokenizer!.toJSON());
    // With separate validation data the training part is the whole file in order: predict's ids
    // for the same texts must be the very ids training saw.
    assert.deepEqual(encodeTexts(c, r.prepared.data.raw.kind === 'text' ? r.prepared.data.raw.texts : []), trained.train.inputs.map((x) => Int32Array.from(x)));
    const unseen = ['CAFÉ :) unseen words 42', '', 'Œuvre:(', 'www.example.org'];
    assert.deepEqual(encodeTexts(c, unseen), unseen.map((t) => { const ids = trained.tokenizer!.encode(t); return ids.length ? ids : Int32Array.of(1); }));
    // And the loaded model is the trained one: the same probabilities to the bit.
    const inputs = encodeTexts(c, unseen);
    assert.deepEqual(classProbabilities(c, backend, inputs), classProbabilities({ ...c, model: r.model }, backend, inputs));
  }
});

test('classProbabilities keeps one tape per backend between calls: interleaved calls of two models and batch sizes give each the bits it gives alone', async () => {
  const { prepared } = await prepare({ validation: 0.25 }, { dataPath: SENTIMENT });
  const a = classifierOf(normalizeClassifyConfig({ hiddenSize: 8, pooling: 'mean' }), prepared);
  const b = classifierOf(normalizeClassifyConfig({ hiddenSize: 12, cell: 'gru', pooling: 'attention' }), prepared);
  const inputs = [Int32Array.of(5, 6, 7), Int32Array.from({ length: 14 }, (_, i) => 2 + (i % 9)), Int32Array.of(3, 4)];
  const first = classProbabilities(a, backend, inputs, { batchSize: 2 });
  const other = classProbabilities(b, backend, inputs.slice(1), { batchSize: 64 });
  assert.deepEqual(classProbabilities(a, backend, inputs, { batchSize: 2 }), first);
  assert.deepEqual(classProbabilities(b, backend, inputs.slice(1), { batchSize: 1 }), other);
  // The outputs are the caller's: a later call does not write into an earlier result.
  const kept = first.slice();
  classProbabilities(a, backend, inputs.slice(0, 1));
  assert.deepEqual(first, kept);
});

test('lengths, not padding, end a sequence: alone or batched with longer ones, every pooling and cell gives the same probabilities', async () => {
  const { prepared, data } = await prepare({ validation: 0.25 }, { dataPath: SENTIMENT });
  const short = Int32Array.of(5, 6, 7);
  const long = Int32Array.from({ length: 14 }, (_, i) => 2 + (i % 9));
  const cases = [
    ...POOLINGS.flatMap((pooling) => [true, false].map((bidirectional) => ({ pooling, bidirectional, cell: 'lstm' as const }))),
    ...CELL_KINDS.map((cell) => ({ pooling: 'last' as const, bidirectional: true, cell })),
  ];
  for (const s of cases) {
    const config = normalizeClassifyConfig({ ...s, hiddenSize: 8 });
    const c = classifierOf(config, prepared);
    const alone = classProbabilities(c, backend, [short]);
    const among = classProbabilities(c, backend, [long, short, Int32Array.of(3, 4, 5, 6, 7, 8, 9), long]);
    const C = data.classes.length;
    assert.ok(maxDiff(alone, among.subarray(C, 2 * C)) < 1e-6, `${JSON.stringify(s)}: ${alone} vs ${among.subarray(C, 2 * C)}`);
    // The check can fail: the same short sequence read through its padding gives other outputs.
    const batch = makeSequenceBatch({ inputs: [short, long] }, Int32Array.of(0, 1));
    c.model.eval();
    const padded = c.model.forward(Tape.inference(backend), batch.inputs as IntTensor).logits.data.slice(0, C);
    const exact = c.model.forward(Tape.inference(backend), batch.inputs as IntTensor, { lengths: batch.lengths }).logits.data.slice(0, C);
    assert.ok(maxDiff(padded, exact) > 1e-4, `${JSON.stringify(s)}: padding did not matter even without lengths`);
  }
});

test('maxLength cuts sequences to a prefix, counts them for each part, and predict refuses or cuts longer input as training did', async () => {
  // Validation data of its own: both parts are the whole file, in order.
  const full = await prepare({}, { dataPath: SENTIMENT, validationPath: SENTIMENT });
  const cut = await prepare({ maxLength: 5 }, { dataPath: SENTIMENT, validationPath: SENTIMENT });
  const long = full.data.train.inputs.filter((x) => x.length > 5).length;
  assert.ok(long > 5 && long < full.data.train.inputs.length, `${long} long texts`);
  assert.deepEqual(Object.fromEntries(cut.data.facts).truncated, `${long} training and ${long} validation sequences cut to 5 tokens`);
  cut.data.train.inputs.forEach((x, i) => assert.deepEqual(Array.from(x), Array.from(full.data.train.inputs[i]!).slice(0, 5)));
  assert.equal(cut.data.meta.maxLength, 5);
  const c = classifierOf(cut.config, cut.prepared);
  const text = 'a good film and a great story , i love it';
  assert.throws(() => encodeTexts(c, ['good', text]), /^Error: input 2: 11 tokens, more than the 5 the model was trained on \(--max-length\); --truncate cuts it as training did$/);
  assert.deepEqual(encodeTexts(c, [text], { truncate: true })[0], cut.data.tokenizer!.encode(text).slice(0, 5));

  // Vector sequences are cut in steps of all their features.
  const seq = await prepare({ maxLength: 4 }, { dataPath: SEQUENCES });
  const F = seq.data.features!;
  assert.equal(F, 2);
  const raw = seq.raw as Extract<RawExamples, { kind: 'vectors' }>;
  const longer = raw.inputs.filter((x) => x.length > 4 * F).length;
  assert.match(Object.fromEntries(seq.data.facts).truncated!, new RegExp(`^(\\d+) training and (\\d+) validation sequences cut to 4 steps$`));
  const [, t, v] = /^(\d+) training and (\d+) validation/.exec(Object.fromEntries(seq.data.facts).truncated!)!;
  assert.equal(Number(t) + Number(v), longer);
  for (const x of [...seq.data.train.inputs, ...seq.data.validation.inputs]) assert.ok(x.length <= 4 * F && x.length % F === 0);
});

test('pre-trained vectors: GloVe and word2vec text load alike, out-of-vocabulary words counted, a width mismatch is an error, frozen rows never move', async () => {
  const glove = await prepare({ vectors: fixture('vectors-tiny.txt') }, { dataPath: SENTIMENT });
  const w2v = await prepare({ vectors: fixture('vectors-tiny-w2v.txt') }, { dataPath: SENTIMENT });
  assert.deepEqual(w2v.data.vectors!.table, glove.data.vectors!.table);
  assert.equal(glove.data.embeddingDim, 8);
  // The counts, worked out here from the file and the vocabulary.
  const fileRows = new Map(readFileSync(fixture('vectors-tiny.txt'), 'utf8').trim().split('\n').map((l) => { const [w, ...v] = l.split(' '); return [w!, v.map(Number)]; }));
  const vocabulary = glove.data.tokenizer!.vocabulary;
  const words = vocabulary.filter((w) => !['[PAD]', '[UNK]', '[NUM]', '[URL]'].includes(w));
  const missing = words.filter((w) => !fileRows.has(w));
  assert.ok(missing.length > 0 && missing.length < words.length);
  assert.deepEqual(glove.data.vectors!.missing, missing);
  assert.equal(glove.data.vectors!.found, words.length - missing.length);
  assert.equal(Object.fromEntries(glove.data.facts).vectors!.replace(/ in .*vectors-tiny\.txt/, ''),
    `${words.length - missing.length} of ${words.length} vocabulary tokens found (8 dimensions); ${missing.length} out of vocabulary, e.g. ${missing.slice(0, 5).join(' ')}`);
  const good = vocabulary.indexOf('good');
  assert.deepEqual(Array.from(glove.data.vectors!.table.subarray(good * 8, good * 8 + 8)), fileRows.get('good')!.map(Math.fround));

  await assert.rejects(prepare({ vectors: fixture('vectors-tiny.txt'), embeddingDim: 5 }, { dataPath: SENTIMENT }),
    /vectors-tiny\.txt: the vectors have 8 dimensions but --embedding-dim is 5$/);
  await assert.rejects(prepare({ vectors: file('ragged.txt', 'good 1 2 3\nbad 1 2\n') }, { dataPath: SENTIMENT }), /ragged\.txt: line 2 has 2 values, line 1 had 3$/);

  for (const freezeVectors of [true, false]) {
    const r = await runTask(classifyTask, { backend, input: { dataPath: SENTIMENT }, config: { ...QUICK, vectors: fixture('vectors-tiny.txt'), freezeVectors, lr: 0.05, maxSteps: 8 } });
    const moved = maxDiff(r.model.embedding!.weight.data, r.prepared.data.vectors!.table);
    if (freezeVectors) assert.equal(moved, 0, 'frozen vectors moved');
    else assert.ok(moved > 1e-3, 'trainable vectors did not move: the frozen check above could not fail');
  }
});

test('the stratified split: the same seed gives the same split, every class on both sides in its share; a class of one example is an error', async () => {
  const split = async (seed: number) => (await prepare({ seed, validation: 0.2 }, { dataPath: NAMES })).data;
  const a = await split(1), b = await split(1), other = await split(2);
  assert.deepEqual(a.train, b.train);
  assert.deepEqual(a.validation, b.validation);
  assert.notDeepEqual(other.validation.inputs, a.validation.inputs);
  assert.deepEqual(a.classes, ['Alpha', 'Beta', 'Gamma']);
  for (const d of [a, other]) {
    const count = (labels: unknown, k: number) => (labels as number[]).filter((y) => y === k).length;
    // 15 names per class: 3 (20%) to validation, 12 to training, for each class.
    for (let k = 0; k < 3; k++) assert.deepEqual([count(d.train.labels, k), count(d.validation.labels, k)], [12, 3]);
  }
  // Imbalanced: even a class of 2 gives one to each side.
  const rows = [...Array.from({ length: 18 }, (_, i) => `word${i}\tbig`), 'tiny one\tsmall', 'tiny two\tsmall'];
  const im = (await prepare({ validation: 0.1 }, { text: rows.join('\n') })).data;
  assert.deepEqual([im.train.labels, im.validation.labels].map((l) => [...new Set(l as number[])].sort()), [[0, 1], [0, 1]]);

  await assert.rejects(prepare({}, { dataPath: file('lonely.tsv', `${rows.join('\n')}\nonly once\tlonely\n`) }),
    /^Error: .*lonely\.tsv: class 'lonely' has a single example, and a stratified validation split needs at least 2 of each class .*--validation-data/);
  // With validation data of its own the same training file is fine.
  await prepare({}, { dataPath: join(dir, 'lonely.tsv'), validationPath: join(dir, 'lonely.tsv') });
});

test("class weights 'auto' are inverse class frequency (scikit-learn's balanced) and weigh the loss; with multi-label they are a config error", async () => {
  const rows = [...Array.from({ length: 30 }, (_, i) => `good film ${i}\tpos`), ...Array.from({ length: 10 }, (_, i) => `bad film ${i}\tneg`), ...Array.from({ length: 5 }, (_, i) => `meh film ${i}\tmid`)];
  const { config, prepared, data } = await prepare({ classWeights: 'auto', validation: 0.2 }, { text: rows.join('\n') });
  const labels = data.train.labels as number[];
  const n = labels.length, C = data.classes.length;
  const counts = data.classes.map((_, k) => labels.filter((y) => y === k).length);
  assert.deepEqual(data.classes, ['mid', 'neg', 'pos']);
  assert.deepEqual(counts, [4, 8, 24]);
  assert.deepEqual(Array.from(data.classWeights!), counts.map((k) => Math.fround(n / (C * k))));
  assert.equal((await prepare({ validation: 0.2 }, { text: rows.join('\n') })).data.classWeights, undefined);

  // The objective weighs each example's cross-entropy by its class: sum(w * loss) / sum(w), as PyTorch.
  const model = classifierOf(config, prepared).model.eval(); // no head dropout: the loss of the logits below
  const batch = makeSequenceBatch(data.train, Int32Array.from({ length: 12 }, (_, i) => i * 3));
  const objective = classifyTask.objective(model, config, prepared, new Rng(0));
  const got = objective({ tape: new Tape(backend), batch, carried: null, step: 0 }).loss.data[0]!;
  const logits = model.forward(Tape.inference(backend), batch.inputs, { lengths: batch.lengths }).logits.data;
  let num = 0, den = 0;
  batch.labels!.data.forEach((y, b) => {
    const row = Array.from(logits.subarray(b * C, (b + 1) * C));
    const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
    num += data.classWeights![y]! * (lse - row[y]!); den += data.classWeights![y]!;
  });
  assert.ok(Math.abs(got - num / den) < 1e-5, `${got} vs ${num / den}`);

  assert.throws(() => normalizeClassifyConfig({ classWeights: 'auto', multiLabel: true }), /^Error: classify config: classWeights 'auto' .*with multiLabel .*classWeights 'none'$/);
});

test('multi-label: 0/1 targets, sigmoid + binary cross-entropy, label sets predicted', async () => {
  const words: Record<string, string[]> = { a: ['apple', 'apricot'], b: ['banana', 'blueberry'], c: ['cherry', 'coconut'] };
  const rows: string[] = [];
  for (let i = 0; i < 56; i++) {
    const set = ['a', 'b', 'c'].filter((_, k) => (((i % 7) + 1) >> k) & 1);
    rows.push(`${set.map((k, j) => words[k]![(i + j) % 2]).join(' ')} and more\t${set.join(',')}`);
  }
  const text = rows.join('\n');
  const { config, prepared, data } = await prepare({ multiLabel: true, validation: 0.2 }, { text });
  assert.equal(data.train.labels, undefined);
  assert.ok(data.train.targets!.every((t) => t.length === 3 && Array.from(t).every((v) => v === 0 || v === 1)));
  assert.ok(data.train.targets!.some((t) => Array.from(t).filter((v) => v === 1).length > 1), 'examples with several labels');

  // The loss is the mean over examples and classes of sigmoid + binary cross-entropy, not a softmax.
  const model = classifierOf(config, prepared).model.eval(); // no head dropout: the loss of the logits below
  const batch = makeSequenceBatch(data.train, Int32Array.of(0, 1, 2, 3, 4, 5, 6));
  const got = classifyTask.objective(model, config, prepared, new Rng(0))({ tape: new Tape(backend), batch, carried: null, step: 0 }).loss.data[0]!;
  const logits = model.forward(Tape.inference(backend), batch.inputs, { lengths: batch.lengths }).logits.data;
  const bce = Array.from(logits, (z, i) => Math.max(z, 0) - z * batch.targets!.data[i]! + Math.log1p(Math.exp(-Math.abs(z))));
  assert.ok(Math.abs(got - mean(bce)) < 1e-5, `${got} vs ${mean(bce)}`);

  const r = await runTask(classifyTask, { backend, input: { text }, config: { ...QUICK, multiLabel: true, validation: 0.2, lr: 0.03, maxSteps: 60, headDropout: 0 } });
  assert.ok(mean(r.losses.slice(-5)) < 0.3 * mean(r.losses.slice(0, 3)), `${r.losses[0]} -> ${r.losses.at(-1)}`);
  const c: Classifier = { model: r.model, meta: r.prepared.data.meta, tokenizer: r.prepared.data.tokenizer };
  const probs = classProbabilities(c, backend, encodeTexts(c, ['apricot cherry and more', 'banana and more', 'apple blueberry coconut and more']));
  assert.deepEqual([0, 1, 2].map((n) => predictedClasses(c, probs, n).map((k) => c.meta.classes[k])), [['a', 'c'], ['b'], ['a', 'b', 'c']]);
  assert.ok(probs[0]! + probs[1]! + probs[2]! > 1.5, 'independent sigmoids (two classes near 1), not a softmax');
});

test('every pooling with every cell trains: the loss falls on a separable toy problem', async () => {
  const text = separableTable(7);
  for (const cell of CELL_KINDS) {
    for (const pooling of POOLINGS) {
      const r = await runTask(classifyTask, { backend, input: { text }, config: { ...QUICK, cell, pooling, embeddingDim: 8, batchSize: 16, lr: 0.03, warmupSteps: 0, maxSteps: 40, headDropout: 0 } });
      const first = mean(r.losses.slice(0, 3)), last = mean(r.losses.slice(-5));
      assert.ok(last < 0.7 * first, `${cell} ${pooling}: loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
    }
  }
});

test('IDX images (gzipped or not) and JSON Lines read as sequences of vectors with a dense input', async () => {
  const idx = await prepare({ validation: 0.25 }, { dataPath: IMAGES, labelsPath: LABELS });
  const raw = idx.raw as Extract<RawExamples, { kind: 'vectors' }>;
  assert.deepEqual([raw.inputs.length, raw.features, raw.inputs[0]!.length], [24, 3, 12], '24 images of 4 rows of 3 pixels');
  assert.ok(raw.inputs.every((x) => x.every((v) => v >= 0 && v <= 1)), 'pixels / 255');
  assert.deepEqual(idx.data.classes, ['0', '1']);
  assert.deepEqual([idx.data.train.inputs.length, idx.data.validation.inputs.length], [18, 6]);
  assert.equal(idx.data.tokenizer, null);
  const input = classifyTask.buildModel(idx.config, idx.prepared, new Rng(1)).config.input;
  assert.deepEqual([input.kind, input.kind === 'dense' && input.size], ['dense', 3]);
  const plain = await readExamples(idx.config, { path: file('plain-images-idx3-ubyte', gunzipSync(readFileSync(IMAGES))), labelsPath: file('plain-labels-idx1-ubyte', gunzipSync(readFileSync(LABELS))) });
  assert.deepEqual(plain.kind === 'vectors' && plain.inputs, raw.inputs);

  const seq = await prepare({}, { dataPath: SEQUENCES });
  assert.equal(seq.data.features, 2);
  assert.deepEqual(seq.data.classes, ['down', 'up']);
  assert.deepEqual(seq.raw.lines?.slice(0, 3), [1, 2, 3]);
  assert.equal(seq.data.train.inputs.length + seq.data.validation.inputs.length, 30);
  const r = await runTask(classifyTask, { backend, input: { dataPath: SEQUENCES }, config: { ...QUICK, lr: 0.03, maxSteps: 60, pooling: 'mean' } });
  assert.ok(mean(r.losses.slice(-5)) < 0.7 * mean(r.losses.slice(0, 3)), `${r.losses[0]} -> ${r.losses.at(-1)}`);
});

test('bad input: each error names the file, the row and the problem', async () => {
  await assert.rejects(prepare({ labelColumn: 'sentiment' }, { dataPath: SENTIMENT }), /sentiment-tiny\.tsv; the columns are/);
  await assert.rejects(prepare({ labelColumn: 'sentiment' }, { dataPath: SENTIMENT }), /column 'sentiment' not found/);
  await assert.rejects(prepare({}, { dataPath: file('two-labels.jsonl', '{"sequence":[1],"label":"a"}\n\n{"sequence":[2],"label":["a","b"]}\n') }),
    /two-labels\.jsonl: line 3 has 2 labels; several labels per example need --multi-label$/, 'the line, not the example number');
  await assert.rejects(prepare({}, { dataPath: file('wide.jsonl', '{"sequence":[[1,2],[3,4]],"label":"a"}\n{"sequence":[[1,2,3]],"label":"b"}\n') }),
    /wide\.jsonl line 2: steps have 3 values but line 1's have 2; every sequence needs the same number of features$/);
  await assert.rejects(prepare({}, { dataPath: IMAGES, labelsPath: fixture('tiny-labels-bad-count-idx1-ubyte.gz') }),
    /24 images in .*tiny-images-idx3-ubyte\.gz but 20 labels in .*tiny-labels-bad-count-idx1-ubyte\.gz$/);
  await assert.rejects(prepare({}, { dataPath: SENTIMENT, validationPath: file('unseen.tsv', 'good\t1\nbad\t0\nmeh\t2\n') }),
    /unseen\.tsv: line 3 has label '2', which the training data does not have \(classes: 0, 1\)$/);

  // An unknown label at eval: the file, its line (after a header and a skipped empty row), the label and the model's classes.
  const { config, prepared } = await prepare({}, { dataPath: SENTIMENT });
  const c = classifierOf(config, prepared);
  await assert.rejects(evaluateClassifierOn(c, backend, { path: file('eval.tsv', 'text\tlabel\ngood\t1\n\t0\nso so\tneutral\n') }),
    /eval\.tsv: line 4 has label 'neutral', which the model does not know \(its classes: 0, 1\)$/);

  const p = Float32Array.of(0.2, 0.7, 0.1);
  assert.deepEqual(topK(p, ['a', 'b', 'c'], 0, 2).map((r) => r.label), ['b', 'a']);
  assert.equal(topK(p, ['a', 'b', 'c'], 0, 9).length, 3);
  for (const k of [0, -1, 1.5, Number.NaN]) assert.throws(() => topK(p, ['a', 'b', 'c'], 0, k), /^Error: topK: k must be an integer >= 1/);
});

test("cell, bidirectional and headDropout 'auto': a bidirectional LSTM with head dropout 0.5 for text, a forwards GRU without for vectors; given values win, bad ones are named", async () => {
  const arch = async (config: Partial<ClassifyConfig>, input: ClassifyInput) => {
    const { config: c, prepared } = await prepare(config, input);
    const m = classifyTask.buildModel(c, prepared, new Rng(1)).config;
    return [m.cell, m.bidirectional, m.headDropout, classifyTask.describe!(c, prepared, classifyTask.buildModel(c, prepared, new Rng(1))).facts.find(([k]) => k === 'architecture')?.[1]];
  };
  assert.deepEqual(await arch({}, { dataPath: SENTIMENT }),
    ['lstm', true, 0.5, 'bidirectional lstm, head dropout 0.5, chosen for text (--cell, --bidirectional or --no-bidirectional, --head-dropout to set)']);
  assert.deepEqual(await arch({}, { dataPath: IMAGES, labelsPath: LABELS }),
    ['gru', false, 0, 'forwards gru, head dropout 0, chosen for sequences of vectors (--cell, --bidirectional or --no-bidirectional, --head-dropout to set)']);
  assert.deepEqual(await arch({ cell: 'rnn-tanh', bidirectional: true, headDropout: 0.25 }, { dataPath: SEQUENCES }), ['rnn-tanh', true, 0.25, undefined]);
  assert.deepEqual(await arch({ bidirectional: false }, { dataPath: SENTIMENT }), ['lstm', false, 0.5, 'forwards lstm, head dropout 0.5, chosen for text (--cell, --bidirectional or --no-bidirectional, --head-dropout to set)']);
  assert.throws(() => normalizeClassifyConfig({ bidirectional: 'yes' as never }), { message: 'classify config: bidirectional must be true, false or \'auto\', got "yes"' });
  assert.throws(() => normalizeClassifyConfig({ cell: 'transformer' as never }), /classify config: cell must be .*auto.*lstm/);
  assert.throws(() => normalizeClassifyConfig({ headDropout: 1 }), /classify config: headDropout must be/);
});

test('validation carries its confusion matrix into the eval event of events.jsonl (multi-label: per-class scores); many classes keep the most frequent', async () => {
  const out = join(dir, 'view');
  const r = await runTask(classifyTask, { out, backend, input: { dataPath: SENTIMENT }, config: { ...QUICK, validation: 0.25, maxSteps: 3 } });
  const lines = readFileSync(join(out, 'events.jsonl'), 'utf8').trim().split('\n').filter((l) => JSON.parse(l).type === 'eval');
  assert.equal(lines.length, 1);
  assert.ok(Buffer.byteLength(lines[0]!) < 100_000, `${Buffer.byteLength(lines[0]!)} bytes`);
  const ev = JSON.parse(lines[0]!) as EvalEvent;
  const [m, ...rest] = checkPanels(ev.view) as MatrixPanel[];
  assert.equal(rest.length, 0);
  const { classes, validation } = r.prepared.data;
  assert.equal(m!.kind, 'matrix');
  assert.equal(m!.scale, 'count');
  assert.deepEqual([m!.rows, m!.cols], [classes, classes]);
  const N = validation.inputs.length, cells = m!.values.flat();
  assert.equal(cells.reduce((a, v) => a + v, 0), N);
  // Each row sums to its class's count among the validation labels; the diagonal is the accuracy.
  m!.values.forEach((row, c) => assert.equal(row.reduce((a, v) => a + v, 0), (validation.labels as number[]).filter((l) => l === c).length));
  assert.ok(Math.abs(m!.values.reduce((a, row, c) => a + row[c]!, 0) / N - ev.metrics.accuracy!) < 1e-12);

  // More classes than a panel shows: the most frequent true classes first, the rest summed, nothing lost.
  const names = Array.from({ length: VIEW_MAX_CLASSES + 5 }, (_, c) => `class ${c}`);
  const truth = names.flatMap((_, c) => new Array<number>(c + 1).fill(c));
  const big = confusionPanel(names, truth, truth.map((t, i) => (i % 3 ? t : (t + 1) % names.length)));
  checkPanels([big]);
  assert.equal(big.rows.length, VIEW_MAX_CLASSES + 1);
  assert.deepEqual([big.rows[0], big.rows[VIEW_MAX_CLASSES - 1], big.rows.at(-1)], ['class 34', 'class 5', '(5 other classes)']);
  assert.deepEqual(big.cols, big.rows);
  assert.equal(big.values.flat().reduce((a, v) => a + v, 0), truth.length);
  assert.equal(big.values.at(-1)!.reduce((a, v) => a + v, 0), 1 + 2 + 3 + 4 + 5);
  assert.match(big.note!, /^the 30 most frequent of 35 true classes/);

  // Multi-label: a table of per-class scores, F1 as a bar, supports counted from the validation targets.
  const text = Array.from({ length: 40 }, (_, i) => { const set = ['a', 'b', 'c'].filter((_, k) => (((i % 7) + 1) >> k) & 1); return `${set.join(' ')} words\t${set.join(',')}`; }).join('\n');
  const evals: EvalEvent[] = [];
  const ml = await runTask(classifyTask, { backend, input: { text }, config: { ...QUICK, multiLabel: true, validation: 0.25, maxSteps: 2 }, onEvent: (e) => { if (e.type === 'eval') evals.push(e); } });
  const [t] = checkPanels(JSON.parse(JSON.stringify(evals.at(-1)!.view))) as TablePanel[];
  assert.equal(t!.kind, 'table');
  assert.deepEqual(t!.columns, ['class', 'precision', 'recall', 'F1', 'support']);
  assert.equal(t!.barColumn, 3);
  const targets = ml.prepared.data.validation.targets!;
  assert.deepEqual(t!.rows.map((row) => [row[0], row[4]]), ml.prepared.data.classes.map((k, c) => [k, targets.filter((y) => y[c] === 1).length]));
  for (const row of t!.rows) for (const v of row.slice(1, 4)) assert.ok(typeof v === 'number' && v >= 0 && v <= 1);
});
