/**
 * The dashboard's "inside the network" view (issue 17): what a recurrent model does with a short
 * text, step by step, for two kinds of model:
 * - `insideOf`, a unidirectional language model: every layer's hidden state (and LSTM cell
 *   state) at every step from the model's own forward pass, one symbol at a time, and the most
 *   likely next symbols after each step;
 * - `insideOfClassifier`, a sequence classifier of `recur classify train` (output 'last', any
 *   pooling, possibly bidirectional) reading text: every layer's output at every step (forward
 *   units, then backward ones) from the model's recurrent layers run on the whole text, and the
 *   class probabilities of each prefix of the text (the model run on every prefix).
 * Both share the rest: the gate activations of LSTM and GRU cells recomputed in plain JavaScript
 * from the layer's weights (`recomputeLayers`, both directions), and the gradient through time
 * |d loss / d x_t| (`inputGradient`, the loss given by the kind). `insideKindOf` says which kind
 * a model file is, or why the view cannot read it.
 *
 * For looking inside a model, not for speed: the gates are computed with plain loops in float64.
 */
import { Tape } from '../autograd/tape.js';
import { bceWithLogits, concatLast, crossEntropy, maskedMaxPool, maskedMeanPool, recurrentLayer, reshape, select } from '../autograd/ops/index.js';
import { UNK_ID } from '../data/tokenizer.js';
import type { Backend } from '../kernels/backend.js';
import { cellKind } from '../kernels/cell-kinds.js';
import type { RecurrentModel } from '../nn/recurrent-model.js';
import { type RecurrentState, detachState } from '../nn/recurrent.js';
import type { LoadedModel } from '../io/model-file.js';
import type { SavedModule } from '../nn/model-kinds.js';
import { type LmVocabulary, defaultUnknownPolicy, encodeText } from '../tasks/char-lm/vocab.js';
import { type Classifier, classProbabilities, classifierOf, topK as topClasses } from '../tasks/classify/predict.js';
import { IntTensor, type Tensor } from '../tensor/tensor.js';
import type { ClassifierInside, InsideGate, InsideLayer, LmInside } from './inside-types.js';

export type { ClassifierInside, Inside, InsideClass, InsideGate, InsideLayer, LmInside } from './inside-types.js';

export interface InsideOptions {
  /** Next symbols (language model) or classes (classifier) listed per step (default 5). */
  topK?: number;
}

/** Most tokens `insideOfClassifier` reads: it runs the model on every prefix of the text. */
export const MAX_CLASSIFIER_TOKENS = 200;

const GATE_NAMES: Record<string, readonly string[]> = {
  lstm: ['input', 'forget', 'cell', 'output'],
  gru: ['reset', 'update', 'new'],
};

/** What the tasks the inside view does not read are, for its refusal. */
const OTHER_KINDS: Record<string, string> = {
  tag: 'a tagger',
  seq2seq: 'an encoder-decoder (sequence-to-sequence) model',
  forecast: 'a forecaster',
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
 * `recur lm train`, or one without a task) or a classifier (`recur classify train`). Any other
 * task (tagger, encoder-decoder, forecaster) is an error naming it and pointing to its task view.
 */
export function insideKindOf(loaded: Pick<LoadedModel<SavedModule>, 'task'>, source: string): 'lm' | 'classifier' {
  const task = loaded.task;
  if (task === 'classify') return 'classifier';
  if (task === undefined || task === 'char-lm' || task === 'word-lm') return 'lm';
  const what = Object.hasOwn(OTHER_KINDS, task) ? `${OTHER_KINDS[task]}: see its task view` : `a '${task}' model`;
  throw new Error(`${source}: the inside view reads language models and text classifiers; this is ${what}`);
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

export interface RecomputedLayer {
  /** [T][D*H]: h_t recomputed from the gates (fed the model's h_{t-1}), forward units then backward ones. */
  hidden: number[][];
  /** [T][D*H]: c_t recomputed from the gates (LSTM). */
  cellState?: number[][];
  gates?: InsideGate[];
}

/**
 * Every layer's gates, and h_t (and c_t) recomputed from them, in plain JavaScript from the
 * layers' weights (PyTorch layout, gates stacked i,f,g,o / r,z,n): layer 0 reads `input`
 * ([T][I]), layer l > 0 the model's hidden states of layer l-1 (`layers[l-1].hidden`, both
 * directions), and each step starts from the model's own h_{t-1} of that layer and direction,
 * zeros at the direction's first step. The c_{t-1} of an LSTM is the model's
 * (`layers[l].cellState`) when given, else the one recomputed at the step before. The forward
 * direction runs t = 0..T-1 from the `weight_*_l{l}` weights; a bidirectional layer's backward
 * direction runs t = T-1..0 from the `_reverse` weights (its "previous" step is t+1), and its
 * units follow the forward ones. A recomputed h_t equal to the model's proves the gate maths and
 * the layout. In a bidirectional layer each gate is listed per direction ('input (forward)',
 * 'input (backward)', 'forget (forward)', ...).
 */
export function recomputeLayers(model: RecurrentModel, input: number[][], layers: readonly InsideLayer[]): RecomputedLayer[] {
  const rnn = model.rnn;
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
      for (let s = 0; s < T; s++) {
        const t = d === 0 ? s : T - 1 - s, prev = d === 0 ? t - 1 : t + 1;
        const x = xs[t]!;
        const hPrev = s === 0 ? zeros : own.hidden[prev]!.slice(d * H, (d + 1) * H);
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
          const cPrev = s === 0 ? zeros : (own.cellState ?? cells!)[prev]!.slice(d * H, (d + 1) * H);
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

/**
 * Every layer's output at every step, [L][T][D*H] (forward units, then backward ones), for the
 * embedded input `input` ([T][I], one sequence): the model's recurrent layers run on the whole
 * sequence as `model.rnn.forward` runs them in eval mode (one `recurrentLayer` per layer and
 * direction, the directions' outputs concatenated), keeping what each layer outputs.
 */
export function layerOutputs(model: RecurrentModel, backend: Backend, input: number[][]): number[][][] {
  const rnn = model.rnn;
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
 * The gradient through time of any loss: one forward on a recording tape from the watched
 * [T, 1, I] input `input` ([T][I], the embedded or one-hot symbols) through the model, as
 * `model.forward` runs in eval mode (`logitsOf`), then `loss(tape, logits)` (a scalar) and its
 * gradient. Returns |d loss / d x_t| per step, the loss, and the logits of that forward as rows
 * ([T][V] for a language model, [1][O] for a classifier; equal to `model.forward`'s). Leaves the
 * parameters' gradients (and the model's mode) as they were.
 */
export function inputGradient(model: RecurrentModel, backend: Backend, input: number[][], loss: (tape: Tape, logits: Tensor) => Tensor): { norms: number[]; loss: number; logits: number[][] } {
  const T = input.length, I = model.rnn.inputSize;
  const params = model.parameters();
  const saved = params.map((p) => p.requiresGrad);
  const wasTraining = model.training;
  model.eval();
  const tape = new Tape(backend);
  try {
    for (const p of params) p.requiresGrad = false; // no gradient into (or accumulated on) the weights
    const x = tape.tensor([T, 1, I]);
    for (let t = 0; t < T; t++) x.data.set(input[t]!, t * I);
    tape.watch(x);
    const logits = logitsOf(tape, model, x);
    const [N, O] = logits.shape as [number, number];
    const l = loss(tape, logits);
    const lossValue = l.item();
    const flat = logits.toArray();
    tape.backward(l);
    const g = tape.gradIfAny(x);
    const norms: number[] = [];
    for (let t = 0; t < T; t++) {
      let s = 0;
      if (g) for (let i = t * I; i < (t + 1) * I; i++) s += g.data[i]! * g.data[i]!;
      norms.push(Math.sqrt(s));
    }
    return { norms, loss: lossValue, logits: Array.from({ length: N }, (_, n) => flat.slice(n * O, (n + 1) * O)) };
  } finally {
    tape.reset();
    params.forEach((p, i) => { p.requiresGrad = saved[i]!; });
    model.train(wasTraining);
  }
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

/** The layers' gates (recomputed) put beside the model's own hidden states. */
function withGates(model: RecurrentModel, ids: ArrayLike<number>, layers: InsideLayer[]): InsideLayer[] {
  const recomputed = recomputeLayers(model, embeddedInput(model, ids), layers);
  recomputed.forEach((r, l) => { if (r.gates) layers[l]!.gates = r.gates; });
  return layers;
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
      const p = softmax(out.logits.toArray());
      const order = Array.from(p.keys()).sort((a, b) => p[b]! - p[a]! || a - b).slice(0, topK);
      next.push(order.map((id) => ({ symbol: vocab.symbol(id), p: p[id]! })));
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
    layers: withGates(model, ids, layers),
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

  const layers: InsideLayer[] = layerOutputs(c.model, backend, embeddedInput(c.model, ids)).map((hidden) => ({ hidden }));
  let unknown = 0;
  for (const id of ids) if (id === UNK_ID) unknown++;
  return {
    kind: 'classifier',
    symbols: Array.from(ids, (id) => c.tokenizer!.vocabulary[id]!),
    unknown,
    cell: cfg.cell,
    directions: c.model.rnn.numDirections,
    layers: withGates(c.model, ids, layers),
    next,
    gradientThroughTime: classifierGradient(c, backend, ids, predicted).norms,
    classes: classes.map((label, k) => ({ label, p: final[k]! })),
    predicted: classes[predicted]!,
    multiLabel: c.meta.multiLabel,
  };
}
