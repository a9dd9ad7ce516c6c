/**
 * `insideOf`: what a unidirectional recurrent language model does with a short text, step by
 * step, for the dashboard's "inside the network" view (issue 17): every layer's hidden state
 * (and LSTM cell state) at every step from the model's own forward pass, the gate activations
 * of LSTM and GRU cells recomputed in plain JavaScript from the layer's weights, the most likely
 * next symbols after each step, and the gradient through time |d loss / d x_t|.
 *
 * For looking inside a model, not for speed: the forward pass runs one step at a time, and the
 * gates are computed with plain loops in float64.
 */
import { Tape } from '../autograd/tape.js';
import { crossEntropy, reshape } from '../autograd/ops/index.js';
import type { Backend } from '../kernels/backend.js';
import { cellKind } from '../kernels/cell-kinds.js';
import type { RecurrentModel } from '../nn/recurrent-model.js';
import { type RecurrentState, detachState } from '../nn/recurrent.js';
import { type LmVocabulary, defaultUnknownPolicy, encodeText } from '../tasks/char-lm/vocab.js';
import { IntTensor } from '../tensor/tensor.js';
import type { Inside, InsideGate, InsideLayer } from './inside-types.js';

export type { Inside, InsideGate, InsideLayer } from './inside-types.js';

export interface InsideOptions {
  /** Next symbols listed per step (default 5). */
  topK?: number;
}

const GATE_NAMES: Record<string, readonly string[]> = {
  lstm: ['input', 'forget', 'cell', 'output'],
  gru: ['reset', 'update', 'new'],
};

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

function activate(kind: 'tanh' | 'relu' | 'sigmoid' | string, v: number): number {
  if (kind === 'tanh') return Math.tanh(v);
  if (kind === 'relu') return v > 0 ? v : 0;
  if (kind === 'sigmoid') return sigmoid(v);
  throw new Error(`insideOf: unknown nonlinearity '${kind}'`);
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
  /** [T][H]: h_t recomputed from the gates (fed the model's h_{t-1}, c_{t-1}). */
  hidden: number[][];
  /** [T][H]: c_t recomputed from the gates (LSTM). */
  cellState?: number[][];
  gates?: InsideGate[];
}

/**
 * Every layer's gates, and h_t (and c_t) recomputed from them, in plain JavaScript from the
 * layers' weights (PyTorch layout, gates stacked i,f,g,o / r,z,n): layer 0 reads `input`
 * ([T][I]), layer l > 0 the model's hidden states of layer l-1 (`layers[l-1].hidden`), and each
 * step starts from the model's own h_{t-1} (and c_{t-1}) of that layer, zeros at t = 0. A
 * recomputed h_t equal to the model's proves the gate maths and the layout.
 */
export function recomputeLayers(model: RecurrentModel, input: number[][], layers: readonly InsideLayer[]): RecomputedLayer[] {
  const rnn = model.rnn;
  const info = cellKind(rnn.cell);
  const G = info.gates, H = rnn.hiddenSize, T = input.length;
  const params = new Map<string, number[]>();
  for (const [name, p] of rnn.namedParameters()) params.set(name, p.toArray());
  const out: RecomputedLayer[] = [];
  for (let l = 0; l < rnn.numLayers; l++) {
    const wih = params.get(`weight_ih_l${l}`)!, whh = params.get(`weight_hh_l${l}`)!;
    const bih = params.get(`bias_ih_l${l}`), bhh = params.get(`bias_hh_l${l}`);
    const xs = l === 0 ? input : layers[l - 1]!.hidden;
    const I = xs[0]!.length;
    if (wih.length !== G * H * I) throw new Error(`insideOf: weight_ih_l${l} has ${wih.length} values, expected ${G * H} x ${I}`);
    const own = layers[l]!;
    const names = GATE_NAMES[rnn.cell];
    const gates = names?.map((name) => ({ name, values: [] as number[][] }));
    const hidden: number[][] = [];
    const cells: number[][] | undefined = info.cellState ? [] : undefined;
    for (let t = 0; t < T; t++) {
      const x = xs[t]!;
      const hPrev = t === 0 ? new Array<number>(H).fill(0) : own.hidden[t - 1]!;
      // gi = W_ih x + b_ih, gh = W_hh h + b_hh, each [G*H].
      const gi = new Float64Array(G * H), gh = new Float64Array(G * H);
      for (let r = 0; r < G * H; r++) {
        let a = bih ? bih[r]! : 0;
        for (let k = 0; k < I; k++) a += wih[r * I + k]! * x[k]!;
        let b = bhh ? bhh[r]! : 0;
        for (let k = 0; k < H; k++) b += whh[r * H + k]! * hPrev[k]!;
        gi[r] = a; gh[r] = b;
      }
      const h = new Array<number>(H);
      if (rnn.cell === 'lstm') {
        const cPrev = t === 0 ? new Array<number>(H).fill(0) : own.cellState![t - 1]!;
        const gv = [0, 1, 2, 3].map(() => new Array<number>(H));
        const c = new Array<number>(H);
        for (let j = 0; j < H; j++) {
          const pre = (g: number) => gi[g * H + j]! + gh[g * H + j]!;
          const i = sigmoid(pre(0)), f = sigmoid(pre(1)), g = Math.tanh(pre(2)), o = sigmoid(pre(3));
          gv[0]![j] = i; gv[1]![j] = f; gv[2]![j] = g; gv[3]![j] = o;
          c[j] = f * cPrev[j]! + i * g;
          h[j] = o * Math.tanh(c[j]!);
        }
        gv.forEach((v, k) => gates![k]!.values.push(v));
        cells!.push(c);
      } else if (rnn.cell === 'gru') {
        const gv = [0, 1, 2].map(() => new Array<number>(H));
        for (let j = 0; j < H; j++) {
          const r = sigmoid(gi[j]! + gh[j]!);
          const z = sigmoid(gi[H + j]! + gh[H + j]!);
          const n = Math.tanh(gi[2 * H + j]! + r * gh[2 * H + j]!);
          gv[0]![j] = r; gv[1]![j] = z; gv[2]![j] = n;
          h[j] = (1 - z) * n + z * hPrev[j]!;
        }
        gv.forEach((v, k) => gates![k]!.values.push(v));
      } else {
        const act = info.nonlinearity;
        if (!act) throw new Error(`insideOf: cell '${rnn.cell}' is not supported`);
        for (let j = 0; j < H; j++) h[j] = activate(act, gi[j]! + gh[j]!);
      }
      hidden.push(h);
    }
    const layer: RecomputedLayer = { hidden };
    if (cells) layer.cellState = cells;
    if (gates) layer.gates = gates;
    out.push(layer);
  }
  return out;
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
 * The gradient through time of `ids` ([T], T >= 2): one forward on a recording tape from the
 * watched [T, 1, I] embedded input through `model.rnn` and the head (as `RecurrentModel.forward`
 * with output 'sequence', eval mode), loss the cross-entropy of ids[T-1] from the logits at step
 * T-2. Returns the norms per step, the loss and the logits [T][V] of that forward (which equal
 * `model.forward`'s). Leaves the parameters' gradients as they were.
 */
export function gradientThroughTime(model: RecurrentModel, backend: Backend, ids: ArrayLike<number>): { norms: number[]; loss: number; logits: number[][] } {
  const T = ids.length;
  if (T < 2) throw new Error('gradientThroughTime: needs at least 2 symbols (a loss predicts the last from the one before)');
  const input = embeddedInput(model, ids);
  const I = model.rnn.inputSize, V = model.config.outputSize;
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
    const { output } = model.rnn.forward(tape, x);
    const F = output.shape[2]!;
    const logits = model.head.forward(tape, reshape(tape, output, [T, F])); // [T, V]
    const targets = new IntTensor(new Int32Array(T).fill(-100), [T]);
    targets.data[T - 2] = ids[T - 1]!;
    const loss = crossEntropy(tape, logits, targets);
    const lossValue = loss.item();
    const flat = logits.toArray();
    tape.backward(loss);
    const g = tape.gradIfAny(x);
    const norms: number[] = [];
    for (let t = 0; t < T; t++) {
      let s = 0;
      if (g) for (let i = t * I; i < (t + 1) * I; i++) s += g.data[i]! * g.data[i]!;
      norms.push(Math.sqrt(s));
    }
    return { norms, loss: lossValue, logits: Array.from({ length: T }, (_, t) => flat.slice(t * V, (t + 1) * V)) };
  } finally {
    tape.reset();
    params.forEach((p, i) => { p.requiresGrad = saved[i]!; });
    model.train(wasTraining);
  }
}

/** What `model` does with `text`, step by step (see `Inside`). */
export function insideOf(model: RecurrentModel, vocab: LmVocabulary, backend: Backend, text: string, options: InsideOptions = {}): Inside {
  const where = 'insideOf';
  const topK = options.topK ?? 5;
  if (!(Number.isInteger(topK) && topK >= 1)) throw new Error(`${where}: topK must be a positive integer, got ${String(topK)}`);
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
  const recomputed = recomputeLayers(model, embeddedInput(model, ids), layers);
  recomputed.forEach((r, l) => { if (r.gates) layers[l]!.gates = r.gates; });
  return {
    symbols: Array.from(ids, (id) => vocab.symbol(id)),
    unknown,
    cell: model.config.cell,
    layers,
    next,
    gradientThroughTime: T >= 2 ? gradientThroughTime(model, backend, ids).norms : [],
  };
}
