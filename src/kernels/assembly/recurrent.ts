// Whole recurrent sequences in one call: T steps of "recurrent product + gate math" forward
// (inference, or training with what the backward reads saved), and backpropagation through
// those T steps, with no JavaScript and no job dispatch between steps. The hidden units are cut
// into chunks of whole 8-unit blocks, one per thread. For the forward, W_hh is packed so that the
// gate columns of one block sit side by side (block u: panels i, f, g, o of units 8u .. 8u+7):
// a thread multiplies by its own share of the weights only (which stays in its core's L2 across
// steps), applies the gate math to the units it just produced, and meets the other threads at a
// barrier in shared memory once per step instead of being posted jobs per step. The backward has
// two phases per step: the cell backward of a chunk's units, then (after the barrier, as it reads
// every unit's gate gradients) dh_{t-1} of the chunk's units, the product with the chunk's
// columns of W_hh (gemmPackB layout of W_hh itself).
//
// Every element is computed exactly as the step-by-step kernels compute it (copy the input
// projection, gemmPacked with beta = 1, the cell kernels' lane functions, gemmPacked for dh), so
// results are bit-identical to that path for any thread count and any chunking.
//
// A thread that finds a chunk of the current phase unclaimed after its own chunk is done runs it
// itself: its owner is late by at least a chunk's time (asleep, or descheduled on a busy
// machine), so a missing worker slows a sequence down to one thread's speed but never stalls it.

import { gemmPacked, gemmPackedWorkspaceBytes } from './gemm-packed';
import { NR, imin, kBlock, packB, roundUp } from './gemm-blocks';
import { gruBwdK, gruFwdK, lstmBwdK, lstmFwdK } from './cells';
import { actBackK, actK } from './elementwise';
import { ld, st } from './simd';
import {
  CELL_GRU, CELL_LSTM, CELL_RNN_RELU, CELL_RNN_SIGMOID, CELL_RNN_TANH, JOB_SLOT_BYTES, JOB_SYNC_BYTES, JOB_WORDS, SEQ_BATCH, SEQ_C,
  SEQ_CELL, SEQ_DC, SEQ_DH, SEQ_DHPREV, SEQ_DHPROJ, SEQ_DOUT, SEQ_DXPROJ, SEQ_FAILED, SEQ_H, SEQ_HBIAS, SEQ_HIDDEN, SEQ_H_SPARE,
  SEQ_LENGTHS, SEQ_OUT, SEQ_PACKED, SEQ_PARTS, SEQ_REVERSE, SEQ_SAVE_C, SEQ_SAVE_CPREV, SEQ_SAVE_GATES, SEQ_SAVE_HPREV,
  SEQ_SCRATCH, SEQ_SCRATCH_BYTES, SEQ_STEPS, SEQ_TAKEN_OVER, SEQ_XPROJ,
} from '../wasm/kernel-abi';


// The job descriptor: i32 words at the offsets of ../wasm/kernel-abi.ts (SEQ_*), written by
// src/kernels/wasm/wasm-backend.ts, then from byte JOB_SYNC_BYTES one JOB_SLOT_BYTES sync slot
// per part: the claim word (last phase claimed) and, 64 bytes on, the done word (last phase
// finished), each on its own cache line.

/** Bytes of per-chunk temporaries before the gate sums (cell outputs of four units). */
const TMP = 256;
/** Milliseconds a part waits at one barrier before it gives up (only a broken thread gets here; thread-pool.ts STUCK_MS). */
const STUCK_MS: f64 = 30_000;

// The host's clock (performance.now), for the time limit on a barrier.
// @ts-ignore: decorator
@external('env', 'now')
declare function now(): f64;

// @ts-ignore: decorator
@inline function word(desc: usize, i: i32): usize {
  return <usize>load<i32>(desc + (<usize>i << 2));
}

// Cell codes (../wasm/kernel-abi.ts): an Elman cell's code is the code of its activation, which
// actK / actBackK apply; the gated cells have their own.
// @ts-ignore: decorator
@inline function gatesOf(mode: i32): i32 {
  return mode == CELL_LSTM ? 4 : mode == CELL_GRU ? 3 : 1;
}

// @ts-ignore: decorator
@inline function isElman(mode: i32): bool {
  return mode == CELL_RNN_TANH || mode == CELL_RNN_RELU || mode == CELL_RNN_SIGMOID;
}

/** Gates of the cell with code `mode` as the kernels see it, -1 for a code they do not know (kernel-abi.test.ts). */
export function cellGates(mode: i32): i32 {
  return isElman(mode) || mode == CELL_LSTM || mode == CELL_GRU ? gatesOf(mode) : -1;
}

/** The activation code an Elman cell's code applies, -1 for the gated cells and unknown codes (kernel-abi.test.ts). */
export function cellActivation(mode: i32): i32 {
  return isElman(mode) ? mode : -1;
}

// Each descriptor field as this module reads it, with its name (for sequenceLayout).
const FIELD_WORDS: StaticArray<i32> = [
  SEQ_CELL, SEQ_STEPS, SEQ_BATCH, SEQ_HIDDEN, SEQ_REVERSE, SEQ_PARTS, SEQ_LENGTHS, SEQ_PACKED, SEQ_SCRATCH, SEQ_SCRATCH_BYTES,
  SEQ_FAILED, SEQ_TAKEN_OVER, SEQ_XPROJ, SEQ_HBIAS, SEQ_H, SEQ_H_SPARE, SEQ_C, SEQ_OUT, SEQ_SAVE_GATES, SEQ_SAVE_HPREV,
  SEQ_SAVE_CPREV, SEQ_SAVE_C, SEQ_DOUT, SEQ_DH, SEQ_DC, SEQ_DXPROJ, SEQ_DHPROJ, SEQ_DHPREV,
];
const FIELD_NAMES: StaticArray<string> = [
  'SEQ_CELL', 'SEQ_STEPS', 'SEQ_BATCH', 'SEQ_HIDDEN', 'SEQ_REVERSE', 'SEQ_PARTS', 'SEQ_LENGTHS', 'SEQ_PACKED', 'SEQ_SCRATCH', 'SEQ_SCRATCH_BYTES',
  'SEQ_FAILED', 'SEQ_TAKEN_OVER', 'SEQ_XPROJ', 'SEQ_HBIAS', 'SEQ_H', 'SEQ_H_SPARE', 'SEQ_C', 'SEQ_OUT', 'SEQ_SAVE_GATES', 'SEQ_SAVE_HPREV',
  'SEQ_SAVE_CPREV', 'SEQ_SAVE_C', 'SEQ_DOUT', 'SEQ_DH', 'SEQ_DC', 'SEQ_DXPROJ', 'SEQ_DHPROJ', 'SEQ_DHPREV',
];

/**
 * The descriptor layout as this module reads it: writes at word `field` of `out` (JOB_WORDS
 * zeroed words) the FNV-1a hash of the field's name, for every field, and returns JOB_WORDS.
 * kernel-abi.test.ts compares that with kernel-abi.ts: a stale build or a missing field fails there.
 */
export function sequenceLayout(out: usize): i32 {
  for (let f = 0; f < FIELD_WORDS.length; f++) {
    const name = FIELD_NAMES[f];
    let h: u32 = 2166136261;
    for (let i = 0; i < name.length; i++) h = (h ^ <u32>name.charCodeAt(i)) * 16777619;
    store<i32>(out + (<usize>FIELD_WORDS[f] << 2), h);
  }
  return JOB_WORDS;
}

/** Floats of W_hh packed by recurrentPack for `gates` gates of `hidden` units. */
export function recurrentPackedFloats(gates: i32, hidden: i32): i32 {
  return hidden * gates * roundUp(hidden, NR);
}

/** Scratch bytes one forward chunk of at most `blocks` unit blocks needs. */
export function recurrentScratchBytes(gates: i32, batch: i32, hidden: i32, blocks: i32): i32 {
  return TMP + roundUp(batch * blocks * gates * NR * 4, 64) + roundUp(gemmPackedWorkspaceBytes(0, batch, hidden), 64);
}

/** Scratch bytes one backward chunk needs (the dh product's workspace). */
export function recurrentBackwardScratchBytes(gates: i32, batch: i32, hidden: i32): i32 {
  return roundUp(gemmPackedWorkspaceBytes(0, batch, gates * hidden), 64);
}

/**
 * Packs unit blocks [u0, u1) of W_hh ([gates * hidden, hidden], PyTorch layout) as op(B) of
 * gemmPacked with the gate columns of each 8-unit block together: panel u * gates + g holds
 * rows g * hidden + 8u .. 8u+7 of W_hh (zero past `hidden`), in every K block of gemmPackB.
 */
export function recurrentPack(gates: i32, hidden: i32, w: usize, dst: usize, u0: i32, u1: i32): void {
  const np = gates * roundUp(hidden, NR);
  const rowBytes = <usize>hidden << 2;
  const kStep = kBlock(hidden);
  for (let pc = 0; pc < hidden; pc += kStep) {
    const kc = imin(kStep, hidden - pc);
    const panel = <usize>(kc * NR) << 2;
    const block = dst + (<usize>(pc * np) << 2);
    for (let u = u0; u < u1; u++) {
      for (let g = 0; g < gates; g++) {
        const src = w + <usize>(g * hidden + u * NR) * rowBytes + (<usize>pc << 2);
        packB(block + <usize>(u * gates + g) * panel, src, 4, rowBytes, kc, imin(NR, hidden - u * NR));
      }
    }
  }
}

/** Part `part` of the forward job described at `desc`: one phase per step. */
export function recurrentSequence(desc: usize, part: i32): void {
  runPhases(desc, part, <i32>word(desc, SEQ_STEPS), false);
}

/** Part `part` of the backward job described at `desc`: two phases per step. */
export function recurrentSequenceBackward(desc: usize, part: i32): void {
  runPhases(desc, part, 2 * <i32>word(desc, SEQ_STEPS), true);
}

/** Every phase: this part's own chunk first, then wait for the others, running any nobody has claimed. */
function runPhases(desc: usize, part: i32, phases: i32, backward: bool): void {
  const parts = <i32>word(desc, SEQ_PARTS);
  for (let s = 0; s < phases; s++) {
    claimAndRun(desc, part, s, backward);
    for (let q = 0; q < parts; q++) {
      const done = desc + JOB_SYNC_BYTES + <usize>q * JOB_SLOT_BYTES + 64;
      let spins = 0;
      let since: f64 = 0;
      while (atomic.load<i32>(done) <= s) {
        if (claimAndRun(desc, q, s, backward)) {
          atomic.add<i32>(desc + (<usize>SEQ_TAKEN_OVER << 2), 1);
          break;
        }
        if ((++spins & 0xffff) != 0) continue;
        const t = now();
        if (since == 0) since = t;
        else if (t - since > STUCK_MS) {
          atomic.store<i32>(desc + (<usize>SEQ_FAILED << 2), 1);
          return;
        }
      }
    }
  }
}

/** Runs chunk q of phase s if nobody has claimed it yet; true when this thread ran it. */
function claimAndRun(desc: usize, q: i32, s: i32, backward: bool): bool {
  const claim = desc + JOB_SYNC_BYTES + <usize>q * JOB_SLOT_BYTES;
  if (atomic.load<i32>(claim) != s || atomic.cmpxchg<i32>(claim, s, s + 1) != s) return false;
  if (!backward) forwardChunk(desc, q, s);
  else backwardChunk(desc, q, s >> 1, s & 1);
  atomic.store<i32>(claim + 64, s + 1);
  return true;
}

/** Unit blocks [u0, u1) of chunk q. */
// @ts-ignore: decorator
@inline function chunkStart(desc: usize, q: i32): i32 {
  const blocks = (<i32>word(desc, SEQ_HIDDEN) + NR - 1) / NR;
  return q * blocks / <i32>word(desc, SEQ_PARTS);
}

/** Time index of step s (backward: step s of the backward pass, which runs forward time in reverse). */
// @ts-ignore: decorator
@inline function timeOf(desc: usize, s: i32, backward: bool): i32 {
  const steps = <i32>word(desc, SEQ_STEPS);
  const reverse = word(desc, SEQ_REVERSE) != 0;
  return reverse != backward ? steps - 1 - s : s;
}

/** Forward step s of unit blocks [u0, u1) of chunk q: gate sums, recurrent product, gate math. */
function forwardChunk(desc: usize, q: i32, s: i32): void {
  const mode = <i32>word(desc, SEQ_CELL);
  const batch = <i32>word(desc, SEQ_BATCH);
  const hidden = <i32>word(desc, SEQ_HIDDEN);
  const u0 = chunkStart(desc, q);
  const u1 = chunkStart(desc, q + 1);
  if (u1 <= u0) return;
  const G = gatesOf(mode);
  const t = timeOf(desc, s, false);
  const cols = (u1 - u0) * G * NR;
  const tmp = word(desc, SEQ_SCRATCH) + <usize>q * word(desc, SEQ_SCRATCH_BYTES);
  const sums = tmp + TMP;
  const work = sums + <usize>roundUp(batch * cols * 4, 64);
  const hPrev = s & 1 ? word(desc, SEQ_H_SPARE) : word(desc, SEQ_H);
  const hNext = s & 1 ? word(desc, SEQ_H) : word(desc, SEQ_H_SPARE);
  const xRow = word(desc, SEQ_XPROJ) + (<usize>(t * batch * G * hidden) << 2);

  // What the step-by-step path adds the product to: the input projection (LSTM, Elman) or
  // b_hh (GRU, whose input projection joins inside the gate math), in the block layout.
  const hBias = word(desc, SEQ_HBIAS);
  // Blocks of 8 whole units are two plain vector copies per gate: through copyBlock (lane
  // counts, branches) this copy took 9% of an LSTM sequence at batch 64.
  const full = imin(u1, hidden / NR);
  const gh = <usize>hidden << 2; // bytes between gates in the [*, G*H] layouts
  for (let b = 0; b < batch; b++) {
    let dst = sums + (<usize>(b * cols) << 2);
    // Row b of the projection (LSTM, Elman) or b_hh (GRU), from unit u0 of gate 0.
    let src: usize = mode != CELL_GRU ? xRow + (<usize>(b * G * hidden + u0 * NR) << 2) : hBias ? hBias + (<usize>(u0 * NR) << 2) : 0;
    let u = u0;
    if (src) {
      for (; u < full; u++) {
        for (let g = 0; g < G; g++) {
          const from = src + <usize>g * gh;
          v128.store(dst, v128.load(from));
          v128.store(dst, v128.load(from, 16), 16);
          dst += NR << 2;
        }
        src += NR << 2;
      }
    }
    for (; u < u1; u++) {
      const count = imin(NR, hidden - u * NR);
      for (let g = 0; g < G; g++) {
        copyBlock(dst, src ? src + <usize>g * gh : 0, count);
        dst += NR << 2;
      }
      if (src) src += NR << 2;
    }
  }
  gemmPacked(0, batch, cols, hidden, 1, hPrev, hidden, word(desc, SEQ_PACKED), G * roundUp(hidden, NR), u0 * G * NR, 1, sums, cols, work);

  const lengths = word(desc, SEQ_LENGTHS);
  const BH = <usize>(batch * hidden) << 2;
  const step = <usize>t * BH;
  const out = word(desc, SEQ_OUT) + step;
  const c = word(desc, SEQ_C);
  const saveGates = word(desc, SEQ_SAVE_GATES);
  const saveHPrev = word(desc, SEQ_SAVE_HPREV);
  const saveCPrev = word(desc, SEQ_SAVE_CPREV);
  const saveC = word(desc, SEQ_SAVE_C);
  const tmpC = tmp, tmpH = tmp + 16, tmpS = tmp + 64; // tmpS: the GRU's four saved values
  for (let b = 0; b < batch; b++) {
    const active = !lengths || t < load<i32>(lengths + (<usize>b << 2));
    for (let u = u0; u < u1; u++) {
      for (let half = 0; half < 2; half++) {
        const j = u * NR + half * 4;
        const k = imin(4, hidden - j);
        if (k <= 0) break;
        const row = <usize>(b * hidden + j) << 2;
        const sum = sums + (<usize>(b * cols + (u - u0) * G * NR + half * 4) << 2);
        if (saveHPrev) st(saveHPrev + step + row, ld(hPrev + row, k), k);
        if (saveCPrev) st(saveCPrev + step + row, ld(c + row, k), k);
        // The step's values for these four units: h straight into the output and c in place
        // for a row inside its sequence, into temporaries for one past its end (whose state
        // stays). The LSTM's cell overwrites the sums with the activated gates; the GRU's
        // writes r, z, n, hn where they are saved.
        const S = mode == CELL_GRU ? 4 : G;
        const gRow = saveGates + <usize>(t * batch + b) * <usize>S * gh + (<usize>j << 2);
        const hDst = active ? out + row : tmpH;
        if (mode == CELL_LSTM) {
          lstmFwdK(k, sum, 32, c + row, active ? c + row : tmpC, hDst);
          if (saveGates) for (let g = 0; g < 4; g++) st(gRow + <usize>g * gh, v128.load(sum + (<usize>g << 5)), k);
        } else if (mode == CELL_GRU) {
          const x = xRow + (<usize>(b * 3 * hidden + j) << 2);
          if (saveGates) gruFwdK(k, x, gh, sum, 32, hPrev + row, gRow, gh, hDst);
          else gruFwdK(k, x, gh, sum, 32, hPrev + row, tmpS, 16, hDst);
        } else {
          actK(mode, 0, k, sum, hDst);
          if (saveGates) st(gRow, ld(hDst, k), k); // the backward of f reads its output
        }
        if (active) {
          st(hNext + row, ld(out + row, k), k);
        } else {
          // Past this sequence's length: the state stays, the output is zero.
          st(out + row, f32x4.splat(0), k);
          st(hNext + row, ld(hPrev + row, k), k);
        }
        if (saveC) st(saveC + step + row, ld(c + row, k), k);
      }
    }
  }
}

/** dst[0..8) = src[0..count), zero past count (and everywhere when src is 0). */
function copyBlock(dst: usize, src: usize, count: i32): void {
  let lo = f32x4.splat(0), hi = f32x4.splat(0);
  if (src) {
    lo = ld(src, imin(4, count));
    if (count > 4) hi = ld(src + 16, count - 4);
  }
  v128.store(dst, lo);
  v128.store(dst, hi, 16);
}

/**
 * Backward step s for the units [j0, j1) of chunk q. Phase 0: dh += dOut_t, then the cell
 * backward into the gate gradients (and dc_{t-1} in place, the GRU's direct dh_{t-1} term into
 * DHPREV); rows past their sequence's length get zero gate gradients and keep dh and dc.
 * Phase 1 (after every chunk's phase 0: it reads all gate gradients): dh_{t-1} = dGates_h W_hh
 * (+ the GRU's direct term) for the chunk's columns, into dh for the rows inside their sequence.
 */
function backwardChunk(desc: usize, q: i32, s: i32, phase: i32): void {
  const mode = <i32>word(desc, SEQ_CELL);
  const batch = <i32>word(desc, SEQ_BATCH);
  const hidden = <i32>word(desc, SEQ_HIDDEN);
  const j0 = chunkStart(desc, q) * NR;
  const j1 = imin(chunkStart(desc, q + 1) * NR, hidden);
  if (j1 <= j0) return;
  const G = gatesOf(mode);
  const t = timeOf(desc, s, true);
  const gh = <usize>hidden << 2;
  const lengths = word(desc, SEQ_LENGTHS);
  const dh = word(desc, SEQ_DH);
  const dhp = word(desc, SEQ_DHPROJ) + <usize>t * <usize>batch * <usize>G * gh;
  const dhPrev = word(desc, SEQ_DHPREV);
  if (phase == 1) {
    const work = word(desc, SEQ_SCRATCH) + <usize>q * word(desc, SEQ_SCRATCH_BYTES);
    gemmPacked(0, batch, j1 - j0, G * hidden, 1, dhp, G * hidden, word(desc, SEQ_PACKED), hidden, j0, mode == CELL_GRU ? 1 : 0,
      dhPrev + (<usize>j0 << 2), hidden, work);
    for (let b = 0; b < batch; b++) {
      if (lengths && t >= load<i32>(lengths + (<usize>b << 2))) continue; // dh (and dc) carry past the end
      for (let j = j0; j < j1; j += 4) {
        const row = <usize>b * gh + (<usize>j << 2);
        const k = imin(4, j1 - j);
        st(dh + row, ld(dhPrev + row, k), k);
      }
    }
    return;
  }
  const step = <usize>t * <usize>batch * gh;
  const dOut = word(desc, SEQ_DOUT);
  const dc = word(desc, SEQ_DC);
  const saved = word(desc, SEQ_SAVE_GATES) + <usize>t * <usize>batch * <usize>(mode == CELL_GRU ? 4 : G) * gh;
  const dx = word(desc, SEQ_DXPROJ) + <usize>t * <usize>batch * <usize>G * gh;
  const hPrev = word(desc, SEQ_SAVE_HPREV) + step;
  const cPrev = word(desc, SEQ_SAVE_CPREV) + step;
  const c = word(desc, SEQ_SAVE_C) + step;
  for (let b = 0; b < batch; b++) {
    const active = !lengths || t < load<i32>(lengths + (<usize>b << 2));
    const gRow = <usize>b * <usize>G * gh;
    for (let j = j0; j < j1; j += 4) {
      const k = imin(4, j1 - j);
      const o = <usize>j << 2;
      if (!active) {
        for (let g = 0; g < G; g++) {
          st(dx + gRow + <usize>g * gh + o, f32x4.splat(0), k);
          if (dhp != dx) st(dhp + gRow + <usize>g * gh + o, f32x4.splat(0), k);
        }
        continue;
      }
      const row = <usize>b * gh + o;
      if (dOut) st(dh + row, f32x4.add(ld(dOut + step + row, k), ld(dh + row, k)), k);
      if (mode == CELL_LSTM) {
        lstmBwdK(k, saved + gRow + o, gh, cPrev + row, c + row, dh + row, dc + row, dx + gRow + o, dc + row);
      } else if (mode == CELL_GRU) {
        gruBwdK(k, saved + <usize>b * 4 * gh + o, gh, hPrev + row, dh + row, dx + gRow + o, dhp + gRow + o, dhPrev + row);
      } else {
        actBackK(mode, 0, 0, k, saved + gRow + o, dh + row, dx + gRow + o);
      }
    }
  }
}
