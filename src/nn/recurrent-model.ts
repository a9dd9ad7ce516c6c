/**
 * `RecurrentModel`: the whole network most tasks need, described by a plain JSON config so it
 * can be saved, loaded and exported: an input stage (embedding of token ids, one-hot ids, or
 * dense features) -> a stacked, optionally bidirectional Rnn/Lstm/Gru -> a Linear head, applied
 * at every step (`output: 'sequence'`) or to the final state (`output: 'last'`).
 * Parameter names: `embedding.weight`, `rnn.weight_ih_l0` ..., `head.weight`, `head.bias`.
 */
import { Module } from './module.js';
import { Embedding } from './embedding.js';
import { Linear } from './linear.js';
import { Gru, Lstm, type RecurrentBase, type RecurrentForwardOptions, type RecurrentState, Rnn } from './recurrent.js';
import type { Tape } from '../autograd/tape.js';
import { concatLast, reshape, select } from '../autograd/ops/index.js';
import { Rng } from '../random/rng.js';
import { IntTensor, Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';

export type CellType = 'lstm' | 'gru' | 'rnn-tanh' | 'rnn-relu' | 'rnn-sigmoid';
export const CELL_TYPES: readonly CellType[] = ['lstm', 'gru', 'rnn-tanh', 'rnn-relu', 'rnn-sigmoid'];

export type InputConfig =
  | { kind: 'embedding'; vocabSize: number; embeddingDim: number; paddingIdx?: number }
  | { kind: 'one-hot'; vocabSize: number }
  | { kind: 'dense'; size: number };

export interface RecurrentModelConfig {
  input: InputConfig;
  cell: CellType;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  dropout: number;
  bias: boolean;
  /** Output features of the Linear head (classes, vocabulary or targets). */
  outputSize: number;
  /** 'sequence': head at every step -> [T, B, O]; 'last': head on the final state -> [B, O]. */
  output: 'sequence' | 'last';
}

export interface ModelOutput {
  /** [T, B, O] or [B, O] */
  logits: Tensor;
  state: RecurrentState;
}

/** Fills defaults and validates a config (clear errors for every field). */
export function normalizeModelConfig(c: Partial<RecurrentModelConfig> & Pick<RecurrentModelConfig, 'input' | 'outputSize'>): RecurrentModelConfig {
  const where = 'RecurrentModel config';
  if (!c || typeof c !== 'object') throw new Error(`${where}: expected an object`);
  const posInt = (name: string, v: unknown) => {
    if (!(typeof v === 'number' && Number.isInteger(v) && v > 0)) throw new Error(`${where}: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  };
  const input = c.input;
  if (!input || typeof input !== 'object') throw new Error(`${where}: input must be { kind: 'embedding' | 'one-hot' | 'dense', ... }`);
  if (input.kind === 'embedding') { posInt('input.vocabSize', input.vocabSize); posInt('input.embeddingDim', input.embeddingDim); }
  else if (input.kind === 'one-hot') posInt('input.vocabSize', input.vocabSize);
  else if (input.kind === 'dense') posInt('input.size', input.size);
  else throw new Error(`${where}: input.kind must be 'embedding', 'one-hot' or 'dense', got ${JSON.stringify((input as { kind?: unknown }).kind)}`);
  const out: RecurrentModelConfig = {
    input,
    cell: c.cell ?? 'lstm',
    hiddenSize: c.hiddenSize ?? 128,
    numLayers: c.numLayers ?? 1,
    bidirectional: c.bidirectional ?? false,
    dropout: c.dropout ?? 0,
    bias: c.bias ?? true,
    outputSize: c.outputSize,
    output: c.output ?? 'sequence',
  };
  if (!CELL_TYPES.includes(out.cell)) throw new Error(`${where}: cell must be one of ${CELL_TYPES.join(', ')}, got ${JSON.stringify(out.cell)}`);
  posInt('hiddenSize', out.hiddenSize);
  posInt('numLayers', out.numLayers);
  posInt('outputSize', out.outputSize);
  if (typeof out.bidirectional !== 'boolean') throw new Error(`${where}: bidirectional must be true or false`);
  if (typeof out.bias !== 'boolean') throw new Error(`${where}: bias must be true or false`);
  if (!(typeof out.dropout === 'number' && out.dropout >= 0 && out.dropout < 1)) throw new Error(`${where}: dropout must be in [0, 1), got ${out.dropout}`);
  if (out.output !== 'sequence' && out.output !== 'last') throw new Error(`${where}: output must be 'sequence' or 'last', got ${JSON.stringify(out.output)}`);
  return out;
}

export class RecurrentModel extends Module {
  readonly config: RecurrentModelConfig;
  readonly embedding: Embedding | undefined;
  readonly rnn: RecurrentBase;
  readonly head: Linear;

  /** `rng` draws the initial weights and dropout masks (required: randomness is an argument). */
  constructor(config: Partial<RecurrentModelConfig> & Pick<RecurrentModelConfig, 'input' | 'outputSize'>, options: { rng: Rng }) {
    super();
    const c = normalizeModelConfig(config);
    this.config = c;
    if (!(options?.rng instanceof Rng)) throw new Error('RecurrentModel: options.rng is required (initialisation and dropout take an explicit Rng)');
    const rng = options.rng;
    let inputSize: number;
    if (c.input.kind === 'embedding') {
      this.embedding = this.registerModule('embedding', new Embedding(c.input.vocabSize, c.input.embeddingDim, { rng, paddingIdx: c.input.paddingIdx }));
      inputSize = c.input.embeddingDim;
    } else {
      inputSize = c.input.kind === 'one-hot' ? c.input.vocabSize : c.input.size;
    }
    const o = { inputSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional, dropout: c.dropout, bias: c.bias, rng };
    this.rnn = this.registerModule('rnn', c.cell === 'lstm' ? new Lstm(o) : c.cell === 'gru' ? new Gru(o)
      : new Rnn({ ...o, nonlinearity: c.cell.slice(4) as 'tanh' | 'relu' | 'sigmoid' }));
    const D = c.bidirectional ? 2 : 1;
    this.head = this.registerModule('head', new Linear(D * c.hiddenSize, c.outputSize, { rng }));
  }

  /** The [T, B, I] float input of the recurrent stack, from ids [T, B] or features [T, B, I]. */
  embed(tape: Tape, input: IntTensor | Tensor): Tensor {
    const where = 'RecurrentModel.forward';
    const kind = this.config.input.kind;
    if (kind === 'dense') {
      if (!(input instanceof Tensor)) throw new Error(`${where}: input must be a float Tensor [T, B, ${this.rnn.inputSize}] for dense input`);
      return input;
    }
    if (!(input instanceof IntTensor) || input.rank !== 2) {
      throw new Error(`${where}: input must be token ids, an IntTensor [T, B], got ${input instanceof IntTensor || input instanceof Tensor ? `${input.constructor.name}${formatShape(input.shape)}` : typeof input}`);
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
    const x = this.embed(tape, input);
    const { output, state } = this.rnn.forward(tape, x, options);
    const [T, B, F] = output.shape as [number, number, number];
    if (this.config.output === 'sequence') {
      const logits = this.head.forward(tape, reshape(tape, output, [T * B, F]));
      return { logits: reshape(tape, logits, [T, B, this.config.outputSize]), state };
    }
    // Final hidden state of the last layer: forward direction (and reverse), concatenated.
    const L = this.rnn.numLayers, D = this.rnn.numDirections;
    const finals = Array.from({ length: D }, (_, d) => select(tape, state.h, (L - 1) * D + d));
    const feat = D === 1 ? finals[0]! : concatLast(tape, finals);
    return { logits: this.head.forward(tape, feat), state };
  }
}
