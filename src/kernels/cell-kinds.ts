/**
 * The one table of recurrent cell kinds. A row says everything the rest of recur needs to know
 * about a cell: its name (what model files store in `config.cell`), the code the wasm kernels
 * dispatch on, gates, state, Elman nonlinearity, ONNX operator and gate order, CLI aliases and
 * help. Kernels, autograd, nn, io and the CLI read it; nothing else lists the kinds. Not here:
 * the cells' math (reference/ and assembly/ kernels) and the layers (nn/recurrent.ts).
 */
import type { Activation } from './backend.js';
import { CELL_GRU, CELL_LSTM, CELL_RNN_RELU, CELL_RNN_SIGMOID, CELL_RNN_TANH } from './wasm/kernel-abi.js';

/** How a cell kind is written in ONNX (opset 14 `RNN`, `LSTM`, `GRU` operators). */
export interface OnnxCell {
  readonly operator: 'RNN' | 'LSTM' | 'GRU';
  /** Attributes beside `hidden_size` and `direction`. */
  readonly attributes: Readonly<Record<string, number>>;
  /** The `activations` attribute for one direction (repeated per direction); absent: the operator's default. */
  readonly activations?: readonly string[];
  /** For each ONNX gate slot, the PyTorch gate that fills it (LSTM i,o,f,c <- i,f,g,o; GRU z,r,h <- r,z,n). */
  readonly gateOrder: readonly number[];
}

interface Row {
  /** What the AssemblyScript kernels dispatch on (wasm/kernel-abi.ts). */
  readonly kernelCode: number;
  /** G: W_ih is [G*H, I] and W_hh [G*H, H], gates stacked in PyTorch order. */
  readonly gates: number;
  /** Floats per hidden unit a training step saves for the backward (`RecurrentSaved.gates` is [T, B, savedGates * H]). */
  readonly savedGates: number;
  /** A cell state c beside h (LSTM): states are `{ h, c }`. */
  readonly cellState: boolean;
  /** b_hh is applied inside the gate math instead of being added to the input projection (GRU: r * (W_hn h + b_hn)). */
  readonly hiddenBiasInCell: boolean;
  /** Elman cells: h' = f(x W_ih^T + b_ih + h W_hh^T + b_hh) with f this activation. */
  readonly nonlinearity?: Activation;
  readonly onnx: OnnxCell;
  /** Other names the CLI accepts for this kind (`--cell rnn`). */
  readonly aliases: readonly string[];
  /** A few words for --help. */
  readonly description: string;
}

const TABLE = {
  lstm: {
    kernelCode: CELL_LSTM, gates: 4, savedGates: 4, cellState: true, hiddenBiasInCell: false,
    onnx: { operator: 'LSTM', attributes: {}, gateOrder: [0, 3, 1, 2] },
    aliases: [], description: 'LSTM',
  },
  gru: {
    kernelCode: CELL_GRU, gates: 3, savedGates: 4, cellState: false, hiddenBiasInCell: true,
    onnx: { operator: 'GRU', attributes: { linear_before_reset: 1 }, gateOrder: [1, 0, 2] },
    aliases: [], description: 'GRU, PyTorch variant',
  },
  'rnn-tanh': {
    kernelCode: CELL_RNN_TANH, gates: 1, savedGates: 1, cellState: false, hiddenBiasInCell: false, nonlinearity: 'tanh',
    onnx: { operator: 'RNN', attributes: {}, activations: ['Tanh'], gateOrder: [0] },
    aliases: ['rnn'], description: 'Elman RNN, tanh',
  },
  'rnn-relu': {
    kernelCode: CELL_RNN_RELU, gates: 1, savedGates: 1, cellState: false, hiddenBiasInCell: false, nonlinearity: 'relu',
    onnx: { operator: 'RNN', attributes: {}, activations: ['Relu'], gateOrder: [0] },
    aliases: [], description: 'Elman RNN, ReLU',
  },
  'rnn-sigmoid': {
    kernelCode: CELL_RNN_SIGMOID, gates: 1, savedGates: 1, cellState: false, hiddenBiasInCell: false, nonlinearity: 'sigmoid',
    onnx: { operator: 'RNN', attributes: {}, activations: ['Sigmoid'], gateOrder: [0] },
    aliases: [], description: 'Elman RNN, sigmoid',
  },
} as const satisfies Record<string, Row>;

/**
 * A recurrent cell: LSTM, GRU, or an Elman RNN with tanh, ReLU or sigmoid. These strings are
 * what model files store in `config.cell`.
 */
export type CellKind = keyof typeof TABLE;

/** One row of the cell table. */
export interface CellKindInfo extends Row {
  readonly name: CellKind;
}

/** Every cell kind, in table order. */
export const CELL_KINDS: readonly CellKind[] = Object.freeze(Object.keys(TABLE) as CellKind[]);

const ROWS = new Map<string, CellKindInfo>(CELL_KINDS.map((name) => [name, Object.freeze({ name, ...(TABLE[name] as Row) })]));

/** True when `name` is a cell kind (not an alias). */
export function isCellKind(name: unknown): name is CellKind {
  return typeof name === 'string' && ROWS.has(name);
}

/**
 * The row of a cell kind. Throws `<where>: <field> must be one of lstm, gru, ..., got '<name>'`
 * for anything else (aliases included: they are for the CLI, see `cellKindAliases`).
 */
export function cellKind(name: CellKind, where = 'cellKind', field = 'cell'): CellKindInfo {
  const row = ROWS.get(name);
  if (row) return row;
  const got = typeof name === 'string' ? `'${(name as string).length > 40 ? `${(name as string).slice(0, 40)}…` : name}'` : String(name);
  throw new Error(`${where}: ${field} must be one of ${CELL_KINDS.join(', ')}, got ${got}`);
}

/** `kinds` for --help: `lstm (LSTM), ..., rnn-tanh or rnn (Elman RNN, tanh)`. */
export function cellKindsHelp(kinds: readonly CellKind[] = CELL_KINDS): string {
  return kinds.map((k) => {
    const row = cellKind(k);
    return `${[k, ...row.aliases].join(' or ')} (${row.description})`;
  }).join(', ');
}

/** The CLI aliases of `kinds` (default all), each mapped to its kind: `{ rnn: 'rnn-tanh' }`. */
export function cellKindAliases<K extends CellKind>(kinds: readonly K[] = CELL_KINDS as readonly K[]): Record<string, K> {
  const out: Record<string, K> = {};
  for (const k of kinds) for (const a of cellKind(k).aliases) out[a] = k;
  return out;
}
