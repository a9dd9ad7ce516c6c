/**
 * Sequences of different lengths made rectangular (Keras' `pad_sequences`) or cut to a
 * maximum length, keeping each sequence's true length so that padding never changes a result.
 * Not a batcher: `SequenceBatcher` pads each batch to its own longest sequence.
 */

/** Which end of a sequence padding is added to, or steps are cut from. */
export type SequenceSide = 'pre' | 'post';

export interface PadSequencesOptions {
  /** T, the row length; longer sequences are cut. Default: the longest sequence. */
  maxLength?: number;
  /**
   * Where the padding goes: 'post' (default, after the tokens) or 'pre' (before them, Keras'
   * default). recur's recurrent layers read steps 0 .. length-1 of each row, so give them
   * 'post'; 'pre' suits a model that reads the last step and takes no lengths.
   */
  padding?: SequenceSide;
  /** Which end a longer sequence loses: 'post' (default, keep the first T) or 'pre' (keep the last T). */
  truncating?: SequenceSide;
  /** The padding id (default 0, `PAD_ID`). */
  value?: number;
}

export interface PaddedSequences {
  /** [N, T] row-major ids. */
  ids: Int32Array;
  /** [N] each row's true length after truncation, 0..T. */
  lengths: Int32Array;
  /** T, the row length. */
  length: number;
  /** How many sequences were cut. */
  truncated: number;
}

/**
 * Token-id sequences as one [N, T] block, padded with `value` and cut to `maxLength` (Keras'
 * `pad_sequences`, except that padding and truncation default to 'post'). Ids must be integers.
 * With no sequences, or only empty ones and no `maxLength`, T is 0.
 */
export function padSequences(sequences: readonly ArrayLike<number>[], options: PadSequencesOptions = {}): PaddedSequences {
  const where = 'padSequences';
  if (!Array.isArray(sequences)) throw new Error(`${where}: sequences must be an array of id sequences, got ${typeof sequences}`);
  const padding = checkSide(options.padding, 'padding', where);
  const truncating = checkSide(options.truncating, 'truncating', where);
  const value = options.value ?? 0;
  if (!Number.isInteger(value) || Math.abs(value) > 0x7fffffff) throw new Error(`${where}: value must be a 32-bit integer, got ${value}`);
  sequences.forEach((s, i) => checkSequence(s, i, where));
  const T = options.maxLength === undefined ? sequences.reduce((m, s) => Math.max(m, s.length), 0) : checkMaxLength(options.maxLength, where);
  const N = sequences.length;
  const ids = new Int32Array(N * T);
  if (value !== 0) ids.fill(value);
  const lengths = new Int32Array(N);
  let truncated = 0;
  for (let n = 0; n < N; n++) {
    const s = sequences[n]!;
    const len = Math.min(s.length, T);
    if (s.length > T) truncated++;
    const from = truncating === 'pre' ? s.length - len : 0;
    const to = n * T + (padding === 'pre' ? T - len : 0);
    for (let t = 0; t < len; t++) {
      const v = s[from + t]!;
      if (!Number.isInteger(v)) throw new Error(`${where}: sequences[${n}][${from + t}] = ${v} is not an integer id`);
      ids[to + t] = v;
    }
    lengths[n] = len;
  }
  return { ids, lengths, length: T, truncated };
}

export interface TruncateSequencesOptions {
  /** Which end loses steps: 'post' (default, keep the first steps) or 'pre' (keep the last). */
  side?: SequenceSide;
  /** Values per step (F): a sequence of T steps holds T × F values and is cut at whole steps. Default 1. */
  features?: number;
}

/**
 * Each sequence cut to at most `maxLength` steps. Sequences that fit come back as they are (the
 * same arrays); cut ones are copies of the element type given (Int32Array ids, Float32Array
 * feature vectors).
 */
export function truncateSequences<S extends Int32Array | Float32Array>(
  sequences: readonly S[], maxLength: number, options: TruncateSequencesOptions = {},
): { sequences: S[]; truncated: number } {
  const where = 'truncateSequences';
  if (!Array.isArray(sequences)) throw new Error(`${where}: sequences must be an array of Int32Array or Float32Array, got ${typeof sequences}`);
  checkMaxLength(maxLength, where);
  const side = checkSide(options.side, 'side', where);
  const F = options.features ?? 1;
  if (!(Number.isInteger(F) && F > 0)) throw new Error(`${where}: features must be a positive integer, got ${F}`);
  let truncated = 0;
  const out = sequences.map((s, i): S => {
    const typed: unknown = s;
    if (!(typed instanceof Int32Array || typed instanceof Float32Array)) throw new Error(`${where}: sequences[${i}] must be an Int32Array or Float32Array`);
    if (s.length % F !== 0) throw new Error(`${where}: sequences[${i}] has ${s.length} values, not a whole number of steps of ${F} features`);
    const keep = maxLength * F;
    if (s.length <= keep) return s;
    truncated++;
    return (side === 'pre' ? s.slice(s.length - keep) : s.slice(0, keep)) as S;
  });
  return { sequences: out, truncated };
}

function checkSide(side: SequenceSide | undefined, name: string, where: string): SequenceSide {
  if (side === undefined) return 'post';
  if (side !== 'pre' && side !== 'post') throw new Error(`${where}: ${name} must be 'pre' or 'post', got ${JSON.stringify(side)}`);
  return side;
}

function checkMaxLength(maxLength: number, where: string): number {
  if (!(Number.isInteger(maxLength) && maxLength > 0)) throw new Error(`${where}: maxLength must be a positive integer, got ${maxLength}`);
  return maxLength;
}

function checkSequence(s: ArrayLike<number>, i: number, where: string): void {
  if (s == null || typeof s.length !== 'number') throw new Error(`${where}: sequences[${i}] must be an array of ids`);
}
