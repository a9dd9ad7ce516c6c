// Whole recurrent sequences, one chunk of one phase at a time, written once over a vector type
// (math.h) and included after gemm_impl.h by the per-ISA files (gemm.cc: portable,
// gemm_avx2.cc, gemm_avx512.cc), which also get their IsaKernels table from makeTable() here.
// Not here: the threads, the chunk claiming and the packing (recurrent.cc); the lane math of
// the cells (math.h, shared with the step-by-step cell kernels).
//
// The design is the wasm kernels' (src/kernels/assembly/recurrent.ts) with 16-unit blocks (the
// GEMM's NR): the hidden units are cut into chunks of whole blocks, and W_hh is packed
// (recurrent_pack) so that the gate columns of one block sit side by side (panel u * G + g holds
// gate g of units 16u .. 16u+15). A forward chunk of step s copies its share of the input
// projection (or GRU's b_hh) into a [B, blocks * G * 16] sum buffer, adds h_{t-1} W_hh^T for its
// own columns only (gemm_packed with beta = 1: its share of the weights stays in its core's
// cache across steps), then applies the cell to the units it just produced. A backward step has
// two parts: 1, the cell backward of the chunk's units (dh += dOut first); 2, after every
// chunk's part 1, dh_{t-1} for the chunk's units = dGates_h W_hh (gemm_pack_b layout of W_hh).
// Part 1 of the next step needs only the chunk's own part 2, so a backward phase is part 2 of
// one step then part 1 of the next, and the chunks meet once per step as in the forward (the
// wasm kernels meet twice per step; here that cost the 2-thread LSTM backward, H 256, B 32,
// a few percent: about 185 against 192 GFLOP/s on a 2-core Zen 5 VM).
//
// Every element is computed as the step-by-step kernels of the same ISA compute it (the GEMM's
// result does not depend on tile, width or split: gemm_impl.h; the cells call math.h's lane
// functions), so results are bit-identical for any number of chunks and threads.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include "kernels.h"

namespace recur {

// One whole-sequence call, as recurrent.cc fills it. Pointers as kernels.h (save pointers null
// for inference); hSpare and dhPrev are [B, H] buffers of the call (zeroed), parts the chunks.
struct SeqArgs {
  Cell kind;
  int64_t steps, batch, hidden;
  bool reverse;
  int parts;
  bool byRows;  // parts split the batch rows (each runs its rows through every step alone), not the units
  const int32_t* lengths;
  const float* packed;  // forward: recurrent_pack; backward: gemm_pack_b of W_hh [G*H, H]
  // forward: the input projection either given (xProj) or computed step by step (x, packedIh)
  const float* xProj;
  const float* x;         // [T, B, inputSize] when xProj is nullptr
  const float* packedIh;  // W_ih [G*H, inputSize] in recurrent_pack's block layout (K = inputSize)
  int64_t inputSize;
  const float* hBias;
  const float* xBias;  // [G*H] added to every row of the input projection, or nullptr
  float *h, *hSpare, *c, *out;
  Saved save;
  // backward
  const float* dOut;
  float *dh, *dc, *dxProj, *dhProj, *dhPrev;
};

inline int gatesOf(Cell kind) { return kind == Cell::lstm ? 4 : kind == Cell::gru ? 3 : 1; }
inline int savedGatesOf(Cell kind) { return kind == Cell::lstm || kind == Cell::gru ? 4 : 1; }
// The activation code (kernels.h Activation) of an Elman cell.
inline int elmanActivation(Cell kind) { return (int)kind - (int)Cell::rnn_tanh; }
// The 16-unit blocks [u0, u1) of chunk q: a share of them when the parts split the units, all
// of them when they split the batch.
inline void chunkUnits(const SeqArgs& a, int q, int64_t& u0, int64_t& u1) {
  const int64_t blocks = (a.hidden + 15) / 16;
  u0 = a.byRows ? 0 : (int64_t)q * blocks / a.parts;
  u1 = a.byRows ? blocks : (int64_t)(q + 1) * blocks / a.parts;
}
// The batch rows [b0, b1) of chunk q: whole groups of 8 rows (the GEMM's register tile) when the
// parts split the batch, every row when they split the units.
inline void chunkRows(const SeqArgs& a, int q, int64_t& b0, int64_t& b1) {
  if (!a.byRows) {
    b0 = 0;
    b1 = a.batch;
    return;
  }
  const int64_t groups = (a.batch + 7) / 8;
  b0 = std::min(a.batch, (int64_t)q * groups / a.parts * 8);
  b1 = std::min(a.batch, (int64_t)(q + 1) * groups / a.parts * 8);
}

}  // namespace recur

#ifdef RECUR_ISA_NS
namespace recur {
namespace RECUR_ISA_NS {
namespace {

constexpr int64_t UB = GEMM_NR;  // units per block

inline bool activeRow(const SeqArgs& a, int64_t t, int64_t b) { return !a.lengths || t < a.lengths[b]; }

inline void copyK(float* dst, const float* src, int k) { V::storek(dst, V::loadk(src, k), k); }

// Asks for the cache line at p (read) ahead of use. The saved activations a step reads were
// written a whole sequence earlier and sit in L3 or memory, in short runs per batch row (a
// chunk's units of each gate), too short for the hardware prefetchers to pick up.
// (About +4% on an LSTM backward, H 256, B 32, 1 and 2 threads.)
inline void prefetch(const void* p) { __builtin_prefetch(p, 0, 3); }

// One LSTM step of two whole vectors of units (gate sums s0, s1, UB apart per gate) of a row
// inside its sequence, when nothing is saved: c in place, h into the output and the next state.
// Each vector is a chain of about 90 dependent cycles (exp, division, polynomial, division);
// written side by side the two chains interleave, where one vector at a time left the FMA units
// idle while each chain waited (the same operations per lane as lstmFwdK: the same bits).
inline void lstmPairInference(const float* s0, const float* s1, float* c0, float* c1, float* o0, float* o1, float* n0,
                              float* n1) {
  const V::v i0 = vsigmoid<V>(V::load(s0)), i1 = vsigmoid<V>(V::load(s1));
  const V::v f0 = vsigmoid<V>(V::load(s0 + UB)), f1 = vsigmoid<V>(V::load(s1 + UB));
  const V::v g0 = vtanh<V>(V::load(s0 + 2 * UB)), g1 = vtanh<V>(V::load(s1 + 2 * UB));
  const V::v q0 = vsigmoid<V>(V::load(s0 + 3 * UB)), q1 = vsigmoid<V>(V::load(s1 + 3 * UB));
  const V::v ct0 = V::fmadd(f0, V::load(c0), V::mul(i0, g0)), ct1 = V::fmadd(f1, V::load(c1), V::mul(i1, g1));
  V::store(c0, ct0);
  V::store(c1, ct1);
  const V::v h0 = V::mul(q0, vtanh<V>(ct0)), h1 = V::mul(q1, vtanh<V>(ct1));
  V::store(o0, h0);
  V::store(n0, h0);
  V::store(o1, h1);
  V::store(n1, h1);
}

// Forward step s of chunk q.
void seqForwardChunk(const SeqArgs& a, int q, int s) {
  const int64_t H = a.hidden, T = a.steps;
  int64_t u0, u1, b0, b1;
  chunkUnits(a, q, u0, u1);
  chunkRows(a, q, b0, b1);
  const int64_t B = a.batch;
  if (u1 <= u0 || b1 <= b0) return;
  const Cell kind = a.kind;
  const int64_t G = gatesOf(kind);
  const int64_t t = a.reverse ? T - 1 - s : s;
  const int64_t cols = (u1 - u0) * G * UB;
  float* sums = thread_scratch(2, (b1 - b0) * cols);  // rows b0 .. b1 - 1
  const float* hPrev = (s & 1) ? a.hSpare : a.h;
  float* hNext = (s & 1) ? a.h : a.hSpare;
  const float* xRow = a.xProj ? a.xProj + t * B * G * H : nullptr;
  const int64_t np = G * roundUpTo(H, UB);  // columns of the packed weights

  // The step's input projection computed here (x, packedIh): x_t W_ih^T for the chunk's rows and
  // columns, straight into the sum buffer (LSTM, Elman) or into a buffer of its own that the
  // cell reads (GRU), with beta = 0 and then the input biases added, one rounding each: the bits
  // of the whole-sequence GEMM followed by addRowVector, whose result does not depend on the
  // tile or the rows (gemm_impl.h). No [T, B, G*H] buffer is written and read back through
  // memory (26 MB at T 100, B 64, LSTM 256: about a third of this function's time went to that copy).
  float* xs = nullptr;  // GRU: the projection in block layout, gate stride UB
  if (a.packedIh) {
    float* dst = kind == Cell::gru ? (xs = thread_scratch(3, (b1 - b0) * cols)) : sums;
    gemmPackedT(false, b1 - b0, cols, a.inputSize, 1.0f, a.x + (t * B + b0) * a.inputSize, a.inputSize, a.packedIh, np,
                u0 * G * UB, 0.0f, dst, cols);
    if (a.xBias) {
      for (int64_t b = b0; b < b1; b++) {
        float* row = dst + (b - b0) * cols;
        for (int64_t u = u0; u < u1; u++) {
          const int count = (int)(H - u * UB < UB ? H - u * UB : UB);
          for (int64_t g = 0; g < G; g++, row += UB) {
            const float* bias = a.xBias + g * H + u * UB;
#pragma GCC unroll 4
            for (int i = 0; i < UB; i += W) {
              if (i >= count) break;  // past H: the packed weights are zero, so is the projection
              const int k = count - i;
              V::storek(row + i, V::add(V::loadk(row + i, k), V::loadk(bias + i, k)), k);
            }
          }
        }
      }
    }
  }

  // What the step-by-step path adds the product to: the input projection (LSTM, Elman) or b_hh
  // (GRU, whose input projection joins inside the gate math; zero without one), block layout.
  // Whole blocks are UB / W plain vector copies (a libc memcpy per 64 bytes took 9% of an LSTM
  // sequence); a tail block is copied lane by lane with zeros after it. The input biases (xBias)
  // are added here, one rounding per element as addRowVector's: no pass of their own over xProj.
  // Nothing to copy when the projection was computed into the sums above.
  if (!(a.packedIh && kind != Cell::gru)) {
    for (int64_t b = b0; b < b1; b++) {
      float* dst = sums + (b - b0) * cols;
      for (int64_t u = u0; u < u1; u++) {
        const int count = (int)(H - u * UB < UB ? H - u * UB : UB);
        for (int64_t g = 0; g < G; g++, dst += UB) {
          const float* src = kind != Cell::gru ? xRow + b * G * H + g * H + u * UB : a.hBias ? a.hBias + g * H + u * UB : nullptr;
          const float* bias = a.xBias && kind != Cell::gru ? a.xBias + g * H + u * UB : nullptr;
          if (kind != Cell::gru && b + 2 < b1) prefetch(src + 2 * G * H);
          if (src && count == UB) {
            if (bias) {
#pragma GCC unroll 4
              for (int i = 0; i < UB; i += W) V::store(dst + i, V::add(V::load(src + i), V::load(bias + i)));
            } else {
#pragma GCC unroll 4
              for (int i = 0; i < UB; i += W) V::store(dst + i, V::load(src + i));
            }
          } else {
#pragma GCC unroll 4
            for (int i = 0; i < UB; i += W) {
              const int k = count - i;
              V::v x = src && i < count ? V::loadk(src + i, k) : V::zero();
              if (bias && i < count) x = V::add(x, V::loadk(bias + i, k));
              V::store(dst + i, x);
            }
          }
        }
      }
    }
  }
  // The lines of h_t this chunk writes after the cell math were last read by the other threads
  // (their step t - 1 products): ask for them in exclusive state now, so that the ownership
  // round trips overlap the product instead of stalling those stores (about +3% on 2 threads).
  {
    const int64_t lo = u0 * UB, hi = (u1 * UB < H ? u1 * UB : H);
    if (a.parts > 1 && !a.byRows)
      for (int64_t b = 0; b < B; b++)
        for (int64_t j = lo; j < hi; j += 16) __builtin_prefetch(hNext + b * H + j, 1, 3);
  }
  gemmPackedT(false, b1 - b0, cols, H, 1.0f, hPrev + b0 * H, H, a.packed, np, u0 * G * UB, 1.0f, sums, cols);

  const int64_t BH = B * H;
  float* out = a.out + t * BH;
  float* c = a.c;
  const Saved& sv = a.save;
  const int64_t S = savedGatesOf(kind);
  alignas(64) float tmpC[UB], tmpH[UB], tmpS[4 * UB];
  for (int64_t b = b0; b < b1; b++) {
    const bool active = activeRow(a, t, b);
    int64_t uStart = u0;  // the blocks left to the general loop below
    if (kind == Cell::lstm && !sv.gates && active) {
      // Whole vectors two at a time (lstmPairInference); 2W divides UB or is two blocks, so what
      // is left (one block, a tail block) starts at a block: the general loop below.
      const int64_t hi = (u1 * UB < H ? u1 * UB : H) / UB * UB;  // end of the whole blocks
      int64_t j = u0 * UB;
      for (; j + 2 * W <= hi; j += 2 * W) {
        const int64_t row = b * H + j;
        const float* s = sums + (b - b0) * cols + (j / UB - u0) * G * UB + j % UB;
        const float* s1 = sums + (b - b0) * cols + ((j + W) / UB - u0) * G * UB + (j + W) % UB;
        lstmPairInference(s, s1, c + row, c + row + W, out + row, out + row + W, hNext + row, hNext + row + W);
      }
      uStart = j / UB;
    }
    for (int64_t u = uStart; u < u1; u++) {
      for (int64_t half = 0; half < UB; half += W) {
        const int64_t j = u * UB + half;
        if (j >= H) break;
        const int k = (int)(H - j < W ? H - j : W);
        const int64_t row = b * H + j;
        float* sum = sums + (b - b0) * cols + (u - u0) * G * UB + half;
        if (sv.hPrev) copyK(sv.hPrev + t * BH + row, hPrev + row, k);
        if (sv.cPrev) copyK(sv.cPrev + t * BH + row, c + row, k);
        // The step's values for these units: h straight into the output and c in place for a
        // row inside its sequence, into temporaries for one past its end (whose state stays).
        float* gRow = sv.gates ? sv.gates + (t * B + b) * S * H + j : nullptr;
        float* hDst = active ? out + row : tmpH;
        if (kind == Cell::lstm) {
          lstmFwdK<V>(k, sum, UB, c + row, active ? c + row : tmpC, hDst);  // sums <- activated gates
          if (gRow)
            for (int g = 0; g < 4; g++) copyK(gRow + g * H, sum + g * UB, k);
        } else if (kind == Cell::gru) {
          // The step's projection: given ([B, 3H]) or computed above (block layout).
          const float* x = xs ? xs + (sum - sums) : xRow + b * 3 * H + j;
          const int64_t xStride = xs ? UB : H;
          if (gRow) gruFwdK<V>(k, x, xStride, sum, UB, hPrev + row, gRow, H, hDst);
          else gruFwdK<V>(k, x, xStride, sum, UB, hPrev + row, tmpS, UB, hDst);
        } else {
          actK<V>(elmanActivation(kind), k, sum, hDst);
          if (gRow) copyK(gRow, hDst, k);  // the backward of f reads its output
        }
        if (active) {
          copyK(hNext + row, out + row, k);
        } else {
          V::storek(out + row, V::zero(), k);  // past this sequence's length: output zero, state stays
          copyK(hNext + row, hPrev + row, k);
        }
        if (sv.c) copyK(sv.c + t * BH + row, c + row, k);
      }
    }
  }
}

// Backward step s, part 2, units [j0, j1) of rows [b0, b1): dh_{t-1} = dGates_h W_hh (+ the
// GRU's direct term already in dhPrev) for the rows inside their sequence. Reads every chunk's
// part 1 of step s.
void backwardProduct(const SeqArgs& a, int64_t j0, int64_t j1, int64_t b0, int64_t b1, int s) {
  const int64_t B = a.batch, H = a.hidden, T = a.steps;
  const int64_t GH = gatesOf(a.kind) * H;
  const int64_t t = a.reverse ? s : T - 1 - s;  // the backward runs forward time in reverse
  const float* dhp = (a.dhProj ? a.dhProj : a.dxProj) + t * B * GH;
  gemmPackedT(false, b1 - b0, j1 - j0, GH, 1.0f, dhp + b0 * GH, GH, a.packed, H, j0, a.kind == Cell::gru ? 1.0f : 0.0f,
              a.dhPrev + b0 * H + j0, H);
  for (int64_t b = b0; b < b1; b++) {
    if (!activeRow(a, t, b)) continue;  // dh (and dc) carry past the end
    std::memcpy(a.dh + b * H + j0, a.dhPrev + b * H + j0, sizeof(float) * (j1 - j0));
  }
}

// Backward step s, part 1, units [j0, j1): dh += dOut_t, then the cell backward into the gate
// gradients (dc_{t-1} in place, the GRU's direct dh_{t-1} term into dhPrev); rows past their
// sequence's length get zero gate gradients and keep dh and dc. Reads only the chunk's own units
// of dh, dc and dhPrev, which its own part 2 of step s - 1 wrote.
void backwardCell(const SeqArgs& a, int64_t j0, int64_t j1, int64_t b0, int64_t b1, int s) {
  const int64_t B = a.batch, H = a.hidden, T = a.steps;
  const Cell kind = a.kind;
  const int64_t G = gatesOf(kind), GH = G * H, BH = B * H;
  const int64_t t = a.reverse ? s : T - 1 - s;
  float* dx = a.dxProj + t * B * GH;
  float* dhp = a.dhProj ? a.dhProj + t * B * GH : dx;
  float* dh = a.dh;
  const int64_t step = t * BH;
  const Saved& sv = a.save;
  const float* saved = sv.gates + t * B * savedGatesOf(kind) * H;
  for (int64_t b = b0; b < b1; b++) {
    const bool active = activeRow(a, t, b);
    const int64_t gRow = b * GH;
    for (int64_t j = j0; j < j1; j += W) {
      const int k = (int)(j1 - j < W ? j1 - j : W);
      if (!active) {
        for (int64_t g = 0; g < G; g++) {
          V::storek(dx + gRow + g * H + j, V::zero(), k);
          if (dhp != dx) V::storek(dhp + gRow + g * H + j, V::zero(), k);
        }
        continue;
      }
      const int64_t row = b * H + j;
      if (b + 2 < b1) {  // the same units two rows ahead (16 floats = one line when W = 16)
        const int64_t ahead = 2 * H;
        for (int64_t g = 0; g < savedGatesOf(kind); g++) prefetch(saved + (b + 2) * savedGatesOf(kind) * H + g * H + j);
        if (a.dOut) prefetch(a.dOut + step + row + ahead);
        if (sv.cPrev) { prefetch(sv.cPrev + step + row + ahead); prefetch(sv.c + step + row + ahead); }
        if (kind == Cell::gru) prefetch(sv.hPrev + step + row + ahead);
      }
      if (a.dOut) V::storek(dh + row, V::add(V::loadk(a.dOut + step + row, k), V::loadk(dh + row, k)), k);
      if (kind == Cell::lstm) {
        lstmBwdK<V>(k, saved + gRow + j, H, sv.cPrev + step + row, sv.c + step + row, dh + row, a.dc + row, dx + gRow + j, H,
                    a.dc + row);
      } else if (kind == Cell::gru) {
        gruBwdK<V>(k, saved + b * 4 * H + j, H, sv.hPrev + step + row, dh + row, dx + gRow + j, dhp + gRow + j, H,
                   a.dhPrev + row);
      } else {
        actBackK<V>(elmanActivation(kind), false, k, saved + row, dh + row, dx + gRow + j);
      }
    }
  }
}

// Backward phase p in [0, T] of chunk q: part 2 of step p - 1, then part 1 of step p. Part 1 of
// a step needs only the chunk's own part 2 of the step before, so one meeting per step (between
// part 1, which every chunk's part 2 reads, and part 2) is enough: T + 1 phases, not 2T.
void seqBackwardChunk(const SeqArgs& a, int q, int p) {
  int64_t u0, u1, b0, b1;
  chunkUnits(a, q, u0, u1);
  chunkRows(a, q, b0, b1);
  const int64_t j0 = u0 * UB, j1 = u1 * UB < a.hidden ? u1 * UB : a.hidden;
  if (j1 <= j0 || b1 <= b0) return;
  if (p > 0) backwardProduct(a, j0, j1, b0, b1, p - 1);
  if (p < a.steps) backwardCell(a, j0, j1, b0, b1, p);
}

// ---- the table -------------------------------------------------------------------------------

void actFwdEntry(int kind, int64_t n, const float* x, float* y) { activationForwardT<V>(kind, n, x, y); }
void actBwdEntry(int kind, int64_t n, const float* y, const float* dy, float* dx, bool acc) {
  activationBackwardT<V>(kind, n, y, dy, dx, acc);
}

IsaKernels makeTable(Isa isa) {
  IsaKernels t;
  t.isa = isa;
  t.gemm = gemmT;
  t.gemm_packed = gemmPackedT;
  t.activation_forward = actFwdEntry;
  t.activation_backward = actBwdEntry;
  t.lstm_cell_forward = lstmCellForwardT<V>;
  t.lstm_cell_backward = lstmCellBackwardT<V>;
  t.gru_cell_forward = gruCellForwardT<V>;
  t.gru_cell_backward = gruCellBackwardT<V>;
  t.seq_forward_chunk = seqForwardChunk;
  t.seq_backward_chunk = seqBackwardChunk;
  t.softmax_row = softmaxRowT<V>;
  return t;
}

}  // namespace
}  // namespace RECUR_ISA_NS
}  // namespace recur
#endif  // RECUR_ISA_NS
