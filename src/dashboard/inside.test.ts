import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type ClassifierInside, type Inside, type InsideLayer, type InitialState, MAX_CLASSIFIER_TOKENS, MAX_TAGGER_WORDS, type Seq2seqInside, type TaggerInside, classifierGradient, embeddedInput,
  gradientThroughTime, insideClassifierOf, insideKindOf, insideOf, insideOfClassifier, insideOfSeq2seq, insideOfTagger, insideTaggerOf, insideTranslatorOf, recomputeLayers,
  recomputeRecurrent, seq2seqLoss, stepGradient,
} from './inside.js';
import { Tape } from '../autograd/tape.js';
import { bceWithLogits, crossEntropy, reshape } from '../autograd/ops/index.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '../data/tokenizer.js';
import { decodeModelFile, encodeModelFile, saveModel } from '../io/model-file.js';
import type { Pooling } from '../nn/recurrent-model.js';
import { type Classifier, classProbabilities } from '../tasks/classify/predict.js';
import type { ClassifyMetadata } from '../tasks/classify/prepare.js';
import { CLASSIFY_METADATA_KEY } from '../tasks/classify/task.js';
import { httpGet } from '../testing/http-get.js';
import { tempDir } from '../testing/temp-dir.js';
import { startDashboard } from './server.js';
import { createBackend } from '../kernels/index.js';
import type { Backend } from '../kernels/backend.js';
import type { CellKind } from '../kernels/cell-kinds.js';
import { RecurrentModel } from '../nn/recurrent-model.js';
import { inputGradientNorms } from '../nn/gradient-flow.js';
import { CharTokenizer } from '../data/char-tokenizer.js';
import { CharVocabulary } from '../tasks/char-lm/vocab.js';
import { Rng } from '../random/rng.js';
import { IntTensor, Tensor } from '../tensor/tensor.js';
import type { RecurrentBase } from '../nn/recurrent.js';
import { makeTagBatch } from '../tasks/tag/batches.js';
import { Tagger } from '../tasks/tag/model.js';
import { type LoadedTagger, splitWords, tagSentences } from '../tasks/tag/predict.js';
import { TAG_METADATA_KEY, type TagMetadata, TagVocabulary } from '../tasks/tag/prepare.js';
import { type AttentionKind, EncoderDecoder } from '../tasks/seq2seq/model.js';
import { EOS_TOKEN, GO_TOKEN, type Seq2seqMetadata } from '../tasks/seq2seq/prepare.js';
import { SEQ2SEQ_METADATA_KEY } from '../tasks/seq2seq/task.js';
import { type Translator, encodeSources, translate } from '../tasks/seq2seq/translate.js';

const vocab = new CharVocabulary(CharTokenizer.fit('abcdefgh '));
const V = vocab.size;
const H = 6;
const TEXT = 'bad cafe hag';

function makeModel(cell: CellKind, seed: number, extra: { tie?: boolean; bidirectional?: boolean; size?: number } = {}): RecurrentModel {
  const size = extra.size ?? V;
  return new RecurrentModel({
    input: { kind: 'embedding', vocabSize: size, embeddingDim: extra.tie ? H : 5 },
    cell, hiddenSize: H, numLayers: 2, outputSize: size,
    ...(extra.tie ? { tieWeights: true } : {}), ...(extra.bidirectional ? { bidirectional: true } : {}),
  }, { rng: new Rng(seed) });
}

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (tolerance ${tol})`);
}

/** The whole-sequence logits [T][V] of model.forward on ids [T, 1]. */
function forwardLogits(model: RecurrentModel, backend: Backend, ids: Int32Array): number[][] {
  const tape = Tape.inference(backend);
  try {
    const flat = model.forward(tape, new IntTensor(ids, [ids.length, 1])).logits.toArray();
    return Array.from({ length: ids.length }, (_, t) => flat.slice(t * V, (t + 1) * V));
  } finally {
    tape.reset();
  }
}

function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Cross-entropy (float64) of ids[T-1] from the logits at step T-2, for the embedded input `x` ([T][I]). */
function lossAt(model: RecurrentModel, backend: Backend, x: number[][], ids: Int32Array): number {
  const T = x.length, I = x[0]!.length;
  const tape = Tape.inference(backend);
  try {
    const xt = tape.tensor([T, 1, I]);
    x.forEach((row, t) => xt.data.set(row, t * I));
    const { output } = model.rnn.forward(tape, xt);
    const logits = model.head.forward(tape, reshape(tape, output, [T, output.shape[2]!])).toArray();
    const z = logits.slice((T - 2) * V, (T - 1) * V);
    return -Math.log(softmax(z)[ids[T - 1]!]!);
  } finally {
    tape.reset();
  }
}

function checkInside(inside: Inside, model: RecurrentModel, backend: Backend, text: string): void {
  const cell = model.config.cell;
  const ids = Int32Array.from(inside.symbols, (s) => vocab.idOf(s)!);
  const T = ids.length;
  // Shapes.
  assert.equal(inside.kind, 'lm');
  assert.equal(inside.directions, 1);
  assert.equal(inside.cell, cell);
  assert.equal(inside.layers.length, 2);
  assert.equal(inside.next.length, T);
  assert.equal(inside.gradientThroughTime.length, T);
  for (const layer of inside.layers) {
    assert.equal(layer.hidden.length, T);
    for (const h of layer.hidden) assert.equal(h.length, H);
    if (cell === 'lstm') {
      assert.equal(layer.cellState!.length, T);
      assert.deepEqual(layer.gates!.map((g) => g.name), ['input', 'forget', 'cell', 'output']);
    } else {
      assert.equal(layer.cellState, undefined);
      if (cell === 'gru') assert.deepEqual(layer.gates!.map((g) => g.name), ['reset', 'update', 'new']);
      else assert.equal(layer.gates, undefined);
    }
    for (const g of layer.gates ?? []) {
      assert.equal(g.values.length, T);
      for (const row of g.values) assert.equal(row.length, H);
    }
  }

  // h_t (and c_t) recomputed from the gates equal the model's, in every layer.
  const recomputed = recomputeLayers(model, embeddedInput(model, ids), inside.layers);
  inside.layers.forEach((layer, l) => {
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < H; j++) {
        close(recomputed[l]!.hidden[t]![j]!, layer.hidden[t]![j]!, 1e-5, `${cell} layer ${l} h[${t}][${j}]`);
        if (layer.cellState) close(recomputed[l]!.cellState![t]![j]!, layer.cellState[t]![j]!, 1e-5, `${cell} layer ${l} c[${t}][${j}]`);
        // And directly from the gates reported in Inside.
        const hPrev = t === 0 ? 0 : layer.hidden[t - 1]![j]!;
        const gate = (k: number) => layer.gates![k]!.values[t]![j]!;
        if (cell === 'lstm') {
          const cPrev = t === 0 ? 0 : layer.cellState![t - 1]![j]!;
          const c = gate(1) * cPrev + gate(0) * gate(2);
          close(c, layer.cellState![t]![j]!, 1e-5, `lstm c from gates`);
          close(gate(3) * Math.tanh(c), layer.hidden[t]![j]!, 1e-5, `lstm h from gates`);
        } else if (cell === 'gru') {
          close((1 - gate(1)) * gate(2) + gate(1) * hPrev, layer.hidden[t]![j]!, 1e-5, `gru h from gates`);
        }
      }
    }
  });

  // next[t]: the softmax of model.forward's logits, sorted, the top one as computed directly.
  const logits = forwardLogits(model, backend, ids);
  for (let t = 0; t < T; t++) {
    const p = softmax(logits[t]!);
    const best = p.indexOf(Math.max(...p));
    assert.equal(inside.next[t]!.length, 5);
    assert.equal(inside.next[t]![0]!.symbol, vocab.symbol(best));
    close(inside.next[t]![0]!.p, p[best]!, 1e-5, `top p at ${t}`);
    for (const { symbol, p: q } of inside.next[t]!) close(q, p[vocab.idOf(symbol)!]!, 1e-5, `p(${symbol}) at ${t}`);
    for (let k = 1; k < inside.next[t]!.length; k++) assert.ok(inside.next[t]![k - 1]!.p >= inside.next[t]![k]!.p, 'sorted descending');
  }
  const all = insideOf(model, vocab, backend, text, { topK: V });
  for (const n of all.next) {
    assert.equal(n.length, V);
    close(n.reduce((a, b) => a + b.p, 0), 1, 1e-6, 'all probabilities sum to 1');
  }

  // Gradient through time: the tape's logits equal model.forward's; finite, >= 0; equal to
  // inputGradientNorms with the same loss and to a finite-difference estimate at one step.
  const gtt = gradientThroughTime(model, backend, ids);
  for (let t = 0; t < T; t++) for (let v = 0; v < V; v++) close(gtt.logits[t]![v]!, logits[t]![v]!, 1e-5, `logits[${t}][${v}]`);
  assert.deepEqual(gtt.norms, inside.gradientThroughTime);
  for (const g of inside.gradientThroughTime) assert.ok(Number.isFinite(g) && g >= 0);
  const x = embeddedInput(model, ids);
  const I = x[0]!.length;
  const xTensor = new Tensor(Float32Array.from(x.flat()), [T, 1, I]);
  const targets = new IntTensor(new Int32Array(T).fill(-100), [T]);
  targets.data[T - 2] = ids[T - 1]!;
  const reference = inputGradientNorms(backend, model.rnn, xTensor, (tape, out) =>
    crossEntropy(tape, model.head.forward(tape, reshape(tape, out.output, [T, out.output.shape[2]!])), targets));
  for (let t = 0; t < T; t++) close(inside.gradientThroughTime[t]!, reference[t]!, 1e-6 + 1e-5 * reference[t]!, `gradient norm at ${t} vs inputGradientNorms`);
  close(lossAt(model, backend, x, ids), gtt.loss, 1e-5, 'loss');
  const t = T - 2, eps = 1e-2;
  let sq = 0;
  for (let k = 0; k < I; k++) {
    const plus = x.map((r) => r.slice()), minus = x.map((r) => r.slice());
    plus[t]![k]! += eps; minus[t]![k]! -= eps;
    const d = (lossAt(model, backend, plus, ids) - lossAt(model, backend, minus, ids)) / (2 * eps);
    sq += d * d;
  }
  const fd = Math.sqrt(sq);
  assert.ok(fd > 1e-3, `a gradient worth measuring at step ${t}: ${fd}`);
  close(inside.gradientThroughTime[t]!, fd, 1e-3 * fd, `gradient norm at ${t} vs finite differences`);
}

const backendPromise = createBackend('wasm', { threads: 1 });

for (const [i, cell] of (['lstm', 'gru', 'rnn-tanh', 'rnn-relu'] as const).entries()) {
  test(`insideOf ${cell}: shapes, gates that rebuild h_t, next-symbol probabilities, gradient through time`, async () => {
    const backend = await backendPromise;
    const model = makeModel(cell, 10 + i);
    model.train();
    const inside = insideOf(model, vocab, backend, TEXT);
    assert.equal(model.training, true, 'the mode is restored');
    assert.deepEqual(inside.symbols, [...TEXT]);
    assert.equal(inside.unknown, 0);
    checkInside(inside, model, backend, TEXT);
    for (const p of model.parameters()) assert.equal(p.requiresGrad, true, 'requiresGrad restored');
  });
}

test('insideOf: a tied model (tieWeights, embeddingDim = hiddenSize) works', async () => {
  const backend = await backendPromise;
  const model = makeModel('lstm', 20, { tie: true });
  const inside = insideOf(model, vocab, backend, TEXT);
  checkInside(inside, model, backend, TEXT);
});

test('insideOf: unknown symbols read as the unknown symbol, or left out without one; one symbol has no gradient', async () => {
  const backend = await backendPromise;
  const model = makeModel('gru', 30);
  const inside = insideOf(model, vocab, backend, 'abxzc');
  assert.equal(inside.unknown, 2);
  assert.deepEqual(inside.symbols, ['a', 'b', '\uFFFD', '\uFFFD', 'c']);
  assert.equal(inside.gradientThroughTime.length, 5);

  const plain = new CharVocabulary(CharTokenizer.fromText('abcdefgh '));
  assert.equal(plain.unkId, undefined);
  const small = makeModel('lstm', 31, { size: plain.size });
  const skipped = insideOf(small, plain, backend, 'abxc');
  assert.equal(skipped.unknown, 1);
  assert.deepEqual(skipped.symbols, ['a', 'b', 'c']);
  assert.equal(skipped.layers[0]!.hidden.length, 3);

  const one = insideOf(model, vocab, backend, 'a', { topK: 3 });
  assert.deepEqual(one.gradientThroughTime, []);
  assert.equal(one.next[0]!.length, 3);
});

test('insideOf: errors for an empty text, a text with no known symbol, and a bidirectional model', async () => {
  const backend = await backendPromise;
  const model = makeModel('lstm', 40);
  assert.throws(() => insideOf(model, vocab, backend, ''), /text is empty/);
  assert.throws(() => insideOf(model, vocab, backend, 'xyz'), /no symbol of the text is inside/);
  assert.throws(() => insideOf(makeModel('gru', 41, { bidirectional: true }), vocab, backend, TEXT), /bidirectional/);
});

// ---- sequence classifiers -------------------------------------------------------------------

const CLASSES = ['neg', 'pos', 'neutral'];
const C = CLASSES.length;
const TRAIN_TEXTS = ['a good film', 'a bad film', 'the plot was dull', 'great acting and a fine plot', 'dull and bad'];
const CLASSIFY_TEXT = 'a good plot was dull and unseen fine film';

interface ClassifierCase { cell: CellKind; bidirectional: boolean; pooling: Pooling; level: 'word' | 'char'; multiLabel?: boolean }

function classifyMeta(tokenizer: Tokenizer | null, extra: Partial<ClassifyMetadata> = {}): ClassifyMetadata {
  return {
    classes: CLASSES, multiLabel: false, tokenizer: tokenizer?.toJSON() ?? null, features: null, maxLength: 0,
    data: { format: 'table', header: 'auto', separator: 'auto', labelSeparator: ',' }, ...extra,
  };
}

/** A model file of the classify task, as `recur classify train` writes one, read back. */
function classifyFile(model: RecurrentModel, meta: ClassifyMetadata) {
  return decodeModelFile(encodeModelFile(model, { task: 'classify', extra: { [CLASSIFY_METADATA_KEY]: JSON.stringify(meta) } }), { kind: 'any' });
}

/** A small classifier (2 layers, dropout between them and before the head) read back from its model file. */
function makeClassifier(k: ClassifierCase, seed: number, meta: Partial<ClassifyMetadata> = {}): Classifier {
  const tokenizer = Tokenizer.fit(TRAIN_TEXTS, { level: k.level });
  const model = new RecurrentModel({
    input: { kind: 'embedding', vocabSize: tokenizer.size, embeddingDim: 5 }, cell: k.cell, hiddenSize: H, numLayers: 2,
    bidirectional: k.bidirectional, dropout: 0.2, outputSize: C, output: 'last', pooling: k.pooling, headDropout: 0.5,
  }, { rng: new Rng(seed) });
  const loaded = classifyFile(model, classifyMeta(tokenizer, { multiLabel: k.multiLabel ?? false, ...meta }));
  assert.equal(insideKindOf(loaded, 'm'), 'classifier');
  return insideClassifierOf(loaded, 'm');
}

/** The same weights reading dense input ([T, 1, E] embedded rows): its forward is the model's own, pooling and head included. */
function denseTwin(model: RecurrentModel): RecurrentModel {
  const c = model.config;
  const twin = new RecurrentModel({ ...c, input: { kind: 'dense', size: model.rnn.inputSize } });
  const dict = model.stateDict();
  dict.delete('embedding.weight');
  twin.loadStateDict(dict);
  twin.eval();
  return twin;
}

/** The loss of `inside`'s gradient: cross-entropy of class k (-log sigmoid for a multi-label model), in float64 from the logits. */
function classLoss(logits: ArrayLike<number>, k: number, multiLabel: boolean): number {
  const z = Array.from(logits);
  return multiLabel ? Math.log1p(Math.exp(-z[k]!)) : -Math.log(softmax(z)[k]!);
}

function twinLogits(twin: RecurrentModel, backend: Backend, x: number[][]): Float32Array {
  const T = x.length, I = x[0]!.length;
  const tape = Tape.inference(backend);
  try {
    const xt = tape.tensor([T, 1, I]);
    x.forEach((row, t) => xt.data.set(row, t * I));
    return Float32Array.from(twin.forward(tape, xt).logits.toArray());
  } finally {
    tape.reset();
  }
}

function checkClassifierInside(inside: ClassifierInside, c: Classifier, backend: Backend, text: string, k: ClassifierCase): void {
  const model = c.model, tok = c.tokenizer!;
  model.eval(); // for the direct forwards below (dropout between layers and before the head)
  const ids = tok.encode(text);
  const T = ids.length, D = k.bidirectional ? 2 : 1;
  // What was read.
  assert.equal(inside.kind, 'classifier');
  assert.equal(inside.cell, k.cell);
  assert.equal(inside.directions, D);
  assert.equal(inside.multiLabel, k.multiLabel ?? false);
  assert.deepEqual(inside.symbols, Array.from(ids, (id) => tok.vocabulary[id]));
  assert.equal(inside.unknown, Array.from(ids).filter((id) => id === 1).length);

  // Shapes: T × D*H hidden per layer, the gates of each direction T × H.
  assert.equal(inside.layers.length, 2);
  assert.equal(inside.next.length, T);
  assert.equal(inside.gradientThroughTime.length, T);
  const base = k.cell === 'lstm' ? ['input', 'forget', 'cell', 'output'] : k.cell === 'gru' ? ['reset', 'update', 'new'] : [];
  const gateNames = D === 1 ? base : base.flatMap((g) => [`${g} (forward)`, `${g} (backward)`]);
  for (const layer of inside.layers) {
    assert.equal(layer.hidden.length, T);
    for (const h of layer.hidden) assert.equal(h.length, D * H);
    assert.equal(layer.cellState, undefined);
    assert.deepEqual(layer.gates?.map((g) => g.name) ?? [], gateNames);
    if (D === 2) assert.deepEqual(layer.gates?.map((g) => g.direction) ?? [], base.flatMap(() => ['forward', 'backward']));
    for (const g of layer.gates ?? []) {
      assert.equal(g.values.length, T);
      for (const row of g.values) assert.equal(row.length, H);
    }
  }

  // The last layer's outputs are model.rnn.forward's (eval mode).
  const x = embeddedInput(model, ids);
  const I = x[0]!.length;
  {
    const tape = Tape.inference(backend);
    const xt = tape.tensor([T, 1, I]);
    x.forEach((row, t) => xt.data.set(row, t * I));
    const out = model.rnn.forward(tape, xt).output.toArray();
    tape.reset();
    for (let t = 0; t < T; t++) for (let j = 0; j < D * H; j++) close(inside.layers[1]!.hidden[t]![j]!, out[t * D * H + j]!, 1e-6, `rnn output [${t}][${j}]`);
  }

  // h_t recomputed from the gates (both directions, each from its own previous step) equal the model's.
  const recomputed = recomputeLayers(model, x, inside.layers);
  inside.layers.forEach((layer, l) => {
    for (let t = 0; t < T; t++) for (let j = 0; j < D * H; j++) close(recomputed[l]!.hidden[t]![j]!, layer.hidden[t]![j]!, 1e-5, `${k.cell} layer ${l} h[${t}][${j}]`);
    // And directly from the reported gates, walking each direction: forwards, then backwards from T-1.
    for (let d = 0; d < D; d++) {
      const gate = (g: number, t: number, j: number) => layer.gates![D === 1 ? g : 2 * g + d]!.values[t]![j]!;
      for (let j = 0; j < H; j++) {
        let c = 0;
        for (let s = 0; s < T; s++) {
          const t = d === 0 ? s : T - 1 - s;
          const hPrev = s === 0 ? 0 : layer.hidden[d === 0 ? t - 1 : t + 1]![d * H + j]!;
          const h = layer.hidden[t]![d * H + j]!;
          if (k.cell === 'lstm') {
            c = gate(1, t, j) * c + gate(0, t, j) * gate(2, t, j);
            close(gate(3, t, j) * Math.tanh(c), h, 1e-5, `lstm direction ${d} h[${t}][${j}] from the gates`);
          } else if (k.cell === 'gru') {
            close((1 - gate(1, t, j)) * gate(2, t, j) + gate(1, t, j) * hPrev, h, 1e-5, `gru direction ${d} h[${t}][${j}] from the gates`);
          }
        }
      }
    }
  });

  // The distribution after the last step is classProbabilities on the whole text; after step t, on tokens[0..t].
  const full = classProbabilities(c, backend, [ids]);
  assert.equal(inside.classes.length, C);
  inside.classes.forEach((cl, i) => {
    assert.equal(cl.label, CLASSES[i]);
    close(cl.p, full[i]!, 1e-5, `final p(${cl.label})`);
  });
  if (!k.multiLabel) close(inside.classes.reduce((a, b) => a + b.p, 0), 1, 1e-5, 'a softmax sums to 1');
  const best = Array.from(full.keys()).reduce((a, b) => (full[b]! > full[a]! ? b : a), 0);
  assert.equal(inside.predicted, CLASSES[best]);
  const all = insideOfClassifier(c, backend, text, { topK: 10 });
  for (let t = 0; t < T; t++) {
    assert.equal(inside.next[t]!.length, Math.min(5, C));
    assert.equal(all.next[t]!.length, C);
    for (let q = 1; q < C; q++) assert.ok(all.next[t]![q - 1]!.p >= all.next[t]![q]!.p, 'sorted descending');
    const p = classProbabilities(c, backend, [ids.subarray(0, t + 1)]);
    for (const { symbol, p: q } of all.next[t]!) close(q, p[CLASSES.indexOf(symbol)]!, 1e-5, `p(${symbol}) after step ${t}`);
  }
  assert.deepEqual(all.next[T - 1]!.map((n) => n.symbol), [...inside.classes].sort((a, b) => b.p - a.p).map((cl) => cl.label));

  // Gradient through time: the tape's logits are model.forward's; the norms are those of the
  // model's own forward (a dense twin reading the embedded rows), and a finite difference at one step.
  const gtt = classifierGradient(c, backend, ids, best);
  assert.deepEqual(gtt.norms, inside.gradientThroughTime);
  const twin = denseTwin(model);
  const logits = twinLogits(twin, backend, x);
  {
    const tape = Tape.inference(backend);
    const own = model.forward(tape, new IntTensor(ids, [T, 1])).logits.toArray();
    tape.reset();
    for (let i = 0; i < C; i++) {
      close(gtt.logits[0]![i]!, own[i]!, 1e-5, `logit ${i} vs model.forward`);
      close(logits[i]!, own[i]!, 1e-5, `twin logit ${i} vs model.forward`);
    }
  }
  close(gtt.loss, classLoss(logits, best, k.multiLabel ?? false), 1e-5, 'loss');
  for (const g of inside.gradientThroughTime) assert.ok(Number.isFinite(g) && g >= 0);
  if (D === 2 || k.pooling !== 'last') assert.ok(inside.gradientThroughTime.every((g) => g > 0), 'every step reaches the prediction');
  const tape = new Tape(backend);
  const xt = tape.tensor([T, 1, I]);
  x.forEach((row, t) => xt.data.set(row, t * I));
  tape.watch(xt);
  const z = twin.forward(tape, xt).logits;
  const twinLoss = k.multiLabel
    ? (() => { const m = tape.tensor([1, C]); m.data[best] = 1; return bceWithLogits(tape, z, m, { mask: m, reduction: 'sum' }); })()
    : crossEntropy(tape, z, new IntTensor(Int32Array.of(best), [1]));
  tape.backward(twinLoss);
  const g = tape.grad(xt).data;
  for (let t = 0; t < T; t++) {
    let s = 0;
    for (let i = t * I; i < (t + 1) * I; i++) s += g[i]! * g[i]!;
    close(inside.gradientThroughTime[t]!, Math.sqrt(s), 1e-7 + 1e-5 * Math.sqrt(s), `gradient norm at ${t} vs the model's own forward`);
  }
  tape.reset();
  // At the step the loss depends on most: a float32 central difference measures it to ~1e-3.
  const step = inside.gradientThroughTime.indexOf(Math.max(...inside.gradientThroughTime)), eps = 1e-2;
  let sq = 0;
  for (let q = 0; q < I; q++) {
    const plus = x.map((r) => r.slice()), minus = x.map((r) => r.slice());
    plus[step]![q]! += eps; minus[step]![q]! -= eps;
    const dq = (classLoss(twinLogits(twin, backend, plus), best, k.multiLabel ?? false) - classLoss(twinLogits(twin, backend, minus), best, k.multiLabel ?? false)) / (2 * eps);
    sq += dq * dq;
  }
  const fd = Math.sqrt(sq);
  assert.ok(fd > 1e-3, `a gradient worth measuring at step ${step}: ${fd}`);
  close(inside.gradientThroughTime[step]!, fd, 2e-3 * fd, `gradient norm at ${step} vs finite differences`);
}

const CLASSIFIER_CASES: ClassifierCase[] = [
  { cell: 'lstm', bidirectional: false, pooling: 'last', level: 'word' },
  { cell: 'lstm', bidirectional: true, pooling: 'max', level: 'word' },
  { cell: 'gru', bidirectional: false, pooling: 'mean', level: 'char' },
  { cell: 'gru', bidirectional: true, pooling: 'attention', level: 'word', multiLabel: true },
  { cell: 'rnn-tanh', bidirectional: true, pooling: 'last', level: 'char' },
];

for (const [i, k] of CLASSIFIER_CASES.entries()) {
  const name = `${k.bidirectional ? 'bidirectional ' : ''}${k.cell}, ${k.pooling} pooling, ${k.level} level${k.multiLabel ? ', multi-label' : ''}`;
  test(`insideOfClassifier ${name}: hidden states of both directions, gates that rebuild them, class probabilities of every prefix, gradient through time`, async () => {
    const backend = await backendPromise;
    const c = makeClassifier(k, 50 + i);
    c.model.train();
    const text = k.level === 'word' ? CLASSIFY_TEXT : 'a good plot, dull';
    const inside = insideOfClassifier(c, backend, text);
    assert.equal(c.model.training, true, 'the mode is restored');
    for (const p of c.model.parameters()) assert.equal(p.requiresGrad, true, 'requiresGrad restored');
    if (k.level === 'word') {
      assert.deepEqual(inside.symbols, ['a', 'good', 'plot', 'was', 'dull', 'and', '[UNK]', 'fine', 'film']);
      assert.equal(inside.unknown, 1);
    } else {
      assert.equal(inside.symbols.length, text.length);
    }
    checkClassifierInside(inside, c, backend, text, k);
  });
}

test('insideOfClassifier: one token; the limits (empty text, no tokens, MAX_CLASSIFIER_TOKENS, the model\'s maxLength)', async () => {
  const backend = await backendPromise;
  const c = makeClassifier({ cell: 'lstm', bidirectional: true, pooling: 'max', level: 'char' }, 70);
  const one = insideOfClassifier(c, backend, 'a', { topK: 2 });
  assert.equal(one.layers[0]!.hidden.length, 1);
  assert.equal(one.next[0]!.length, 2);
  assert.equal(one.gradientThroughTime.length, 1);
  assert.ok(one.gradientThroughTime[0]! > 0);
  assert.throws(() => insideOfClassifier(c, backend, ''), /text is empty/);
  assert.throws(() => insideOfClassifier(c, backend, 'a', { topK: 0 }), /topK must be a positive integer/);
  const words = makeClassifier({ cell: 'gru', bidirectional: false, pooling: 'last', level: 'word' }, 71);
  assert.throws(() => insideOfClassifier(words, backend, '  \n '), /the text has no tokens \(words\)/);
  assert.equal(insideOfClassifier(c, backend, 'a'.repeat(MAX_CLASSIFIER_TOKENS)).symbols.length, MAX_CLASSIFIER_TOKENS);
  assert.throws(() => insideOfClassifier(c, backend, 'a'.repeat(MAX_CLASSIFIER_TOKENS + 1)),
    /the text is 201 tokens \(characters\); the inside view of a classifier reads at most 200, since it runs the model on every prefix/);
  const short = makeClassifier({ cell: 'gru', bidirectional: false, pooling: 'last', level: 'word' }, 72, { maxLength: 3 });
  assert.equal(insideOfClassifier(short, backend, 'a good film').symbols.length, 3);
  assert.throws(() => insideOfClassifier(short, backend, 'a good plot film'), /the text is 4 tokens \(words\), more than the 3 the model was trained on/);
});

test('the inside view refuses classifiers of vectors and the other tasks, naming them', () => {
  const dense = new RecurrentModel({ input: { kind: 'dense', size: 4 }, cell: 'gru', hiddenSize: 3, outputSize: C, output: 'last' }, { rng: new Rng(80) });
  const loaded = classifyFile(dense, classifyMeta(null, { features: 4 }));
  assert.equal(insideKindOf(loaded, 'run/model.safetensors'), 'classifier');
  assert.throws(() => insideClassifierOf(loaded, 'run/model.safetensors'), /^Error: run\/model\.safetensors: this classifier reads vectors, not text \(sequences of 4 values per step\)/);
  const classifier: Classifier = { model: dense, meta: classifyMeta(null, { features: 4 }), tokenizer: null };
  assert.throws(() => insideOfClassifier(classifier, undefined as unknown as Backend, 'abc'), /this classifier reads vectors, not text/);
  const refusal = (task: string) => { try { insideKindOf({ task }, 'run/model.safetensors'); } catch (e) { return (e as Error).message; } return null; };
  assert.equal(refusal('forecast'), 'run/model.safetensors: the inside view reads models of typed text (language models, text classifiers, taggers, encoder-decoders); this is a forecaster, which reads a series, not typed text: see its task view');
  assert.match(refusal('other')!, /this is a 'other' model$/);
  for (const task of [undefined, 'char-lm', 'word-lm']) assert.equal(insideKindOf({ task }, 'm'), 'lm');
  assert.equal(insideKindOf({ task: 'tag' }, 'm'), 'tagger');
  assert.equal(insideKindOf({ task: 'seq2seq' }, 'm'), 'seq2seq');
});

// ---- taggers -------------------------------------------------------------------------------

const TAG_TRAIN = ['The dog sees a cat .', 'Alice likes the old house', 'a small car runs quickly .'];
const TAGS = ['DET', 'NOUN', 'VERB', 'PUNCT'];
const K = TAGS.length;
const TAG_TEXT = "The dog saw Zorbek's old cat .";

interface TaggerCase { cell: CellKind; crf: boolean; bidirectional: boolean; chars: boolean }

function tagMeta(chars: boolean): TagMetadata {
  const tokens = TAG_TRAIN.flatMap((s) => s.split(' '));
  const words = Tokenizer.fit(tokens, { level: 'word', splitPunctuation: false, lowercase: false, numbers: false, urls: true });
  const ch = chars ? Tokenizer.fit(tokens, { level: 'char', lowercase: false }) : null;
  return { words: words.toJSON(), chars: ch?.toJSON() ?? null, tags: TAGS, format: 'conllu' };
}

/** A small tagger (2 encoder layers, dropout) as `recur tag train` saves one, before training. */
function makeTaggerModel(k: TaggerCase, seed: number): { model: Tagger; meta: TagMetadata } {
  const meta = tagMeta(k.chars);
  const vocab = TagVocabulary.fromMetadata(meta, 'm');
  const model = new Tagger({
    wordVocabSize: vocab.words.size, wordEmbeddingDim: 4, ...(k.chars ? { charVocabSize: vocab.chars!.size, charEmbeddingDim: 3, charHiddenSize: 2 } : {}),
    cell: k.cell, hiddenSize: H, numLayers: 2, bidirectional: k.bidirectional, dropout: 0.3, tagCount: K, crf: k.crf,
  }, { rng: new Rng(seed) });
  return { model, meta };
}

function makeTagger(k: TaggerCase, seed: number): LoadedTagger {
  const { model, meta } = makeTaggerModel(k, seed);
  const loaded = decodeModelFile(encodeModelFile(model, { task: 'tag', extra: { [TAG_METADATA_KEY]: JSON.stringify(meta) } }), { kind: 'any' });
  assert.equal(insideKindOf(loaded, 'm'), 'tagger');
  return insideTaggerOf(loaded, 'm');
}

/** The encoder's input [T][I] of `words` as the tagger computes it (eval mode). */
function taggerInput(t: LoadedTagger, backend: Backend, words: string[]): number[][] {
  const set = t.vocab.encode([{ words, tags: words.map(() => undefined), lines: words.map(() => 1) }], false);
  const tape = Tape.inference(backend);
  try {
    const x = t.model.encoderInput(tape, makeTagBatch(set, [0]));
    const I = x.shape[2]!, flat = x.toArray();
    return words.map((_, i) => flat.slice(i * I, (i + 1) * I));
  } finally {
    tape.reset();
  }
}

/** The emissions [T][K] from the encoder input `x` ([T][I]), the model's own forward from there. */
function taggerEmissions(t: LoadedTagger, backend: Backend, x: number[][]): number[][] {
  const T = x.length, I = x[0]!.length;
  const tape = Tape.inference(backend);
  try {
    const xt = tape.tensor([T, 1, I]);
    x.forEach((row, i) => xt.data.set(row, i * I));
    const e = t.model.emissionsFrom(tape, xt, Int32Array.of(T)).toArray();
    return x.map((_, i) => e.slice(i * K, (i + 1) * K));
  } finally {
    tape.reset();
  }
}

function logSumExp(xs: number[]): number {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((a, v) => a + Math.exp(v - m), 0));
}

interface CrfScoresArrays { trans: number[]; start: number[]; end: number[] }

function crfArrays(t: LoadedTagger): CrfScoresArrays {
  const crf = t.model.crf!;
  return { trans: crf.transitions.toArray(), start: crf.start.toArray(), end: crf.end.toArray() };
}

function pathScore(e: number[][], path: number[], c: CrfScoresArrays): number {
  let s = c.start[path[0]!]! + c.end[path[path.length - 1]!]!;
  path.forEach((k, i) => { s += e[i]![k]!; if (i > 0) s += c.trans[path[i - 1]! * K + k]!; });
  return s;
}

/** log Z of the CRF by the forward algorithm, in float64. */
function crfLogZ(e: number[][], c: CrfScoresArrays): number {
  let alpha = Array.from({ length: K }, (_, k) => c.start[k]! + e[0]![k]!);
  for (let i = 1; i < e.length; i++) alpha = Array.from({ length: K }, (_, k) => e[i]![k]! + logSumExp(alpha.map((a, j) => a + c.trans[j * K + k]!)));
  return logSumExp(alpha.map((a, k) => a + c.end[k]!));
}

/** The loss of insideOfTagger's gradient, in float64 from the emissions: sum of -log softmax at the tags, or the CRF's -log P(path). */
function tagLoss(t: LoadedTagger, e: number[][], tags: number[]): number {
  if (!t.model.crf) return e.reduce((a, row, i) => a - Math.log(softmax(row)[tags[i]!]!), 0);
  const c = crfArrays(t);
  return crfLogZ(e, c) - pathScore(e, tags, c);
}

/** Every path's probability summed per (word, tag): the CRF's marginals by brute force. */
function bruteMarginals(e: number[][], c: CrfScoresArrays): number[][] {
  const T = e.length;
  const scores: { path: number[]; s: number }[] = [];
  for (let n = 0; n < K ** T; n++) {
    const path = Array.from({ length: T }, (_, i) => Math.floor(n / K ** i) % K);
    scores.push({ path, s: pathScore(e, path, c) });
  }
  const logZ = logSumExp(scores.map((x) => x.s));
  const m = e.map(() => new Array<number>(K).fill(0));
  for (const { path, s } of scores) path.forEach((k, i) => { m[i]![k]! += Math.exp(s - logZ); });
  return m;
}

const gateNamesOf = (cell: CellKind, D: number): string[] => {
  const base = cell === 'lstm' ? ['input', 'forget', 'cell', 'output'] : cell === 'gru' ? ['reset', 'update', 'new'] : [];
  return D === 1 ? base : base.flatMap((g) => [`${g} (forward)`, `${g} (backward)`]);
};

/** Shapes (T × D*H per layer, gates T × H) and h recomputed from the weights equal to the layers' own. */
function checkLayers(what: string, layers: InsideLayer[], rnn: RecurrentBase, input: number[][], initial?: InitialState): void {
  const T = input.length, D = rnn.numDirections, Hr = rnn.hiddenSize;
  assert.equal(layers.length, rnn.numLayers, `${what}: a result per layer`);
  for (const layer of layers) {
    assert.equal(layer.hidden.length, T, `${what}: a row per step`);
    for (const h of layer.hidden) assert.equal(h.length, D * Hr, `${what}: D*H units`);
    assert.deepEqual(layer.gates?.map((g) => g.name) ?? [], gateNamesOf(rnn.cell, D), `${what}: gate names`);
    for (const g of layer.gates ?? []) {
      assert.equal(g.values.length, T);
      for (const row of g.values) assert.equal(row.length, Hr);
    }
  }
  const recomputed = recomputeRecurrent(rnn, input, layers, initial);
  layers.forEach((layer, l) => {
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < D * Hr; j++) {
        close(recomputed[l]!.hidden[t]![j]!, layer.hidden[t]![j]!, 1e-5, `${what} layer ${l} h[${t}][${j}]`);
        if (layer.cellState) close(recomputed[l]!.cellState![t]![j]!, layer.cellState[t]![j]!, 1e-5, `${what} layer ${l} c[${t}][${j}]`);
      }
    }
    assert.deepEqual(recomputed[l]!.gates, layer.gates, `${what} layer ${l}: the gates reported are those recomputed`);
  });
}

/** The step whose gradient is largest, and a float32 central difference of `loss` there (its L2 norm over the step's values). */
function finiteDifference(x: number[][], g: number[], loss: (x: number[][]) => number): { step: number; fd: number } {
  const step = g.indexOf(Math.max(...g)), eps = 1e-2;
  let sq = 0;
  for (let q = 0; q < x[step]!.length; q++) {
    const plus = x.map((r) => r.slice()), minus = x.map((r) => r.slice());
    plus[step]![q]! += eps; minus[step]![q]! -= eps;
    const d = (loss(plus) - loss(minus)) / (2 * eps);
    sq += d * d;
  }
  return { step, fd: Math.sqrt(sq) };
}

const TAGGER_CASES: TaggerCase[] = [
  { cell: 'lstm', crf: false, bidirectional: true, chars: true },
  { cell: 'gru', crf: true, bidirectional: true, chars: true },
  { cell: 'lstm', crf: true, bidirectional: false, chars: false },
  { cell: 'rnn-tanh', crf: false, bidirectional: true, chars: false },
];

for (const [i, k] of TAGGER_CASES.entries()) {
  const name = `${k.bidirectional ? 'bidirectional ' : ''}${k.cell}, ${k.crf ? 'CRF' : 'softmax'}, ${k.chars ? 'character features' : 'words only'}`;
  test(`insideOfTagger ${name}: encoder layers of both directions, gates that rebuild them, tags as tagSentences gives them, gradient through time`, async (ctx) => {
    const backend = await backendPromise;
    const t = makeTagger(k, 100 + i);
    t.model.train();
    const inside = insideOfTagger(t, backend, TAG_TEXT);
    assert.equal(t.model.training, true, 'the mode is restored');
    for (const p of t.model.parameters()) assert.equal(p.requiresGrad, true, 'requiresGrad restored');
    t.model.eval();
    const words = splitWords(TAG_TEXT);
    const T = words.length, D = k.bidirectional ? 2 : 1;
    assert.deepEqual(inside.symbols, ['The', 'dog', 'saw', 'Zorbek', "'s", 'old', 'cat', '.']);
    assert.equal(inside.kind, 'tagger');
    assert.equal(inside.cell, k.cell);
    assert.equal(inside.directions, D);
    assert.equal(inside.crf, k.crf);
    assert.equal(inside.distribution, k.crf ? 'crf-marginals' : 'softmax');
    assert.equal(inside.unknown, 3, 'saw, Zorbek and \'s are outside the vocabulary');
    assert.equal(inside.next.length, T);
    assert.equal(inside.gradientThroughTime.length, T);

    // Sizes (words × units, 2H for a bidirectional encoder); h recomputed from the weights is the model's.
    const x = taggerInput(t, backend, words);
    assert.equal(x[0]!.length, 4 + (k.chars ? 4 : 0), 'the encoder input: the word embedding, then the character features');
    checkLayers('tagger encoder', inside.layers, t.model.encoder, x);
    {
      const tape = Tape.inference(backend);
      const xt = tape.tensor([T, 1, x[0]!.length]);
      x.forEach((row, q) => xt.data.set(row, q * row.length));
      const out = t.model.encoder.forward(tape, xt, { lengths: Int32Array.of(T) }).output.toArray();
      tape.reset();
      for (let q = 0; q < T; q++) for (let j = 0; j < D * H; j++) close(inside.layers[1]!.hidden[q]![j]!, out[q * D * H + j]!, 1e-6, `encoder output [${q}][${j}]`);
    }

    // Tags and confidence are tagSentences'; the distribution per word is the softmax (argmax = the tag, its p the confidence) or the CRF's marginals.
    const tagged = tagSentences(t, backend, [{ words, tags: words.map(() => undefined), lines: words.map(() => 1) }]);
    assert.deepEqual(inside.tags, tagged.tags[0]);
    inside.confidence.forEach((c, q) => close(c, tagged.confidence[0]![q]!, 1e-6, `confidence of word ${q}`));
    const e = taggerEmissions(t, backend, x);
    const all = insideOfTagger(t, backend, TAG_TEXT, { topK: K });
    const expected = k.crf ? bruteMarginals(e, crfArrays(t)) : e.map(softmax);
    for (let q = 0; q < T; q++) {
      assert.equal(inside.next[q]!.length, Math.min(5, K));
      close(all.next[q]!.reduce((a, b) => a + b.p, 0), 1, 1e-5, `word ${q}: the distribution sums to 1`);
      for (const { symbol, p } of all.next[q]!) close(p, expected[q]![TAGS.indexOf(symbol)]!, 1e-5, `p(${symbol}) at word ${q}`);
      for (let r = 1; r < K; r++) assert.ok(all.next[q]![r - 1]!.p >= all.next[q]![r]!.p, 'sorted descending');
      if (k.crf) continue;
      assert.equal(inside.next[q]![0]!.symbol, tagged.tags[0]![q], `word ${q}: the most likely tag is the one tagSentences predicts`);
      close(inside.next[q]![0]!.p, tagged.confidence[0]![q]!, 1e-6, `word ${q}: its probability is the confidence`);
    }
    // A CRF's tags are the Viterbi path (checked above against tagSentences); the most likely tag
    // of each word's marginal need not lie on it (this untrained model's scores are nearly flat).
    if (k.crf) ctx.diagnostic(`max-marginal tags off the Viterbi path: ${inside.next.filter((nx, q) => nx[0]!.symbol !== inside.tags[q]).length} of ${T}`);

    // Gradient through time: the loss is the cross-entropy of the predicted tags summed over the
    // sentence (the CRF: -log P(predicted path)); its gradient at the largest step against a finite difference.
    const tags = tagged.tags[0]!.map((tag) => TAGS.indexOf(tag));
    for (const g of inside.gradientThroughTime) assert.ok(Number.isFinite(g) && g > 0, 'every word reaches the loss');
    const { step, fd } = finiteDifference(x, inside.gradientThroughTime, (xx) => tagLoss(t, taggerEmissions(t, backend, xx), tags));
    assert.ok(fd > 1e-3, `a gradient worth measuring at word ${step}: ${fd}`);
    close(inside.gradientThroughTime[step]!, fd, 2e-3 * fd, `gradient norm at word ${step} vs finite differences`);
  });
}

test('insideOfTagger: one word; the limits (empty text, no words, MAX_TAGGER_WORDS, topK)', async () => {
  const backend = await backendPromise;
  const t = makeTagger({ cell: 'gru', crf: true, bidirectional: true, chars: true }, 120);
  const one = insideOfTagger(t, backend, 'dog', { topK: 2 });
  assert.deepEqual(one.symbols, ['dog']);
  assert.equal(one.next[0]!.length, 2);
  assert.equal(one.gradientThroughTime.length, 1);
  assert.throws(() => insideOfTagger(t, backend, ''), /the text is empty/);
  assert.throws(() => insideOfTagger(t, backend, '   '), /the text has no words/);
  assert.throws(() => insideOfTagger(t, backend, 'a', { topK: 0 }), /topK must be a positive integer/);
  assert.equal(insideOfTagger(t, backend, 'a '.repeat(MAX_TAGGER_WORDS)).symbols.length, MAX_TAGGER_WORDS);
  assert.throws(() => insideOfTagger(t, backend, 'a '.repeat(MAX_TAGGER_WORDS + 1)), /the text has 201 words; the inside view of a tagger reads at most 200/);
});

// ---- encoder-decoders -----------------------------------------------------------------------

const SOURCES = ['abc', 'bca d', 'cab', 'dd a'];
const TARGETS = ['xy', 'yx z', 'zz', 'x'];
const SEQ2SEQ_TEXT = 'cab dab';

interface Seq2seqCase {
  cell: CellKind; bidirectional: boolean; attention: AttentionKind; inputFeeding?: boolean; reverseSource?: boolean; decoderHiddenSize: number;
  /** Added to the output layer's bias of [EOS], so that greedy decoding ends before the length limit. */
  eosBias?: number;
}

/** A small encoder-decoder (2 layers each, dropout) and its metadata, as `recur seq2seq train` saves one, before training. */
function makeSeq2seqModel(k: Seq2seqCase, seed: number): { model: EncoderDecoder; meta: Seq2seqMetadata } {
  const source = Tokenizer.fit(SOURCES, { level: 'char' });
  const target = Tokenizer.fit(TARGETS, { level: 'char', specials: [GO_TOKEN, EOS_TOKEN] });
  const model = new EncoderDecoder({
    sourceVocabSize: source.size, targetVocabSize: target.size, embeddingDim: 4, cell: k.cell, encoderHiddenSize: H, decoderHiddenSize: k.decoderHiddenSize,
    numLayers: 2, bidirectional: k.bidirectional, reverseSource: k.reverseSource ?? false, attention: k.attention, inputFeeding: k.inputFeeding ?? false,
    dropout: 0.2, goId: target.idOf(GO_TOKEN)!, eosId: target.idOf(EOS_TOKEN)!, maxSourceLength: 10, maxTargetLength: 4,
  }, { rng: new Rng(seed) });
  if (k.eosBias) model.output.bias!.data[model.config.eosId]! += k.eosBias;
  const meta: Seq2seqMetadata = {
    source: source.toJSON(), target: target.toJSON(), sharedVocabulary: false, sourceColumn: 1, targetColumn: 2, split: { seed: 1, fraction: 0.1 }, unknownInTraining: 0,
  };
  return { model, meta };
}

function makeTranslator(k: Seq2seqCase, seed: number): Translator {
  const { model, meta } = makeSeq2seqModel(k, seed);
  const loaded = decodeModelFile(encodeModelFile(model, { task: 'seq2seq', extra: { [SEQ2SEQ_METADATA_KEY]: JSON.stringify(meta) } }), { kind: 'any' });
  assert.equal(insideKindOf(loaded, 'm'), 'seq2seq');
  return insideTranslatorOf(loaded, 'm');
}

/**
 * The cross-entropy (float64) of `output` teacher-forced, summed, for the embedded source `x`
 * ([Ts][E], in the encoder's reading order): the decoder run one step at a time (decodeStep), not
 * through forwardTeacher as insideOfSeq2seq's loss is. Also the logits per step.
 */
function stepwiseLoss(t: Translator, backend: Backend, x: number[][], output: number[]): { loss: number; logits: number[][] } {
  const m = t.model, c = m.config, Ts = x.length, E = x[0]!.length;
  const tape = Tape.inference(backend);
  try {
    const xt = tape.tensor([Ts, 1, E]);
    x.forEach((row, q) => xt.data.set(row, q * E));
    const enc = m.encodeEmbedded(tape, xt, Int32Array.of(Ts));
    let state = enc.state, feed = m.initialFeed(1), loss = 0;
    const logits: number[][] = [];
    output.forEach((y, q) => {
      const r = m.decodeStep(tape, enc, IntTensor.from([q === 0 ? c.goId : output[q - 1]!]), state, feed);
      const z = Array.from(m.output.forward(tape, r.vector).toArray());
      logits.push(z);
      loss -= Math.log(softmax(z)[y]!);
      state = r.state;
      feed = feed ? r.vector : undefined;
    });
    return { loss, logits };
  } finally {
    tape.reset();
  }
}

const SEQ2SEQ_CASES: Seq2seqCase[] = [
  { cell: 'gru', bidirectional: true, attention: 'additive', inputFeeding: true, decoderHiddenSize: 5 },
  { cell: 'lstm', bidirectional: false, attention: 'none', decoderHiddenSize: 5, eosBias: 0.3 },
  { cell: 'lstm', bidirectional: true, attention: 'general', reverseSource: true, decoderHiddenSize: 5 },
  { cell: 'gru', bidirectional: false, attention: 'dot', reverseSource: true, decoderHiddenSize: H, eosBias: 0.5 },
];

for (const [i, k] of SEQ2SEQ_CASES.entries()) {
  const name = `${k.bidirectional ? 'bidirectional ' : ''}${k.cell}, attention ${k.attention}${k.inputFeeding ? ', input feeding' : ''}${k.reverseSource ? ', source reversed' : ''}`;
  test(`insideOfSeq2seq ${name}: encoder and decoder states, gates that rebuild them, the greedy translation step by step, gradient through time`, async (ctx) => {
    const backend = await backendPromise;
    const t = makeTranslator(k, 200 + i);
    const m = t.model, c = m.config;
    m.train();
    const inside = insideOfSeq2seq(t, backend, SEQ2SEQ_TEXT);
    assert.equal(m.training, true, 'the mode is restored');
    for (const p of m.parameters()) assert.equal(p.requiresGrad, true, 'requiresGrad restored');
    m.eval();
    const D = k.bidirectional ? 2 : 1;
    const enc = encodeSources(t, [SEQ2SEQ_TEXT]);
    const ids = enc.ids[0]!, Ts = ids.length;
    assert.equal(inside.kind, 'seq2seq');
    assert.deepEqual(inside.symbols, [...SEQ2SEQ_TEXT]);
    assert.equal(inside.unknown, 0);
    assert.equal(inside.truncated, false);
    assert.equal(inside.reversed, k.reverseSource ?? false);
    assert.equal(inside.directions, D);
    assert.equal(inside.cell, k.cell);
    assert.equal(inside.attention, k.attention);

    // The greedy output is translate's.
    const [tr] = translate(t, backend, [SEQ2SEQ_TEXT], enc.ids, { method: 'greedy' });
    const best = tr!.hypotheses[0]!;
    assert.deepEqual(inside.output, best.finished ? [...best.tokens, EOS_TOKEN] : best.tokens);
    assert.equal(inside.translation, best.text);
    assert.equal(inside.finished, best.finished);
    const output = inside.output.map((s) => t.target.idOf(s)!);
    const n = output.length;
    ctx.diagnostic(`greedy output ${JSON.stringify(inside.output.join(''))} (${n} steps, ${inside.finished ? 'ended with [EOS]' : 'cut at the length limit'})`);

    // Encoder: source tokens × D*H, in source order; the model's memory; h recomputed from the weights (in reading order).
    const order = Array.from({ length: Ts }, (_, q) => (c.reverseSource ? Ts - 1 - q : q)); // reading step -> source position
    const table = m.srcEmbed.weight.toArray();
    const x = order.map((q) => table.slice(ids[q]! * c.embeddingDim, (ids[q]! + 1) * c.embeddingDim));
    const reading = inside.layers.map((layer) => ({
      hidden: order.map((q) => layer.hidden[q]!),
      gates: layer.gates?.map((g) => ({ ...g, values: order.map((q) => g.values[q]!) })),
    }));
    checkLayers('encoder', reading, m.encoder, x);
    const tape = Tape.inference(backend);
    const encoded = m.encode(tape, [ids]);
    const memory = encoded.memory.toArray();
    const initial: InitialState = { h: [], c: encoded.state.c ? [] : undefined };
    const hs = encoded.state.h.toArray(), cs = encoded.state.c?.toArray();
    for (let l = 0; l < c.numLayers; l++) {
      initial.h.push(hs.slice(l * c.decoderHiddenSize, (l + 1) * c.decoderHiddenSize));
      if (cs) initial.c!.push(cs.slice(l * c.decoderHiddenSize, (l + 1) * c.decoderHiddenSize));
    }
    tape.reset();
    for (let s = 0; s < Ts; s++) for (let j = 0; j < D * H; j++) close(reading[1]!.hidden[s]![j]!, memory[s * D * H + j]!, 1e-6, `memory [${s}][${j}]`);

    // Decoder: output steps × Hd, h (and c) recomputed from its inputs and the bridged encoder state.
    const step = stepwiseLoss(t, backend, x, output);
    const feeds: number[][] = [];
    if (c.inputFeeding) {
      // The attentional vectors the decoder fed back: rebuilt step by step.
      const tp = Tape.inference(backend);
      const e2 = m.encode(tp, [ids]);
      let state = e2.state, feed = m.initialFeed(1)!;
      for (let q = 0; q < n; q++) {
        feeds.push(feed.toArray());
        const r = m.decodeStep(tp, e2, IntTensor.from([q === 0 ? c.goId : output[q - 1]!]), state, feed);
        state = r.state; feed = r.vector;
      }
      tp.reset();
    }
    const tgt = m.tgtEmbed.weight.toArray();
    const decoderInput = output.map((_, q) => {
      const prev = q === 0 ? c.goId : output[q - 1]!;
      return [...tgt.slice(prev * c.embeddingDim, (prev + 1) * c.embeddingDim), ...(feeds[q] ?? [])];
    });
    assert.equal(inside.decoder.length, c.numLayers);
    for (const layer of inside.decoder) {
      assert.equal(layer.hidden.length, n);
      for (const row of layer.hidden) assert.equal(row.length, c.decoderHiddenSize);
      assert.equal(layer.cellState?.length, k.cell === 'lstm' ? n : undefined);
    }
    checkLayers('decoder', inside.decoder, m.decoder, decoderInput, initial);

    // Per output step, the distribution is the softmax of the logits; the greedy token is the most likely (never [PAD]).
    const all = insideOfSeq2seq(t, backend, SEQ2SEQ_TEXT, { topK: c.targetVocabSize });
    assert.equal(inside.next.length, n);
    for (let q = 0; q < n; q++) {
      assert.equal(inside.next[q]!.length, 5);
      const p = softmax(step.logits[q]!);
      for (const { symbol, p: got } of all.next[q]!) close(got, p[t.target.idOf(symbol)!]!, 1e-5, `p(${symbol}) at output step ${q}`);
      const top = inside.next[q]!.filter((cand) => cand.symbol !== '[PAD]')[0]!;
      assert.equal(top.symbol, inside.output[q], `output step ${q}: the greedy token is the most likely`);
    }

    // Gradient through time over the source tokens (in source order): the cross-entropy of the
    // greedy output, teacher-forced and summed, against a finite difference at the largest step.
    const inReading = order.map((q) => inside.gradientThroughTime[q]!);
    for (const g of inside.gradientThroughTime) assert.ok(Number.isFinite(g) && g >= 0);
    const direct = stepGradient(m, backend, x, (tp, xt) => seq2seqLoss(t, tp, xt, output));
    assert.deepEqual(direct.norms, inReading);
    close(direct.loss, step.loss, 1e-4 * Math.max(1, step.loss), 'loss: teacher-forced, as decoding step by step gives it');
    const fdr = finiteDifference(x, inReading, (xx) => stepwiseLoss(t, backend, xx, output).loss);
    assert.ok(fdr.fd > 1e-3, `a gradient worth measuring at reading step ${fdr.step}: ${fdr.fd}`);
    close(inReading[fdr.step]!, fdr.fd, 2e-3 * fdr.fd, `gradient norm at reading step ${fdr.step} vs finite differences`);
  });
}

test('insideOfSeq2seq: unknown tokens left out (the model never read [UNK]), a long source cut to the model\'s bound, the limits', async () => {
  const backend = await backendPromise;
  const t = makeTranslator({ cell: 'gru', bidirectional: true, attention: 'dot', decoderHiddenSize: 2 * H }, 220);
  const skipped = insideOfSeq2seq(t, backend, 'aqb');
  assert.equal(skipped.unknown, 1);
  assert.deepEqual(skipped.symbols, ['a', 'b']);
  assert.equal(skipped.layers[0]!.hidden.length, 2);
  assert.equal(skipped.gradientThroughTime.length, 2);
  const long = insideOfSeq2seq(t, backend, 'abcdabcdabcdabcd');
  assert.equal(long.truncated, true);
  assert.equal(long.symbols.length, 10);
  assert.throws(() => insideOfSeq2seq(t, backend, ''), /the text is empty/);
  assert.throws(() => insideOfSeq2seq(t, backend, 'qqq'), /no source token is in the model's vocabulary/);
  assert.throws(() => insideOfSeq2seq(t, backend, 'ab', { topK: 1.5 }), /topK must be a positive integer/);
});

test('the inside route: a classifier, a tagger and an encoder-decoder answer their kind and distributions; a classifier of vectors and a forecaster are 400s saying why', async () => {
  const root = tempDir('recur-inside-route-');
  const dirs = ['classify', 'vectors', 'forecast', 'tag', 'seq2seq'].map((n) => { const d = join(root, n); mkdirSync(d); return d; });
  const tokenizer = Tokenizer.fit(TRAIN_TEXTS, { level: 'word' });
  const model = new RecurrentModel({ input: { kind: 'embedding', vocabSize: tokenizer.size, embeddingDim: 4 }, cell: 'lstm', hiddenSize: 3, bidirectional: true, outputSize: C, output: 'last', pooling: 'max' }, { rng: new Rng(90) });
  await saveModel(join(dirs[0]!, 'model.safetensors'), model, { task: 'classify', extra: { [CLASSIFY_METADATA_KEY]: JSON.stringify(classifyMeta(tokenizer, { multiLabel: true })) } });
  const dense = new RecurrentModel({ input: { kind: 'dense', size: 4 }, cell: 'gru', hiddenSize: 3, outputSize: C, output: 'last' }, { rng: new Rng(91) });
  await saveModel(join(dirs[1]!, 'model.safetensors'), dense, { task: 'classify', extra: { [CLASSIFY_METADATA_KEY]: JSON.stringify(classifyMeta(null, { features: 4 })) } });
  const series = new RecurrentModel({ input: { kind: 'dense', size: 2 }, cell: 'gru', hiddenSize: 3, outputSize: 2 }, { rng: new Rng(92) });
  await saveModel(join(dirs[2]!, 'model.safetensors'), series, { task: 'forecast' });
  const tagger = makeTaggerModel({ cell: 'lstm', crf: true, bidirectional: true, chars: true }, 93);
  await saveModel(join(dirs[3]!, 'model.safetensors'), tagger.model, { task: 'tag', extra: { [TAG_METADATA_KEY]: JSON.stringify(tagger.meta) } });
  const s2s = makeSeq2seqModel({ cell: 'gru', bidirectional: true, attention: 'additive', decoderHiddenSize: 5 }, 94);
  await saveModel(join(dirs[4]!, 'model.safetensors'), s2s.model, { task: 'seq2seq', extra: { [SEQ2SEQ_METADATA_KEY]: JSON.stringify(s2s.meta) } });
  const d = await startDashboard({ runs: dirs, port: 0 });
  try {
    const get = async (id: number, text: string) => {
      const r = await httpGet(d.port, `/api/runs/${id}/inside?token=${d.token}&text=${encodeURIComponent(text)}&topK=2`);
      return { status: r.status, body: JSON.parse(r.body) as Record<string, unknown> };
    };
    const ok = await get(0, 'a good film');
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const x = ok.body as unknown as ClassifierInside & { tokens: string; model: { bidirectional: boolean } };
    assert.equal(x.kind, 'classifier');
    assert.equal(x.tokens, 'word');
    assert.equal(x.model.bidirectional, true);
    assert.equal(x.multiLabel, true);
    assert.deepEqual(x.symbols, ['a', 'good', 'film']);
    assert.deepEqual(x.classes.map((cl) => cl.label), CLASSES);
    assert.ok(CLASSES.includes(x.predicted));
    assert.equal(x.layers[0]!.hidden[0]!.length, 6);
    assert.deepEqual(x.layers[0]!.gates!.map((g) => g.name).slice(0, 2), ['input (forward)', 'input (backward)']);
    assert.ok(x.next.every((n) => n.length === 2));
    assert.equal(x.gradientThroughTime.length, 3);
    const again = await get(0, 'a bad film');
    assert.equal(again.status, 200, 'the classifier derived once is used again');
    const vectors = await get(1, 'a good film');
    assert.equal(vectors.status, 400);
    assert.match(String(vectors.body.error), /^vectors\/model\.safetensors: this classifier reads vectors, not text/);
    const forecast = await get(2, 'a good film');
    assert.equal(forecast.status, 400);
    assert.equal(forecast.body.error, 'forecast/model.safetensors: the inside view reads models of typed text (language models, text classifiers, taggers, encoder-decoders); this is a forecaster, which reads a series, not typed text: see its task view');

    const tag = await get(3, 'The old dog saw a cat .');
    assert.equal(tag.status, 200, JSON.stringify(tag.body));
    const tg = tag.body as unknown as TaggerInside & { tokens: string; model: { crf: boolean } };
    assert.equal(tg.kind, 'tagger');
    assert.equal(tg.tokens, 'word');
    assert.equal(tg.model.crf, true);
    assert.equal(tg.distribution, 'crf-marginals');
    assert.deepEqual(tg.symbols, ['The', 'old', 'dog', 'saw', 'a', 'cat', '.']);
    assert.equal(tg.tags.length, 7);
    assert.ok(tg.tags.every((tag) => TAGS.includes(tag)));
    assert.equal(tg.layers[1]!.hidden[0]!.length, 2 * H);
    assert.ok(tg.next.every((n) => n.length === 2));
    assert.equal(tg.gradientThroughTime.length, 7);
    assert.equal((await get(3, 'a cat')).status, 200, 'the tagger derived once is used again');

    const s2sAnswer = await get(4, 'cab d');
    assert.equal(s2sAnswer.status, 200, JSON.stringify(s2sAnswer.body));
    const sq = s2sAnswer.body as unknown as Seq2seqInside & { tokens: string; model: { attention: string } };
    assert.equal(sq.kind, 'seq2seq');
    assert.equal(sq.tokens, 'char');
    assert.equal(sq.model.attention, 'additive');
    assert.deepEqual(sq.symbols, ['c', 'a', 'b', ' ', 'd']);
    assert.equal(sq.layers[0]!.hidden[0]!.length, 2 * H);
    assert.ok(sq.output.length >= 1);
    assert.equal(sq.decoder[0]!.hidden.length, sq.output.length);
    assert.equal(sq.next.length, sq.output.length);
    assert.equal(sq.gradientThroughTime.length, 5);
    assert.equal((await get(4, 'abc')).status, 200, 'the encoder-decoder derived once is used again');
  } finally {
    await d.close();
  }
});
