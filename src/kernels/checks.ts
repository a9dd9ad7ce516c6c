/**
 * Argument checks of the kernel contract, shared by every backend so that a bad call fails
 * with the same message everywhere (a wasm kernel trusts its sizes: it would otherwise read or
 * write outside the arrays it was given). Each throws `<kernel>: ...` naming the argument, what
 * it must be and what came. Not here: the kernels themselves (reference/, wasm/).
 */
import type { F32, I32, RecurrentInput, RecurrentSaved } from './backend.js';
import { type CellKind, cellKind } from './cell-kinds.js';

// ---- matrix products ---------------------------------------------------------------------------

// Written out per size, not over Object.entries: GEMMs run these checks on every call (150 ns).
function checkDim(fn: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new Error(`${fn}: ${name} must be a non-negative integer, got ${v}`);
}

/** A [rows, cols] matrix with row stride `ld` in a buffer of `length` elements. */
function checkMatrix(fn: string, name: string, rows: number, cols: number, length: number, ld: number, colsName: string): void {
  const ldName = `ld${name.toLowerCase()}`;
  if (!Number.isInteger(ld) || ld < Math.max(1, cols)) {
    throw new Error(`${fn}: ${ldName} must be an integer >= ${colsName} = ${cols}, got ${ld}`);
  }
  if (rows === 0 || cols === 0) return;
  const need = (rows - 1) * ld + cols;
  if (length < need) {
    throw new Error(`${fn}: ${name} holds ${length} elements but a [${rows}, ${cols}] matrix with ${ldName} ${ld} needs ${need}`);
  }
}

/** Throws `gemm: ...` unless the sizes, leading dimensions and buffer lengths describe valid matrices. */
export function checkGemmArgs(transA: boolean, transB: boolean, m: number, n: number, k: number,
  aLength: number, lda: number, bLength: number, ldb: number, cLength: number, ldc: number): void {
  checkDim('gemm', 'm', m); checkDim('gemm', 'n', n); checkDim('gemm', 'k', k);
  checkMatrix('gemm', 'A', transA ? k : m, transA ? m : k, aLength, lda, transA ? 'm (transA)' : 'k');
  checkMatrix('gemm', 'B', transB ? n : k, transB ? k : n, bLength, ldb, transB ? 'k (transB)' : 'n');
  checkMatrix('gemm', 'C', m, n, cLength, ldc, 'n');
}

/** Throws `gemmPackedSize: ...` unless k and n are sizes. */
export function checkPackedSize(k: number, n: number): void {
  checkDim('gemmPackedSize', 'k', k); checkDim('gemmPackedSize', 'n', n);
}

/** Throws `gemmPackB: ...` unless B and the packed buffer fit the sizes (`need` = gemmPackedSize). */
export function checkPackBArgs(transB: boolean, k: number, n: number, bLength: number, ldb: number, packedLength: number, need: number): void {
  checkDim('gemmPackB', 'k', k); checkDim('gemmPackB', 'n', n);
  checkMatrix('gemmPackB', 'B', transB ? n : k, transB ? k : n, bLength, ldb, transB ? 'k (transB)' : 'n');
  if (packedLength < need) throw new Error(`gemmPackB: packed holds ${packedLength} floats but op(B) [${k}, ${n}] needs gemmPackedSize = ${need}`);
}

/** Throws `gemmPacked: ...` unless A, C and the packed buffer fit the sizes (`need` = gemmPackedSize). */
export function checkPackedGemmArgs(transA: boolean, m: number, n: number, k: number, aLength: number, lda: number,
  packedLength: number, need: number, cLength: number, ldc: number): void {
  checkDim('gemmPacked', 'm', m); checkDim('gemmPacked', 'n', n); checkDim('gemmPacked', 'k', k);
  checkMatrix('gemmPacked', 'A', transA ? k : m, transA ? m : k, aLength, lda, transA ? 'm (transA)' : 'k');
  checkMatrix('gemmPacked', 'C', m, n, cLength, ldc, 'n');
  if (packedLength < need) throw new Error(`gemmPacked: packed holds ${packedLength} floats but op(B) [${k}, ${n}] needs gemmPackedSize = ${need}`);
}

// ---- whole recurrent sequences -------------------------------------------------------------------

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

/** Throws `recurrentPackedSize: ...` unless gates and hidden are positive integers. */
export function checkRecurrentPackedSize(gates: number, hidden: number): void {
  checkSizes('recurrentPackedSize', { gates, hidden });
}

/** Throws `recurrentPack: ...` unless the sizes and buffers fit (`need` = recurrentPackedSize). */
export function checkRecurrentPackArgs(gates: number, hidden: number, weightHh: F32, packed: F32, need: number): void {
  checkSizes('recurrentPack', { gates, hidden });
  checkLength('recurrentPack', 'weightHh', weightHh, gates * hidden * hidden, `[${gates} * ${hidden}, ${hidden}]`);
  checkLength('recurrentPack', 'packed', packed, need, 'recurrentPackedSize');
}

/** True when recurrentSequence's projection argument is a RecurrentInput (x and W_ih), not xProj. */
export function isRecurrentInput(xProj: F32 | RecurrentInput): xProj is RecurrentInput {
  return !ArrayBuffer.isView(xProj);
}

/** Throws `recurrentSequence: ...` naming the first argument that does not fit the sizes. */
export function checkRecurrentSequenceArgs(kind: CellKind, steps: number, batch: number, hidden: number, xProj: F32 | RecurrentInput,
  packed: F32, packedNeed: number, hBias: F32 | null, lengths: I32 | null, h: F32, c: F32 | null, out: F32,
  save: RecurrentSaved | null | undefined, xBias: F32 | null = null): void {
  const fn = 'recurrentSequence';
  const cell = cellKind(kind, fn, 'kind');
  checkSizes(fn, { steps, batch, hidden });
  const G = cell.gates;
  const [T, B, H] = [steps, batch, hidden];
  if (isRecurrentInput(xProj)) {
    const I = xProj.size;
    checkSizes(fn, { 'input size': I });
    checkLength(fn, 'input x', xProj.x, T * B * I, `[${T}, ${B}, ${I}]`);
    checkLength(fn, 'input weightIh', xProj.weightIh, G * H * I, `[${G * H}, ${I}]`);
  } else {
    checkLength(fn, 'xProj', xProj, T * B * G * H, `[${T}, ${B}, ${G * H}]`);
  }
  checkLength(fn, 'packed', packed, packedNeed, 'recurrentPackedSize');
  if (hBias && !cell.hiddenBiasInCell) throw new Error(`${fn}: hBias is for GRU only (b_hh of the other kinds belongs in xProj), got one for '${kind}'`);
  if (hBias) checkLength(fn, 'hBias', hBias, G * H, `[${G * H}]`);
  checkLength(fn, 'h', h, B * H, `[${B}, ${H}]`);
  if (cell.cellState) checkLength(fn, 'c', c, B * H, `[${B}, ${H}]`);
  else if (c) throw new Error(`${fn}: c is the LSTM cell state, got one for '${kind}'`);
  checkLength(fn, 'out', out, T * B * H, `[${T}, ${B}, ${H}]`);
  checkLengths(fn, lengths, T, B);
  if (save) checkSaved(fn, 'save', kind, T, B, H, save);
  if (xBias) checkLength(fn, 'xBias', xBias, G * H, `[${G * H}]`);
}

function checkLengths(fn: string, lengths: I32 | null, T: number, B: number): void {
  if (!lengths) return;
  checkLength(fn, 'lengths', lengths, B, `[${B}]`);
  for (let b = 0; b < B; b++) {
    const L = lengths[b]!;
    if (!(L >= 1 && L <= T)) throw new Error(`${fn}: lengths[${b}] = ${L} must be between 1 and steps = ${T}`);
  }
}

function checkSaved(fn: string, name: string, kind: CellKind, T: number, B: number, H: number, saved: RecurrentSaved): void {
  const cell = cellKind(kind, fn, 'kind');
  const S = cell.savedGates;
  checkLength(fn, `${name}.gates`, saved.gates, T * B * S * H, `[${T}, ${B}, ${S * H}]`);
  checkLength(fn, `${name}.hPrev`, saved.hPrev, T * B * H, `[${T}, ${B}, ${H}]`);
  if (cell.cellState) {
    checkLength(fn, `${name}.cPrev`, saved.cPrev ?? null, T * B * H, `[${T}, ${B}, ${H}]`);
    checkLength(fn, `${name}.c`, saved.c ?? null, T * B * H, `[${T}, ${B}, ${H}]`);
  } else if (saved.cPrev || saved.c) {
    throw new Error(`${fn}: ${name}.cPrev and ${name}.c are the LSTM cell states, got one for '${kind}'`);
  }
}

/** Throws `recurrentSequenceBackward: ...` naming the first argument that does not fit the sizes. */
export function checkRecurrentBackwardArgs(kind: CellKind, steps: number, batch: number, hidden: number, packedT: F32,
  packedNeed: number, lengths: I32 | null, saved: RecurrentSaved, dOut: F32 | null, dh: F32, dc: F32 | null, dxProj: F32,
  dhProj: F32 | null): void {
  const fn = 'recurrentSequenceBackward';
  const cell = cellKind(kind, fn, 'kind');
  checkSizes(fn, { steps, batch, hidden });
  const G = cell.gates;
  const [T, B, H] = [steps, batch, hidden];
  checkLength(fn, 'packedT', packedT, packedNeed, 'gemmPackedSize(G * H, H)');
  checkLengths(fn, lengths, T, B);
  checkSaved(fn, 'saved', kind, T, B, H, saved);
  if (dOut) checkLength(fn, 'dOut', dOut, T * B * H, `[${T}, ${B}, ${H}]`);
  checkLength(fn, 'dh', dh, B * H, `[${B}, ${H}]`);
  if (cell.cellState) checkLength(fn, 'dc', dc, B * H, `[${B}, ${H}]`);
  else if (dc) throw new Error(`${fn}: dc is the LSTM cell state's gradient, got one for '${kind}'`);
  checkLength(fn, 'dxProj', dxProj, T * B * G * H, `[${T}, ${B}, ${G * H}]`);
  if (cell.hiddenBiasInCell) checkLength(fn, 'dhProj', dhProj, T * B * G * H, `[${T}, ${B}, ${G * H}]`);
  else if (dhProj) throw new Error(`${fn}: dhProj is for GRU only (for '${kind}' it is dxProj), got one`);
}

// ---- ids: class targets and embedding rows -------------------------------------------------------

/** The first row whose target is neither ignoreIndex nor in [0, classes), or -1. */
export function firstBadTarget(rows: number, classes: number, targets: I32, ignoreIndex: number): number {
  for (let r = 0; r < rows; r++) {
    const t = targets[r]!;
    if (t !== ignoreIndex && !(t >= 0 && t < classes)) return r;
  }
  return -1;
}

/** The error of softmaxCrossEntropyForward for the target at `row` (from firstBadTarget or a kernel). */
export function badTargetError(targets: I32, row: number, classes: number): Error {
  return new Error(`softmaxCrossEntropy: target ${targets[row]} at row ${row} is outside [0, ${classes})`);
}

/** The error of embeddingForward for the id at `row` (outside [0, vocab)). */
export function badIdError(ids: I32, row: number, vocab: number): Error {
  return new Error(`embedding: id ${ids[row]} at position ${row} is outside [0, ${vocab})`);
}
