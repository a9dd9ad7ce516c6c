// The GEMM core, written once over a vector type (math.h) and included by the per-ISA files
// (gemm.cc: portable, gemm_avx2.cc, gemm_avx512.cc) inside namespace recur::RECUR_ISA_NS, so
// each instruction set gets its own copy with internal names (no cross-ISA ODR merging).
//
// GotoBLAS/BLIS loop nest: column blocks of NC, K blocks of kc = kBlock(k) <= KC (depending only
// on k), row blocks of MC with A packed in MR-row panels (in L2), B in panels of NR = 16 columns
// (one panel, kc x 16 floats = 16 KiB, in L1), and a register tile of MR rows x (P panels).
//   portable (4 lanes): 2 x 16;  AVX2 (8 lanes): 6 x 16 (12 ymm accumulators);  AVX-512: 8 x 32
//   (16 zmm accumulators; 8 rows, not 12, so that the batch sizes recurrent layers use, multiples
//   of 8, fill whole tiles: a 32-row step product computed 36 rows with 12).
// Every element of C is computed the same way whatever tile, path or thread computes it:
//   acc = 0; for p in the K block, in order: acc = fma(a(i, p), b(p, j), acc)
//   first block: C = beta == 0 ? alpha acc : beta == 1 ? fma(acc, alpha, C) : fma(acc, alpha, beta C)
//   later blocks: C = fma(acc, alpha, C)
// (fma = V::fmadd: fused on AVX2/AVX-512, multiply then add on the portable path). So gemm and
// gemm_packed give the same bits for any m (the wasm contract promises m >= 4), products of
// fewer than 4 rows (which read A in place instead of packing it, matrix-vector style) round like
// the others, B read in place (NN, few rows) like B packed, and any split of C between threads
// by rows or by 16-column panels leaves every element bit-identical.
#pragma once
#include <cstdint>
#include "cpu.h"
#include "math.h"

// Without RECUR_ISA_NS only the shared layout constants and helpers below are declared (for
// recurrent.cc, which packs W_hh in this layout but runs no loop nest of its own).

namespace recur {

// Layout constants shared by every ISA (packed buffers do not depend on the ISA).
constexpr int64_t GEMM_NR = 16;    // columns per packed B panel
constexpr int64_t GEMM_KC = 256;   // deepest K block
constexpr int64_t GEMM_NC = 2048;  // columns per block of B packed per call

inline int64_t gemmKBlock(int64_t k) {
  const int64_t blocks = (k + GEMM_KC - 1) / GEMM_KC;
  return (k + blocks - 1) / blocks;
}
inline int64_t roundUpTo(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

// Thread-local 64-byte aligned scratch that grows as needed (gemm.cc). Slots: 0 packed A,
// 1 packed B, 2 and 3 for the recurrent kernels.
float* thread_scratch(int slot, int64_t floats);
// packB of the portable path (gemm.cc), for gemm_pack_b and recurrent_pack: columns [0, width) of
// rows [0, kc) of a matrix with element (p, j) at src[p * sp + j * sj], as 16-column panels.
void pack_b_panels(float* dst, const float* src, int64_t sp, int64_t sj, int64_t kc, int64_t width);

}  // namespace recur

#ifdef RECUR_ISA_NS
#ifndef RECUR_V
#error "define RECUR_V (a vector type of math.h) with RECUR_ISA_NS before including gemm_impl.h"
#endif
namespace recur {
namespace RECUR_ISA_NS {
namespace {

typedef RECUR_V V;
typedef V::v vec;
constexpr int W = V::W;
constexpr int NV = (int)GEMM_NR / W;  // vectors per panel row
// Register tile: MR rows x TP panels.
constexpr int MR = W == 4 ? 2 : W == 8 ? 6 : 8;
constexpr int TP = W == 16 ? 2 : 1;
constexpr int64_t MC = (96 + MR - 1) / MR * MR;
// Panels per kernel call when A is read in place (R = 1, 2, 3 rows).
constexpr int directPanels(int rows) { return W == 4 ? (rows == 1 ? 2 : 1) : W == 8 ? (rows == 1 ? 4 : 2) : (rows == 1 ? 8 : 4); }

inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }

// One tile: C[0..rows, 0..cols) = alpha * A B + beta * C over kc steps, with
//   A: packed (PA: kc steps of R floats) or in place (element (r, p) at a[r * ars + p * acs]);
//   B: P panels, panel q at b + q * pstride, row p of a panel at + p * brs (16 for packed panels,
//      ldb when B is read in place).
// Not inlined: register allocation per tile, not across blocked()'s whole body, where GCC 12 once
// spilled the B vectors of the 8 x 32 AVX-512 tile to the stack inside the k loop (gemmPacked
// 200 -> 110 GFLOP/s after an unrelated change to packA).
template <int R, int P, bool PA>
__attribute__((noinline)) void tile(int64_t kc, const float* a, int64_t ars, int64_t acs, const float* b,
                                                int64_t pstride, int64_t brs, float* c, int64_t ldc, int rows, int cols,
                                                float alpha, float beta) {
  vec acc[R][P * NV];
#pragma GCC unroll 64
  for (int r = 0; r < R; r++)
#pragma GCC unroll 64
    for (int j = 0; j < P * NV; j++) acc[r][j] = V::zero();
  const float* pb = b;
  const float* pa = a;
  for (int64_t p = 0; p < kc; p++) {
    vec bv[P * NV];
#pragma GCC unroll 64
    for (int q = 0; q < P; q++)
#pragma GCC unroll 64
      for (int u = 0; u < NV; u++) bv[q * NV + u] = V::load(pb + q * pstride + u * W);
#pragma GCC unroll 64
    for (int r = 0; r < R; r++) {
      const vec av = PA ? V::bcast(pa + r) : V::bcast(pa + r * ars);
#pragma GCC unroll 64
      for (int j = 0; j < P * NV; j++) acc[r][j] = V::fmadd(av, bv[j], acc[r][j]);
    }
    pb += brs;
    pa += PA ? R : acs;
  }
  const vec va = V::set1(alpha);
  const vec vb = V::set1(beta);
#pragma GCC unroll 64
  for (int r = 0; r < R; r++) {
    if (r >= rows) break;
    float* cr = c + r * ldc;
#pragma GCC unroll 64
    for (int j = 0; j < P * NV; j++) {
      const int col = j * W;  // panels are contiguous in C: panel q covers columns 16q .. 16q+15
      if (col >= cols) break;
      const int kk = cols - col < W ? cols - col : W;
      vec res;
      if (beta == 0.0f) res = V::mul(acc[r][j], va);
      else if (beta == 1.0f) res = V::fmadd(acc[r][j], va, V::loadk(cr + col, kk));
      else res = V::fmadd(acc[r][j], va, V::mul(V::loadk(cr + col, kk), vb));
      V::storek(cr + col, res, kk);
    }
  }
}

// Packs rows [0, rows) (< MR: zero rows after) of op(A) (element (i, p) at src[i * si + p * sp])
// for kc steps into MR-row panels: dst[panel][p * MR + r].
inline void packA(float* dst, const float* src, int64_t si, int64_t sp, int64_t kc, int64_t rows) {
  if (si == 1 && sp != 1) {
    // A stored transposed: step p's elements of every row sit side by side, so walk p outermost
    // and copy MR at a time into each panel. (Panel by panel, each step read 32 bytes from its
    // own 4 KiB-apart row: packing took 40% of a 1024 x 65 x 2048 weight-gradient product.)
    const int64_t full = rows / MR * MR;
    for (int64_t p = 0; p < kc; p++) {
      const float* s = src + p * sp;
      float* d = dst + p * MR;
      int64_t q = 0;
      for (; q < full; q += MR, d += kc * MR) std::memcpy(d, s + q, sizeof(float) * MR);
      if (q < rows)
        for (int r = 0; r < MR; r++) d[r] = q + r < rows ? s[q + r] : 0.0f;
    }
    return;
  }
  for (int64_t q = 0; q < rows; q += MR) {
    const int64_t valid = imin(MR, rows - q);
    const float* s = src + q * si;
    if (valid == MR && sp == 1) {
      for (int64_t p = 0; p < kc; p++) {
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++) dst[p * MR + r] = s[r * si + p];
      }
    } else if (valid == MR && si == 1) {
      for (int64_t p = 0; p < kc; p++) {
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++) dst[p * MR + r] = s[p * sp + r];
      }
    } else {
      for (int64_t p = 0; p < kc; p++)
        for (int r = 0; r < MR; r++) dst[p * MR + r] = r < valid ? s[r * si + p * sp] : 0.0f;
    }
    dst += kc * MR;
  }
}

// Packs columns [0, width) of op(B) rows [0, kc) (element (p, j) at src[p * sp + j * sj]) into
// 16-column panels (kc x 16, zero past width).
inline void packB(float* dst, const float* src, int64_t sp, int64_t sj, int64_t kc, int64_t width) {
  for (int64_t q = 0; q * GEMM_NR < width; q++) {
    const int64_t valid = imin(GEMM_NR, width - q * GEMM_NR);
    const float* s = src + q * GEMM_NR * sj;
    float* d = dst + q * kc * GEMM_NR;
    if (valid == GEMM_NR && sj == 1) {
      for (int64_t p = 0; p < kc; p++) {
        V::store(d + p * GEMM_NR, V::load(s + p * sp));
        if (NV > 1)
          for (int u = 1; u < NV; u++) V::store(d + p * GEMM_NR + u * W, V::load(s + p * sp + u * W));
      }
    } else if (sp == 1) {
      // Column j contiguous along p (B stored transposed): 4 x 4 blocks (4 columns by 4 steps)
      // transposed in registers, then the remaining steps and a partial panel element by
      // element. (Element by element throughout, packing a 1024 x 256 W^T took 90 us, so a
      // matrix-vector product x W^T ran 4x slower than on wasm.)
      typedef float f4 __attribute__((vector_size(16)));
      typedef int32_t i4 __attribute__((vector_size(16)));
      int64_t p0 = 0;
      if (valid == GEMM_NR) {
        for (; p0 + 4 <= kc; p0 += 4) {
          for (int64_t w = 0; w < GEMM_NR; w += 4) {
            f4 r0, r1, r2, r3;  // columns w .. w+3, steps p0 .. p0+3
            std::memcpy(&r0, s + (w + 0) * sj + p0, 16);
            std::memcpy(&r1, s + (w + 1) * sj + p0, 16);
            std::memcpy(&r2, s + (w + 2) * sj + p0, 16);
            std::memcpy(&r3, s + (w + 3) * sj + p0, 16);
            const f4 t0 = __builtin_shuffle(r0, r1, i4{0, 4, 1, 5});
            const f4 t1 = __builtin_shuffle(r2, r3, i4{0, 4, 1, 5});
            const f4 t2 = __builtin_shuffle(r0, r1, i4{2, 6, 3, 7});
            const f4 t3 = __builtin_shuffle(r2, r3, i4{2, 6, 3, 7});
            const f4 o0 = __builtin_shuffle(t0, t1, i4{0, 1, 4, 5});
            const f4 o1 = __builtin_shuffle(t0, t1, i4{2, 3, 6, 7});
            const f4 o2 = __builtin_shuffle(t2, t3, i4{0, 1, 4, 5});
            const f4 o3 = __builtin_shuffle(t2, t3, i4{2, 3, 6, 7});
            std::memcpy(d + (p0 + 0) * GEMM_NR + w, &o0, 16);
            std::memcpy(d + (p0 + 1) * GEMM_NR + w, &o1, 16);
            std::memcpy(d + (p0 + 2) * GEMM_NR + w, &o2, 16);
            std::memcpy(d + (p0 + 3) * GEMM_NR + w, &o3, 16);
          }
        }
      }
      for (int64_t w = 0; w < GEMM_NR; w++) {
        if (w < valid) {
          const float* col = s + w * sj;
          for (int64_t p = p0; p < kc; p++) d[p * GEMM_NR + w] = col[p];
        } else {
          for (int64_t p = p0; p < kc; p++) d[p * GEMM_NR + w] = 0.0f;
        }
      }
    } else {
      for (int64_t p = 0; p < kc; p++)
        for (int64_t w = 0; w < GEMM_NR; w++) d[p * GEMM_NR + w] = w < valid ? s[p * sp + w * sj] : 0.0f;
    }
  }
}

// C = beta * C (zeros for beta = 0, C not read).
inline void scaleC(int64_t m, int64_t n, float beta, float* c, int64_t ldc) {
  if (beta == 1.0f) return;
  for (int64_t i = 0; i < m; i++) {
    float* row = c + i * ldc;
    if (beta == 0.0f) std::memset(row, 0, sizeof(float) * n);
    else for (int64_t j = 0; j < n; j++) row[j] = beta * row[j];
  }
}

// Fewer than 4 rows: A read in place, every row of the block at once.
template <int R>
inline void directRows(int64_t nc, int64_t kc, const float* a, int64_t aRow, int64_t aCol, const float* bBlock,
                       int64_t pstride, int64_t brs, float* c, int64_t ldc, float alpha, float beta) {
  constexpr int P = directPanels(R);
  int64_t jr = 0;
  for (; jr + P * GEMM_NR <= nc; jr += P * GEMM_NR)
    tile<R, P, false>(kc, a, aRow, aCol, bBlock + (jr / GEMM_NR) * pstride, pstride, brs, c + jr, ldc, R, P * GEMM_NR,
                      alpha, beta);
  for (; jr < nc; jr += GEMM_NR)
    tile<R, 1, false>(kc, a, aRow, aCol, bBlock + (jr / GEMM_NR) * pstride, pstride, brs, c + jr, ldc, R,
                      (int)imin(GEMM_NR, nc - jr), alpha, beta);
}

// The loop nest. B is either packed here (packed == nullptr, bIn: element (p, j) at
// b[p * bRow + j * bCol]; read in place when inPlaceB), or pre-packed (gemm_pack_b /
// recurrent_pack layout, np = the packed matrix's columns rounded up to 16, j0 its first column here).
void blocked(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t aRow, int64_t aCol, const float* b,
             int64_t bRow, int64_t bCol, bool inPlaceB, const float* packed, int64_t np, int64_t j0, float beta,
             float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.0f) {
    scaleC(m, n, beta, c, ldc);
    return;
  }
  const int64_t kStep = gemmKBlock(k);
  const bool direct = m < 4;
  float* wa = direct ? nullptr : thread_scratch(0, roundUpTo(imin(m, MC), MR) * kStep);
  float* wb = packed ? nullptr : thread_scratch(1, kStep * roundUpTo(imin(n, GEMM_NC), GEMM_NR));
  for (int64_t jc = 0; jc < n; jc += GEMM_NC) {
    const int64_t nc = imin(GEMM_NC, n - jc);
    for (int64_t pc = 0; pc < k; pc += kStep) {
      const int64_t kc = imin(kStep, k - pc);
      const float betaBlock = pc == 0 ? beta : 1.0f;
      // The B block: panels pstride floats apart, rows brs floats apart.
      const float* blockB;
      int64_t pstride = kc * GEMM_NR, brs = GEMM_NR;
      int64_t fullCols = nc;  // columns [0, fullCols) from blockB; the rest (in-place B) from wb
      if (packed) {
        blockB = packed + pc * np + ((j0 + jc) / GEMM_NR) * kc * GEMM_NR;
      } else if (inPlaceB) {
        blockB = b + pc * bRow + jc;
        pstride = GEMM_NR;
        brs = bRow;
        fullCols = nc / GEMM_NR * GEMM_NR;
        if (fullCols < nc) packB(wb, b + pc * bRow + jc + fullCols, bRow, 1, kc, nc - fullCols);
      } else {
        packB(wb, b + pc * bRow + jc * bCol, bRow, bCol, kc, nc);
        blockB = wb;
      }
      float* cBlock = c + jc;
      if (direct) {
        const float* ap = a + pc * aCol;
        if (fullCols > 0) {
          if (m == 1) directRows<1>(fullCols, kc, ap, aRow, aCol, blockB, pstride, brs, cBlock, ldc, alpha, betaBlock);
          else if (m == 2) directRows<2>(fullCols, kc, ap, aRow, aCol, blockB, pstride, brs, cBlock, ldc, alpha, betaBlock);
          else directRows<3>(fullCols, kc, ap, aRow, aCol, blockB, pstride, brs, cBlock, ldc, alpha, betaBlock);
        }
        if (fullCols < nc) {
          const int64_t rest = nc - fullCols;
          if (m == 1) directRows<1>(rest, kc, ap, aRow, aCol, wb, kc * GEMM_NR, GEMM_NR, cBlock + fullCols, ldc, alpha, betaBlock);
          else if (m == 2) directRows<2>(rest, kc, ap, aRow, aCol, wb, kc * GEMM_NR, GEMM_NR, cBlock + fullCols, ldc, alpha, betaBlock);
          else directRows<3>(rest, kc, ap, aRow, aCol, wb, kc * GEMM_NR, GEMM_NR, cBlock + fullCols, ldc, alpha, betaBlock);
        }
        continue;
      }
      for (int64_t ic = 0; ic < m; ic += MC) {
        const int64_t mc = imin(MC, m - ic);
        packA(wa, a + ic * aRow + pc * aCol, aRow, aCol, kc, mc);
        float* cRows = cBlock + ic * ldc;
        for (int64_t jr = 0; jr < nc; jr += TP * GEMM_NR) {
          const bool inWb = jr >= fullCols;
          const float* pb = inWb ? wb + ((jr - fullCols) / GEMM_NR) * kc * GEMM_NR : blockB + (jr / GEMM_NR) * pstride;
          const int64_t ps = inWb ? kc * GEMM_NR : pstride;
          const int64_t rs = inWb ? GEMM_NR : brs;
          const int64_t left = (inWb ? nc : fullCols) - jr;
          if (TP > 1 && left >= TP * GEMM_NR) {
            for (int64_t ir = 0; ir < mc; ir += MR)
              tile<MR, TP, true>(kc, wa + (ir / MR) * kc * MR, 0, 0, pb, ps, rs, cRows + ir * ldc + jr, ldc,
                                 (int)imin(MR, mc - ir), (int)(TP * GEMM_NR), alpha, betaBlock);
          } else {
            // One panel (the only width when TP = 1); with TP > 1 step back to panel steps.
            const int64_t w1 = imin(GEMM_NR, left);
            for (int64_t ir = 0; ir < mc; ir += MR)
              tile<MR, 1, true>(kc, wa + (ir / MR) * kc * MR, 0, 0, pb, ps, rs, cRows + ir * ldc + jr, ldc,
                                (int)imin(MR, mc - ir), (int)w1, alpha, betaBlock);
            if (TP > 1) jr += GEMM_NR - TP * GEMM_NR;  // advance by one panel only
          }
        }
      }
    }
  }
}

// ---- the table entries ----------------------------------------------------------------------

void gemmT(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  const int64_t aRow = transA ? 1 : lda, aCol = transA ? lda : 1;
  const int64_t bRow = transB ? 1 : ldb, bCol = transB ? ldb : 1;
  // B read in place when it is stored row-major and too few rows of A reuse a packed copy (at
  // most two row tiles). Not for more: rows of B ldb floats apart (ldb often a multiple of 1024)
  // fall into the same L1 sets, and a 256x1024x256 product ran 30% slower in place than packed.
  const bool inPlace = !transB && m <= 2 * MR;
  blocked(m, n, k, alpha, a, aRow, aCol, b, bRow, bCol, inPlace, nullptr, 0, 0, beta, c, ldc);
}

void gemmPackedT(bool transA, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                 const float* packed, int64_t nTotal, int64_t j0, float beta, float* c, int64_t ldc) {
  const int64_t aRow = transA ? 1 : lda, aCol = transA ? lda : 1;
  blocked(m, n, k, alpha, a, aRow, aCol, nullptr, 0, 0, false, packed, roundUpTo(nTotal, GEMM_NR), j0, beta, c, ldc);
}

}  // namespace
}  // namespace RECUR_ISA_NS
}  // namespace recur
#endif  // RECUR_ISA_NS
