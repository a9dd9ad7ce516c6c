/**
 * char-rnn's batching for truncated BPTT: a token sequence is cut into `batchSize` contiguous
 * streams, read side by side in windows of `seqLen` steps, so that window w + 1 of stream b
 * continues exactly where window w ended and the hidden state can be carried between them.
 * The position (epoch, window) is a small JSON value, so a checkpoint resumes mid-epoch.
 * Not a shuffler: order is the data's order, as char-rnn and nanoGPT's char model keep it.
 */
import { IntTensor } from '../tensor/tensor.js';

/** Where the next window starts: serialisable, restored with `seek`. */
export interface StreamPosition {
  /** Completed passes over the data. */
  epoch: number;
  /** Index of the next window within the epoch, in [0, windowsPerEpoch). */
  window: number;
}

export interface StreamWindow {
  /** [T, B] input ids (time-major): inputs[t, b] = ids[b * L + w * T + t]. */
  inputs: IntTensor;
  /** [T * B] next-token targets in the same time-major order: the id one step after each input. */
  targets: IntTensor;
  epoch: number;
  window: number;
  /** True for the first window of an epoch: each stream starts over, so carried state must be reset. */
  startsEpoch: boolean;
}

export interface StreamBatcherOptions {
  /** Parallel streams, B. */
  batchSize: number;
  /** Steps per window, T (the truncation length of BPTT). */
  seqLen: number;
}

/**
 * Stream b covers predictions b * L ... b * L + L - 1 with L = floor((N - 1) / B); each epoch
 * reads floor(L / T) windows of T steps. The last tokens that do not fill a window are not
 * trained on in that epoch (at most B * (T + 1) tokens).
 */
export class StreamBatcher {
  readonly batchSize: number;
  readonly seqLen: number;
  /** Predictions per stream, L. */
  readonly streamLength: number;
  readonly windowsPerEpoch: number;
  private readonly ids: Int32Array;
  private epoch = 0;
  private window = 0;

  constructor(ids: Int32Array, options: StreamBatcherOptions) {
    const where = 'StreamBatcher';
    const { batchSize: B, seqLen: T } = options ?? ({} as StreamBatcherOptions);
    if (!(ids instanceof Int32Array)) throw new Error(`${where}: ids must be an Int32Array`);
    if (!(Number.isInteger(B) && B > 0)) throw new Error(`${where}: batchSize must be a positive integer, got ${String(B)}`);
    if (!(Number.isInteger(T) && T > 0)) throw new Error(`${where}: seqLen must be a positive integer, got ${String(T)}`);
    if (ids.length < B * T + 1) {
      throw new Error(`${where}: ${ids.length} tokens cannot fill one window: batchSize × seqLen + 1 = ${B} × ${T} + 1 = ${B * T + 1} are needed`);
    }
    this.ids = ids;
    this.batchSize = B;
    this.seqLen = T;
    this.streamLength = Math.floor((ids.length - 1) / B);
    this.windowsPerEpoch = Math.floor(this.streamLength / T);
  }

  /** Tokens consumed per window (B * T). */
  get tokensPerWindow(): number {
    return this.batchSize * this.seqLen;
  }

  position(): StreamPosition {
    return { epoch: this.epoch, window: this.window };
  }

  /** Moves to a position saved by `position()`. */
  seek(pos: StreamPosition): void {
    const ok = pos && Number.isInteger(pos.epoch) && pos.epoch >= 0 && Number.isInteger(pos.window) && pos.window >= 0 && pos.window < this.windowsPerEpoch;
    if (!ok) throw new Error(`StreamBatcher.seek: position must be { epoch >= 0, window in [0, ${this.windowsPerEpoch}) }, got ${JSON.stringify(pos)}`);
    this.epoch = pos.epoch;
    this.window = pos.window;
  }

  /** The window at the current position; advances to the next one (wrapping to a new epoch). */
  next(): StreamWindow {
    const { batchSize: B, seqLen: T, streamLength: L, ids } = this;
    const w = this.window;
    const inputs = IntTensor.zeros([T, B]);
    const targets = IntTensor.zeros([T * B]);
    for (let b = 0; b < B; b++) {
      const base = b * L + w * T;
      for (let t = 0; t < T; t++) {
        inputs.data[t * B + b] = ids[base + t]!;
        targets.data[t * B + b] = ids[base + t + 1]!;
      }
    }
    const out: StreamWindow = { inputs, targets, epoch: this.epoch, window: w, startsEpoch: w === 0 };
    if (++this.window === this.windowsPerEpoch) {
      this.window = 0;
      this.epoch++;
    }
    return out;
  }
}

/**
 * A contiguous split: the first floor(N * trainFraction) tokens train, the rest validate
 * (nanoGPT's char-level split with 0.9). Views, not copies.
 */
export function splitContiguous(ids: Int32Array, trainFraction: number): { train: Int32Array; validation: Int32Array } {
  if (!(typeof trainFraction === 'number' && trainFraction > 0 && trainFraction < 1)) {
    throw new Error(`splitContiguous: trainFraction must be in (0, 1), got ${String(trainFraction)}`);
  }
  const n = Math.floor(ids.length * trainFraction);
  return { train: ids.subarray(0, n), validation: ids.subarray(n) };
}
