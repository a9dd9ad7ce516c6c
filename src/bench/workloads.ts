/**
 * The workloads of `npm run bench` (issue #5) and their napkin math: what each one trains or
 * runs, how many tokens or sequences one step covers, and the FLOPs of the matrix products in
 * one step. Shared by the orchestrator (bench.ts), the child processes and the peers.
 */
import { type CellKind, cellKind } from '../kernels/cell-kinds.js';

export interface TrainingWorkload {
  id: string;
  kind: 'train';
  title: string;
  cell: CellKind;
  vocab: number;
  hidden: number;
  layers: number;
  batch: number;
  seqLen: number;
}

export interface InferenceWorkload {
  id: string;
  kind: 'infer';
  title: string;
  cell: 'lstm';
  input: number;
  hidden: number;
  batch: number;
  seqLen: number;
}

export type Workload = TrainingWorkload | InferenceWorkload;

const charLm = { kind: 'train', vocab: 65, batch: 32, seqLen: 64 } as const;

export const WORKLOADS: readonly Workload[] = [
  { ...charLm, id: 'W1', title: 'char-LM training, LSTM 256', cell: 'lstm', hidden: 256, layers: 1 },
  { ...charLm, id: 'W1-big', title: 'char-LM training, 2 x LSTM 512', cell: 'lstm', hidden: 512, layers: 2 },
  { ...charLm, id: 'W3-gru', title: 'char-LM training, GRU 256', cell: 'gru', hidden: 256, layers: 1 },
  { ...charLm, id: 'W3-rnn', title: 'char-LM training, Elman tanh 256', cell: 'rnn-tanh', hidden: 256, layers: 1 },
  { id: 'W2-b1', kind: 'infer', title: 'LSTM 64->256 inference, T=100, batch 1', cell: 'lstm', input: 64, hidden: 256, batch: 1, seqLen: 100 },
  { id: 'W2-b64', kind: 'infer', title: 'LSTM 64->256 inference, T=100, batch 64', cell: 'lstm', input: 64, hidden: 256, batch: 64, seqLen: 100 },
];

export function workloadById(id: string): Workload {
  const w = WORKLOADS.find((x) => x.id === id);
  if (!w) throw new Error(`bench: unknown workload '${id}' (expected one of ${WORKLOADS.map((x) => x.id).join(', ')})`);
  return w;
}

export function gates(cell: CellKind): number {
  return cellKind(cell, 'bench').gates;
}

/** Tokens (training) or sequences (inference) one step processes. */
export function unitsPerStep(w: Workload): number {
  return w.kind === 'train' ? w.batch * w.seqLen : w.batch;
}

export function unitName(w: Workload): string {
  return w.kind === 'train' ? 'tokens/s' : 'seq/s';
}

/**
 * FLOPs of the matrix products of one step, counted as recur runs them (2 per multiply-add).
 * Training, per layer with G gates, input I, hidden H, over N = T*B rows: forward x W_ih^T and
 * h W_hh^T (2NGH(I+H)), backward dW_ih and dW_hh (2NGH(I+H)), dh through W_hh (2NGHH) and dX
 * through W_ih except for the first layer, whose one-hot input needs no gradient (2NGHI);
 * then the head: forward, dW and dX (3 * 2NHV). Inference: the forward products only.
 */
export function stepFlops(w: Workload): number {
  const G = gates(w.cell);
  if (w.kind === 'infer') return 2 * w.seqLen * w.batch * G * w.hidden * (w.input + w.hidden);
  const N = w.batch * w.seqLen, H = w.hidden;
  let flops = 0;
  for (let l = 0; l < w.layers; l++) {
    const I = l === 0 ? w.vocab : H;
    flops += 2 * N * G * H * (2 * I + 3 * H + (l > 0 ? I : 0));
  }
  return flops + 3 * 2 * N * H * w.vocab;
}

/**
 * Who runs a workload: recur (wasm or native kernels), TF.js (cpu or wasm backend), ONNX Runtime
 * (native cpu, inference only) or PyTorch (cpu, scripts/bench_torch.py).
 */
export interface ContenderSpec {
  workload: string;
  impl: 'recur' | 'tfjs' | 'ort' | 'torch';
  backend: 'wasm' | 'cpu' | 'native';
  threads: number;
}

export function contenderLabel(c: ContenderSpec): string {
  const impl = c.impl === 'ort' ? 'onnxruntime' : c.impl === 'torch' ? 'pytorch' : c.impl;
  return `${impl} ${c.backend} ${c.threads}T`;
}

/** One step of a workload, set up in the process that times it. */
export interface Runner {
  /** What actually runs (backend build, threads), for the table. */
  description: string;
  step(): void | Promise<void>;
  /** Releases native resources (ORT sessions, tfjs tensors). */
  dispose?(): void | Promise<void>;
}
