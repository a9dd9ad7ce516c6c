import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ClassifierInside, type Inside, MAX_CLASSIFIER_TOKENS, classifierGradient, embeddedInput, gradientThroughTime, insideClassifierOf, insideKindOf, insideOf, insideOfClassifier, recomputeLayers } from './inside.js';
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
  assert.equal(refusal('tag'), 'run/model.safetensors: the inside view reads language models and text classifiers; this is a tagger: see its task view');
  assert.match(refusal('seq2seq')!, /this is an encoder-decoder \(sequence-to-sequence\) model: see its task view$/);
  assert.match(refusal('forecast')!, /this is a forecaster: see its task view$/);
  assert.match(refusal('other')!, /this is a 'other' model$/);
  for (const task of [undefined, 'char-lm', 'word-lm']) assert.equal(insideKindOf({ task }, 'm'), 'lm');
});

test('the inside route: a classifier answers its kind, classes and per-prefix distributions; a classifier of vectors and a tagger are 400s saying why', async () => {
  const root = tempDir('recur-inside-route-');
  const dirs = ['classify', 'vectors', 'tag'].map((n) => { const d = join(root, n); mkdirSync(d); return d; });
  const tokenizer = Tokenizer.fit(TRAIN_TEXTS, { level: 'word' });
  const model = new RecurrentModel({ input: { kind: 'embedding', vocabSize: tokenizer.size, embeddingDim: 4 }, cell: 'lstm', hiddenSize: 3, bidirectional: true, outputSize: C, output: 'last', pooling: 'max' }, { rng: new Rng(90) });
  await saveModel(join(dirs[0]!, 'model.safetensors'), model, { task: 'classify', extra: { [CLASSIFY_METADATA_KEY]: JSON.stringify(classifyMeta(tokenizer, { multiLabel: true })) } });
  const dense = new RecurrentModel({ input: { kind: 'dense', size: 4 }, cell: 'gru', hiddenSize: 3, outputSize: C, output: 'last' }, { rng: new Rng(91) });
  await saveModel(join(dirs[1]!, 'model.safetensors'), dense, { task: 'classify', extra: { [CLASSIFY_METADATA_KEY]: JSON.stringify(classifyMeta(null, { features: 4 })) } });
  const tagger = new RecurrentModel({ input: { kind: 'embedding', vocabSize: 5, embeddingDim: 2 }, cell: 'gru', hiddenSize: 3, outputSize: 2 }, { rng: new Rng(92) });
  await saveModel(join(dirs[2]!, 'model.safetensors'), tagger, { task: 'tag' });
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
    const tag = await get(2, 'a good film');
    assert.equal(tag.status, 400);
    assert.equal(tag.body.error, 'tag/model.safetensors: the inside view reads language models and text classifiers; this is a tagger: see its task view');
  } finally {
    await d.close();
  }
});
