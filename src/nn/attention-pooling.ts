/**
 * `AttentionPooling`: additive (Bahdanau-style) attention that turns the steps of a sequence
 * into one vector, as a sequence classifier's head reads it. The module computes the scores;
 * the `attentionPool` op does the masked softmax and the weighted sum. Not self-attention:
 * there is one learned query (`score`), and nothing attends across sequences.
 */
import { attentionPool, reshape, tanh, type AttentionPoolResult } from '../autograd/ops/index.js';
import type { Tape } from '../autograd/tape.js';
import { Rng } from '../random/rng.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Linear } from './linear.js';
import { Module, checkParametersSet, describe } from './module.js';

/**
 * e[t, b] = u . tanh(W x[t, b, :] + c), weights = softmax of e over each sequence's valid
 * steps (t < lengths[b]), pooled[b, :] = sum_t weights[t, b] x[t, b, :].
 *
 * Shapes: x [T, B, F] time-major, lengths [B] (each 1..T; all T without) -> pooled [B, F],
 * weights [T, B] (0 on padding steps). Parameters (PyTorch names of a module with two
 * `nn.Linear` children): `proj.weight` W [F, F], `proj.bias` c [F], `score.weight` u [1, F]
 * (no bias: it would shift every score alike and change nothing). Init as `nn.Linear`.
 */
export class AttentionPooling extends Module {
  readonly features: number;
  readonly proj: Linear;
  readonly score: Linear;

  /** The names and shapes of the parameters, in `namedParameters()` order, without allocating. */
  static parameterShapes(features: number): [string, number[]][] {
    return [['proj.weight', [features, features]], ['proj.bias', [features]], ['score.weight', [1, features]]];
  }

  /** `options.rng` draws the initial weights; without it they stay unset until `loadStateDict`. */
  constructor(features: number, options: { rng?: Rng } = {}) {
    super();
    if (!(Number.isInteger(features) && features > 0)) throw new Error(`AttentionPooling: features must be a positive integer, got ${describe(features)}`);
    if (options.rng !== undefined && !(options.rng instanceof Rng)) throw new Error(`AttentionPooling: options.rng must be an Rng, got ${describe(options.rng)}`);
    this.features = features;
    this.proj = this.registerModule('proj', new Linear(features, features, { rng: options.rng }));
    this.score = this.registerModule('score', new Linear(features, 1, { rng: options.rng, bias: false }));
  }

  /** Pools x [T, B, F] over the valid steps: `{ pooled [B, F], weights [T, B] }`. */
  forward(tape: Tape, x: Tensor, lengths?: ArrayLike<number>): AttentionPoolResult {
    checkParametersSet(this, 'AttentionPooling.forward');
    const F = this.features;
    if (x.rank !== 3 || x.shape[2] !== F) throw new Error(`AttentionPooling.forward: x must be [T, B, ${F}], got ${formatShape(x.shape)}`);
    const [T, B] = x.shape as [number, number];
    const e = this.score.forward(tape, tanh(tape, this.proj.forward(tape, reshape(tape, x, [T * B, F])))); // [T*B, 1]
    return attentionPool(tape, x, reshape(tape, e, [T, B]), lengths);
  }

  protected override extraRepr(): string {
    return `features=${this.features}`;
  }
}
