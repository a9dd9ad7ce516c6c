/**
 * `explainText`: what a character LM does at each step of a short text: the input character,
 * a summary of the top layer's hidden state (norm, mean, strongest units, a sparkline) and
 * the most likely next characters. For looking inside a model, not for speed (one step at a time).
 */
import { Tape } from '../../autograd/tape.js';
import type { CharTokenizer } from '../../data/char-tokenizer.js';
import type { Backend } from '../../kernels/backend.js';
import type { RecurrentModel } from '../../nn/recurrent-model.js';
import { type RecurrentState, detachState } from '../../nn/recurrent.js';
import { IntTensor } from '../../tensor/tensor.js';
import { samplingDistribution } from './sample.js';

export interface HiddenSummary {
  /** L2 norm of the top layer's h. */
  norm: number;
  mean: number;
  /** The units with the largest |h|, strongest first. */
  topUnits: { unit: number; value: number }[];
  /** The first `width` units of h, one character each, drawn with ▁▂▃▄▅▆▇█ from -1 to 1 (the same units at every step). */
  sparkline: string;
  /** L2 norm of the top layer's cell state (LSTM only). */
  cellNorm?: number;
}

export interface ExplainStep {
  index: number;
  char: string;
  hidden: HiddenSummary;
  /** The most likely next characters with their probabilities. */
  next: { char: string; p: number }[];
}

export interface ExplainOptions {
  /** Next characters listed per step (default 5). */
  topK?: number;
  /** Strongest units listed per step (default 3). */
  topUnits?: number;
  /** Units drawn in the sparkline (default 24, at most the hidden size). */
  width?: number;
}

const BARS = '▁▂▃▄▅▆▇█';

/** One bar per value, from -1 (▁) to 1 (█), clamped. */
export function sparkline(values: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < values.length; i++) {
    const v = Math.max(-1, Math.min(1, values[i]!));
    out += BARS[Math.min(BARS.length - 1, Math.floor(((v + 1) / 2) * BARS.length))];
  }
  return out;
}

function summarise(h: Float32Array, c: Float32Array | undefined, topUnits: number, width: number): HiddenSummary {
  let sq = 0, sum = 0;
  for (const v of h) { sq += v * v; sum += v; }
  const order = Array.from(h.keys()).sort((a, b) => Math.abs(h[b]!) - Math.abs(h[a]!) || a - b);
  const out: HiddenSummary = {
    norm: Math.sqrt(sq), mean: sum / h.length,
    topUnits: order.slice(0, topUnits).map((unit) => ({ unit, value: h[unit]! })),
    sparkline: sparkline(h.subarray(0, width)),
  };
  if (c) out.cellNorm = Math.sqrt(c.reduce((a, v) => a + v * v, 0));
  return out;
}

/** One `ExplainStep` per character of `text` (characters outside the vocabulary are an error). */
export function explainText(model: RecurrentModel, tokenizer: CharTokenizer, backend: Backend, text: string, options: ExplainOptions = {}): ExplainStep[] {
  const { topK = 5, topUnits = 3, width = 24 } = options;
  const ids = tokenizer.encode(text, 'the text');
  if (ids.length === 0) throw new Error('explainText: the text is empty');
  if (model.config.bidirectional) throw new Error('explainText: a bidirectional model cannot run step by step');
  const chars = [...text];
  const H = model.config.hiddenSize, top = model.config.numLayers - 1;
  const wasTraining = model.training;
  model.eval();
  const tape = Tape.inference(backend);
  const steps: ExplainStep[] = [];
  try {
    let state: RecurrentState | undefined;
    for (let i = 0; i < ids.length; i++) {
      tape.reset();
      const { logits, state: next } = model.forward(tape, new IntTensor(Int32Array.of(ids[i]!), [1, 1]), state ? { initialState: state } : {});
      state = detachState(next);
      const p = samplingDistribution(logits.data, {});
      const best = Array.from(p.keys()).sort((a, b) => p[b]! - p[a]! || a - b).slice(0, topK);
      steps.push({
        index: i, char: chars[i]!,
        hidden: summarise(state.h.data.subarray(top * H, (top + 1) * H), state.c?.data.subarray(top * H, (top + 1) * H), topUnits, width),
        next: best.map((id) => ({ char: tokenizer.vocabulary[id]!, p: p[id]! })),
      });
    }
  } finally {
    tape.reset();
    model.train(wasTraining);
  }
  return steps;
}
