// The AVX-512 multiply-add chains of the native ceiling (peak.h): 16 independent chains of 16 lanes.
#include <immintrin.h>

#include "peak.h"

namespace recur {

namespace {
volatile float sink;
}

double fma_chains_avx512(int64_t iters) {
  // Sixteen named accumulators (an array of them is kept in memory by GCC): two FMA units of
  // 4-cycle latency need 8 chains in flight; 16 leave room for a slower second unit.
  const __m512 m = _mm512_set1_ps(0.999f), a = _mm512_set1_ps(0.0001f);
#define RECUR_ACC(i) __m512 acc##i = _mm512_set1_ps(0.001f * float(i));
  RECUR_ACC(0) RECUR_ACC(1) RECUR_ACC(2) RECUR_ACC(3) RECUR_ACC(4) RECUR_ACC(5) RECUR_ACC(6) RECUR_ACC(7)
  RECUR_ACC(8) RECUR_ACC(9) RECUR_ACC(10) RECUR_ACC(11) RECUR_ACC(12) RECUR_ACC(13) RECUR_ACC(14) RECUR_ACC(15)
#undef RECUR_ACC
  for (int64_t it = 0; it < iters; it++) {
#define RECUR_FMA(i) acc##i = _mm512_fmadd_ps(acc##i, m, a);
    RECUR_FMA(0) RECUR_FMA(1) RECUR_FMA(2) RECUR_FMA(3) RECUR_FMA(4) RECUR_FMA(5) RECUR_FMA(6) RECUR_FMA(7)
    RECUR_FMA(8) RECUR_FMA(9) RECUR_FMA(10) RECUR_FMA(11) RECUR_FMA(12) RECUR_FMA(13) RECUR_FMA(14) RECUR_FMA(15)
#undef RECUR_FMA
  }
  __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)),
                           _mm512_add_ps(_mm512_add_ps(acc4, acc5), _mm512_add_ps(acc6, acc7)));
  s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(acc8, acc9), _mm512_add_ps(acc10, acc11)),
                                     _mm512_add_ps(_mm512_add_ps(acc12, acc13), _mm512_add_ps(acc14, acc15))));
  sink = _mm512_reduce_add_ps(s);
  return 2.0 * 16 * 16 * double(iters);
}

}  // namespace recur
