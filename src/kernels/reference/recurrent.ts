/**
 * Reference whole-sequence recurrent forward (Backend.recurrentSequence): the step-by-step loop
 * written with the other reference kernels, so it is the oracle for the wasm kernel that runs
 * all steps in one call. The "packed" weights are a plain copy of W_hh.
 * Also here: the argument checks both backends share (checkRecurrentSequenceArgs).
 */
import type { F32, I32, RecurrentKind } from '../backend.js';
import { gemm } from './gemm.js';
import { activationForward } from './elementwise.js';
import { gruCellForward, lstmCellForward } from './cells.js';

const KINDS: readonly RecurrentKind[] = ['lstm', 'gru', 'tanh', 'relu', 'sigmoid'];

/** Gates of a recurrent cell: LSTM 4, GRU 3, Elman 1. */
export function recurrentGates(kind: RecurrentKind): number {
  return kind === 'lstm' ? 4 : kind === 'gru' ? 3 : 1;
}

function checkSizes(fn: string, sizes: Record<string, number>): void {
  for (const [name, v] of Object.entries(sizes)) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${fn}: ${name} must be a positive integer, got ${v}`);
  }
}

function checkLength(fn: string, name: string, arr: { length: number } | null, need: number, shape: string): void {
  if (!arr || arr.length < need) {
    throw new Error(`${fn}: ${name} must hold ${shape} = ${need} elements, got ${arr ? arr.length : 'none'}`);
  }
}

/** Throws `recurrentPack: ...` unless the sizes and buffers fit (`need` = recurrentPackedSize). */
export function checkRecurrentPackArgs(gates: number, hidden: number, weightHh: F32, packed: F32, need: number): void {
  checkSizes('recurrentPack', { gates, hidden });
  checkLength('recurrentPack', 'weightHh', weightHh, gates * hidden * hidden, `[${gates} * ${hidden}, ${hidden}]`);
  checkLength('recurrentPack', 'packed', packed, need, 'recurrentPackedSize');
}

/** Throws `recurrentSequence: ...` naming the first argument that does not fit the sizes. */
export function checkRecurrentSequenceArgs(kind: RecurrentKind, steps: number, batch: number, hidden: number, xProj: F32,
  packed: F32, packedNeed: number, hBias: F32 | null, lengths: I32 | null, h: F32, c: F32 | null, out: F32): void {
  const fn = 'recurrentSequence';
  if (!KINDS.includes(kind)) throw new Error(`${fn}: kind must be one of ${KINDS.join(', ')}, got '${String(kind)}'`);
  checkSizes(fn, { steps, batch, hidden });
  const G = recurrentGates(kind);
  const [T, B, H] = [steps, batch, hidden];
  checkLength(fn, 'xProj', xProj, T * B * G * H, `[${T}, ${B}, ${G * H}]`);
  checkLength(fn, 'packed', packed, packedNeed, 'recurrentPackedSize');
  if (hBias && kind !== 'gru') throw new Error(`${fn}: hBias is for GRU only (b_hh of the other kinds belongs in xProj), got one for '${kind}'`);
  if (hBias) checkLength(fn, 'hBias', hBias, G * H, `[${G * H}]`);
  checkLength(fn, 'h', h, B * H, `[${B}, ${H}]`);
  if (kind === 'lstm') checkLength(fn, 'c', c, B * H, `[${B}, ${H}]`);
  else if (c) throw new Error(`${fn}: c is the LSTM cell state, got one for '${kind}'`);
  checkLength(fn, 'out', out, T * B * H, `[${T}, ${B}, ${H}]`);
  if (lengths) {
    checkLength(fn, 'lengths', lengths, B, `[${B}]`);
    for (let b = 0; b < B; b++) {
      const L = lengths[b]!;
      if (!(L >= 1 && L <= T)) throw new Error(`${fn}: lengths[${b}] = ${L} must be between 1 and steps = ${T}`);
    }
  }
}

export function recurrentPackedSize(gates: number, hidden: number): number {
  checkSizes('recurrentPackedSize', { gates, hidden });
  return gates * hidden * hidden;
}

export function recurrentPack(gates: number, hidden: number, weightHh: F32, packed: F32): void {
  checkRecurrentPackArgs(gates, hidden, weightHh, packed, gates * hidden * hidden);
  packed.set(weightHh.subarray(0, gates * hidden * hidden));
}

export function recurrentSequence(kind: RecurrentKind, steps: number, batch: number, hidden: number, xProj: F32, packed: F32,
  hBias: F32 | null, lengths: I32 | null, reverse: boolean, h: F32, c: F32 | null, out: F32): void {
  const G = recurrentGates(kind);
  checkRecurrentSequenceArgs(kind, steps, batch, hidden, xProj, packed, G * hidden * hidden, hBias, lengths, h, c, out);
  const [T, B, H] = [steps, batch, hidden];
  const BH = B * H, BG = B * G * H;
  const like = (n: number): F32 => new (xProj.constructor as Float32ArrayConstructor)(n);
  const sums = like(BG), saved = like(4 * BH), hNext = like(BH), cNext = like(BH);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const x = xProj.subarray(t * BG, (t + 1) * BG);
    if (kind === 'gru') {
      for (let b = 0; b < B; b++) {
        if (hBias) sums.set(hBias.subarray(0, G * H), b * G * H);
        else sums.fill(0, b * G * H, (b + 1) * G * H);
      }
    } else {
      sums.set(x);
    }
    gemm(false, true, B, G * H, H, 1, h, H, packed, H, 1, sums, G * H);
    if (kind === 'lstm') lstmCellForward(B, H, sums, c!, cNext, hNext);
    else if (kind === 'gru') gruCellForward(B, H, x, sums, h, saved, hNext);
    else activationForward(kind, BH, sums, hNext);
    const o = out.subarray(t * BH, (t + 1) * BH);
    for (let b = 0; b < B; b++) {
      const row = b * H;
      if (lengths && t >= lengths[b]!) {
        o.fill(0, row, row + H); // inactive: output zero, state unchanged
        continue;
      }
      for (let j = row; j < row + H; j++) {
        o[j] = hNext[j]!;
        h[j] = hNext[j]!;
        if (c) c[j] = cNext[j]!;
      }
    }
  }
}
