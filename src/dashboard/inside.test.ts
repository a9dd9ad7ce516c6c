import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Inside, embeddedInput, gradientThroughTime, insideOf, recomputeLayers } from './inside.js';
import { Tape } from '../autograd/tape.js';
import { crossEntropy, reshape } from '../autograd/ops/index.js';
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
