/**
 * The encoder-decoder (Sutskever et al. 2014; Bahdanau et al. 2015; Luong et al. 2015) as one
 * saved module graph, model kind 'encoder-decoder':
 *
 *   encoder: source embedding -> Elman/LSTM/GRU stack (optionally bidirectional, optionally fed
 *            the source reversed) over the right-padded batch with `lengths`; its outputs are
 *            the memory [Ts, B, E] (E = D * encoderHiddenSize) that attention reads.
 *   bridge:  the encoder's final state of each layer (both directions concatenated) becomes the
 *            decoder's initial state: as it is when E equals decoderHiddenSize, else through
 *            tanh(Linear(E -> Hd)) (`bridge_h`, and `bridge_c` for an LSTM's cell state).
 *   decoder: target embedding of the previous token (with input feeding, concatenated with the
 *            previous step's attentional vector) -> a unidirectional stack of the same cell,
 *            one step at a time; then attention:
 *              'dot'      score(s, h) = s . h                       (E must equal Hd)
 *              'general'  score(s, h) = s . (W_a h)                 (`attention.query`)
 *              'additive' score(s, h) = v . tanh(W_k s + W_q h)     (`attention.key`, `.query`, `.score`)
 *            over the valid source steps (softmax, padding excluded), context c = sum_s a_s s,
 *            attentional vector h~ = tanh(W_c [c; h]) (`combine`), as Luong's global attention
 *            (the additive score reads the current h too, as OpenNMT's "mlp" attention does);
 *            without attention h~ = h. Dropout on embeddings and on h~; logits = `output`(h~).
 *
 * Target ids: the task's target vocabulary, whose `[GO]` starts every decoder input and whose
 * `[EOS]` ends every target; `goId` and `eosId` are stored in the config.
 */
import { addToSteps, attentionPool, concatLast, crossEntropy, dotAttention, dropout, embedding, reshape, select, stack, stepDot, tanh } from '../../autograd/ops/index.js';
import type { Tape } from '../../autograd/tape.js';
import { CELL_KINDS, type CellKind, cellKind, isCellKind } from '../../kernels/cell-kinds.js';
import { Embedding } from '../../nn/embedding.js';
import { Linear } from '../../nn/linear.js';
import { type ModelKind, type SavedModule, registerModelKind } from '../../nn/model-kinds.js';
import { Module } from '../../nn/module.js';
import { type RecurrentBase, type RecurrentState, createRecurrent, recurrentParameterShapes } from '../../nn/recurrent.js';
import { describeJsonValue } from '../../nn/recurrent-model.js';
import { Rng } from '../../random/rng.js';
import { IntTensor, Tensor } from '../../tensor/tensor.js';

export const ATTENTION_KINDS = ['none', 'additive', 'general', 'dot'] as const;
export type AttentionKind = (typeof ATTENTION_KINDS)[number];

/** Most layers per stack an encoder-decoder file may state (two stacks stay within the loaders' tensor bound). */
export const MAX_SEQ2SEQ_LAYERS = 64;
const MAX_SIZE = 1 << 16;

export interface EncoderDecoderConfig {
  kind: 'encoder-decoder';
  sourceVocabSize: number;
  targetVocabSize: number;
  /** Both embeddings' width. */
  embeddingDim: number;
  cell: CellKind;
  /** Per direction. */
  encoderHiddenSize: number;
  decoderHiddenSize: number;
  /** Layers of each stack. */
  numLayers: number;
  bidirectional: boolean;
  /** The encoder reads each source back to front (the attention weights are mapped back to source order). */
  reverseSource: boolean;
  attention: AttentionKind;
  /** Additive attention's hidden width. */
  attentionSize: number;
  /** Feed the previous attentional vector to the decoder with the previous token (needs attention). */
  inputFeeding: boolean;
  dropout: number;
  /** Target ids of `[GO]` (first decoder input) and `[EOS]` (last target). */
  goId: number;
  eosId: number;
  /** The longest source translate accepts, in tokens: the training length filter, else twice the longest training source. */
  maxSourceLength: number;
  /** The longest target the model was trained on, in tokens without `[EOS]` (decoding stops by then, times a margin). */
  maxTargetLength: number;
}

/** A config with the optional fields left out (kind, layers, direction, reversal, attention, its size, input feeding, dropout). */
export type EncoderDecoderConfigInput = Omit<EncoderDecoderConfig, 'kind' | 'attention' | 'attentionSize' | 'inputFeeding' | 'reverseSource' | 'dropout' | 'bidirectional' | 'numLayers'> & Partial<EncoderDecoderConfig>;

const FIELDS = ['kind', 'sourceVocabSize', 'targetVocabSize', 'embeddingDim', 'cell', 'encoderHiddenSize', 'decoderHiddenSize', 'numLayers', 'bidirectional',
  'reverseSource', 'attention', 'attentionSize', 'inputFeeding', 'dropout', 'goId', 'eosId', 'maxSourceLength', 'maxTargetLength'];

export function normalizeEncoderDecoderConfig(raw: unknown): EncoderDecoderConfig {
  const where = 'encoder-decoder config';
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${where}: expected an object, got ${describeJsonValue(raw)}`);
  const c = raw as Partial<EncoderDecoderConfig>;
  const extra = Object.keys(c).filter((k) => !FIELDS.includes(k));
  if (extra.length) throw new Error(`${where}: unknown field ${describeJsonValue(extra[0])}; the fields are ${FIELDS.join(', ')}`);
  if (c.kind !== undefined && c.kind !== 'encoder-decoder') throw new Error(`${where}: kind must be 'encoder-decoder', got ${describeJsonValue(c.kind)}`);
  const out: EncoderDecoderConfig = {
    kind: 'encoder-decoder',
    sourceVocabSize: c.sourceVocabSize!, targetVocabSize: c.targetVocabSize!, embeddingDim: c.embeddingDim!, cell: c.cell!,
    encoderHiddenSize: c.encoderHiddenSize!, decoderHiddenSize: c.decoderHiddenSize!, numLayers: c.numLayers ?? 1,
    bidirectional: c.bidirectional ?? false, reverseSource: c.reverseSource ?? false, attention: c.attention ?? 'none',
    attentionSize: c.attentionSize ?? c.decoderHiddenSize!, inputFeeding: c.inputFeeding ?? false, dropout: c.dropout ?? 0,
    goId: c.goId!, eosId: c.eosId!, maxSourceLength: c.maxSourceLength!, maxTargetLength: c.maxTargetLength!,
  };
  const posInt = (name: keyof EncoderDecoderConfig, max: number) => {
    const v = out[name];
    if (!(typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= max)) throw new Error(`${where}: ${name} must be an integer from 1 to ${max}, got ${describeJsonValue(v)}`);
  };
  for (const name of ['sourceVocabSize', 'targetVocabSize'] as const) posInt(name, 1 << 22);
  for (const name of ['embeddingDim', 'encoderHiddenSize', 'decoderHiddenSize', 'attentionSize', 'maxSourceLength', 'maxTargetLength'] as const) posInt(name, MAX_SIZE);
  posInt('numLayers', MAX_SEQ2SEQ_LAYERS);
  if (!isCellKind(out.cell)) throw new Error(`${where}: cell must be one of ${CELL_KINDS.join(', ')}, got ${describeJsonValue(out.cell)}`);
  for (const name of ['bidirectional', 'reverseSource', 'inputFeeding'] as const) {
    if (typeof out[name] !== 'boolean') throw new Error(`${where}: ${name} must be true or false, got ${describeJsonValue(out[name])}`);
  }
  if (!ATTENTION_KINDS.includes(out.attention)) throw new Error(`${where}: attention must be ${ATTENTION_KINDS.map((a) => `'${a}'`).join(', ')}, got ${describeJsonValue(out.attention)}`);
  if (out.inputFeeding && out.attention === 'none') throw new Error(`${where}: inputFeeding feeds the attentional vector back, and attention is 'none'`);
  const E = out.encoderHiddenSize * (out.bidirectional ? 2 : 1);
  if (out.attention === 'dot' && E !== out.decoderHiddenSize) {
    throw new Error(`${where}: 'dot' attention needs the encoder's outputs (${E}${out.bidirectional ? ` = 2 × ${out.encoderHiddenSize}, bidirectional` : ''}) as wide as the decoder's state (${out.decoderHiddenSize}); use 'general'`);
  }
  if (!(typeof out.dropout === 'number' && out.dropout >= 0 && out.dropout < 1)) throw new Error(`${where}: dropout must be in [0, 1), got ${describeJsonValue(out.dropout)}`);
  for (const name of ['goId', 'eosId'] as const) {
    const v = out[name];
    if (!(Number.isInteger(v) && v >= 0 && v < out.targetVocabSize)) throw new Error(`${where}: ${name} must be a target id in [0, ${out.targetVocabSize}), got ${describeJsonValue(v)}`);
  }
  if (out.goId === out.eosId) throw new Error(`${where}: goId and eosId must differ, both are ${out.goId}`);
  return out;
}

/** Whether the encoder's final state passes through a learned bridge (sizes differ, or two directions to merge into one). */
function needsBridge(c: EncoderDecoderConfig): boolean {
  return c.encoderHiddenSize * (c.bidirectional ? 2 : 1) !== c.decoderHiddenSize;
}

function decoderInputSize(c: EncoderDecoderConfig): number {
  return c.embeddingDim + (c.inputFeeding ? c.decoderHiddenSize : 0);
}

/** Parameter names and shapes in `namedParameters()` order, without allocating. */
export function encoderDecoderParameterShapes(c: EncoderDecoderConfig): [string, number[]][] {
  const E = c.encoderHiddenSize * (c.bidirectional ? 2 : 1), Hd = c.decoderHiddenSize, A = c.attentionSize;
  const out: [string, number[]][] = [['src_embed.weight', [c.sourceVocabSize, c.embeddingDim]]];
  const prefixed = (p: string, list: [string, number[]][]) => list.map(([n, s]): [string, number[]] => [`${p}.${n}`, s]);
  out.push(...prefixed('encoder', recurrentParameterShapes(c.cell, { inputSize: c.embeddingDim, hiddenSize: c.encoderHiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional })));
  if (needsBridge(c)) {
    out.push(['bridge_h.weight', [Hd, E]], ['bridge_h.bias', [Hd]]);
    if (cellKind(c.cell).cellState) out.push(['bridge_c.weight', [Hd, E]], ['bridge_c.bias', [Hd]]);
  }
  out.push(['tgt_embed.weight', [c.targetVocabSize, c.embeddingDim]]);
  out.push(...prefixed('decoder', recurrentParameterShapes(c.cell, { inputSize: decoderInputSize(c), hiddenSize: Hd, numLayers: c.numLayers })));
  if (c.attention === 'general') out.push(['attention.query.weight', [E, Hd]]);
  if (c.attention === 'additive') out.push(['attention.key.weight', [A, E]], ['attention.query.weight', [A, Hd]], ['attention.query.bias', [A]], ['attention.score.weight', [1, A]]);
  if (c.attention !== 'none') out.push(['combine.weight', [Hd, E + Hd]]);
  out.push(['output.weight', [c.targetVocabSize, Hd]], ['output.bias', [c.targetVocabSize]]);
  return out;
}

/** Additive attention's three projections (PyTorch: three `nn.Linear` children). */
class AdditiveAttention extends Module {
  readonly key: Linear;
  readonly query: Linear;
  readonly score: Linear;
  constructor(E: number, Hd: number, A: number, rng?: Rng) {
    super();
    this.key = this.registerModule('key', new Linear(E, A, { rng, bias: false }));
    this.query = this.registerModule('query', new Linear(Hd, A, { rng }));
    this.score = this.registerModule('score', new Linear(A, 1, { rng, bias: false }));
  }
}

class GeneralAttention extends Module {
  readonly query: Linear;
  constructor(E: number, Hd: number, rng?: Rng) {
    super();
    this.query = this.registerModule('query', new Linear(Hd, E, { rng, bias: false }));
  }
}

/** What the decoder reads of an encoded batch. */
export interface Encoded {
  /** [Ts, B, E]: the encoder's last layer at every step (in the order the encoder read). */
  memory: Tensor;
  /** [Ts, B, A]: additive attention's keys W_k memory, computed once per batch. */
  keys?: Tensor;
  /** Valid source steps per row. */
  lengths: Int32Array;
  /** The decoder's initial state. */
  state: RecurrentState;
}

/** One decoder step's result. */
export interface DecoderStep {
  /** [B, Hd]: the attentional vector h~ (h without attention) that the output layer reads. */
  vector: Tensor;
  state: RecurrentState;
  /** [Ts, B]: attention weights over the memory's steps, or undefined without attention. */
  weights?: Tensor;
}

export class EncoderDecoder extends Module implements SavedModule<EncoderDecoderConfig> {
  readonly config: EncoderDecoderConfig;
  readonly srcEmbed: Embedding;
  readonly encoder: RecurrentBase;
  readonly bridgeH?: Linear;
  readonly bridgeC?: Linear;
  readonly tgtEmbed: Embedding;
  readonly decoder: RecurrentBase;
  readonly attention?: AdditiveAttention | GeneralAttention;
  readonly combine?: Linear;
  readonly output: Linear;
  private readonly rng?: Rng;

  constructor(config: EncoderDecoderConfigInput, options: { rng?: Rng } = {}) {
    super();
    const c = (this.config = normalizeEncoderDecoderConfig(config));
    const rng = options.rng;
    if (rng !== undefined && !(rng instanceof Rng)) throw new Error(`EncoderDecoder: options.rng must be an Rng, got ${describeJsonValue(rng)}`);
    this.rng = rng;
    const E = c.encoderHiddenSize * (c.bidirectional ? 2 : 1), Hd = c.decoderHiddenSize;
    this.srcEmbed = this.registerModule('src_embed', new Embedding(c.sourceVocabSize, c.embeddingDim, { rng, paddingIdx: 0 }));
    this.encoder = this.registerModule('encoder', createRecurrent(c.cell, { inputSize: c.embeddingDim, hiddenSize: c.encoderHiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional, dropout: c.dropout, rng }));
    if (needsBridge(c)) {
      this.bridgeH = this.registerModule('bridge_h', new Linear(E, Hd, { rng }));
      if (cellKind(c.cell).cellState) this.bridgeC = this.registerModule('bridge_c', new Linear(E, Hd, { rng }));
    }
    this.tgtEmbed = this.registerModule('tgt_embed', new Embedding(c.targetVocabSize, c.embeddingDim, { rng, paddingIdx: 0 }));
    this.decoder = this.registerModule('decoder', createRecurrent(c.cell, { inputSize: decoderInputSize(c), hiddenSize: Hd, numLayers: c.numLayers, dropout: c.dropout, rng }));
    if (c.attention === 'general') this.attention = this.registerModule('attention', new GeneralAttention(E, Hd, rng));
    if (c.attention === 'additive') this.attention = this.registerModule('attention', new AdditiveAttention(E, Hd, c.attentionSize, rng));
    if (c.attention !== 'none') this.combine = this.registerModule('combine', new Linear(E + Hd, Hd, { rng, bias: false }));
    this.output = this.registerModule('output', new Linear(Hd, c.targetVocabSize, { rng }));
  }

  private drop(tape: Tape, x: Tensor): Tensor {
    const p = this.config.dropout;
    if (!this.training || p === 0) return x;
    if (!this.rng) throw new Error('EncoderDecoder: dropout in training mode draws masks from an Rng, and this model was made without one; pass options.rng, or call eval() for inference');
    return dropout(tape, x, p, this.rng);
  }

  /**
   * Encodes source id sequences (each 1.. tokens; reversed here when the config says so) into
   * the memory and the decoder's initial state.
   */
  encode(tape: Tape, sources: readonly ArrayLike<number>[]): Encoded {
    const B = sources.length;
    if (B === 0) throw new Error('EncoderDecoder.encode: needs at least one source sequence');
    const lengths = Int32Array.from(sources, (s) => s.length);
    const Ts = Math.max(...lengths);
    if (Math.min(...lengths) < 1) throw new Error(`EncoderDecoder.encode: source ${lengths.indexOf(0)} is empty`);
    const ids = IntTensor.zeros([Ts, B]);
    const V = this.config.sourceVocabSize;
    sources.forEach((s, b) => {
      const L = s.length;
      for (let t = 0; t < L; t++) {
        const id = s[this.config.reverseSource ? L - 1 - t : t]!;
        if (!(Number.isInteger(id) && id >= 0 && id < V)) throw new Error(`EncoderDecoder.encode: source ${b} token ${t} has id ${id}, outside [0, ${V})`);
        ids.data[t * B + b] = id;
      }
    });
    return this.encodeEmbedded(tape, this.srcEmbed.forward(tape, ids), lengths);
  }

  /**
   * `encode` from the embedded sources [Ts, B, Emb] (in the order the encoder reads them,
   * reversed when the config says so) and their lengths.
   */
  encodeEmbedded(tape: Tape, embedded: Tensor, lengths: Int32Array): Encoded {
    const x = this.drop(tape, embedded);
    const { output, state } = this.encoder.forward(tape, x, { lengths });
    const enc: Encoded = { memory: output, lengths, state: this.bridge(tape, state) };
    if (this.attention instanceof AdditiveAttention) enc.keys = this.attention.key.forward(tape, output);
    return enc;
  }

  /** The encoder's final state [L*D, B, He] as the decoder's initial state [L, B, Hd]. */
  private bridge(tape: Tape, s: RecurrentState): RecurrentState {
    const c = this.config;
    const L = c.numLayers, D = c.bidirectional ? 2 : 1;
    const merge = (t: Tensor): Tensor => {
      if (D === 1) return t;
      // [L*2, B, He] -> per layer concat(forward, reverse) -> [L, B, 2He]
      const layers: Tensor[] = [];
      for (let l = 0; l < L; l++) layers.push(concatLast(tape, [select(tape, t, 2 * l), select(tape, t, 2 * l + 1)]));
      return stack(tape, layers);
    };
    const h = merge(s.h);
    const out: RecurrentState = { h: this.bridgeH ? tanh(tape, this.bridgeH.forward(tape, h)) : h };
    if (s.c) {
      const cc = merge(s.c);
      out.c = this.bridgeC ? tanh(tape, this.bridgeC.forward(tape, cc)) : cc;
    }
    return out;
  }

  /** A zero attentional vector [B, Hd] for input feeding's first step (undefined without input feeding). */
  initialFeed(batch: number): Tensor | undefined {
    return this.config.inputFeeding ? Tensor.zeros([batch, this.config.decoderHiddenSize]) : undefined;
  }

  /**
   * One decoder step: previous tokens [B] (ids), state, and with input feeding the previous
   * attentional vector [B, Hd]. The memory may hold each source several times (beam search
   * expands rows), as long as it has B rows.
   */
  decodeStep(tape: Tape, enc: Encoded, prev: IntTensor, state: RecurrentState, feed?: Tensor): DecoderStep {
    const emb = this.drop(tape, this.tgtEmbed.forward(tape, prev)); // [B, Emb]
    const x = this.config.inputFeeding ? concatLast(tape, [emb, feed ?? this.initialFeed(prev.size)!]) : emb;
    const { y: h, state: next } = this.decoder.step(tape, x, state);
    if (this.config.attention === 'none') return { vector: this.drop(tape, h), state: next };
    const [Ts, B] = enc.memory.shape as [number, number];
    let scores: Tensor;
    if (this.attention instanceof AdditiveAttention) {
      const q = this.attention.query.forward(tape, h); // [B, A]
      const e = this.attention.score.forward(tape, tanh(tape, addToSteps(tape, enc.keys!, q))); // [Ts, B, 1]
      scores = reshape(tape, e, [Ts, B]);
    } else if (this.attention instanceof GeneralAttention) {
      scores = stepDot(tape, enc.memory, this.attention.query.forward(tape, h));
    } else {
      scores = stepDot(tape, enc.memory, h);
    }
    const { pooled, weights } = attentionPool(tape, enc.memory, scores, enc.lengths);
    const vector = this.drop(tape, tanh(tape, this.combine!.forward(tape, concatLast(tape, [pooled, h]))));
    return { vector, state: next, weights };
  }

  /**
   * Teacher-forced decoding for training: `inputs` [Td, B] ([GO] then the target, padded with 0)
   * -> logits [Td, B, V]. With `teacherForcing` < 1, each row's input at each step after the
   * first is, with probability 1 - teacherForcing, the model's own previous argmax instead
   * (scheduled sampling; `rng` draws the choice). With `rows` (positions t * B + b of the
   * flattened steps), only those rows' logits: [rows, V].
   */
  forwardTeacher(tape: Tape, enc: Encoded, inputs: IntTensor, teacherForcing = 1, rng?: Rng, rows?: IntTensor): Tensor {
    const [Td, B] = inputs.shape as [number, number];
    // embedding() gathers rows of any [N, D] tensor, and scatters their gradient back.
    const pick = (x: Tensor): Tensor => (rows ? embedding(tape, rows, reshape(tape, x, [Td * B, x.shape[2]!])) : x);
    const mixing = teacherForcing < 1;
    if (!mixing && !this.config.inputFeeding) return this.output.forward(tape, pick(this.teacherVectors(tape, enc, inputs)));
    let state = enc.state;
    let feed = this.initialFeed(B);
    const vectors: Tensor[] = [];
    const logitsPerStep: Tensor[] = [];
    if (mixing && !rng) throw new Error('EncoderDecoder.forwardTeacher: teacherForcing < 1 draws from an Rng; pass one');
    const V = this.config.targetVocabSize;
    for (let t = 0; t < Td; t++) {
      const prev = IntTensor.from(inputs.data.subarray(t * B, (t + 1) * B));
      if (mixing && t > 0) {
        const last = logitsPerStep[t - 1]!.data;
        for (let b = 0; b < B; b++) {
          if (prev.data[b] === 0 || rng!.uniform() < teacherForcing) continue;
          let best = 0;
          for (let v = 1; v < V; v++) if (last[b * V + v]! > last[b * V + best]!) best = v;
          prev.data[b] = best;
        }
      }
      const r = this.decodeStep(tape, enc, prev, state, feed);
      state = r.state;
      feed = r.vector;
      if (mixing) logitsPerStep.push(this.output.forward(tape, r.vector));
      else vectors.push(r.vector);
    }
    if (mixing) return pick(stack(tape, logitsPerStep));
    return this.output.forward(tape, pick(stack(tape, vectors))); // one GEMM for all steps
  }

  /**
   * The attentional vectors [Td, B, Hd] of teacher-forced steps without input feeding, where no
   * step waits for another's output: the decoder runs over all steps in one fused recurrent call,
   * and dot or general attention scores every step at once (additive attention still attends
   * step by step). The same numbers as `decodeStep` at each step.
   */
  private teacherVectors(tape: Tape, enc: Encoded, inputs: IntTensor): Tensor {
    const emb = this.drop(tape, this.tgtEmbed.forward(tape, inputs)); // [Td, B, Emb]
    const { output: h } = this.decoder.forward(tape, emb, { initialState: enc.state }); // [Td, B, Hd]
    if (this.config.attention === 'none') return this.drop(tape, h);
    let pooled: Tensor;
    if (this.attention instanceof AdditiveAttention) {
      const [Ts, B] = enc.memory.shape as [number, number];
      const att = this.attention;
      pooled = stack(tape, Array.from({ length: inputs.shape[0]! }, (_, t) => {
        const e = att.score.forward(tape, tanh(tape, addToSteps(tape, enc.keys!, att.query.forward(tape, select(tape, h, t)))));
        return attentionPool(tape, enc.memory, reshape(tape, e, [Ts, B]), enc.lengths).pooled;
      }));
    } else {
      pooled = dotAttention(tape, enc.memory, this.attention instanceof GeneralAttention ? this.attention.query.forward(tape, h) : h, enc.lengths);
    }
    return this.drop(tape, tanh(tape, this.combine!.forward(tape, concatLast(tape, [pooled, h]))));
  }

  /**
   * The cross-entropy of teacher-forced decoding (`inputs` as for `forwardTeacher`) against
   * `targets` [Td, B] (the target then [EOS], 0 past each length). The output layer, most of the
   * cost, runs only on the rows that have a target, so padding costs nothing; the mean is per
   * target token.
   */
  teacherLoss(tape: Tape, enc: Encoded, inputs: IntTensor, targets: IntTensor, options: { labelSmoothing?: number; reduction?: 'mean' | 'sum'; teacherForcing?: number; rng?: Rng } = {}): Tensor {
    if (targets.shape.join() !== inputs.shape.join()) throw new Error(`EncoderDecoder.teacherLoss: targets must be shaped like inputs [${inputs.shape.join(', ')}], got [${targets.shape.join(', ')}]`);
    const rows: number[] = [];
    for (let i = 0; i < targets.size; i++) if (targets.data[i] !== 0) rows.push(i);
    if (rows.length === 0) throw new Error('EncoderDecoder.teacherLoss: no target token (every target is padding)');
    const logits = this.forwardTeacher(tape, enc, inputs, options.teacherForcing ?? 1, options.rng, IntTensor.from(rows));
    return crossEntropy(tape, logits, IntTensor.from(rows.map((i) => targets.data[i]!)), { labelSmoothing: options.labelSmoothing, reduction: options.reduction });
  }
}

export const encoderDecoderKind: ModelKind<EncoderDecoderConfig, EncoderDecoder> = {
  kind: 'encoder-decoder',
  normalize: normalizeEncoderDecoderConfig,
  parameterShapes: encoderDecoderParameterShapes,
  create: (c, o) => new EncoderDecoder(c, o),
  vocabularySize: (c) => c.sourceVocabSize,
};
registerModelKind(encoderDecoderKind);
