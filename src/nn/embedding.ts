/**
 * `Embedding`, a lookup table of vectors indexed by token id, with PyTorch's `padding_idx`
 * (the row stays zero-initialised and gets no gradient) and `from_pretrained`. It is a thin
 * module over the `embedding` op; it does not renormalise rows (no `max_norm`).
 */
import { embedding } from '../autograd/ops/index.js';
import { Parameter } from '../autograd/parameter.js';
import type { Tape } from '../autograd/tape.js';
import { Rng } from '../random/rng.js';
import { IntTensor, Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { normal } from './init.js';
import { type Layer, Module, checkParametersSet, describe, initOrLeaveUnset } from './module.js';

/** Private constructor path of `fromPretrained` (copy this table instead of drawing one). */
const PRETRAINED = Symbol('pretrained');

export interface EmbeddingOptions {
  /**
   * Initialises the table. Without one the table stays unset until `loadStateDict` (for a
   * layer rebuilt to load saved weights), and `forward` throws until then.
   */
  rng?: Rng;
  /**
   * A row that gets no gradient and starts at zero (e.g. the padding token). Negative values
   * count from the end, as in PyTorch; stored normalised to [0, numEmbeddings).
   */
  paddingIdx?: number;
  /** Keep the table fixed: `weight.requiresGrad = false` (default false). */
  freeze?: boolean;
}

export interface FromPretrainedOptions {
  /** Keep the table fixed (default true, as in PyTorch). */
  freeze?: boolean;
  /** As in `EmbeddingOptions`; the given row is used as is (not zeroed), as in PyTorch. */
  paddingIdx?: number;
}

/**
 * out[..., :] = weight[ids[...], :].
 *
 * Shapes: ids [*] (IntTensor of any shape) -> out [*, D]. Parameter: `weight` [V, D].
 * Init (as nn.Embedding): weight ~ N(0, 1), the `paddingIdx` row set to zero.
 */
export class Embedding extends Module implements Layer<IntTensor> {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | undefined;
  readonly weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    checkSizes('Embedding', numEmbeddings, embeddingDim);
    const pretrained = (options as { [PRETRAINED]?: Tensor })[PRETRAINED];
    if (options.rng !== undefined && !(options.rng instanceof Rng)) throw new Error(`Embedding: options.rng must be an Rng, got ${describe(options.rng)}`);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = normalisePaddingIdx('Embedding', options.paddingIdx, numEmbeddings);
    this.weight = this.registerParameter('weight', Parameter.zeros([numEmbeddings, embeddingDim], !(options.freeze ?? false)));
    if (pretrained) {
      this.weight.data.set(pretrained.data);
      return;
    }
    initOrLeaveUnset(this.weight, options.rng, (rng) => {
      normal(this.weight, rng);
      if (this.paddingIdx !== undefined) this.weight.data.fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
    });
  }

  /** An embedding whose table is a copy of `vectors` [V, D], frozen by default. */
  static fromPretrained(vectors: Tensor, options: FromPretrainedOptions = {}): Embedding {
    if (!(vectors instanceof Tensor) || vectors.rank !== 2) {
      throw new Error(`Embedding.fromPretrained: vectors must be a 2-D Tensor [V, D], got ${vectors instanceof Tensor ? formatShape(vectors.shape) : describe(vectors)}`);
    }
    const [v, d] = vectors.shape as [number, number];
    checkSizes('Embedding.fromPretrained', v, d);
    const made = new Embedding(v, d, { [PRETRAINED]: vectors, freeze: options.freeze ?? true, paddingIdx: options.paddingIdx } as unknown as EmbeddingOptions);
    return made;
  }

  /** ids [*] -> [*, D]. Ids outside [0, V) are rejected by the op. */
  forward(tape: Tape, ids: IntTensor): Tensor {
    if (!(ids instanceof IntTensor)) throw new Error(`Embedding.forward: ids must be an IntTensor, got ${describe(ids)}`);
    checkParametersSet(this, 'Embedding.forward');
    return embedding(tape, ids, this.weight, this.paddingIdx ?? -1);
  }

  protected override extraRepr(): string {
    const pad = this.paddingIdx === undefined ? '' : `, paddingIdx=${this.paddingIdx}`;
    return `${this.numEmbeddings}, ${this.embeddingDim}${pad}${this.weight.requiresGrad ? '' : ', frozen'}`;
  }
}

function checkSizes(fn: string, numEmbeddings: number, embeddingDim: number): void {
  if (!(Number.isInteger(numEmbeddings) && numEmbeddings > 0)) throw new Error(`${fn}: numEmbeddings must be a positive integer, got ${numEmbeddings}`);
  if (!(Number.isInteger(embeddingDim) && embeddingDim > 0)) throw new Error(`${fn}: embeddingDim must be a positive integer, got ${embeddingDim}`);
}

function normalisePaddingIdx(fn: string, idx: number | undefined, n: number): number | undefined {
  if (idx === undefined) return undefined;
  if (!Number.isInteger(idx) || idx < -n || idx >= n) throw new Error(`${fn}: paddingIdx must be an integer in [${-n}, ${n}), got ${idx}`);
  return idx < 0 ? n + idx : idx;
}
