/**
 * Sequence layers: Elman `Rnn` (tanh, relu, sigmoid), `Lstm` and `Gru`, stacked and optionally
 * bidirectional, with dropout between layers and per-sequence lengths, exactly as PyTorch's
 * `nn.RNN/LSTM/GRU` name, shape and initialise their parameters. Input is time-major
 * [T, B, I], or [B, T, I] with `batchFirst`. Each layer-direction runs as one coarse op
 * (`recurrentLayer`); a streaming `step` API runs one time step at a time with a named,
 * copyable state.
 */
import { Module, checkParametersSet, describe, initOrLeaveUnset } from './module.js';
import { Parameter } from '../autograd/parameter.js';
import type { Tape } from '../autograd/tape.js';
import { recurrentLayer } from '../autograd/ops/recurrent-layer.js';
import type { Activation } from '../kernels/backend.js';
import { CELL_KINDS, type CellKind, cellKind } from '../kernels/cell-kinds.js';
import { concatLast, select, stack } from '../autograd/ops/sequence-ops.js';
import { dropout, reshape, transpose01 } from '../autograd/ops/index.js';
import { uniform } from './init.js';
import { Rng } from '../random/rng.js';
import { IntTensor, Tensor } from '../tensor/tensor.js';
import { expectShape, formatShape, shapeEquals } from '../tensor/shape.js';

export interface RecurrentOptions {
  inputSize: number;
  hiddenSize: number;
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Run a reverse direction too and concatenate outputs: [T, B, 2H] (default false). */
  bidirectional?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Use bias_ih and bias_hh (default true). */
  bias?: boolean;
  /**
   * Input and output batch-first, [B, T, I] and [B, T, D*H], as PyTorch's `batch_first`
   * (default false: time-major [T, B, *]). States stay [L*D, B, H] either way.
   */
  batchFirst?: boolean;
  /**
   * Initialisation and dropout randomness (randomness is always an argument). Without one the
   * parameters stay unset until `loadStateDict` (a layer rebuilt to load saved weights):
   * `forward` throws until then, and dropout in training mode throws.
   */
  rng?: Rng;
}

/** Recurrent state: h (and c for LSTM), each [numLayers * numDirections, B, H] as in PyTorch. */
export interface RecurrentState {
  h: Tensor;
  c?: Tensor;
}

export interface RecurrentForwardOptions {
  /** Valid length of each sequence of a right-padded batch, 1..T. */
  lengths?: Int32Array | IntTensor | readonly number[];
  /** Initial state; zeros when absent. */
  initialState?: RecurrentState;
}

export interface RecurrentOutput {
  /** [T, B, D*H] ([B, T, D*H] with batchFirst): the last layer's hidden state at every step (zeros past each length). */
  output: Tensor;
  /** Final state of every layer and direction, taken at each sequence's own last step. */
  state: RecurrentState;
}

/**
 * The PyTorch names and shapes of a recurrent stack's parameters, in registration order,
 * computed without allocating anything (loaders compare a file's header with it first):
 * per layer l and direction ('' or '_reverse'), `weight_ih_l{l}` [G*H, I] (I = inputSize for
 * layer 0, D*H above), `weight_hh_l{l}` [G*H, H], then with bias `bias_ih_l{l}`, `bias_hh_l{l}` [G*H].
 * Sizes are taken as given (the constructor validates them).
 */
export function recurrentParameterShapes(
  cell: CellKind,
  o: { inputSize: number; hiddenSize: number; numLayers?: number; bidirectional?: boolean; bias?: boolean },
): [string, number[]][] {
  const G = cellKind(cell, 'recurrentParameterShapes').gates;
  const H = o.hiddenSize;
  const D = o.bidirectional ? 2 : 1;
  const out: [string, number[]][] = [];
  for (let l = 0; l < (o.numLayers ?? 1); l++) {
    const I = l === 0 ? o.inputSize : H * D;
    for (const sfx of D === 2 ? ['', '_reverse'] : ['']) {
      out.push([`weight_ih_l${l}${sfx}`, [G * H, I]], [`weight_hh_l${l}${sfx}`, [G * H, H]]);
      if (o.bias ?? true) out.push([`bias_ih_l${l}${sfx}`, [G * H]], [`bias_hh_l${l}${sfx}`, [G * H]]);
    }
  }
  return out;
}

/** Shared machinery of Rnn, Lstm and Gru: everything but the cell, which the cell table describes. */
export abstract class RecurrentBase extends Module {
  /** The cell kind (cell-kinds.ts): 'lstm', 'gru', 'rnn-tanh', ... as a model config names it. */
  readonly cell: CellKind;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly dropout: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  private readonly rng: Rng | undefined;

  protected constructor(cell: CellKind, options: RecurrentOptions) {
    super();
    const name = new.target.name;
    const o = options;
    if (!o || typeof o !== 'object') throw new Error(`${name}: options { inputSize, hiddenSize } are required`);
    positiveInt(name, 'inputSize', o.inputSize);
    positiveInt(name, 'hiddenSize', o.hiddenSize);
    positiveInt(name, 'numLayers', o.numLayers ?? 1);
    const p = o.dropout ?? 0;
    if (!(typeof p === 'number' && p >= 0 && p < 1)) throw new Error(`${name}: dropout must be in [0, 1), got ${p}`);
    this.cell = cell;
    this.inputSize = o.inputSize;
    this.hiddenSize = o.hiddenSize;
    this.numLayers = o.numLayers ?? 1;
    this.bidirectional = o.bidirectional ?? false;
    this.dropout = p;
    this.bias = o.bias ?? true;
    this.batchFirst = o.batchFirst ?? false;
    if (typeof this.batchFirst !== 'boolean') throw new Error(`${name}: batchFirst must be true or false, got ${describe(this.batchFirst)}`);
    if (o.rng !== undefined && !(o.rng instanceof Rng)) throw new Error(`${name}: options.rng must be an Rng, got ${describe(o.rng)}`);
    this.rng = o.rng;
    const bound = 1 / Math.sqrt(this.hiddenSize);
    for (const [pname, shape] of recurrentParameterShapes(cell, this)) {
      const param = this.registerParameter(pname, Parameter.zeros(shape));
      initOrLeaveUnset(param, this.rng, (rng) => uniform(param, rng, -bound, bound));
    }
  }

  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** A parameter by its PyTorch name (e.g. `weight_hh_l0_reverse`). */
  param(name: string): Parameter {
    for (const [n, p] of this.namedParameters()) if (n === name) return p;
    throw new Error(`${this.constructor.name}.param: no parameter '${name}'`);
  }

  /** Zero state for a batch of `batchSize`, on the JavaScript heap. */
  zeroState(batchSize: number): RecurrentState {
    const shape = [this.numLayers * this.numDirections, batchSize, this.hiddenSize];
    return cellKind(this.cell).cellState ? { h: Tensor.zeros(shape), c: Tensor.zeros(shape) } : { h: Tensor.zeros(shape) };
  }

  /**
   * Runs the whole sequence. x: [T, B, I] ([B, T, I] with batchFirst). Returns the last
   * layer's outputs [T, B, D*H] ([B, T, D*H] with batchFirst) and the final state of every
   * layer and direction ([L*D, B, H], PyTorch's h_n / c_n layout, whatever batchFirst).
   */
  forward(tape: Tape, x: Tensor, options: RecurrentForwardOptions = {}): RecurrentOutput {
    const where = `${this.constructor.name}.forward`;
    const I = this.inputSize;
    const layout = this.batchFirst ? `[B, T, ${I}] (batchFirst: true)` : `[T, B, ${I}] (time-major)`;
    const other = this.batchFirst ? `time-major [T, B, ${I}] input needs batchFirst: false` : `batch-first [B, T, ${I}] input needs batchFirst: true`;
    if (x.rank !== 3) throw new Error(`${where}: x must be ${layout}, got ${formatShape(x.shape)}; ${other}`);
    const [T, B] = (this.batchFirst ? [x.shape[1], x.shape[0]] : x.shape) as [number, number];
    expectShape(where, 'x', x.shape, [null, null, I]);
    if (T === 0 || B === 0) throw new Error(`${where}: x must have at least one time step and one sequence, got ${formatShape(x.shape)} for ${layout}`);
    checkParametersSet(this, where);
    const dropoutRng = this.dropout > 0 && this.training && this.numLayers > 1 ? this.dropoutRng(where) : undefined;
    const lengths = this.checkLengths(where, options.lengths, T, B, x);
    const init = options.initialState;
    if (init) this.checkState(where, 'initialState', init, B, x);
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    let input = this.batchFirst ? transpose01(tape, x) : x;
    for (let l = 0; l < this.numLayers; l++) {
      const outs: Tensor[] = [];
      for (let d = 0; d < this.numDirections; d++) {
        const sfx = d === 1 ? '_reverse' : '';
        const idx = l * this.numDirections + d;
        const r = recurrentLayer(tape, input, {
          weightIh: this.param(`weight_ih_l${l}${sfx}`),
          weightHh: this.param(`weight_hh_l${l}${sfx}`),
          biasIh: this.bias ? this.param(`bias_ih_l${l}${sfx}`) : undefined,
          biasHh: this.bias ? this.param(`bias_hh_l${l}${sfx}`) : undefined,
        }, {
          cell: this.cell,
          reverse: d === 1,
          lengths,
          h0: init ? select(tape, init.h, idx) : undefined,
          c0: init?.c ? select(tape, init.c, idx) : undefined,
        });
        outs.push(r.output);
        hs.push(r.h);
        if (r.c) cs.push(r.c);
      }
      input = outs.length === 1 ? outs[0]! : concatLast(tape, outs);
      if (dropoutRng && l < this.numLayers - 1) input = dropout(tape, input, this.dropout, dropoutRng);
    }
    const state: RecurrentState = { h: stack(tape, hs) };
    if (cellKind(this.cell).cellState) state.c = stack(tape, cs);
    return { output: this.batchFirst ? transpose01(tape, input) : input, state };
  }

  /**
   * One time step for streaming inference or hand-written loops: x: [B, I], state from the
   * previous step (zeros when absent). Returns y: [B, H] (the last layer's output) and the new
   * state. Unidirectional layers only: a reverse direction needs the whole sequence.
   */
  step(tape: Tape, x: Tensor, state?: RecurrentState): { y: Tensor; state: RecurrentState } {
    const where = `${this.constructor.name}.step`;
    if (this.bidirectional) throw new Error(`${where}: a bidirectional layer cannot run step by step; use forward on the whole sequence`);
    if (x.rank !== 2) throw new Error(`${where}: x must be [B, ${this.inputSize}], got ${formatShape(x.shape)}`);
    expectShape(where, 'x', x.shape, [null, this.inputSize]);
    const B = x.shape[0]!;
    if (state) this.checkState(where, 'state', state, B);
    const steps = this.batchFirst ? [B, 1, this.inputSize] : [1, B, this.inputSize];
    // Reshapes on the tape, so that a step inside a training loop (a decoder) carries gradients.
    const { output, state: next } = this.forward(tape, reshape(tape, x, steps), state ? { initialState: state } : {});
    return { y: reshape(tape, output, [B, this.hiddenSize]), state: next };
  }

  private dropoutRng(where: string): Rng {
    if (this.rng) return this.rng;
    throw new Error(`${where}: dropout ${this.dropout} between layers in training mode draws masks from an Rng, and this ${this.constructor.name} was made without one; pass options.rng, or call eval() for inference`);
  }

  /**
   * Where T and B were read from, for the errors a batch-first input given to a time-major
   * layer (or the reverse) produces: the layout cannot be detected, but it can be named.
   */
  private axesOf(x: Tensor): string {
    const [first, second] = this.batchFirst ? ['B', 'T'] : ['T', 'B'];
    const other = this.batchFirst ? 'time-major [T, B, I] input needs batchFirst: false' : 'batch-first [B, T, I] input needs batchFirst: true';
    return ` (x ${formatShape(x.shape)} is read as [${first}, ${second}, I]: ${first} = ${x.shape[0]}, ${second} = ${x.shape[1]}; ${other})`;
  }

  private checkLengths(where: string, lengths: RecurrentForwardOptions['lengths'], T: number, B: number, x: Tensor): Int32Array | undefined {
    if (lengths === undefined) return undefined;
    const arr = lengths instanceof IntTensor ? lengths.data : lengths instanceof Int32Array ? lengths : Int32Array.from(lengths as number[]);
    if (arr.length !== B) throw new Error(`${where}: lengths must have one entry per sequence (B = ${B}), got ${arr.length}${this.axesOf(x)}`);
    const raw = lengths instanceof IntTensor || lengths instanceof Int32Array ? arr : (lengths as readonly number[]);
    for (let b = 0; b < B; b++) {
      const L = raw[b]!;
      if (!Number.isInteger(L) || L < 1 || L > T) throw new Error(`${where}: lengths[${b}] = ${L} must be an integer between 1 and T = ${T}${this.axesOf(x)}`);
    }
    return arr;
  }

  private checkState(where: string, what: string, s: RecurrentState, B: number, x?: Tensor): void {
    const shape = [this.numLayers * this.numDirections, B, this.hiddenSize];
    if (!s || !(s.h instanceof Tensor)) throw new Error(`${where}: ${what}.h must be a Tensor ${formatShape(shape)}`);
    if (!shapeEquals(s.h.shape, shape)) {
      const hint = x && s.h.rank === 3 && s.h.shape[1] !== B ? this.axesOf(x) : '';
      throw new Error(`${where}: ${what}.h must be ${formatShape(shape)}, got ${formatShape(s.h.shape)}${hint}`);
    }
    if (cellKind(this.cell).cellState) {
      if (!(s.c instanceof Tensor)) throw new Error(`${where}: ${what}.c must be a Tensor ${formatShape(shape)} for an LSTM`);
      expectShape(where, `${what}.c`, s.c.shape, shape);
    } else if (s.c !== undefined) {
      throw new Error(`${where}: ${what}.c is only for LSTM; ${this.constructor.name} has no cell state`);
    }
  }
}

/** The Elman cell kinds by their nonlinearity: `Rnn`'s PyTorch-style option, mapped through the cell table. */
const ELMAN = new Map(CELL_KINDS.flatMap((k) => {
  const f = cellKind(k).nonlinearity;
  return f ? [[f, k] as const] : [];
}));

/**
 * Elman RNN: h_t = f(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), f = tanh (default), relu or
 * sigmoid. Parameters `weight_ih_l{k}` [H, I] (layer 0) or [H, D*H], `weight_hh_l{k}` [H, H],
 * `bias_ih_l{k}`, `bias_hh_l{k}` [H], plus `_reverse` copies; all U(-1/sqrt(H), 1/sqrt(H)).
 */
export class Rnn extends RecurrentBase {
  readonly nonlinearity: Activation;
  constructor(options: RecurrentOptions & { nonlinearity?: Activation }) {
    const f = options?.nonlinearity ?? 'tanh';
    const cell = ELMAN.get(f);
    if (!cell) {
      const names = [...ELMAN.keys()].map((n) => `'${n}'`);
      throw new Error(`Rnn: nonlinearity must be ${names.slice(0, -1).join(', ')} or ${names.at(-1)}, got '${String(f)}'`);
    }
    super(cell, options);
    this.nonlinearity = f;
  }
}

/**
 * LSTM (PyTorch gate order i, f, g, o):
 *   i = σ(W_ii x + b_ii + W_hi h + b_hi)   f = σ(W_if x + b_if + W_hf h + b_hf)
 *   g = tanh(W_ig x + b_ig + W_hg h + b_hg) o = σ(W_io x + b_io + W_ho h + b_ho)
 *   c' = f ⊙ c + i ⊙ g                     h' = o ⊙ tanh(c')
 * `weight_ih_l{k}` is [4H, I], `weight_hh_l{k}` [4H, H], biases [4H]; U(±1/sqrt(H)).
 */
export class Lstm extends RecurrentBase {
  /**
   * `forgetBias` (default none: PyTorch's init) sets the forget-gate slice of every `bias_ih`
   * to that value and of `bias_hh` to 0 after initialisation; 1 is Keras' `unit_forget_bias`
   * (Jozefowicz et al., 2015), which keeps gradients alive over long sequences.
   */
  constructor(options: RecurrentOptions & { forgetBias?: number }) {
    super('lstm', options);
    const fb = options.forgetBias;
    if (fb !== undefined) {
      if (!Number.isFinite(fb)) throw new Error(`Lstm: forgetBias must be a finite number, got ${fb}`);
      if (!this.bias) throw new Error('Lstm: forgetBias needs bias: true');
      const H = this.hiddenSize;
      for (const [name, p] of this.namedParameters()) {
        if (name.startsWith('bias_ih')) p.data.fill(fb, H, 2 * H);
        if (name.startsWith('bias_hh')) p.data.fill(0, H, 2 * H);
      }
    }
  }
}

/**
 * GRU, PyTorch's variant (gate order r, z, n; the reset gate multiplies W_hn h + b_hn):
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr)   z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))   h' = (1 - z) ⊙ n + z ⊙ h
 * `weight_ih_l{k}` is [3H, I], `weight_hh_l{k}` [3H, H], biases [3H]; U(±1/sqrt(H)).
 */
export class Gru extends RecurrentBase {
  constructor(options: RecurrentOptions) {
    super('gru', options);
  }
}

/**
 * The layer of a cell kind: `Lstm`, `Gru`, or `Rnn` with the kind's nonlinearity (so
 * `createRecurrent('rnn-relu', o)` is `new Rnn({ ...o, nonlinearity: 'relu' })`).
 */
export function createRecurrent(cell: CellKind, options: RecurrentOptions): RecurrentBase {
  const f = cellKind(cell, 'createRecurrent').nonlinearity;
  if (f) return new Rnn({ ...options, nonlinearity: f });
  if (cell === 'lstm') return new Lstm(options);
  if (cell === 'gru') return new Gru(options);
  throw new Error(`createRecurrent: no layer class for the cell kind '${cell}'`);
}

function positiveInt(where: string, name: string, v: unknown): void {
  if (!(typeof v === 'number' && Number.isInteger(v) && v > 0)) throw new Error(`${where}: ${name} must be a positive integer, got ${String(v)}`);
}

/**
 * A copy of `state` on the JavaScript heap, cut from the tape: gradients stop here. This is
 * the "detach" of truncated BPTT (carry the state to the next window, not its history), and
 * the way to keep a state past `tape.reset()`.
 */
export function detachState(state: RecurrentState): RecurrentState {
  return state.c ? { h: state.h.clone(), c: state.c.clone() } : { h: state.h.clone() };
}

/**
 * A new heap state [L*D, rows, H] holding the batch elements `rows` of `state` (repeats
 * allowed), e.g. the parents of the hypotheses a beam search keeps.
 */
export function selectStateRows(state: RecurrentState, rows: readonly number[]): RecurrentState {
  const pick = (t: Tensor): Tensor => {
    const [LD, B, H] = t.shape as [number, number, number];
    const out = Tensor.zeros([LD, rows.length, H]);
    for (let l = 0; l < LD; l++) {
      rows.forEach((r, i) => {
        if (!(Number.isInteger(r) && r >= 0 && r < B)) throw new Error(`selectStateRows: row ${r} is outside [0, ${B})`);
        out.data.set(t.data.subarray((l * B + r) * H, (l * B + r + 1) * H), (l * rows.length + i) * H);
      });
    }
    return out;
  };
  return state.c ? { h: pick(state.h), c: pick(state.c) } : { h: pick(state.h) };
}

/** Zeroes batch element `b` of a state in place (a new sequence starts in that slot). */
export function resetStateRow(state: RecurrentState, b: number): void {
  for (const t of state.c ? [state.h, state.c] : [state.h]) {
    const [LD, B, H] = t.shape as [number, number, number];
    if (!Number.isInteger(b) || b < 0 || b >= B) throw new Error(`resetStateRow: batch index ${b} is outside [0, ${B})`);
    for (let i = 0; i < LD; i++) t.data.fill(0, (i * B + b) * H, (i * B + b + 1) * H);
  }
}

/** A JSON-safe copy of a state (shapes and numbers), for saving a streaming session. */
export function serializeState(state: RecurrentState): { shape: number[]; h: number[]; c?: number[] } {
  const out: { shape: number[]; h: number[]; c?: number[] } = { shape: [...state.h.shape], h: state.h.toArray() };
  if (state.c) out.c = state.c.toArray();
  return out;
}

/** Inverse of `serializeState`, validating sizes. */
export function deserializeState(json: { shape: number[]; h: number[]; c?: number[] }): RecurrentState {
  if (!json || !Array.isArray(json.shape) || json.shape.length !== 3 || !Array.isArray(json.h)) {
    throw new Error('deserializeState: expected { shape: [L*D, B, H], h: number[], c?: number[] }');
  }
  const n = json.shape.reduce((a, b) => a * b, 1);
  if (json.h.length !== n || (json.c && json.c.length !== n)) {
    throw new Error(`deserializeState: shape [${json.shape.join(', ')}] needs ${n} values per tensor, got h ${json.h.length}${json.c ? `, c ${json.c.length}` : ''}`);
  }
  const h = Tensor.from(json.h, json.shape);
  return json.c ? { h, c: Tensor.from(json.c, json.shape) } : { h };
}
