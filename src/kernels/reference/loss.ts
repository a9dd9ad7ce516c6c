/**
 * Reference softmax and fused softmax + cross-entropy (log-sum-exp with the row maximum
 * subtracted, so large logits neither overflow nor produce NaN). Not here: loss reduction and
 * masking, which the caller folds into `rowScale`.
 */
import type { F32, I32 } from '../backend.js';
import { badTargetError, firstBadTarget } from '../checks.js';

/** y[r, :] = softmax(x[r, :]) over one row of `cols` values starting at `row`. Returns log(sum exp(x - max)) and the max. */
function softmaxRow(cols: number, row: number, x: F32, y: F32): { max: number; logSum: number } {
  let max = -Infinity;
  for (let c = 0; c < cols; c++) max = Math.max(max, x[row + c]);
  let s = 0;
  for (let c = 0; c < cols; c++) {
    const e = Math.exp(x[row + c] - max);
    y[row + c] = e;
    s += e;
  }
  const inv = 1 / s;
  for (let c = 0; c < cols; c++) y[row + c] *= inv;
  return { max, logSum: Math.log(s) };
}

/**
 * logits, probs: [N, V]; targets, losses: [N]. losses[r] = -log softmax(logits[r])[targets[r]],
 * 0 where targets[r] === ignoreIndex. Throws (before writing anything) on a target outside [0, V).
 */
export function softmaxCrossEntropyForward(rows: number, classes: number, logits: F32, targets: I32, ignoreIndex: number,
  probs: F32, losses: F32): void {
  const bad = firstBadTarget(rows, classes, targets, ignoreIndex);
  if (bad >= 0) throw badTargetError(targets, bad, classes);
  for (let r = 0; r < rows; r++) {
    const row = r * classes;
    const t = targets[r];
    const x = t === ignoreIndex ? 0 : logits[row + t]; // read before probs may overwrite logits
    const { max, logSum } = softmaxRow(classes, row, logits, probs);
    losses[r] = t === ignoreIndex ? 0 : logSum - (x - max);
  }
}

/** dLogits[r, :] = rowScale[r] * (probs[r, :] - onehot(targets[r])), 0 for ignored rows; dLogits may alias probs. */
export function softmaxCrossEntropyBackward(rows: number, classes: number, probs: F32, targets: I32, ignoreIndex: number,
  rowScale: F32, dLogits: F32): void {
  for (let r = 0; r < rows; r++) {
    const row = r * classes;
    const t = targets[r];
    if (t === ignoreIndex) {
      for (let c = 0; c < classes; c++) dLogits[row + c] = 0;
      continue;
    }
    const s = rowScale[r];
    for (let c = 0; c < classes; c++) dLogits[row + c] = s * (probs[row + c] - (c === t ? 1 : 0));
  }
}

/** y[r, :] = softmax(x[r, :]); x, y: [rows, cols]; y may alias x. */
export function softmax(rows: number, cols: number, x: F32, y: F32): void {
  for (let r = 0; r < rows; r++) softmaxRow(cols, r * cols, x, y);
}
