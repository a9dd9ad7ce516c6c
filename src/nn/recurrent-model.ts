/**
 * `RecurrentModel`: the whole network most tasks need, described by a plain JSON config so it
 * can be saved, loaded and exported: an input stage (embedding of token ids, one-hot ids, or
 * dense features) -> a stacked, optionally bidirectional Rnn/Lstm/Gru -> a Linear head, applied
 * at every step (`output: 'sequence'`) or once per sequence (`output: 'last'`) to the final
 * state or to the outputs pooled over the valid steps (`pooling`: mean, max or attention).
 * Parameter names: `embedding.weight`, `rnn.weight_ih_l0` ..., `attention.proj.weight` ...,
 * `head.weight`, `head.bias`.
 */
import { Module, checkParametersSet, describe, initOrLeaveUnset } from './module.js';
import { Parameter } from '../autograd/parameter.js';
import { Embedding } from './embedding.js';
import { Linear } from './linear.js';
import {
  type RecurrentBase, type RecurrentForwardOptions, type RecurrentState, createRecurrent, recurrentParameterShapes,
} from './recurrent.js';
import { CELL_KINDS, type CellKind, isCellKind } from '../kernels/cell-kinds.js';
import type { Tape } from '../autograd/tape.js';
import { concatLast, dropout, linear, maskedMaxPool, maskedMeanPool, reshape, select, transpose01 } from '../autograd/ops/index.js';
import { AttentionPooling } from './attention-pooling.js';
import { Rng } from '../random/rng.js';
import { IntTensor, Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';

export type InputConfig =
  | { kind: 'embedding'; vocabSize: number; embeddingDim: number; paddingIdx?: number }
  | { kind: 'one-hot'; vocabSize: number }
  | { kind: 'dense'; size: number };

/**
 * What the head of an `output: 'last'` model reads, one vector [B, D*H] per sequence:
 * - 'last': the last layer's final hidden state, both directions concatenated (the default);
 * - 'mean' / 'max': the mean / feature-wise maximum of the last layer's outputs over the valid
 *   steps t < lengths[b] (all T without lengths);
 * - 'attention': additive attention over the valid steps (`AttentionPooling`, parameters
 *   `attention.proj.weight` [D*H, D*H], `attention.proj.bias` [D*H], `attention.score.weight` [1, D*H]).
 */
export type Pooling = 'last' | 'mean' | 'max' | 'attention';

/** Every `Pooling`, in the order of its documentation. */
export const POOLINGS: readonly Pooling[] = ['last', 'mean', 'max', 'attention'];

export interface RecurrentModelConfig {
  /** The model kind of saved files ('recurrent'; files written before kinds existed have none). */
  kind: 'recurrent';
  input: InputConfig;
  /** The recurrent cell: a kind of the cell table (kernels/cell-kinds.ts), e.g. 'lstm' or 'rnn-tanh'. */
  cell: CellKind;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  dropout: number;
  bias: boolean;
  /** Output features of the Linear head (classes, vocabulary or targets). */
  outputSize: number;
  /** 'sequence': head at every step -> [T, B, O]; 'last': head once per sequence (see `pooling`) -> [B, O]. */
  output: 'sequence' | 'last';
  /**
   * With output 'last', what the head reads (see `Pooling`). Optional so that configs written
   * before it existed still load (as 'last'); `normalizeModelConfig` sets it for output
   * 'last' and leaves it out for 'sequence', where only 'last' (meaning nothing) is accepted.
   */
  pooling?: Pooling;
  /**
   * Inverted dropout on what the head reads, in training mode (as a Keras `Dropout` before the
   * `Dense` layer, or `nn.Dropout` before `nn.Linear`): the pooled vector (output 'last') or the
   * last layer's output at every step (output 'sequence'). Optional so that configs written
   * before it existed still load (as 0); `normalizeModelConfig` sets it for output 'last', and
   * for 'sequence' only when it is not 0.
   */
  headDropout?: number;
  /**
   * Inverted dropout on the recurrent stack's input (the embedded tokens, or the features), in
   * training mode: with `dropout` between layers and `headDropout` before the head, the
   * dropout of every non-recurrent connection (Zaremba et al. 2014; PyTorch's
   * word_language_model). Optional: absent means 0.
   */
  inputDropout?: number;
  /**
   * Batch-first input and output ([B, T] ids or [B, T, I] features; logits [B, T, O]) as
   * PyTorch's `batch_first` (default false: time-major). States stay [L*D, B, H]. Optional so
   * that configs written before it existed still load; `normalizeModelConfig` always sets it.
   */
  batchFirst?: boolean;
  /**
   * Tied input and output embeddings (Press & Wolf 2017; PyTorch's word_language_model
   * `--tied`): the head multiplies by `embedding.weight` and has only its bias, so a language
   * model over V tokens stores V x E once. Needs an embedding input over the head's outputs and
   * an embedding as wide as what the head reads (D*H). Optional: absent means untied.
   */
  tieWeights?: boolean;
}

/** A config as a user writes it: `input` and `outputSize`, every other field optional (defaults filled by `normalizeModelConfig`). */
export type RecurrentModelConfigInput = Partial<RecurrentModelConfig> & Pick<RecurrentModelConfig, 'input' | 'outputSize'>;

export interface ModelOutput {
  /** [T, B, O] ([B, T, O] with batchFirst) for output 'sequence', [B, O] for 'last'. */
  logits: Tensor;
  state: RecurrentState;
  /**
   * Pooling 'attention' only: the weight of each step, [T, B] ([B, T] with batchFirst), 0 on
   * padding steps, each sequence's weights summing to 1 (for reading which steps mattered).
   */
  attention?: Tensor;
}

/** Most stacked layers a config may ask for (far beyond practice; bounds what a file can make a loader expect). */
export const MAX_NUM_LAYERS = 256;
/** Largest size field (vocabSize, embeddingDim, size, hiddenSize, outputSize): token ids are int32. */
export const MAX_SIZE = 2 ** 31 - 1;
/** Most parameters a model may have: 2^30 float32 values are 4 GiB, all of wasm32 memory. */
export const MAX_PARAMETERS = 2 ** 30;
/** Most parameter tensors any valid config has: embedding, 4 per layer and direction, 3 of attention pooling, head weight and bias. */
export const MAX_PARAMETER_TENSORS = 1 + MAX_NUM_LAYERS * 2 * 4 + 3 + 2;

const FIELDS = ['input', 'cell', 'hiddenSize', 'numLayers', 'bidirectional', 'dropout', 'bias', 'outputSize', 'output', 'pooling', 'headDropout', 'inputDropout', 'batchFirst', 'tieWeights', 'kind'];
const INPUT_FIELDS: Record<InputConfig['kind'], string[]> = {
  embedding: ['kind', 'vocabSize', 'embeddingDim', 'paddingIdx'], 'one-hot': ['kind', 'vocabSize'], dense: ['kind', 'size'],
};

/** A parsed JSON value in a few words for a one-line message, whatever a hostile file put there. */
export function describeJsonValue(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v !== null && typeof v === 'object') return 'an object';
  return typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : String(v);
}

function unknownField(where: string, o: object, known: readonly string[]): void {
  const extra = Object.keys(o).filter((k) => !known.includes(k));
  if (extra.length) {
    throw new Error(`${where}: unknown field ${describeJsonValue(extra[0])}${extra.length > 1 ? ` (and ${extra.length - 1} more)` : ''}; the fields are ${known.join(', ')}`);
  }
}

/**
 * Fills defaults and validates a config: clear errors for every field, unknown fields, sizes
 * above `MAX_SIZE`, more than `MAX_NUM_LAYERS` layers or `MAX_PARAMETERS` parameters. It
 * allocates nothing, so a loader can run it on a hostile file's config.
 */
export function normalizeModelConfig(c: RecurrentModelConfigInput): RecurrentModelConfig {
  const where = 'RecurrentModel config';
  if (!c || typeof c !== 'object' || Array.isArray(c)) throw new Error(`${where}: expected an object, got ${describeJsonValue(c)}`);
  unknownField(where, c, FIELDS);
  if (c.kind !== undefined && c.kind !== 'recurrent') throw new Error(`${where}: kind must be 'recurrent', got ${describeJsonValue(c.kind)}`);
  const posInt = (name: string, v: unknown, max = MAX_SIZE) => {
    if (!(typeof v === 'number' && Number.isInteger(v) && v > 0)) throw new Error(`${where}: ${name} must be a positive integer, got ${describeJsonValue(v)}`);
    if (v > max) throw new Error(`${where}: ${name} must be at most ${max}, got ${v}`);
  };
  const given = c.input as unknown;
  if (!given || typeof given !== 'object' || Array.isArray(given)) throw new Error(`${where}: input must be { kind: 'embedding' | 'one-hot' | 'dense', ... }, got ${describeJsonValue(given)}`);
  const g = given as Record<string, unknown>;
  if (!Object.hasOwn(INPUT_FIELDS, g.kind as string)) {
    throw new Error(`${where}: input.kind must be 'embedding', 'one-hot' or 'dense', got ${describeJsonValue(g.kind)}`);
  }
  const kind = g.kind as InputConfig['kind'];
  unknownField(`${where}: input (${kind})`, g, INPUT_FIELDS[kind]);
  let input: InputConfig;
  if (kind === 'dense') {
    posInt('input.size', g.size);
    input = { kind, size: g.size as number };
  } else {
    posInt('input.vocabSize', g.vocabSize);
    const V = g.vocabSize as number;
    if (kind === 'one-hot') input = { kind, vocabSize: V };
    else {
      posInt('input.embeddingDim', g.embeddingDim);
      input = { kind, vocabSize: V, embeddingDim: g.embeddingDim as number };
      const pad = g.paddingIdx;
      if (pad !== undefined) {
        if (!(typeof pad === 'number' && Number.isInteger(pad) && pad >= -V && pad < V)) {
          throw new Error(`${where}: input.paddingIdx must be an integer in [${-V}, ${V}), got ${describeJsonValue(pad)}`);
        }
        input.paddingIdx = pad;
      }
    }
  }
  // Only an absent field takes its default: null (from a file's JSON) is a value, and wrong.
  const or = <T>(v: T | undefined, d: T): T => (v === undefined ? d : v);
  const out: RecurrentModelConfig = {
    kind: 'recurrent',
    input,
    cell: or(c.cell, 'lstm'),
    hiddenSize: or(c.hiddenSize, 128),
    numLayers: or(c.numLayers, 1),
    bidirectional: or(c.bidirectional, false),
    dropout: or(c.dropout, 0),
    bias: or(c.bias, true),
    outputSize: c.outputSize,
    output: or(c.output, 'sequence'),
    batchFirst: or(c.batchFirst, false),
  };
  if (!isCellKind(out.cell)) throw new Error(`${where}: cell must be one of ${CELL_KINDS.join(', ')}, got ${describeJsonValue(out.cell)}`);
  posInt('hiddenSize', out.hiddenSize);
  posInt('numLayers', out.numLayers, MAX_NUM_LAYERS);
  posInt('outputSize', out.outputSize);
  if (typeof out.bidirectional !== 'boolean') throw new Error(`${where}: bidirectional must be true or false, got ${describeJsonValue(out.bidirectional)}`);
  if (typeof out.bias !== 'boolean') throw new Error(`${where}: bias must be true or false, got ${describeJsonValue(out.bias)}`);
  if (typeof out.batchFirst !== 'boolean') throw new Error(`${where}: batchFirst must be true or false, got ${describeJsonValue(out.batchFirst)}`);
  if (!(typeof out.dropout === 'number' && out.dropout >= 0 && out.dropout < 1)) throw new Error(`${where}: dropout must be in [0, 1), got ${describeJsonValue(out.dropout)}`);
  if (out.output !== 'sequence' && out.output !== 'last') throw new Error(`${where}: output must be 'sequence' or 'last', got ${describeJsonValue(out.output)}`);
  const pooling = or(c.pooling, 'last');
  if (!POOLINGS.includes(pooling)) throw new Error(`${where}: pooling must be ${POOLINGS.map((p) => `'${p}'`).join(', ')}, got ${describeJsonValue(pooling)}`);
  if (out.output === 'last') out.pooling = pooling;
  else if (pooling !== 'last') throw new Error(`${where}: pooling '${pooling}' needs output 'last' (output 'sequence' applies the head at every step, pooling nothing)`);
  const headDropout = or(c.headDropout, 0);
  if (!(typeof headDropout === 'number' && headDropout >= 0 && headDropout < 1)) throw new Error(`${where}: headDropout must be in [0, 1), got ${describeJsonValue(headDropout)}`);
  if (out.output === 'last' || headDropout !== 0) out.headDropout = headDropout;
  const inputDropout = or(c.inputDropout, 0);
  if (!(typeof inputDropout === 'number' && inputDropout >= 0 && inputDropout < 1)) throw new Error(`${where}: inputDropout must be in [0, 1), got ${describeJsonValue(inputDropout)}`);
  if (inputDropout !== 0) out.inputDropout = inputDropout;
  const tie = or(c.tieWeights, false);
  if (typeof tie !== 'boolean') throw new Error(`${where}: tieWeights must be true or false, got ${describeJsonValue(tie)}`);
  if (tie) {
    const F = (out.bidirectional ? 2 : 1) * out.hiddenSize;
    if (input.kind !== 'embedding') throw new Error(`${where}: tieWeights shares the embedding with the head, and input is ${input.kind}`);
    if (input.vocabSize !== out.outputSize) throw new Error(`${where}: tieWeights needs the head over the embedding's ${input.vocabSize} tokens, got outputSize ${out.outputSize}`);
    if (input.embeddingDim !== F) throw new Error(`${where}: tieWeights needs input.embeddingDim equal to what the head reads (${F}${out.bidirectional ? ` = 2 × ${out.hiddenSize}` : ''}), got ${input.embeddingDim}`);
    out.tieWeights = true;
  }
  let total = 0;
  for (const [, shape] of parameterShapesOf(out)) total += shape.reduce((a, b) => a * b, 1);
  if (total > MAX_PARAMETERS) {
    throw new Error(`${where}: the model would have ${total.toExponential(2)} parameters, more than the ${MAX_PARAMETERS} (4 GiB of float32) recur can hold`);
  }
  return out;
}

/** The names and shapes of a normalised config's parameters, in `namedParameters()` order. */
function parameterShapesOf(c: RecurrentModelConfig): [string, number[]][] {
  const out: [string, number[]][] = [];
  let inputSize: number;
  if (c.input.kind === 'embedding') {
    out.push(['embedding.weight', [c.input.vocabSize, c.input.embeddingDim]]);
    inputSize = c.input.embeddingDim;
  } else {
    inputSize = c.input.kind === 'one-hot' ? c.input.vocabSize : c.input.size;
  }
  const rnn = recurrentParameterShapes(c.cell, { inputSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional, bias: c.bias });
  for (const [name, shape] of rnn) out.push([`rnn.${name}`, shape]);
  const F = (c.bidirectional ? 2 : 1) * c.hiddenSize;
  if (c.pooling === 'attention') for (const [name, shape] of AttentionPooling.parameterShapes(F)) out.push([`attention.${name}`, shape]);
  if (!c.tieWeights) out.push(['head.weight', [c.outputSize, F]]);
  out.push(['head.bias', [c.outputSize]]);
  return out;
}

/**
 * The head of a model with tied embeddings: logits = x embedding.weight^T + bias. Only the bias
 * is its own parameter (`head.bias`, zeros at first as in PyTorch's word_language_model); the
 * weight is the embedding's, which receives the gradients of both uses.
 */
export class TiedHead extends Module {
  readonly bias: Parameter;

  constructor(private readonly embedding: Embedding, rng?: Rng) {
    super();
    this.bias = this.registerParameter('bias', Parameter.zeros([embedding.weight.shape[0]!]));
    initOrLeaveUnset(this.bias, rng, () => {});
  }

  /** The weight the head multiplies by: the embedding's (not a parameter of its own). */
  get weight(): Parameter {
    return this.embedding.weight;
  }

  forward(tape: Tape, x: Tensor): Tensor {
    checkParametersSet(this, 'TiedHead.forward');
    return linear(tape, x, this.embedding.weight, this.bias);
  }
}

/**
 * input -> Rnn/Lstm/Gru -> Linear head, from a JSON config (see `RecurrentModelConfig`).
 *
 * Shapes (time-major; swap the first two axes with `batchFirst: true`): input ids [T, B]
 * (`embedding`, `one-hot`) or features [T, B, I] (`dense`) -> logits [T, B, O]
 * (`output: 'sequence'`) or [B, O] (`output: 'last'`: the head on what `pooling` reads, by
 * default the last layer's final state, both directions concatenated; 'mean', 'max' and
 * 'attention' pool the last layer's outputs over each sequence's valid steps, so a padded
 * batch gives each sequence's logits alone); state h (and c) [L*D, B, H]. Parameters:
 * `embedding.weight` [V, E], `rnn.*` as the recurrent layer names them, with attention
 * pooling `attention.proj.weight` [D*H, D*H], `attention.proj.bias` [D*H],
 * `attention.score.weight` [1, D*H], then `head.weight` [O, D*H], `head.bias` [O].
 *
 * ```ts
 * const model = new RecurrentModel({ input: { kind: 'embedding', vocabSize: 65, embeddingDim: 64 },
 *   cell: 'lstm', hiddenSize: 256, numLayers: 2, outputSize: 65 }, { rng: new Rng(0) }).to(backend);
 * const { logits, state } = model.forward(tape, ids);   // ids: IntTensor [T, B]
 * ```
 */
export class RecurrentModel extends Module {
  readonly config: RecurrentModelConfig;
  readonly embedding: Embedding | undefined;
  readonly rnn: RecurrentBase;
  /** The attention of pooling 'attention' (undefined for other poolings). */
  readonly attention: AttentionPooling | undefined;
  /** The output layer: a Linear, or with tieWeights its bias over the embedding's weight. */
  readonly head: Linear | TiedHead;
  /** Draws headDropout's masks (undefined for a model rebuilt to load a file). */
  private readonly rng: Rng | undefined;

  /**
   * The names and shapes of the parameters a config gives, in `namedParameters()` order,
   * without allocating any (at most `MAX_PARAMETER_TENSORS` entries). Loaders check a file's
   * header against this before they build the model.
   */
  static parameterShapes(config: RecurrentModelConfigInput): [string, number[]][] {
    return parameterShapesOf(normalizeModelConfig(config));
  }

  /**
   * `options.rng` draws the initial weights and dropout masks (randomness is an argument).
   * Without it the parameters stay unset for `loadStateDict` (a model rebuilt to load a file):
   * `forward` throws until the weights are loaded, and dropout in training mode throws.
   */
  constructor(config: RecurrentModelConfigInput, options: { rng?: Rng } = {}) {
    super();
    const c = normalizeModelConfig(config);
    this.config = c;
    if (options.rng !== undefined && !(options.rng instanceof Rng)) throw new Error(`RecurrentModel: options.rng must be an Rng, got ${describe(options.rng)}`);
    const rng = options.rng;
    let inputSize: number;
    if (c.input.kind === 'embedding') {
      this.embedding = this.registerModule('embedding', new Embedding(c.input.vocabSize, c.input.embeddingDim, { rng, paddingIdx: c.input.paddingIdx }));
      inputSize = c.input.embeddingDim;
    } else {
      inputSize = c.input.kind === 'one-hot' ? c.input.vocabSize : c.input.size;
    }
    const o = { inputSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional, dropout: c.dropout, bias: c.bias, batchFirst: c.batchFirst, rng };
    this.rnn = this.registerModule('rnn', createRecurrent(c.cell, o));
    const D = c.bidirectional ? 2 : 1;
    if (c.pooling === 'attention') this.attention = this.registerModule('attention', new AttentionPooling(D * c.hiddenSize, { rng }));
    this.head = this.registerModule('head', c.tieWeights ? new TiedHead(this.embedding!, rng) : new Linear(D * c.hiddenSize, c.outputSize, { rng }));
    this.rng = rng;
  }

  /** The head on what it reads ([B, F] pooled, or [T*B, F] every step), after headDropout in training mode. */
  private headOn(tape: Tape, features: Tensor): Tensor {
    return this.head.forward(tape, this.dropped(tape, features, this.config.headDropout ?? 0, 'headDropout'));
  }

  /** `x` after inverted dropout `p` in training mode (`what` names the setting in errors). */
  private dropped(tape: Tape, x: Tensor, p: number, what: string): Tensor {
    if (!(p > 0 && this.training)) return x;
    if (!this.rng) throw new Error(`RecurrentModel.forward: ${what} ${p} in training mode draws masks from an Rng, and this model was made without one; pass options.rng, or call eval() for inference`);
    return dropout(tape, x, p, this.rng);
  }

  /**
   * The [T, B, I] float input of the recurrent stack, from ids [T, B] or features [T, B, I]
   * (all batch-first, [B, T, *], with `batchFirst`).
   */
  embed(tape: Tape, input: IntTensor | Tensor): Tensor {
    const where = 'RecurrentModel.forward';
    const kind = this.config.input.kind;
    const axes = this.config.batchFirst ? 'B, T' : 'T, B';
    if (kind === 'dense') {
      if (!(input instanceof Tensor)) throw new Error(`${where}: input must be a float Tensor [${axes}, ${this.rnn.inputSize}] for dense input`);
      return input;
    }
    if (!(input instanceof IntTensor) || input.rank !== 2) {
      throw new Error(`${where}: input must be token ids, an IntTensor [${axes}], got ${input instanceof IntTensor || input instanceof Tensor ? `${input.constructor.name}${formatShape(input.shape)}` : typeof input}`);
    }
    if (this.embedding) return this.embedding.forward(tape, input);
    const V = this.rnn.inputSize;
    const x = tape.tensor([...input.shape, V]);
    for (let i = 0; i < input.size; i++) {
      const id = input.data[i]!;
      if (!(id >= 0 && id < V)) throw new Error(`${where}: token id ${id} at position ${i} is outside [0, ${V})`);
      x.data[i * V + id] = 1;
    }
    return x;
  }

  forward(tape: Tape, input: IntTensor | Tensor, options: RecurrentForwardOptions = {}): ModelOutput {
    checkParametersSet(this, 'RecurrentModel.forward');
    const x = this.dropped(tape, this.embed(tape, input), this.config.inputDropout ?? 0, 'inputDropout');
    const { output, state } = this.rnn.forward(tape, x, options);
    const [first, second, F] = output.shape as [number, number, number]; // [T, B, F], or [B, T, F] batch-first
    if (this.config.output === 'sequence') {
      const logits = this.headOn(tape, reshape(tape, output, [first * second, F]));
      return { logits: reshape(tape, logits, [first, second, this.config.outputSize]), state };
    }
    const pooling = this.config.pooling ?? 'last';
    if (pooling === 'last') {
      // Final hidden state of the last layer: forward direction (and reverse), concatenated.
      const L = this.rnn.numLayers, D = this.rnn.numDirections;
      const finals = Array.from({ length: D }, (_, d) => select(tape, state.h, (L - 1) * D + d));
      const feat = D === 1 ? finals[0]! : concatLast(tape, finals);
      return { logits: this.headOn(tape, feat), state };
    }
    // The pooling ops read time-major [T, B, F]; the layer has checked the lengths.
    const steps = this.config.batchFirst ? transpose01(tape, output) : output;
    const lengths = options.lengths instanceof IntTensor ? options.lengths.data : options.lengths;
    if (pooling === 'attention') {
      const { pooled, weights } = this.attention!.forward(tape, steps, lengths);
      return { logits: this.headOn(tape, pooled), state, attention: this.config.batchFirst ? transpose01(tape, weights) : weights };
    }
    const pooled = pooling === 'mean' ? maskedMeanPool(tape, steps, lengths) : maskedMaxPool(tape, steps, lengths);
    return { logits: this.headOn(tape, pooled), state };
  }

  protected override extraRepr(): string {
    const c = this.config;
    return `cell=${c.cell}, output=${c.output}${c.output === 'last' ? `, pooling=${c.pooling ?? 'last'}` : ''}${c.inputDropout ? `, inputDropout=${c.inputDropout}` : ''}${c.headDropout ? `, headDropout=${c.headDropout}` : ''}${c.batchFirst ? ', batchFirst=true' : ''}`;
  }
}
