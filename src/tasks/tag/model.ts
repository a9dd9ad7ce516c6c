/**
 * The tagger (model kind 'tagger'): one label per input token, the many-to-many synchronised
 * architecture of BiLSTM(-CRF) taggers (Lample et al. 2016; Ma & Hovy 2016):
 *
 *   word embedding [T, B, Ew]  +  character features [T, B, 2 Hc]
 *     (each distinct word form of the batch read by a character BiLSTM, its two final states)
 *   -> dropout -> bidirectional recurrent encoder (stacked) -> dropout -> Linear -> emissions [T, B, K]
 *   -> softmax per token, or a linear-chain CRF over the sentence (Viterbi at prediction time).
 *
 * The character features give unknown words a representation from their spelling (suffixes,
 * capitals, digits). Parameter names follow PyTorch modules of the same structure (the CRF's
 * those of pytorch-crf: crf.transitions, crf.start_transitions, crf.end_transitions).
 */
import { concatLast, crfNll, crfViterbi, crossEntropy, dropout, embedding, reshape, select } from '../../autograd/ops/index.js';
import { Parameter } from '../../autograd/parameter.js';
import type { Tape } from '../../autograd/tape.js';
import { CELL_KINDS, type CellKind, isCellKind } from '../../kernels/cell-kinds.js';
import { Embedding } from '../../nn/embedding.js';
import { uniform } from '../../nn/init.js';
import { Linear } from '../../nn/linear.js';
import { type ModelKind, type SavedModule, registerModelKind } from '../../nn/model-kinds.js';
import { Module, initOrLeaveUnset } from '../../nn/module.js';
import { type RecurrentBase, createRecurrent, recurrentParameterShapes } from '../../nn/recurrent.js';
import { describeJsonValue } from '../../nn/recurrent-model.js';
import { Rng } from '../../random/rng.js';
import { IntTensor, type Tensor } from '../../tensor/tensor.js';

/** Most layers an encoder stack of a tagger file may state. */
export const MAX_TAGGER_LAYERS = 64;
const MAX_SIZE = 1 << 16;

export interface TaggerConfig {
  kind: 'tagger';
  /** Word vocabulary, [PAD] (0) and [UNK] (1) included. */
  wordVocabSize: number;
  wordEmbeddingDim: number;
  /** Character vocabulary, [PAD] and [UNK] included; 0: no character features. */
  charVocabSize: number;
  charEmbeddingDim: number;
  /** The character BiLSTM's width per direction. */
  charHiddenSize: number;
  cell: CellKind;
  /** The encoder's width per direction. */
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  dropout: number;
  /** Number of tags (K). */
  tagCount: number;
  /** A linear-chain CRF over the emissions (Viterbi decoding) instead of a softmax per token. */
  crf: boolean;
}

/** A config with the optional fields left out. */
export type TaggerConfigInput = Omit<TaggerConfig, 'kind' | 'charVocabSize' | 'charEmbeddingDim' | 'charHiddenSize' | 'numLayers' | 'bidirectional' | 'dropout' | 'crf'> & Partial<TaggerConfig>;

const FIELDS = ['kind', 'wordVocabSize', 'wordEmbeddingDim', 'charVocabSize', 'charEmbeddingDim', 'charHiddenSize', 'cell', 'hiddenSize', 'numLayers', 'bidirectional', 'dropout', 'tagCount', 'crf'];

export function normalizeTaggerConfig(raw: unknown): TaggerConfig {
  const where = 'tagger config';
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${where}: expected an object, got ${describeJsonValue(raw)}`);
  const c = raw as Partial<TaggerConfig>;
  const extra = Object.keys(c).filter((k) => !FIELDS.includes(k));
  if (extra.length) throw new Error(`${where}: unknown field ${describeJsonValue(extra[0])}; the fields are ${FIELDS.join(', ')}`);
  if (c.kind !== undefined && c.kind !== 'tagger') throw new Error(`${where}: kind must be 'tagger', got ${describeJsonValue(c.kind)}`);
  const out: TaggerConfig = {
    kind: 'tagger', wordVocabSize: c.wordVocabSize!, wordEmbeddingDim: c.wordEmbeddingDim!,
    charVocabSize: c.charVocabSize ?? 0, charEmbeddingDim: c.charEmbeddingDim ?? 0, charHiddenSize: c.charHiddenSize ?? 0,
    cell: c.cell!, hiddenSize: c.hiddenSize!, numLayers: c.numLayers ?? 1, bidirectional: c.bidirectional ?? true,
    dropout: c.dropout ?? 0, tagCount: c.tagCount!, crf: c.crf ?? false,
  };
  const int = (name: keyof TaggerConfig, min: number, max: number) => {
    const v = out[name];
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max)) throw new Error(`${where}: ${name} must be an integer from ${min} to ${max}, got ${describeJsonValue(v)}`);
  };
  int('wordVocabSize', 2, 1 << 22);
  int('charVocabSize', 0, 1 << 22);
  int('tagCount', 1, MAX_SIZE);
  for (const name of ['wordEmbeddingDim', 'hiddenSize'] as const) int(name, 1, MAX_SIZE);
  const chars = out.charVocabSize > 0;
  for (const name of ['charEmbeddingDim', 'charHiddenSize'] as const) int(name, chars ? 1 : 0, MAX_SIZE);
  if (!chars && (out.charEmbeddingDim > 0 || out.charHiddenSize > 0)) throw new Error(`${where}: charEmbeddingDim and charHiddenSize need character features (charVocabSize > 0)`);
  if (chars && out.charVocabSize < 2) throw new Error(`${where}: charVocabSize must be at least 2 ([PAD] and [UNK]), or 0 for no character features`);
  int('numLayers', 1, MAX_TAGGER_LAYERS);
  if (!isCellKind(out.cell)) throw new Error(`${where}: cell must be one of ${CELL_KINDS.join(', ')}, got ${describeJsonValue(out.cell)}`);
  for (const name of ['bidirectional', 'crf'] as const) {
    if (typeof out[name] !== 'boolean') throw new Error(`${where}: ${name} must be true or false, got ${describeJsonValue(out[name])}`);
  }
  if (!(typeof out.dropout === 'number' && out.dropout >= 0 && out.dropout < 1)) throw new Error(`${where}: dropout must be in [0, 1), got ${describeJsonValue(out.dropout)}`);
  return out;
}

function encoderInputSize(c: TaggerConfig): number {
  return c.wordEmbeddingDim + (c.charVocabSize > 0 ? 2 * c.charHiddenSize : 0);
}

/** Parameter names and shapes in `namedParameters()` order, without allocating. */
export function taggerParameterShapes(c: TaggerConfig): [string, number[]][] {
  const out: [string, number[]][] = [['word_embed.weight', [c.wordVocabSize, c.wordEmbeddingDim]]];
  const prefixed = (p: string, list: [string, number[]][]) => list.map(([n, s]): [string, number[]] => [`${p}.${n}`, s]);
  if (c.charVocabSize > 0) {
    out.push(['char_embed.weight', [c.charVocabSize, c.charEmbeddingDim]]);
    out.push(...prefixed('char_encoder', recurrentParameterShapes('lstm', { inputSize: c.charEmbeddingDim, hiddenSize: c.charHiddenSize, bidirectional: true })));
  }
  out.push(...prefixed('encoder', recurrentParameterShapes(c.cell, { inputSize: encoderInputSize(c), hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional })));
  const D = c.bidirectional ? 2 : 1;
  out.push(['output.weight', [c.tagCount, D * c.hiddenSize]], ['output.bias', [c.tagCount]]);
  if (c.crf) out.push(['crf.transitions', [c.tagCount, c.tagCount]], ['crf.start_transitions', [c.tagCount]], ['crf.end_transitions', [c.tagCount]]);
  return out;
}

/** A batch of sentences as the tagger reads them. */
export interface TagBatch {
  /** [T, B] word ids, 0 ([PAD]) past each length. */
  words: IntTensor;
  /** Tokens per sentence, each 1..T. */
  lengths: Int32Array;
  /** Character ids of each distinct word form in the batch (each at least one character). */
  forms: Int32Array[];
  /** [T, B]: the row of `forms` of each token (0 past each length). */
  formIndex: IntTensor;
  /** [T, B] gold tag ids, -1 past each length (absent at prediction time). */
  tags?: IntTensor;
  /** Tokens in the batch (the sum of lengths). */
  tokens: number;
}

/** A linear-chain CRF's scores (pytorch-crf's names and initialisation, U(-0.1, 0.1)). */
class CrfScores extends Module {
  readonly transitions: Parameter;
  readonly start: Parameter;
  readonly end: Parameter;
  constructor(K: number, rng?: Rng) {
    super();
    const make = (shape: number[]) => {
      const p = Parameter.zeros(shape);
      initOrLeaveUnset(p, rng, (r) => uniform(p, r, -0.1, 0.1));
      return p;
    };
    this.transitions = this.registerParameter('transitions', make([K, K]));
    this.start = this.registerParameter('start_transitions', make([K]));
    this.end = this.registerParameter('end_transitions', make([K]));
  }
}

export class Tagger extends Module implements SavedModule<TaggerConfig> {
  readonly config: TaggerConfig;
  readonly wordEmbed: Embedding;
  readonly charEmbed?: Embedding;
  readonly charEncoder?: RecurrentBase;
  readonly encoder: RecurrentBase;
  readonly output: Linear;
  readonly crf?: CrfScores;
  private readonly rng?: Rng;

  constructor(config: TaggerConfigInput, options: { rng?: Rng } = {}) {
    super();
    const c = (this.config = normalizeTaggerConfig(config));
    const rng = options.rng;
    if (rng !== undefined && !(rng instanceof Rng)) throw new Error(`Tagger: options.rng must be an Rng, got ${describeJsonValue(rng)}`);
    this.rng = rng;
    this.wordEmbed = this.registerModule('word_embed', new Embedding(c.wordVocabSize, c.wordEmbeddingDim, { rng, paddingIdx: 0 }));
    if (c.charVocabSize > 0) {
      this.charEmbed = this.registerModule('char_embed', new Embedding(c.charVocabSize, c.charEmbeddingDim, { rng, paddingIdx: 0 }));
      this.charEncoder = this.registerModule('char_encoder', createRecurrent('lstm', { inputSize: c.charEmbeddingDim, hiddenSize: c.charHiddenSize, bidirectional: true, rng }));
    }
    this.encoder = this.registerModule('encoder', createRecurrent(c.cell, {
      inputSize: encoderInputSize(c), hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional, dropout: c.numLayers > 1 ? c.dropout : 0, rng,
    }));
    this.output = this.registerModule('output', new Linear((c.bidirectional ? 2 : 1) * c.hiddenSize, c.tagCount, { rng }));
    if (c.crf) this.crf = this.registerModule('crf', new CrfScores(c.tagCount, rng));
  }

  private drop(tape: Tape, x: Tensor): Tensor {
    const p = this.config.dropout;
    if (!this.training || p === 0) return x;
    if (!this.rng) throw new Error('Tagger: dropout in training mode draws masks from an Rng, and this model was made without one; pass options.rng, or call eval()');
    return dropout(tape, x, p, this.rng);
  }

  /** [N, 2 Hc]: each word form's character BiLSTM final states (forwards, backwards). */
  private formFeatures(tape: Tape, forms: readonly Int32Array[]): Tensor {
    const N = forms.length;
    const lengths = Int32Array.from(forms, (f) => f.length);
    const L = Math.max(...lengths);
    const ids = IntTensor.zeros([L, N]);
    const V = this.config.charVocabSize;
    forms.forEach((f, n) => {
      if (f.length === 0) throw new Error(`Tagger: word form ${n} has no characters`);
      for (let i = 0; i < f.length; i++) {
        const id = f[i]!;
        if (!(Number.isInteger(id) && id >= 0 && id < V)) throw new Error(`Tagger: word form ${n} character ${i} has id ${id}, outside [0, ${V})`);
        ids.data[i * N + n] = id;
      }
    });
    const { state } = this.charEncoder!.forward(tape, this.charEmbed!.forward(tape, ids), { lengths });
    return concatLast(tape, [select(tape, state.h, 0), select(tape, state.h, 1)]);
  }

  /** Per-token tag scores [T, B, K] (logits of the softmax, or the CRF's emissions). */
  emissions(tape: Tape, batch: TagBatch): Tensor {
    return this.emissionsFrom(tape, this.encoderInput(tape, batch), batch.lengths);
  }

  /** [T, B, Ew (+ 2 Hc)]: what the encoder reads per token, its word embedding and its form's character features. */
  encoderInput(tape: Tape, batch: TagBatch): Tensor {
    const [T, B] = batch.words.shape as [number, number];
    let x = this.wordEmbed.forward(tape, batch.words); // [T, B, Ew]
    if (this.charEncoder) {
      const feats = embedding(tape, batch.formIndex.reshape([T * B]), this.formFeatures(tape, batch.forms)); // gathers rows: [T*B, 2Hc]
      x = concatLast(tape, [x, reshape(tape, feats, [T, B, 2 * this.config.charHiddenSize])]);
    }
    return x;
  }

  /** `emissions` from the encoder's input [T, B, I] (`encoderInput`): the encoder and the output layer. */
  emissionsFrom(tape: Tape, x: Tensor, lengths: Int32Array): Tensor {
    const { output } = this.encoder.forward(tape, this.drop(tape, x), { lengths });
    return this.output.forward(tape, this.drop(tape, output));
  }

  /**
   * The training loss per token: softmax cross-entropy over the valid tokens, or the CRF's
   * negative log-likelihood of the gold paths divided by the number of tokens.
   */
  loss(tape: Tape, batch: TagBatch, options: { reduction?: 'mean' | 'sum' } = {}): Tensor {
    if (!batch.tags) throw new Error('Tagger.loss: the batch has no gold tags');
    return this.lossOf(tape, this.emissions(tape, batch), batch, options);
  }

  /** `loss` from emissions [T, B, K] already computed for `batch` (validation scores and tags one forward pass). */
  lossOf(tape: Tape, e: Tensor, batch: TagBatch, options: { reduction?: 'mean' | 'sum' } = {}): Tensor {
    if (!batch.tags) throw new Error('Tagger.loss: the batch has no gold tags');
    const [T, B, K] = e.shape as [number, number, number];
    const reduction = options.reduction ?? 'mean';
    if (this.crf) return crfNll(tape, e, batch.tags, batch.lengths, this.crf.transitions, this.crf.start, this.crf.end, { reduction: reduction === 'mean' ? 'token-mean' : 'sum' });
    const rows: number[] = [];
    const gold: number[] = [];
    for (let i = 0; i < T * B; i++) {
      const y = batch.tags.data[i]!;
      if (y >= 0) { rows.push(i); gold.push(y); }
    }
    const picked = embedding(tape, IntTensor.from(rows), reshape(tape, e, [T * B, K])); // the valid tokens' rows
    return crossEntropy(tape, picked, IntTensor.from(gold), { reduction });
  }

  /**
   * The best tags of each sentence (argmax per token, or the CRF's Viterbi path), and for each
   * token the probability the softmax gives its tag (the CRF: its emission softmax, a confidence
   * figure only). Run on an inference tape in eval mode.
   */
  predict(tape: Tape, batch: TagBatch): { tags: Int32Array[]; confidence: Float32Array[] } {
    return this.decode(this.emissions(tape, batch), batch);
  }

  /** `predict` from emissions [T, B, K] already computed for `batch`. */
  decode(e: Tensor, batch: TagBatch): { tags: Int32Array[]; confidence: Float32Array[] } {
    const [T, B, K] = e.shape as [number, number, number];
    const d = e.data;
    let paths: Int32Array[];
    if (this.crf) {
      paths = crfViterbi(d, T, B, K, batch.lengths, this.crf.transitions.data, this.crf.start.data, this.crf.end.data).paths;
    } else {
      paths = Array.from(batch.lengths, (L, b) => {
        const p = new Int32Array(L);
        for (let t = 0; t < L; t++) {
          const o = (t * B + b) * K;
          let best = 0;
          for (let k = 1; k < K; k++) if (d[o + k]! > d[o + best]!) best = k;
          p[t] = best;
        }
        return p;
      });
    }
    const confidence = paths.map((p, b) => Float32Array.from(p, (k, t) => {
      const o = (t * B + b) * K;
      let top = -Infinity;
      for (let j = 0; j < K; j++) top = Math.max(top, d[o + j]!);
      let z = 0;
      for (let j = 0; j < K; j++) z += Math.exp(d[o + j]! - top);
      return Math.exp(d[o + k]! - top) / z;
    }));
    return { tags: paths, confidence };
  }
}

export const taggerKind: ModelKind<TaggerConfig, Tagger> = {
  kind: 'tagger',
  normalize: normalizeTaggerConfig,
  parameterShapes: taggerParameterShapes,
  create: (c, o) => new Tagger(c, o),
  vocabularySize: (c) => c.wordVocabSize,
};
registerModelKind(taggerKind);
