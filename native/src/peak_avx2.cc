// The AVX2 + FMA multiply-add chains of the native ceiling (peak.h): 12 independent chains of 8 lanes.
#include <immintrin.h>

#include "peak.h"

namespace recur {

namespace {
volatile float sink;
}

double fma_chains_avx2(int64_t iters) {
  // Twelve named accumulators (an array of them is kept in memory by GCC) cover two FMA units
  // of 4-cycle latency with room to spare; 12 + 2 constants fit the 16 ymm registers.
  const __m256 m = _mm256_set1_ps(0.999f), a = _mm256_set1_ps(0.0001f);
#define RECUR_ACC(i) __m256 acc##i = _mm256_set1_ps(0.001f * float(i));
  RECUR_ACC(0) RECUR_ACC(1) RECUR_ACC(2) RECUR_ACC(3) RECUR_ACC(4) RECUR_ACC(5)
  RECUR_ACC(6) RECUR_ACC(7) RECUR_ACC(8) RECUR_ACC(9) RECUR_ACC(10) RECUR_ACC(11)
#undef RECUR_ACC
  for (int64_t it = 0; it < iters; it++) {
#define RECUR_FMA(i) acc##i = _mm256_fmadd_ps(acc##i, m, a);
    RECUR_FMA(0) RECUR_FMA(1) RECUR_FMA(2) RECUR_FMA(3) RECUR_FMA(4) RECUR_FMA(5)
    RECUR_FMA(6) RECUR_FMA(7) RECUR_FMA(8) RECUR_FMA(9) RECUR_FMA(10) RECUR_FMA(11)
#undef RECUR_FMA
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)),
                           _mm256_add_ps(_mm256_add_ps(acc4, acc5), _mm256_add_ps(acc6, acc7)));
  s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(acc8, acc9), _mm256_add_ps(acc10, acc11)));
  alignas(32) float out[8];
  _mm256_store_ps(out, s);
  sink = out[0];
  return 2.0 * 8 * 12 * double(iters);
}

}  // namespace recur
