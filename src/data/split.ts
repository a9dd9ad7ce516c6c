/**
 * Train / validation splits of a dataset's example indices: stratified by class (scikit-learn's
 * `train_test_split(stratify=labels)`) or plain shuffled, seeded with `Rng` so the same seed gives
 * the same split on every run and platform. Returns indices only; the caller picks the examples.
 */
import { Rng } from '../random/rng.js';

/** The validation share: a fraction in (0, 1) of the examples, or an exact number of them. */
export type ValidationSize = number | { count: number };

export interface SplitOptions {
  validation: ValidationSize;
  /** Seed of the shuffling (default 0). */
  seed?: number;
}

/** Example indices, each array sorted ascending; together they hold every index once. */
export interface IndexSplit {
  train: Int32Array;
  validation: Int32Array;
}

export interface StratifiedSplit extends IndexSplit {
  /** Classes (ascending) with a single example, which stays in train. */
  unsplit: number[];
}

/**
 * Splits examples so that each class keeps its share in validation: a class of n examples sends
 * round(fraction × n) of them there, at least 1 and at most n − 1; a class with a single example
 * stays in train (listed in `unsplit`). With `{ count }` the fraction is count / N and the
 * per-class numbers are then moved by one where rounding left them furthest from it, so that
 * validation holds exactly `count` examples.
 *
 * `labels` are integer class ids, one per example. Multi-label data stratifies on a key the
 * caller chooses (the first label, say, or the label set encoded as one integer).
 */
export function stratifiedSplit(labels: ArrayLike<number>, options: SplitOptions): StratifiedSplit {
  const where = 'stratifiedSplit';
  if (labels == null || typeof labels.length !== 'number') throw new Error(`${where}: labels must be an array of class ids`);
  const N = labels.length;
  checkCount(N, where);
  const { fraction, count } = validationShare(options, N, where);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < N; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y)) throw new Error(`${where}: labels[${i}] = ${y} is not an integer class id`);
    let members = byClass.get(y);
    if (!members) byClass.set(y, (members = []));
    members.push(i);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const sizes = classes.map((c) => byClass.get(c)!.length);
  const quotas = sizes.map((n) => (n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.round(fraction * n)))));
  const splittable = sizes.filter((n) => n >= 2).length;
  if (splittable === 0) throw new Error(`${where}: every one of the ${classes.length} classes has a single example, so none can give one to validation`);
  if (count !== undefined) fitQuotas(quotas, sizes, fraction, count, splittable, where);

  const rng = new Rng(options.seed ?? 0);
  const train: number[] = [];
  const validation: number[] = [];
  classes.forEach((c, k) => {
    const members = rng.shuffle(Int32Array.from(byClass.get(c)!)) as Int32Array;
    for (let i = 0; i < members.length; i++) (i < quotas[k]! ? validation : train).push(members[i]!);
  });
  return { train: sortedIndices(train), validation: sortedIndices(validation), unsplit: classes.filter((_, k) => sizes[k] === 1) };
}

/**
 * Splits `n` examples at random, without labels: round(fraction × n) of them (at least 1, at
 * most n − 1), or exactly `count`, go to validation.
 */
export function shuffledSplit(n: number, options: SplitOptions): IndexSplit {
  const where = 'shuffledSplit';
  if (!Number.isInteger(n)) throw new Error(`${where}: n must be an integer number of examples, got ${n}`);
  checkCount(n, where);
  const { fraction, count } = validationShare(options, n, where);
  const size = count ?? Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
  const order = new Rng(options.seed ?? 0).shuffle(Int32Array.from({ length: n }, (_, i) => i)) as Int32Array;
  return { train: order.slice(size).sort(), validation: order.slice(0, size).sort() };
}

function checkCount(n: number, where: string): void {
  if (n < 2) throw new Error(`${where}: needs at least 2 examples to split, got ${n}`);
}

/** The validation fraction, and the exact count when one is asked for. */
function validationShare(options: SplitOptions, n: number, where: string): { fraction: number; count?: number } {
  const v = options?.validation;
  if (typeof v === 'number') {
    if (!(v > 0 && v < 1)) throw new Error(`${where}: validation must be a fraction in (0, 1) or { count }, got ${v}`);
    return { fraction: v };
  }
  if (typeof v === 'object' && v !== null && 'count' in v) {
    const c = v.count;
    if (!(Number.isInteger(c) && c >= 1 && c <= n - 1)) throw new Error(`${where}: validation count must be an integer in [1, ${n - 1}] for ${n} examples, got ${c}`);
    return { fraction: c / n, count: c };
  }
  throw new Error(`${where}: validation must be a fraction in (0, 1) or { count }, got ${v === null ? 'null' : typeof v}`);
}

/**
 * Moves per-class quotas by one at a time until they sum to `count`: up where the quota is
 * furthest below fraction × size, down where it is furthest above, within [1, size − 1] (ties:
 * the class that comes first).
 */
function fitQuotas(quotas: number[], sizes: number[], fraction: number, count: number, splittable: number, where: string): void {
  const most = sizes.reduce((s, n) => s + (n >= 2 ? n - 1 : 0), 0);
  if (count < splittable) throw new Error(`${where}: validation count ${count} is fewer than the ${splittable} classes with 2 or more examples, each of which gives one`);
  if (count > most) throw new Error(`${where}: validation count ${count} leaves too few in train: at most ${most} can go while every class keeps one`);
  let diff = count - quotas.reduce((s, q) => s + q, 0);
  while (diff !== 0) {
    const up = diff > 0;
    let best = -1;
    let bestGap = -Infinity;
    for (let k = 0; k < sizes.length; k++) {
      const n = sizes[k]!;
      const q = quotas[k]!;
      if (n < 2 || (up ? q >= n - 1 : q <= 1)) continue;
      const gap = up ? fraction * n - q : q - fraction * n;
      if (gap > bestGap) { bestGap = gap; best = k; }
    }
    quotas[best] += up ? 1 : -1;
    diff += up ? -1 : 1;
  }
}

function sortedIndices(indices: number[]): Int32Array {
  return Int32Array.from(indices).sort();
}
