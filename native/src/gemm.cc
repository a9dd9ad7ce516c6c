// GEMM: the portable path, the dispatch to the active instruction set, the split of C between
// threads, and packing (gemm_impl.h holds the loop nest and the tiles). This file also builds
// the portable table of every kernel family (recurrent_impl.h's makeTable): one instantiation per
// ISA file (here, gemm_avx2.cc, gemm_avx512.cc) holds all of that ISA's kernels.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")  // see math.h
#endif
#include <cstdlib>
#include <cstring>
#include <new>

#include "kernels.h"
#include "pool.h"

#define RECUR_ISA_NS portable_isa
#define RECUR_V VPortable
#include "gemm_impl.h"
#include "recurrent_impl.h"

namespace recur {

// ---- scratch -------------------------------------------------------------------------------

namespace {
struct Scratch {
  float* p[4] = {nullptr, nullptr, nullptr, nullptr};
  int64_t n[4] = {0, 0, 0, 0};
  ~Scratch() {
    for (float* q : p) std::free(q);
  }
};
thread_local Scratch tlsScratch;
}  // namespace

float* thread_scratch(int slot, int64_t floats) {
  Scratch& s = tlsScratch;
  if (floats > s.n[slot]) {
    std::free(s.p[slot]);
    // Round up so that slowly growing requests do not reallocate every time.
    int64_t want = floats + floats / 4 + 64;
    want = (want + 15) / 16 * 16;
    s.p[slot] = static_cast<float*>(std::aligned_alloc(64, (size_t)want * sizeof(float)));
    if (!s.p[slot]) throw std::bad_alloc();
    s.n[slot] = want;
  }
  return s.p[slot];
}

void pack_b_panels(float* dst, const float* src, int64_t sp, int64_t sj, int64_t kc, int64_t width) {
  portable_isa::packB(dst, src, sp, sj, kc, width);
}

const IsaKernels* kernels_portable() {
  static const IsaKernels t = portable_isa::makeTable(Isa::portable);
  return &t;
}

// The ISA libraries are only built on x86 and only when their files exist (binding.gyp defines
// RECUR_HAVE_<ISA> then); otherwise those paths do not exist and cpu.cc never selects them.
#ifndef RECUR_HAVE_AVX2
const IsaKernels* kernels_avx2() { return nullptr; }
#endif
#ifndef RECUR_HAVE_AVX512
const IsaKernels* kernels_avx512() { return nullptr; }
#endif

// ---- threads: split C by rows or 16-column panels ----------------------------------------------

namespace {

// Below this many FLOPs per part a GEMM stays on one thread (a job round trip with spinning
// workers costs well under a microsecond; each part also repeats packing of the shared operand).
constexpr double GEMM_MIN_FLOPS_PER_PART = 150000;
constexpr int64_t ROW_ALIGN = 24;  // a multiple of every ISA's MR (2, 6, 8)

// Boundaries of at most `parts` ranges of [0, n), inner ones multiples of align.
int splitRange(int64_t n, int parts, int64_t align, int64_t* bounds) {
  int64_t units = (n + align - 1) / align;
  if (parts > units) parts = (int)units;
  if (parts < 1) parts = 1;
  bounds[0] = 0;
  for (int i = 1; i < parts; i++) bounds[i] = (units * i / parts) * align;
  bounds[parts] = n;
  return parts;
}

struct GemmJob {
  bool transA, transB, packedB, byRows;
  int64_t m, n, k, lda, ldb, ldc, nTotal;
  float alpha, beta;
  const float *a, *b;
  float* c;
  int64_t bounds[65];
  const IsaKernels* kt;
};

void runGemmPart(void* ctx, int part, int) {
  const GemmJob& g = *static_cast<const GemmJob*>(ctx);
  const int64_t lo = g.bounds[part], hi = g.bounds[part + 1];
  if (hi <= lo) return;
  if (g.byRows) {
    const float* a = g.transA ? g.a + lo : g.a + lo * g.lda;
    if (g.packedB) g.kt->gemm_packed(g.transA, hi - lo, g.n, g.k, g.alpha, a, g.lda, g.b, g.nTotal, 0, g.beta, g.c + lo * g.ldc, g.ldc);
    else g.kt->gemm(g.transA, g.transB, hi - lo, g.n, g.k, g.alpha, a, g.lda, g.b, g.ldb, g.beta, g.c + lo * g.ldc, g.ldc);
  } else {
    if (g.packedB) {
      g.kt->gemm_packed(g.transA, g.m, hi - lo, g.k, g.alpha, g.a, g.lda, g.b, g.nTotal, lo, g.beta, g.c + lo, g.ldc);
    } else {
      const float* b = g.transB ? g.b + lo * g.ldb : g.b + lo;
      g.kt->gemm(g.transA, g.transB, g.m, hi - lo, g.k, g.alpha, g.a, g.lda, b, g.ldb, g.beta, g.c + lo, g.ldc);
    }
  }
}

void runGemm(Pool* pool, GemmJob& g) {
  int threads = pool_threads(pool);
  if (threads > 64) threads = 64;
  const double flops = 2.0 * (double)g.m * (double)g.n * (double)g.k;
  int parts = (int)(flops / GEMM_MIN_FLOPS_PER_PART);
  if (parts > threads) parts = threads;
  if (parts <= 1 || g.m <= 0 || g.n <= 0) {
    g.byRows = true;
    g.bounds[0] = 0;
    g.bounds[1] = g.m;
    runGemmPart(&g, 0, 1);
    return;
  }
  // Split the dimension whose shared operand is cheaper to repack: every part packs all of the
  // other one (rows: all of B, k x n; columns: all of A, m x k). So columns when B is pre-packed
  // (each thread then streams only its share of the weights) or A is the smaller: a 65 x 256 x
  // 2048 weight gradient split by rows (24 + 41 rows, each part packing all 2 MB of B) ran 1.04x
  // faster on 2 threads than on 1.
  int got;
  const bool cols = g.packedB || g.m < 4 || g.m < g.n;
  if (cols) {
    got = splitRange(g.n, parts, GEMM_NR, g.bounds);
    g.byRows = false;
    if (got < 2 && g.m >= 2 * ROW_ALIGN && !g.packedB) {
      got = splitRange(g.m, parts, ROW_ALIGN, g.bounds);
      g.byRows = true;
    }
  } else {
    got = splitRange(g.m, parts, ROW_ALIGN, g.bounds);
    g.byRows = true;
    if (got < 2) {
      got = splitRange(g.n, parts, GEMM_NR, g.bounds);
      g.byRows = false;
    }
  }
  if (got < 2) {
    runGemmPart(&g, 0, 1);
    return;
  }
  pool_run(pool, got, runGemmPart, &g);
}

}  // namespace

void gemm(Pool* pool, bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  GemmJob g;
  g.transA = transA; g.transB = transB; g.packedB = false;
  g.m = m; g.n = n; g.k = k; g.lda = lda; g.ldb = ldb; g.ldc = ldc; g.nTotal = 0;
  g.alpha = alpha; g.beta = beta; g.a = a; g.b = b; g.c = c;
  g.kt = &active_kernels();
  runGemm(pool, g);
}

int64_t gemm_packed_size(int64_t k, int64_t n) { return k * roundUpTo(n, GEMM_NR); }

void gemm_pack_b(bool transB, int64_t k, int64_t n, const float* b, int64_t ldb, float* packed) {
  if (k <= 0 || n <= 0) return;
  const int64_t bRow = transB ? 1 : ldb, bCol = transB ? ldb : 1;
  const int64_t kStep = gemmKBlock(k), np = roundUpTo(n, GEMM_NR);
  for (int64_t pc = 0; pc < k; pc += kStep) {
    const int64_t kc = kStep < k - pc ? kStep : k - pc;
    pack_b_panels(packed + pc * np, b + pc * bRow, bRow, bCol, kc, n);
  }
}

void gemm_packed(Pool* pool, bool transA, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                 const float* packed, float beta, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  GemmJob g;
  g.transA = transA; g.transB = false; g.packedB = true;
  g.m = m; g.n = n; g.k = k; g.lda = lda; g.ldb = 0; g.ldc = ldc; g.nTotal = n;
  g.alpha = alpha; g.beta = beta; g.a = a; g.b = packed; g.c = c;
  g.kt = &active_kernels();
  runGemm(pool, g);
}

}  // namespace recur
