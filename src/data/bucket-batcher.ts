/**
 * Batches of examples of different lengths with little padding: each epoch the examples are
 * shuffled from a seed, cut into pools of 50 batches, each pool sorted by length and cut into
 * batches, and the batches shuffled. The same epoch gives the same batches whenever asked for,
 * so a checkpoint's position resumes exactly. What a batch holds is the caller's `make`.
 */
import { Rng } from '../random/rng.js';

const POOL = 50;

/** Where the next batch starts (saved in checkpoints). */
export interface BucketPosition {
  epoch: number;
  index: number;
}

export class BucketBatcher<B> {
  readonly batchesPerEpoch: number;
  private readonly seed: number;
  private epoch = 0;
  private index = 0;
  private batches: Int32Array[];

  /**
   * @param count - examples, indexed 0..count-1.
   * @param length - the sort key of an example (its length; ties keep the shuffled order).
   * @param make - the batch of the examples at some indices.
   * @param rng - one draw seeds every epoch's order.
   * @param name - for messages ('PairBatcher').
   */
  constructor(readonly count: number, private readonly length: (i: number) => number, readonly batchSize: number,
    private readonly make: (indices: Int32Array) => B, rng: Rng, private readonly name = 'BucketBatcher') {
    if (count === 0) throw new Error(`${name}: there are no training examples`);
    if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`${name}: batchSize must be a positive integer, got ${batchSize}`);
    this.batchesPerEpoch = Math.ceil(count / batchSize);
    this.seed = rng.nextU32();
    this.batches = this.batchesOf(0);
  }

  /** The batches of an epoch (example indices), the same whenever asked for. */
  private batchesOf(epoch: number): Int32Array[] {
    const N = this.count, B = this.batchSize;
    const rng = new Rng(this.seed * 4096 + epoch);
    const order = rng.shuffle(Int32Array.from({ length: N }, (_, i) => i)) as Int32Array;
    const out: Int32Array[] = [];
    for (let lo = 0; lo < N; lo += B * POOL) {
      const pool = Array.from(order.subarray(lo, Math.min(N, lo + B * POOL))).sort((a, b) => this.length(a) - this.length(b));
      for (let i = 0; i < pool.length; i += B) out.push(Int32Array.from(pool.slice(i, i + B)));
    }
    return rng.shuffle(out) as Int32Array[];
  }

  position(): BucketPosition {
    return { epoch: this.epoch, index: this.index };
  }

  seek(position: unknown): void {
    const p = position as BucketPosition;
    if (!p || !Number.isInteger(p.epoch) || p.epoch < 0 || !Number.isInteger(p.index) || p.index < 0 || p.index >= this.batchesPerEpoch) {
      throw new Error(`${this.name}.seek: expected { epoch >= 0, index in [0, ${this.batchesPerEpoch}) }, got ${JSON.stringify(position)}`);
    }
    this.epoch = p.epoch;
    this.index = p.index;
    this.batches = this.batchesOf(p.epoch);
  }

  next(): { batch: B; epoch: number; index: number; startsEpoch: boolean } {
    const { epoch, index } = this;
    const batch = this.make(this.batches[index]!);
    if (++this.index === this.batchesPerEpoch) {
      this.index = 0;
      this.batches = this.batchesOf(++this.epoch);
    }
    return { batch, epoch, index, startsEpoch: index === 0 };
  }
}
