// A whole recurrent sequence in one call (inference): T steps of "recurrent product + gate math"
// with no JavaScript and no job dispatch between steps. The hidden units are cut into chunks of
// whole 8-unit blocks, one per thread; W_hh is packed so that the gate columns of one block sit
// side by side (block u: panels i, f, g, o of units 8u .. 8u+7), so a thread multiplies by its
// own share of the weights only (which stays in its core's L2 across steps), applies the gate
// math to the units it just produced, and meets the other threads once per step at a barrier in
// shared memory (sub-microsecond) instead of being posted one job per step.
//
// Every element is computed exactly as the step-by-step path computes it (recurrent-layer.ts:
// copy the input projection, gemmPacked with beta = 1, the fused cell kernel's lane math), so
// inference and training forwards agree bit for bit, for any thread count and any chunking.
//
// A thread that finds a chunk of the current step unclaimed after its own chunk is done runs it
// itself: its owner is late by at least a chunk's time (asleep, or descheduled on a busy
// machine), so a missing worker slows a sequence down to one thread's speed but never stalls it.

import { gemmPacked, gemmPackedWorkspaceBytes } from './gemm-packed';
import { NR, imin, kBlock, packB, roundUp } from './gemm-blocks';
import { ld, madd, st, vsigmoid, vtanh } from './simd';

// Modes: the activation codes of activationForward, then the gated cells.
const TANH = 0;
const RELU = 1;
const LSTM = 3;
const GRU = 4;

// Descriptor: i32 words written by the caller (src/kernels/wasm/wasm-backend.ts), then one
// 128-byte sync slot per part: the claim word (last step claimed) and, 64 bytes on, the done
// word (last step finished), each on its own cache line.
const MODE = 0;
const STEPS = 1;
const BATCH = 2;
const HIDDEN = 3;
const REVERSE = 4;
const PARTS = 5;
const XPROJ = 6;
const PACKED = 7;
const HBIAS = 8;
const LENGTHS = 9;
const HSTATE = 10;
const HSPARE = 11;
const CSTATE = 12;
const OUT = 13;
const SCRATCH = 14;
const SCRATCH_BYTES = 15;
const FAILED = 16;
/** Chunks run by a thread other than their owner (taken over from a late one), for statistics. */
const TAKEN_OVER = 17;
const SYNC = 128;
const SLOT = 128;
/** Spins on one barrier before a part gives up (tens of seconds; only a broken thread gets here). */
const SPIN_LIMIT = 1 << 30;

// @ts-ignore: decorator
@inline function word(desc: usize, i: i32): i32 {
  return load<i32>(desc + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function gatesOf(mode: i32): i32 {
  return mode == LSTM ? 4 : mode == GRU ? 3 : 1;
}

/** Floats of W_hh packed by recurrentPack for `gates` gates of `hidden` units. */
export function recurrentPackedFloats(gates: i32, hidden: i32): i32 {
  return hidden * gates * roundUp(hidden, NR);
}

/** Scratch bytes one chunk of at most `blocks` unit blocks needs (gate sums, then GEMM scratch). */
export function recurrentScratchBytes(gates: i32, batch: i32, hidden: i32, blocks: i32): i32 {
  return roundUp(batch * blocks * gates * NR * 4, 64) + roundUp(gemmPackedWorkspaceBytes(0, batch, hidden), 64);
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

/**
 * Runs part `part` of the sequence described at `desc` (see the word list above): every step,
 * its own chunk first, then it waits for the other chunks, running any that nobody has claimed.
 */
export function recurrentSequence(desc: usize, part: i32): void {
  const steps = word(desc, STEPS);
  const parts = word(desc, PARTS);
  for (let s = 0; s < steps; s++) {
    claimAndRun(desc, part, s);
    for (let q = 0; q < parts; q++) {
      const done = desc + SYNC + <usize>q * SLOT + 64;
      let spins = 0;
      while (atomic.load<i32>(done) <= s) {
        if (claimAndRun(desc, q, s)) {
          atomic.add<i32>(desc + (<usize>TAKEN_OVER << 2), 1);
          break;
        }
        if (++spins > SPIN_LIMIT) {
          atomic.store<i32>(desc + (<usize>FAILED << 2), 1);
          return;
        }
      }
    }
  }
}

/** Runs chunk q of step s if nobody has claimed it yet; true when this thread ran it. */
function claimAndRun(desc: usize, q: i32, s: i32): bool {
  const claim = desc + SYNC + <usize>q * SLOT;
  if (atomic.load<i32>(claim) != s || atomic.cmpxchg<i32>(claim, s, s + 1) != s) return false;
  runChunk(desc, q, s);
  atomic.store<i32>(claim + 64, s + 1);
  return true;
}

/** Step s of unit blocks [u0, u1) of chunk q: gate sums, recurrent product, gate math. */
function runChunk(desc: usize, q: i32, s: i32): void {
  const mode = word(desc, MODE);
  const steps = word(desc, STEPS);
  const batch = word(desc, BATCH);
  const hidden = word(desc, HIDDEN);
  const parts = word(desc, PARTS);
  const blocks = (hidden + NR - 1) / NR;
  const u0 = q * blocks / parts;
  const u1 = (q + 1) * blocks / parts;
  if (u1 <= u0) return;
  const G = gatesOf(mode);
  const t = word(desc, REVERSE) ? steps - 1 - s : s;
  const cols = (u1 - u0) * G * NR;
  const sums = <usize>word(desc, SCRATCH) + <usize>q * <usize>word(desc, SCRATCH_BYTES);
  const work = sums + <usize>roundUp(batch * cols * 4, 64);
  const hState = <usize>word(desc, HSTATE);
  const hSpare = <usize>word(desc, HSPARE);
  const hPrev = s & 1 ? hSpare : hState;
  const hNext = s & 1 ? hState : hSpare;
  const xRow = <usize>word(desc, XPROJ) + (<usize>(t * batch * G * hidden) << 2);

  // What the step-by-step path adds the product to: the input projection (LSTM, Elman) or
  // b_hh (GRU, whose input projection joins inside the gate math), in the block layout.
  const hBias = <usize>word(desc, HBIAS);
  for (let b = 0; b < batch; b++) {
    for (let u = u0; u < u1; u++) {
      const count = imin(NR, hidden - u * NR);
      for (let g = 0; g < G; g++) {
        const dst = sums + (<usize>(b * cols + ((u - u0) * G + g) * NR) << 2);
        let src: usize = 0;
        if (mode != GRU) src = xRow + (<usize>(b * G * hidden + g * hidden + u * NR) << 2);
        else if (hBias) src = hBias + (<usize>(g * hidden + u * NR) << 2);
        copyBlock(dst, src, count);
      }
    }
  }
  gemmPacked(0, batch, cols, hidden, 1, hPrev, hidden, <usize>word(desc, PACKED), G * roundUp(hidden, NR), u0 * G * NR, 1, sums, cols, work);

  const lengths = <usize>word(desc, LENGTHS);
  const out = <usize>word(desc, OUT) + (<usize>(t * batch * hidden) << 2);
  const c = <usize>word(desc, CSTATE);
  for (let b = 0; b < batch; b++) {
    const active = !lengths || t < load<i32>(lengths + (<usize>b << 2));
    for (let u = u0; u < u1; u++) {
      for (let half = 0; half < 2; half++) {
        const j = u * NR + half * 4;
        const k = imin(4, hidden - j);
        if (k <= 0) break;
        const row = <usize>(b * hidden + j) << 2;
        const sum = sums + (<usize>(b * cols + (u - u0) * G * NR + half * 4) << 2);
        let h: v128;
        if (!active) {
          // Past this sequence's length: the state stays, the output is zero.
          st(out + row, f32x4.splat(0), k);
          st(hNext + row, ld(hPrev + row, k), k);
          continue;
        }
        if (mode == LSTM) {
          h = lstmGates(sum, c + row, k);
        } else if (mode == GRU) {
          h = gruGates(sum, xRow + (<usize>(b * 3 * hidden + j) << 2), <usize>hidden << 2, hPrev + row, k);
        } else {
          const v = v128.load(sum);
          h = mode == TANH ? vtanh(v) : mode == RELU ? f32x4.pmax(f32x4.splat(0), v) : vsigmoid(v);
        }
        st(out + row, h, k);
        st(hNext + row, h, k);
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

/** The LSTM cell on four units (lane math of cells.ts lstmFwdK): updates c, returns h. */
// @ts-ignore: decorator
@inline function lstmGates(sum: usize, c: usize, k: i32): v128 {
  const i = vsigmoid(v128.load(sum));
  const f = vsigmoid(v128.load(sum, 32));
  const gg = vtanh(v128.load(sum, 64));
  const o = vsigmoid(v128.load(sum, 96));
  const ct = madd(f, ld(c, k), f32x4.mul(i, gg));
  st(c, ct, k);
  return f32x4.mul(o, vtanh(ct));
}

/** The GRU cell on four units (lane math of cells.ts gruFwdK); x: the unit's r input, gh: bytes between gates. */
// @ts-ignore: decorator
@inline function gruGates(sum: usize, x: usize, gh: usize, hPrev: usize, k: i32): v128 {
  const r = vsigmoid(f32x4.add(ld(x, k), v128.load(sum)));
  const z = vsigmoid(f32x4.add(ld(x + gh, k), v128.load(sum, 32)));
  const n = vtanh(madd(r, v128.load(sum, 64), ld(x + 2 * gh, k)));
  return madd(z, f32x4.sub(ld(hPrev, k), n), n);
}
