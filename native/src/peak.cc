// The native multiply-add ceiling (peak.h): the portable chains, and the timing of the active
// instruction set's chains on every thread of a pool at once.
#include "peak.h"

#include <chrono>

#include "pool.h"

namespace recur {

namespace {
volatile float sink;
}

// Baseline x86-64 (SSE2): the compiler vectorises the 32 lanes below into 8 registers of 4;
// without FMA a multiply-add is a multiply then an add (2 operations, counted as 2 flops).
double fma_chains_portable(int64_t iters) {
  float acc[32];
  for (int i = 0; i < 32; i++) acc[i] = 0.001f * float(i);
  const float m = 0.999f, a = 0.0001f;
  for (int64_t it = 0; it < iters; it++) {
    for (int i = 0; i < 32; i++) acc[i] = acc[i] * m + a;
  }
  float s = 0;
  for (int i = 0; i < 32; i++) s += acc[i];
  sink = s;
  return 2.0 * 32 * double(iters);
}

#ifndef RECUR_HAVE_AVX2
double fma_chains_avx2(int64_t iters) { return fma_chains_portable(iters); }
#endif
#ifndef RECUR_HAVE_AVX512
double fma_chains_avx512(int64_t iters) { return fma_chains_avx2(iters); }
#endif

namespace {
struct CeilingJob {
  double (*chains)(int64_t);
  int64_t iters;
  double gflops[256];
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

double fma_ceiling(Pool* pool, double seconds) {
  CeilingJob job{};
  const Isa isa = isa_active();
  job.chains = isa == Isa::avx512 ? fma_chains_avx512 : isa == Isa::avx2 ? fma_chains_avx2 : fma_chains_portable;
  // Calibrate on this thread: rounds per second.
  int64_t iters = 1 << 14;
  for (;;) {
    const auto t0 = std::chrono::steady_clock::now();
    job.chains(iters);
    const double s = seconds_since(t0);
    if (s > 0.01 || iters > (int64_t(1) << 40)) {
      job.iters = int64_t(double(iters) * seconds / s) + 1;
      break;
    }
    iters *= 4;
  }
  const int threads = pool_threads(pool) < 256 ? pool_threads(pool) : 256;
  auto part = [&](int p, int) {
    const auto t0 = std::chrono::steady_clock::now();
    const double flops = job.chains(job.iters);
    job.gflops[p] = flops / seconds_since(t0) / 1e9;
  };
  pool_for(pool, threads, part);
  double total = 0;
  for (int p = 0; p < threads; p++) total += job.gflops[p];
  return total;
}

}  // namespace recur
