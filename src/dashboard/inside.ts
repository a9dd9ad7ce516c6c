/**
 * The dashboard's "inside the network" view (issue 17): what a recurrent model does with a short
 * typed text, step by step, for four kinds of model:
 * - `insideOf`, a unidirectional language model: every layer's hidden state (and LSTM cell
 *   state) at every step from the model's own forward pass, one symbol at a time, and the most
 *   likely next symbols after each step;
 * - `insideOfClassifier`, a sequence classifier of `recur classify train` (output 'last', any
 *   pooling, possibly bidirectional) reading text: every layer's output at every step (forward
 *   units, then backward ones) from the model's recurrent layers run on the whole text, and the
 *   class probabilities of each prefix of the text (the model run on every prefix);
 * - `insideOfTagger`, a tagger of `recur tag train` reading a sentence (split as `recur tag`
 *   splits it): the encoder's layers over the words (its input: each word's embedding and
 *   character features), and each word's distribution over the tags (the softmax, or the CRF's
 *   marginals);
 * - `insideOfSeq2seq`, an encoder-decoder of `recur seq2seq train`: the encoder's layers over
 *   the source tokens, and the greedy translation step by step (the decoder's layers and the
 *   most likely tokens at each output step).
 * All share the rest: layer outputs of a recurrent stack run on a whole sequence
 * (`recurrentOutputs`), the gate activations of LSTM and GRU cells recomputed in plain JavaScript
 * from the weights (`recomputeRecurrent`, both directions, from a given initial state for a
 * decoder), and the gradient through time |d loss / d x_t| (`stepGradient`, on a recording tape
 * from a watched input, the loss given by the kind). `insideKindOf` says which kind a model file
 * is, or why the view cannot read it.
 *
 * For looking inside a model, not for speed: the gates are computed with plain loops in float64.
 */
import { Tape } from '../autograd/tape.js';
import { bceWithLogits, concatLast, crfNll, crossEntropy, maskedMaxPool, maskedMeanPool, recurrentLayer, reshape, select } from '../autograd/ops/index.js';
import { UNK_ID } from '../data/tokenizer.js';
import type { Backend } from '../kernels/backend.js';
import { cellKind } from '../kernels/cell-kinds.js';
import type { Module } from '../nn/module.js';
import type { RecurrentModel } from '../nn/recurrent-model.js';
import { type RecurrentBase, type RecurrentState, detachState } from '../nn/recurrent.js';
import type { LoadedModel } from '../io/model-file.js';
import type { SavedModule } from '../nn/model-kinds.js';
import { type LmVocabulary, defaultUnknownPolicy, encodeText } from '../tasks/char-lm/vocab.js';
import { type Classifier, classProbabilities, classifierOf, topK as topClasses } from '../tasks/classify/predict.js';
import { decode } from '../tasks/seq2seq/decode.js';
import { type Translator, encodeSources, translatorOf } from '../tasks/seq2seq/translate.js';
import { makeTagBatch } from '../tasks/tag/batches.js';
import { type LoadedTagger, splitWords, taggerOf } from '../tasks/tag/predict.js';
import { IntTensor, type Tensor } from '../tensor/tensor.js';
import type { ClassifierInside, InsideGate, InsideLayer, LmInside, Seq2seqInside, TaggerInside } from './inside-types.js';

export type { ClassifierInside, Inside, InsideClass, InsideGate, InsideLayer, LmInside, Seq2seqInside, TaggerInside } from './inside-types.js';

export interface InsideOptions {
  /** Next symbols (language model), classes (classifier), tags (tagger) or tokens (encoder-decoder) listed per step (default 5). */
  topK?: number;
}

/** Most tokens `insideOfClassifier` reads: it runs the model on every prefix of the text. */
export const MAX_CLASSIFIER_TOKENS = 200;

/** Most words `insideOfTagger` reads (as the tagger's task view). */
export const MAX_TAGGER_WORDS = 200;

/** The kinds of model the inside view reads. */
export type InsideKind = 'lm' | 'classifier' | 'tagger' | 'seq2seq';

const GATE_NAMES: Record<string, readonly string[]> = {
  lstm: ['input', 'forget', 'cell', 'output'],
  gru: ['reset', 'update', 'new'],
};

/** What the tasks the inside view does not read are, for its refusal. */
const OTHER_KINDS: Record<string, string> = {
  forecast: 'a forecaster, which reads a series, not typed text',
};

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

function activate(kind: 'tanh' | 'relu' | 'sigmoid' | string, v: number): number {
  if (kind === 'tanh') return Math.tanh(v);
  if (kind === 'relu') return v > 0 ? v : 0;
  if (kind === 'sigmoid') return sigmoid(v);
  throw new Error(`insideOf: unknown nonlinearity '${kind}'`);
}

function checkTopK(where: string, topK: number): void {
  if (!(Number.isInteger(topK) && topK >= 1)) throw new Error(`${where}: topK must be a positive integer, got ${String(topK)}`);
}

/**
 * Which kind of model the inside view reads a model file as: a language model (a file of
 * `recur lm train`, or one without a task), a classifier (`recur classify train`), a tagger
 * (`recur tag train`) or an encoder-decoder (`recur seq2seq train`). Any other task (a
 * forecaster) is an error naming it and pointing to its task view.
 */
export function insideKindOf(loaded: Pick<LoadedModel<SavedModule>, 'task'>, source: string): InsideKind {
  const task = loaded.task;
  if (task === 'classify') return 'classifier';
  if (task === 'tag') return 'tagger';
  if (task === 'seq2seq') return 'seq2seq';
  if (task === undefined || task === 'char-lm' || task === 'word-lm') return 'lm';
  const what = Object.hasOwn(OTHER_KINDS, task) ? `${OTHER_KINDS[task]}: see its task view` : `a '${task}' model`;
  throw new Error(`${source}: the inside view reads models of typed text (language models, text classifiers, taggers, encoder-decoders); this is ${what}`);
}

/** A classifier the inside view can read (`classifierOf`, and a tokenizer: the model reads text, not vectors). */
export function insideClassifierOf(loaded: LoadedModel<SavedModule>, source: string): Classifier {
  const c = classifierOf(loaded, source);
  if (!c.tokenizer) throw new Error(`${source}: this classifier reads vectors, not text (sequences of ${c.meta.features} values per step), so a typed text cannot be read; see its task view`);
  return c;
}

/** The ids of `text` and the unknown count, with the checks `insideOf` makes. */
function encode(where: string, vocab: LmVocabulary, text: string): { ids: Int32Array; unknown: number } {
  if (typeof text !== 'string' || text.length === 0) throw new Error(`${where}: the text is empty`);
  const e = encodeText(vocab, text, defaultUnknownPolicy(vocab));
  if (e.symbols === 0) throw new Error(`${where}: the text has no symbols`);
  if (e.unknown === e.symbols || e.ids.length === 0) {
    throw new Error(`${where}: no symbol of the text is inside the model's vocabulary (${e.unknown} unknown: ${e.examples.join(', ')})`);
  }
  return { ids: e.ids, unknown: e.unknown };
}

function checkModel(where: string, model: RecurrentModel, vocab: LmVocabulary): void {
  const c = model.config;
  if (c.bidirectional) throw new Error(`${where}: a bidirectional model reads the whole text in both directions, so it has no state after each step; insideOf needs a unidirectional language model`);
  if (c.output !== 'sequence') throw new Error(`${where}: the model has output '${c.output}' (one prediction per sequence); insideOf needs a language model with output 'sequence'`);
  if (c.input.kind === 'dense') throw new Error(`${where}: the model reads dense features; insideOf needs a language model reading token ids`);
  if (c.batchFirst) throw new Error(`${where}: batch-first models are not supported; insideOf needs a time-major language model`);
  if (c.outputSize !== vocab.size) throw new Error(`${where}: the model predicts ${c.outputSize} symbols and the vocabulary has ${vocab.size}`);
  if (c.input.vocabSize !== vocab.size) throw new Error(`${where}: the model reads ${c.input.vocabSize} symbols and the vocabulary has ${vocab.size}`);
}

/** The [T][I] input of the recurrent stack for `ids`: embedding rows (from the embedding weights) or one-hot vectors. */
export function embeddedInput(model: RecurrentModel, ids: ArrayLike<number>): number[][] {
  const I = model.rnn.inputSize;
  const out: number[][] = [];
  if (model.embedding) {
    const w = model.embedding.weight.toArray();
    for (let t = 0; t < ids.length; t++) out.push(w.slice(ids[t]! * I, (ids[t]! + 1) * I));
  } else {
    for (let t = 0; t < ids.length; t++) {
      const v = new Array<number>(I).fill(0);
      v[ids[t]!] = 1;
      out.push(v);
    }
  }
  return out;
}

/** A recurrent stack's state before its first step, per layer and direction (row l * D + d, [H] each; an LSTM's c too). */
export interface InitialState {
  h: number[][];
  c?: number[][];
}

/** [L*D][H] rows of a state tensor [L*D, 1, H] (one sequence). */
function stateRows(t: Tensor, H: number): number[][] {
  const flat = t.toArray();
  return Array.from({ length: flat.length / H }, (_, i) => flat.slice(i * H, (i + 1) * H));
}

export interface RecomputedLayer {
  /** [T][D*H]: h_t recomputed from the gates (fed the model's h_{t-1}), forward units then backward ones. */
  hidden: number[][];
  /** [T][D*H]: c_t recomputed from the gates (LSTM). */
  cellState?: number[][];
  gates?: InsideGate[];
}

/** `recomputeRecurrent` on the model's recurrent layers (`model.rnn`), from zeros. */
export function recomputeLayers(model: RecurrentModel, input: number[][], layers: readonly InsideLayer[]): RecomputedLayer[] {
  return recomputeRecurrent(model.rnn, input, layers);
}

/**
 * Every layer's gates, and h_t (and c_t) recomputed from them, in plain JavaScript from the
 * layers' weights (PyTorch layout, gates stacked i,f,g,o / r,z,n) of a recurrent stack (an
 * Rnn, Lstm or Gru: a model's `rnn`, a tagger's encoder, an encoder-decoder's encoder or
 * decoder): layer 0 reads `input` ([T][I]), layer l > 0 the model's hidden states of layer l-1
 * (`layers[l-1].hidden`, both directions), and each step starts from the model's own h_{t-1} of
 * that layer and direction; at the direction's first step from `initial` (a decoder's state from
 * the encoder), else zeros. The c_{t-1} of an LSTM is the model's (`layers[l].cellState`) when
 * given, else the one recomputed at the step before. The forward direction runs t = 0..T-1 from
 * the `weight_*_l{l}` weights; a bidirectional layer's backward direction runs t = T-1..0 from
 * the `_reverse` weights (its "previous" step is t+1), and its units follow the forward ones. A
 * recomputed h_t equal to the model's proves the gate maths and the layout. In a bidirectional
 * layer each gate is listed per direction ('input (forward)', 'input (backward)', 'forget
 * (forward)', ...).
 */
export function recomputeRecurrent(rnn: RecurrentBase, input: number[][], layers: readonly InsideLayer[], initial?: InitialState): RecomputedLayer[] {
  const info = cellKind(rnn.cell);
  const G = info.gates, H = rnn.hiddenSize, T = input.length, D = rnn.numDirections;
  const params = new Map<string, number[]>();
  for (const [name, p] of rnn.namedParameters()) params.set(name, p.toArray());
  const names = GATE_NAMES[rnn.cell];
  const out: RecomputedLayer[] = [];
  for (let l = 0; l < rnn.numLayers; l++) {
    const xs = l === 0 ? input : layers[l - 1]!.hidden;
    const I = xs[0]!.length;
    const own = layers[l]!;
    const hidden = Array.from({ length: T }, () => new Array<number>(D * H));
    const cells = info.cellState ? Array.from({ length: T }, () => new Array<number>(D * H)) : undefined;
    const gates: InsideGate[] | undefined = names?.flatMap((name) => (D === 1
      ? [{ name, values: new Array<number[]>(T) }]
      : (['forward', 'backward'] as const).map((direction) => ({ name: `${name} (${direction})`, direction, values: new Array<number[]>(T) }))));
    for (let d = 0; d < D; d++) {
      const sfx = d === 1 ? '_reverse' : '';
      const wih = params.get(`weight_ih_l${l}${sfx}`)!, whh = params.get(`weight_hh_l${l}${sfx}`)!;
      const bih = params.get(`bias_ih_l${l}${sfx}`), bhh = params.get(`bias_hh_l${l}${sfx}`);
      if (wih.length !== G * H * I) throw new Error(`insideOf: weight_ih_l${l}${sfx} has ${wih.length} values, expected ${G * H} x ${I}`);
      const at = (k: number) => (D === 1 ? k : 2 * k + d); // this direction's gate k in `gates`
      const zeros = new Array<number>(H).fill(0);
      const h0 = initial?.h[l * D + d] ?? zeros, c0 = initial?.c?.[l * D + d] ?? zeros;
      for (let s = 0; s < T; s++) {
        const t = d === 0 ? s : T - 1 - s, prev = d === 0 ? t - 1 : t + 1;
        const x = xs[t]!;
        const hPrev = s === 0 ? h0 : own.hidden[prev]!.slice(d * H, (d + 1) * H);
        // gi = W_ih x + b_ih, gh = W_hh h + b_hh, each [G*H].
        const gi = new Float64Array(G * H), gh = new Float64Array(G * H);
        for (let r = 0; r < G * H; r++) {
          let a = bih ? bih[r]! : 0;
          for (let k = 0; k < I; k++) a += wih[r * I + k]! * x[k]!;
          let b = bhh ? bhh[r]! : 0;
          for (let k = 0; k < H; k++) b += whh[r * H + k]! * hPrev[k]!;
          gi[r] = a; gh[r] = b;
        }
        const h = hidden[t]!;
        if (rnn.cell === 'lstm') {
          const cPrev = s === 0 ? c0 : (own.cellState ?? cells!)[prev]!.slice(d * H, (d + 1) * H);
          const gv = [0, 1, 2, 3].map(() => new Array<number>(H));
          const c = cells![t]!;
          for (let j = 0; j < H; j++) {
            const pre = (g: number) => gi[g * H + j]! + gh[g * H + j]!;
            const i = sigmoid(pre(0)), f = sigmoid(pre(1)), g = Math.tanh(pre(2)), o = sigmoid(pre(3));
            gv[0]![j] = i; gv[1]![j] = f; gv[2]![j] = g; gv[3]![j] = o;
            c[d * H + j] = f * cPrev[j]! + i * g;
            h[d * H + j] = o * Math.tanh(c[d * H + j]!);
          }
          gv.forEach((v, k) => { gates![at(k)]!.values[t] = v; });
        } else if (rnn.cell === 'gru') {
          const gv = [0, 1, 2].map(() => new Array<number>(H));
          for (let j = 0; j < H; j++) {
            const r = sigmoid(gi[j]! + gh[j]!);
            const z = sigmoid(gi[H + j]! + gh[H + j]!);
            const n = Math.tanh(gi[2 * H + j]! + r * gh[2 * H + j]!);
            gv[0]![j] = r; gv[1]![j] = z; gv[2]![j] = n;
            h[d * H + j] = (1 - z) * n + z * hPrev[j]!;
          }
          gv.forEach((v, k) => { gates![at(k)]!.values[t] = v; });
        } else {
          const act = info.nonlinearity;
          if (!act) throw new Error(`insideOf: cell '${rnn.cell}' is not supported`);
          for (let j = 0; j < H; j++) h[d * H + j] = activate(act, gi[j]! + gh[j]!);
        }
      }
    }
    const layer: RecomputedLayer = { hidden };
    if (cells) layer.cellState = cells;
    if (gates) layer.gates = gates;
    out.push(layer);
  }
  return out;
}

/** `recurrentOutputs` of the model's recurrent layers (`model.rnn`). */
export function layerOutputs(model: RecurrentModel, backend: Backend, input: number[][]): number[][][] {
  return recurrentOutputs(model.rnn, backend, input);
}

/**
 * Every layer's output at every step, [L][T][D*H] (forward units, then backward ones), for the
 * input `input` ([T][I], one sequence, from zeros): a recurrent stack run on the whole sequence
 * as its `forward` runs it in eval mode (one `recurrentLayer` per layer and direction, the
 * directions' outputs concatenated), keeping what each layer outputs.
 */
export function recurrentOutputs(rnn: RecurrentBase, backend: Backend, input: number[][]): number[][][] {
  const T = input.length, D = rnn.numDirections, F = D * rnn.hiddenSize;
  const tape = Tape.inference(backend);
  try {
    let x = tape.tensor([T, 1, rnn.inputSize]);
    input.forEach((row, t) => x.data.set(row, t * rnn.inputSize));
    const out: number[][][] = [];
    for (let l = 0; l < rnn.numLayers; l++) {
      const outs: Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const sfx = d === 1 ? '_reverse' : '';
        outs.push(recurrentLayer(tape, x, {
          weightIh: rnn.param(`weight_ih_l${l}${sfx}`),
          weightHh: rnn.param(`weight_hh_l${l}${sfx}`),
          biasIh: rnn.bias ? rnn.param(`bias_ih_l${l}${sfx}`) : undefined,
          biasHh: rnn.bias ? rnn.param(`bias_hh_l${l}${sfx}`) : undefined,
        }, { cell: rnn.cell, reverse: d === 1 }).output);
      }
      x = outs.length === 1 ? outs[0]! : concatLast(tape, outs);
      const flat = x.toArray();
      out.push(Array.from({ length: T }, (_, t) => flat.slice(t * F, (t + 1) * F)));
    }
    return out;
  } finally {
    tape.reset();
  }
}

/** softmax of `logits` in float64. */
function softmax(logits: ArrayLike<number>): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > m) m = logits[i]!;
  const p = new Float64Array(logits.length);
  let s = 0;
  for (let i = 0; i < logits.length; i++) s += (p[i] = Math.exp(logits[i]! - m));
  for (let i = 0; i < p.length; i++) p[i]! /= s;
  return p;
}

/**
 * The logits `model.forward` gives one sequence whose recurrent input is `x` ([T, 1, I], time
 * major), in eval mode: [T, V] at every step for output 'sequence'; [1, O] for output 'last',
 * from what `pooling` reads (the final state of the last layer, both directions, or the mean,
 * max or attention over all T steps).
 */
function logitsOf(tape: Tape, model: RecurrentModel, x: Tensor): Tensor {
  const { output, state } = model.rnn.forward(tape, x);
  const [T, , F] = output.shape as [number, number, number];
  if (model.config.output === 'sequence') return model.head.forward(tape, reshape(tape, output, [T, F]));
  return model.head.forward(tape, pooled(tape, model, output, state));
}

/** [1, F]: what a model of output 'last' pools from one sequence's outputs [T, 1, F] and final state. */
function pooled(tape: Tape, model: RecurrentModel, output: Tensor, state: RecurrentState): Tensor {
  const pooling = model.config.pooling ?? 'last';
  if (pooling === 'mean') return maskedMeanPool(tape, output);
  if (pooling === 'max') return maskedMaxPool(tape, output);
  if (pooling === 'attention') return model.attention!.forward(tape, output).pooled;
  const L = model.rnn.numLayers, D = model.rnn.numDirections;
  const finals = Array.from({ length: D }, (_, d) => select(tape, state.h, (L - 1) * D + d));
  return D === 1 ? finals[0]! : concatLast(tape, finals);
}

/**
 * The gradient of `run`'s loss with respect to its input: one forward on a recording tape from a
 * watched tensor of `shape` holding `values`, with `module` in eval mode and none of its
 * parameters taking a gradient (nothing accumulates on the weights); then backward. Returns
 * d loss / d input (zeros where the loss does not depend on it), the loss, and `run`'s `output`
 * as rows of its last axis. Leaves the parameters' gradient flags and the module's mode as they
 * were.
 */
function watchedGradient(module: Module, backend: Backend, shape: number[], values: ArrayLike<number>, run: (tape: Tape, x: Tensor) => { loss: Tensor; output: Tensor }): { grad: Float64Array; loss: number; output: number[][] } {
  const params = module.parameters();
  const saved = params.map((p) => p.requiresGrad);
  const wasTraining = module.training;
  module.eval();
  const tape = new Tape(backend);
  try {
    for (const p of params) p.requiresGrad = false;
    const x = tape.tensor(shape);
    x.data.set(values);
    tape.watch(x);
    const r = run(tape, x);
    const lossValue = r.loss.item();
    const O = r.output.shape[r.output.shape.length - 1]!;
    const flat = r.output.toArray();
    tape.backward(r.loss);
    const g = tape.gradIfAny(x);
    const grad = g ? Float64Array.from(g.data) : new Float64Array(x.size);
    return { grad, loss: lossValue, output: Array.from({ length: flat.length / O }, (_, n) => flat.slice(n * O, (n + 1) * O)) };
  } finally {
    tape.reset();
    params.forEach((p, i) => { p.requiresGrad = saved[i]!; });
    module.train(wasTraining);
  }
}

/**
 * The gradient through time of any loss: `watchedGradient` from the [T, 1, I] input `input`
 * ([T][I], one sequence, time major), with `run` giving the loss and the logits. Returns
 * |d loss / d x_t| per step (the L2 norm over the I values of step t), the loss, and the logits
 * as rows.
 */
export function stepGradient(module: Module, backend: Backend, input: number[][], run: (tape: Tape, x: Tensor) => { loss: Tensor; logits: Tensor }): { norms: number[]; loss: number; logits: number[][] } {
  const T = input.length, I = input[0]?.length ?? 0;
  const flat = new Float64Array(T * I);
  input.forEach((row, t) => flat.set(row, t * I));
  const r = watchedGradient(module, backend, [T, 1, I], flat, (tape, x) => {
    const o = run(tape, x);
    return { loss: o.loss, output: o.logits };
  });
  const norms: number[] = [];
  for (let t = 0; t < T; t++) {
    let s = 0;
    for (let i = t * I; i < (t + 1) * I; i++) s += r.grad[i]! * r.grad[i]!;
    norms.push(Math.sqrt(s));
  }
  return { norms, loss: r.loss, logits: r.output };
}

/**
 * The gradient through time of any loss: `stepGradient` from the watched [T, 1, I] input
 * `input` ([T][I], the embedded or one-hot symbols) through the model, as `model.forward` runs in
 * eval mode (`logitsOf`), then `loss(tape, logits)` (a scalar). Returns |d loss / d x_t| per
 * step, the loss, and the logits of that forward as rows ([T][V] for a language model, [1][O]
 * for a classifier; equal to `model.forward`'s). Leaves the parameters' gradients (and the
 * model's mode) as they were.
 */
export function inputGradient(model: RecurrentModel, backend: Backend, input: number[][], loss: (tape: Tape, logits: Tensor) => Tensor): { norms: number[]; loss: number; logits: number[][] } {
  return stepGradient(model, backend, input, (tape, x) => {
    const logits = logitsOf(tape, model, x);
    return { loss: loss(tape, logits), logits };
  });
}

/**
 * The gradient through time of a language model on `ids` ([T], T >= 2): `inputGradient` with
 * loss the cross-entropy of ids[T-1] from the logits at step T-2. The logits are [T][V].
 */
export function gradientThroughTime(model: RecurrentModel, backend: Backend, ids: ArrayLike<number>): { norms: number[]; loss: number; logits: number[][] } {
  const T = ids.length;
  if (T < 2) throw new Error('gradientThroughTime: needs at least 2 symbols (a loss predicts the last from the one before)');
  return inputGradient(model, backend, embeddedInput(model, ids), (tape, logits) => {
    const targets = new IntTensor(new Int32Array(T).fill(-100), [T]);
    targets.data[T - 2] = ids[T - 1]!;
    return crossEntropy(tape, logits, targets);
  });
}

/**
 * The gradient through time of a classifier on `ids` (the whole text): `inputGradient` with
 * loss the cross-entropy of class `target` (-log softmax; for a multi-label classifier the
 * binary cross-entropy of that class being present, -log sigmoid). The logits are [1][C].
 */
export function classifierGradient(c: Classifier, backend: Backend, ids: ArrayLike<number>, target: number): { norms: number[]; loss: number; logits: number[][] } {
  const C = c.model.config.outputSize;
  if (!(Number.isInteger(target) && target >= 0 && target < C)) throw new Error(`classifierGradient: target must be a class in [0, ${C}), got ${target}`);
  return inputGradient(c.model, backend, embeddedInput(c.model, ids), (tape, logits) => {
    if (!c.meta.multiLabel) return crossEntropy(tape, logits, new IntTensor(Int32Array.of(target), [1]));
    const present = tape.tensor([1, C]);
    present.data[target] = 1; // the target (1) and the mask (only that class counts) alike
    return bceWithLogits(tape, logits, present, { mask: present, reduction: 'sum' });
  });
}

/** The layers' gates (recomputed from `rnn`'s weights, its input and initial state) put beside the model's own hidden states. */
function withGates(rnn: RecurrentBase, input: number[][], layers: InsideLayer[], initial?: InitialState): InsideLayer[] {
  const recomputed = recomputeRecurrent(rnn, input, layers, initial);
  recomputed.forEach((r, l) => { if (r.gates) layers[l]!.gates = r.gates; });
  return layers;
}

/** The `topK` most likely entries of a distribution `p`, most likely first (ties: the lower index), named by `name`. */
function topOf(p: ArrayLike<number>, topK: number, name: (i: number) => string): { symbol: string; p: number }[] {
  const order = Array.from({ length: p.length }, (_, i) => i).sort((a, b) => p[b]! - p[a]! || a - b).slice(0, topK);
  return order.map((i) => ({ symbol: name(i), p: p[i]! }));
}

/** Runs `fn` with `module` in eval mode, restoring its mode after. */
function inEval<T>(module: Module, fn: () => T): T {
  const wasTraining = module.training;
  module.eval();
  try {
    return fn();
  } finally {
    module.train(wasTraining);
  }
}

/** What a unidirectional language model does with `text`, step by step (see `LmInside`). */
export function insideOf(model: RecurrentModel, vocab: LmVocabulary, backend: Backend, text: string, options: InsideOptions = {}): LmInside {
  const where = 'insideOf';
  const topK = options.topK ?? 5;
  checkTopK(where, topK);
  checkModel(where, model, vocab);
  const { ids, unknown } = encode(where, vocab, text);
  const T = ids.length, L = model.config.numLayers, H = model.config.hiddenSize;
  const hasCell = cellKind(model.config.cell).cellState;
  const layers: InsideLayer[] = Array.from({ length: L }, () => (hasCell ? { hidden: [], cellState: [] } : { hidden: [] }));
  const next: { symbol: string; p: number }[][] = [];
  const wasTraining = model.training;
  model.eval();
  const tape = Tape.inference(backend);
  try {
    let state: RecurrentState | undefined;
    for (let t = 0; t < T; t++) {
      tape.reset();
      const out = model.forward(tape, new IntTensor(Int32Array.of(ids[t]!), [1, 1]), state ? { initialState: state } : {});
      state = detachState(out.state);
      next.push(topOf(softmax(out.logits.toArray()), topK, (id) => vocab.symbol(id)));
      const h = state.h.toArray(), c = state.c?.toArray();
      for (let l = 0; l < L; l++) {
        layers[l]!.hidden.push(h.slice(l * H, (l + 1) * H));
        if (c) layers[l]!.cellState!.push(c.slice(l * H, (l + 1) * H));
      }
    }
  } finally {
    tape.reset();
    model.train(wasTraining);
  }
  return {
    kind: 'lm',
    symbols: Array.from(ids, (id) => vocab.symbol(id)),
    unknown,
    cell: model.config.cell,
    directions: 1,
    layers: withGates(model.rnn, embeddedInput(model, ids), layers),
    next,
    gradientThroughTime: T >= 2 ? gradientThroughTime(model, backend, ids).norms : [],
  };
}

/**
 * What a sequence classifier (`recur classify train`, text read through its tokenizer) does with
 * `text` (at most MAX_CLASSIFIER_TOKENS tokens, and no more than the model was trained on), step
 * by step (see `ClassifierInside`): each layer's output at every step of the whole text (both
 * directions of a bidirectional layer), the gates recomputed, the class probabilities of every
 * prefix tokens[0..t] (`classProbabilities` on the prefixes: softmax, or per-class sigmoids for a
 * multi-label model), and the gradient through time of the cross-entropy of the class predicted
 * for the whole text.
 */
export function insideOfClassifier(c: Classifier, backend: Backend, text: string, options: InsideOptions = {}): ClassifierInside {
  const where = 'insideOfClassifier';
  const topK = options.topK ?? 5;
  checkTopK(where, topK);
  if (!c.tokenizer) throw new Error(`${where}: this classifier reads vectors, not text (sequences of ${c.meta.features} values per step)`);
  const cfg = c.model.config;
  if (cfg.output !== 'last') throw new Error(`${where}: the model has output '${cfg.output}'; a classifier has output 'last' (one prediction per text)`);
  if (cfg.batchFirst) throw new Error(`${where}: batch-first models are not supported; the inside view needs a time-major classifier`);
  if (typeof text !== 'string' || text.length === 0) throw new Error(`${where}: the text is empty`);
  const ids = c.tokenizer.encode(text);
  const T = ids.length;
  const unit = c.tokenizer.options.level === 'char' ? 'characters' : 'words';
  if (T === 0) throw new Error(`${where}: the text has no tokens (${unit})`);
  if (T > MAX_CLASSIFIER_TOKENS) throw new Error(`${where}: the text is ${T} tokens (${unit}); the inside view of a classifier reads at most ${MAX_CLASSIFIER_TOKENS}, since it runs the model on every prefix`);
  const max = c.meta.maxLength;
  if (max > 0 && T > max) throw new Error(`${where}: the text is ${T} tokens (${unit}), more than the ${max} the model was trained on (--max-length)`);

  const classes = c.meta.classes, C = classes.length;
  const probabilities = classProbabilities(c, backend, Array.from({ length: T }, (_, t) => ids.subarray(0, t + 1)));
  const next = Array.from({ length: T }, (_, t) => topClasses(probabilities, classes, t, topK).map((r) => ({ symbol: r.label, p: r.probability })));
  const final = probabilities.subarray((T - 1) * C, T * C);
  let predicted = 0;
  for (let k = 1; k < C; k++) if (final[k]! > final[predicted]!) predicted = k;

  const input = embeddedInput(c.model, ids);
  const layers: InsideLayer[] = recurrentOutputs(c.model.rnn, backend, input).map((hidden) => ({ hidden }));
  let unknown = 0;
  for (const id of ids) if (id === UNK_ID) unknown++;
  return {
    kind: 'classifier',
    symbols: Array.from(ids, (id) => c.tokenizer!.vocabulary[id]!),
    unknown,
    cell: cfg.cell,
    directions: c.model.rnn.numDirections,
    layers: withGates(c.model.rnn, input, layers),
    next,
    gradientThroughTime: classifierGradient(c, backend, ids, predicted).norms,
    classes: classes.map((label, k) => ({ label, p: final[k]! })),
    predicted: classes[predicted]!,
    multiLabel: c.meta.multiLabel,
  };
}

// ---- taggers --------------------------------------------------------------------------------

/** A tagger the inside view can read (`taggerOf`). */
export function insideTaggerOf(loaded: LoadedModel<SavedModule>, source: string): LoadedTagger {
  return taggerOf(loaded, source);
}

/**
 * Each word's marginal distribution over the tags under the tagger's CRF, P(y_t = k | sentence),
 * for the emissions [T][K] of one sentence: the CRF's forward-backward pass (crf.ts), read off
 * the gradient of its negative log-likelihood of any path y (here the Viterbi path `path`):
 * d nll / d emissions[t][k] = P(y_t = k) - 1[y_t = k].
 */
export function crfMarginals(t: LoadedTagger, backend: Backend, emissions: number[][], path: ArrayLike<number>): number[][] {
  const crf = t.model.crf;
  if (!crf) throw new Error('crfMarginals: the tagger has no CRF');
  const T = emissions.length, K = t.model.config.tagCount;
  const r = watchedGradient(t.model, backend, [T, 1, K], emissions.flat(), (tape, e) => ({
    loss: crfNll(tape, e, new IntTensor(Int32Array.from(path), [T, 1]), [T], crf.transitions, crf.start, crf.end, { reduction: 'sum' }),
    output: e,
  }));
  return Array.from({ length: T }, (_, i) => Array.from({ length: K }, (_, k) => r.grad[i * K + k]! + (path[i] === k ? 1 : 0)));
}

/**
 * What a tagger (`recur tag train`) does with a sentence (`text`, split into words as
 * `recur tag` splits plain text, at most MAX_TAGGER_WORDS), word by word (see `TaggerInside`):
 * the encoder's input per word (word embedding and character features, from the model's own
 * `encoderInput`), each encoder layer's output at every word (both directions), the gates
 * recomputed, the predicted tags and their confidence as `tagSentences` gives them, each word's
 * distribution over the tags (the softmax; for a CRF the marginals), and the gradient through
 * time of the cross-entropy of the predicted tags summed over the sentence (for a CRF, its
 * negative log-likelihood of the predicted path) with respect to each word's encoder input.
 */
export function insideOfTagger(t: LoadedTagger, backend: Backend, text: string, options: InsideOptions = {}): TaggerInside {
  const where = 'insideOfTagger';
  const topK = options.topK ?? 5;
  checkTopK(where, topK);
  if (typeof text !== 'string' || text.length === 0) throw new Error(`${where}: the text is empty`);
  const words = splitWords(text);
  if (words.length === 0) throw new Error(`${where}: the text has no words`);
  if (words.length > MAX_TAGGER_WORDS) throw new Error(`${where}: the text has ${words.length} words; the inside view of a tagger reads at most ${MAX_TAGGER_WORDS}`);
  const model = t.model, cfg = model.config;
  const set = t.vocab.encode([{ words, tags: words.map(() => undefined), lines: words.map(() => 1) }], false);
  const batch = makeTagBatch(set, [0]);
  const T = words.length, K = cfg.tagCount;
  const { input, emissions, tags, confidence } = inEval(model, () => {
    const tape = Tape.inference(backend);
    try {
      const x = model.encoderInput(tape, batch); // [T, 1, I]
      const I = x.shape[2]!;
      const flat = x.toArray();
      const e = model.emissionsFrom(tape, x, batch.lengths);
      const p = model.decode(e, batch); // as tagSentences: argmax or Viterbi
      const ef = e.toArray();
      return {
        input: Array.from({ length: T }, (_, i) => flat.slice(i * I, (i + 1) * I)),
        emissions: Array.from({ length: T }, (_, i) => ef.slice(i * K, (i + 1) * K)),
        tags: p.tags[0]!, confidence: Array.from(p.confidence[0]!),
      };
    } finally {
      tape.reset();
    }
  });
  const distribution: TaggerInside['distribution'] = model.crf ? 'crf-marginals' : 'softmax';
  const probabilities = model.crf ? crfMarginals(t, backend, emissions, tags) : emissions.map((row) => Array.from(softmax(row)));
  const layers: InsideLayer[] = recurrentOutputs(model.encoder, backend, input).map((hidden) => ({ hidden }));
  const gradient = stepGradient(model, backend, input, (tape, x) => {
    const e = model.emissionsFrom(tape, x, Int32Array.of(T)); // [T, 1, K]
    const loss = model.crf
      ? crfNll(tape, e, new IntTensor(Int32Array.from(tags), [T, 1]), [T], model.crf.transitions, model.crf.start, model.crf.end, { reduction: 'sum' })
      : crossEntropy(tape, reshape(tape, e, [T, K]), new IntTensor(Int32Array.from(tags), [T]), { reduction: 'sum' });
    return { loss, logits: e };
  });
  return {
    kind: 'tagger',
    symbols: words,
    unknown: set.unknownWords,
    cell: cfg.cell,
    directions: model.encoder.numDirections,
    layers: withGates(model.encoder, input, layers),
    next: probabilities.map((p) => topOf(p, topK, (k) => t.vocab.tags[k]!)),
    gradientThroughTime: gradient.norms,
    tags: Array.from(tags, (k) => t.vocab.tags[k]!),
    confidence,
    crf: cfg.crf,
    distribution,
  };
}

// ---- encoder-decoders -----------------------------------------------------------------------

/** An encoder-decoder the inside view can read (`translatorOf`). */
export function insideTranslatorOf(loaded: LoadedModel<SavedModule>, source: string): Translator {
  return translatorOf(loaded, source);
}

/** `rows` in reverse order (time steps read back to front mapped to source order). */
function reversedRows<T>(rows: T[]): T[] {
  return rows.slice().reverse();
}

/**
 * The loss of `insideOfSeq2seq`'s gradient through time, for the embedded source `x` ([Ts, 1,
 * Emb], in the order the encoder reads it): the encoder-decoder teacher-forced on `output`
 * (target ids of each output step: [GO] then output[0..n-2] in), the cross-entropy of every
 * output token, summed. Also returns the logits [n, 1, V].
 */
export function seq2seqLoss(t: Translator, tape: Tape, x: Tensor, output: readonly number[]): { loss: Tensor; logits: Tensor } {
  const model = t.model, c = model.config, n = output.length;
  const enc = model.encodeEmbedded(tape, x, Int32Array.of(x.shape[0]!));
  const inputs = new IntTensor(Int32Array.from({ length: n }, (_, i) => (i === 0 ? c.goId : output[i - 1]!)), [n, 1]);
  const logits = model.forwardTeacher(tape, enc, inputs);
  return { loss: crossEntropy(tape, reshape(tape, logits, [n, c.targetVocabSize]), new IntTensor(Int32Array.from(output), [n]), { reduction: 'sum' }), logits };
}

/**
 * What an encoder-decoder (`recur seq2seq train`) does with a source `text` (tokenized and its
 * unknown tokens treated as `recur seq2seq translate` does; cut to the model's longest source),
 * step by step (see `Seq2seqInside`): the encoder's layers over the source tokens (both
 * directions, in source order, gates recomputed), the greedy translation (`decode`, greedy, as
 * `translate` gives it), then the decoder run step by step on it: its layers' states after each
 * output step (gates recomputed from the bridged encoder state), the most likely tokens at each
 * output step, and the gradient through time of the cross-entropy of the greedy output
 * (teacher-forced on it, summed) with respect to each source token's embedding.
 */
export function insideOfSeq2seq(t: Translator, backend: Backend, text: string, options: InsideOptions = {}): Seq2seqInside {
  const where = 'insideOfSeq2seq';
  const topK = options.topK ?? 5;
  checkTopK(where, topK);
  if (typeof text !== 'string' || text.length === 0) throw new Error(`${where}: the text is empty`);
  const model = t.model, c = model.config;
  const enc = encodeSources(t, [text], { truncate: true, where: () => `${where}: the text` });
  const ids = enc.ids[0]!;
  const Hd = c.decoderHiddenSize, L = c.numLayers;
  const [hyp] = decode(model, backend, [ids], { method: 'greedy' })[0]!;
  const output = hyp!.finished ? [...hyp!.tokens, c.eosId] : hyp!.tokens;
  const n = output.length;
  // The source as the encoder reads it: embedding rows, back to front when the model reverses it.
  const read = c.reverseSource ? Array.from(ids).reverse() : Array.from(ids);
  const E = c.embeddingDim;
  const srcTable = model.srcEmbed.weight.toArray(), tgtTable = model.tgtEmbed.weight.toArray();
  const input = read.map((id) => srcTable.slice(id * E, (id + 1) * E));
  const encoderLayers = withGates(model.encoder, input, recurrentOutputs(model.encoder, backend, input).map((hidden) => ({ hidden })));

  // The decoder, step by step on the greedy output: its states, its inputs (for the gates) and the distributions.
  const hasCell = cellKind(c.cell).cellState;
  const decoderLayers: InsideLayer[] = Array.from({ length: L }, () => (hasCell ? { hidden: [], cellState: [] } : { hidden: [] }));
  const decoderInput: number[][] = [];
  const next: { symbol: string; p: number }[][] = [];
  const initial = inEval(model, () => {
    const tape = Tape.inference(backend);
    try {
      const encoded = model.encode(tape, [ids]);
      const start: InitialState = { h: stateRows(encoded.state.h, Hd) };
      if (encoded.state.c) start.c = stateRows(encoded.state.c, Hd);
      let state: RecurrentState = encoded.state;
      let feed = model.initialFeed(1);
      for (let i = 0; i < n; i++) {
        const prev = i === 0 ? c.goId : output[i - 1]!;
        const emb = tgtTable.slice(prev * E, (prev + 1) * E);
        decoderInput.push(feed ? [...emb, ...feed.toArray()] : emb);
        const r = model.decodeStep(tape, encoded, IntTensor.from([prev]), state, feed);
        next.push(topOf(softmax(model.output.forward(tape, r.vector).toArray()), topK, (id) => t.target.vocabulary[id] ?? '?'));
        const h = stateRows(r.state.h, Hd), cs = r.state.c ? stateRows(r.state.c, Hd) : undefined;
        for (let l = 0; l < L; l++) {
          decoderLayers[l]!.hidden.push(h[l]!);
          if (cs) decoderLayers[l]!.cellState!.push(cs[l]!);
        }
        state = r.state;
        feed = feed ? r.vector : undefined;
      }
      return start;
    } finally {
      tape.reset();
    }
  });
  withGates(model.decoder, decoderInput, decoderLayers, initial);

  const gradient = stepGradient(model, backend, input, (tape, x) => seq2seqLoss(t, tape, x, output));
  // Back to source order when the encoder read the source reversed.
  const layers = c.reverseSource
    ? encoderLayers.map((layer) => ({
      hidden: reversedRows(layer.hidden),
      ...(layer.gates ? { gates: layer.gates.map((g) => ({ ...g, values: reversedRows(g.values) })) } : {}),
    }))
    : encoderLayers;
  return {
    kind: 'seq2seq',
    symbols: Array.from(ids, (id) => t.source.vocabulary[id] ?? '?'),
    unknown: enc.unknown,
    cell: c.cell,
    directions: model.encoder.numDirections,
    layers,
    next,
    gradientThroughTime: c.reverseSource ? reversedRows(gradient.norms) : gradient.norms,
    reversed: c.reverseSource,
    truncated: enc.truncated > 0,
    output: output.map((id) => t.target.vocabulary[id] ?? '?'),
    translation: t.target.decode(hyp!.tokens),
    finished: hyp!.finished,
    decoder: decoderLayers,
    attention: c.attention,
  };
}
