/**
 * Reference whole-sequence recurrent forward and backward (Backend.recurrentSequence and
 * recurrentSequenceBackward): the step-by-step loops written with the other reference kernels,
 * the oracle for the wasm kernels that run all steps in one call, and what gradcheck checks in
 * float64. The "packed" W_hh of the forward is a plain copy.
 */
import type { F32, I32, RecurrentInput, RecurrentSaved } from '../backend.js';
import { type CellKind, cellKind } from '../cell-kinds.js';
import { checkRecurrentBackwardArgs, checkRecurrentPackArgs, checkRecurrentPackedSize, checkRecurrentSequenceArgs, isRecurrentInput } from '../checks.js';
import { gemm } from './gemm.js';
import { activationBackward, activationForward, addRowVector } from './elementwise.js';
import { gruCellBackward, gruCellForward, lstmCellBackward, lstmCellForward } from './cells.js';

export function recurrentPackedSize(gates: number, hidden: number): number {
  checkRecurrentPackedSize(gates, hidden);
  return gates * hidden * hidden;
}

export function recurrentPack(gates: number, hidden: number, weightHh: F32, packed: F32): void {
  checkRecurrentPackArgs(gates, hidden, weightHh, packed, gates * hidden * hidden);
  packed.set(weightHh.subarray(0, gates * hidden * hidden));
}

export function recurrentSequence(kind: CellKind, steps: number, batch: number, hidden: number, projection: F32 | RecurrentInput,
  packed: F32, hBias: F32 | null, lengths: I32 | null, reverse: boolean, h: F32, c: F32 | null, out: F32,
  save: RecurrentSaved | null = null, xBias: F32 | null = null): void {
  const cell = cellKind(kind, 'recurrentSequence', 'kind');
  const G = cell.gates;
  checkRecurrentSequenceArgs(kind, steps, batch, hidden, projection, packed, G * hidden * hidden, hBias, lengths, h, c, out, save, xBias);
  const [T, B, H] = [steps, batch, hidden];
  const xProj = isRecurrentInput(projection) ? project(projection, T * B, G * H) : projection;
  if (xBias) addRowVector(T * B, G * H, xBias, xProj); // in place, as the contract allows
  const BH = B * H, BG = B * G * H;
  const like = (n: number): F32 => new (xProj.constructor as Float32ArrayConstructor)(n);
  const sums = like(BG), gruSaved = like(4 * BH), hNext = like(BH), cNext = like(BH);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const x = xProj.subarray(t * BG, (t + 1) * BG);
    if (save) {
      save.hPrev.set(h.subarray(0, BH), t * BH);
      if (c) save.cPrev!.set(c.subarray(0, BH), t * BH);
    }
    // The gate sums start from the input projection, or from b_hh for a kind whose cell applies it (GRU).
    if (cell.hiddenBiasInCell) {
      for (let b = 0; b < B; b++) {
        if (hBias) sums.set(hBias.subarray(0, G * H), b * G * H);
        else sums.fill(0, b * G * H, (b + 1) * G * H);
      }
    } else {
      sums.set(x);
    }
    gemm(false, true, B, G * H, H, 1, h, H, packed, H, 1, sums, G * H);
    let saved: F32; // what the backward reads: LSTM the activated gates; GRU r, z, n, hn; Elman f's output
    if (cell.nonlinearity) {
      activationForward(cell.nonlinearity, BH, sums, hNext);
      saved = hNext;
    } else if (kind === 'lstm') {
      lstmCellForward(B, H, sums, c!, cNext, hNext);
      saved = sums;
    } else if (kind === 'gru') {
      gruCellForward(B, H, x, sums, h, gruSaved, hNext);
      saved = gruSaved;
    } else {
      throw new Error(`recurrentSequence: no reference kernel for '${kind}'`);
    }
    if (save) save.gates.set(saved, t * cell.savedGates * BH);
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
    if (save && c) save.c!.set(c.subarray(0, BH), t * BH);
  }
}

export function recurrentSequenceBackward(kind: CellKind, steps: number, batch: number, hidden: number, packedT: F32,
  lengths: I32 | null, reverse: boolean, saved: RecurrentSaved, dOut: F32 | null, dh: F32, dc: F32 | null,
  dxProj: F32, dhProj: F32 | null): void {
  const cell = cellKind(kind, 'recurrentSequenceBackward', 'kind');
  const G = cell.gates;
  checkRecurrentBackwardArgs(kind, steps, batch, hidden, packedT, G * hidden * hidden, lengths, saved, dOut, dh, dc, dxProj, dhProj);
  const [T, B, H] = [steps, batch, hidden];
  const BH = B * H, BG = B * G * H;
  const like = (n: number): F32 => new (dxProj.constructor as Float32ArrayConstructor)(n);
  const dhPrev = like(BH), dcPrev = like(BH);
  const dhp = dhProj ?? dxProj;
  const active = (t: number, b: number): boolean => !lengths || t < lengths[b]!;
  const rows = (a: F32, t: number, width: number): F32 => a.subarray(t * B * width, (t + 1) * B * width);
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    if (dOut) {
      const go = rows(dOut, t, H);
      for (let b = 0; b < B; b++) if (active(t, b)) for (let j = b * H; j < (b + 1) * H; j++) dh[j]! += go[j]!;
    }
    const dgx = rows(dxProj, t, G * H);
    const dgh = rows(dhp, t, G * H);
    let direct = 0; // 1: the cell backward wrote a direct term of dh_{t-1} into dhPrev (GRU's z * dh)
    if (cell.nonlinearity) {
      activationBackward(cell.nonlinearity, BH, rows(saved.gates, t, H), dh, dgx, false);
    } else if (kind === 'lstm') {
      lstmCellBackward(B, H, rows(saved.gates, t, 4 * H), rows(saved.cPrev!, t, H), rows(saved.c!, t, H), dh, dc!, dgx, dcPrev);
    } else if (kind === 'gru') {
      gruCellBackward(B, H, rows(saved.gates, t, 4 * H), rows(saved.hPrev, t, H), dh, dgx, dgh, dhPrev);
      direct = 1;
    } else {
      throw new Error(`recurrentSequenceBackward: no reference kernel for '${kind}'`);
    }
    for (let b = 0; b < B; b++) {
      if (active(t, b)) continue;
      dgx.fill(0, b * G * H, (b + 1) * G * H);
      if (dgh !== dgx) dgh.fill(0, b * G * H, (b + 1) * G * H);
    }
    // dh_{t-1} = dGates_h W_hh (+ the direct term already in dhPrev); packedT is W_hh [G*H, H]
    gemm(false, false, B, H, G * H, 1, dgh, G * H, packedT, H, direct, dhPrev, H);
    for (let b = 0; b < B; b++) {
      if (active(t, b)) {
        for (let j = b * H; j < (b + 1) * H; j++) {
          dh[j] = dhPrev[j]!;
          if (dc) dc[j] = dcPrev[j]!;
        }
      }
    }
  }
}

/** x W_ih^T [rows, n] of a RecurrentInput, in x's own float type (float64 under gradcheck). */
function project(input: RecurrentInput, rows: number, n: number): F32 {
  const xProj = new (input.x.constructor as Float32ArrayConstructor)(rows * n);
  gemm(false, true, rows, n, input.size, 1, input.x, input.size, input.weightIh, input.size, 0, xProj, n);
  return xProj;
}
