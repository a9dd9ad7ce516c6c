// The native backend's thread pool (pool.cc): `threads - 1` std::threads that run the parts of
// one job at a time beside the calling thread. A job is a function and a part count; parts are
// claimed from a shared counter, the caller first (it normally runs part 0), so a part whose
// worker is still asleep is run by whoever is free: a job never waits for a sleeping thread to
// wake. Workers spin for about 2 ms (env RECUR_NATIVE_SPIN_US overrides; the wasm workers'
// default spinMs too) after each job, then park on a futex (Linux) or a condition variable, and
// are woken when the next job is posted. 2 ms, not less: a training step spends tens of
// microseconds in JavaScript between kernels, and with 50 us the workers were asleep at most
// calls, so an LSTM sequence (H 256, B 32) ran its chunks on the calling thread while they woke
// and 2 threads were no faster than 1 (2T forward 135 -> 215 GFLOP/s with workers awake). Which thread runs which part never matters for the results: kernels split
// only along outputs (kernels.h).
#pragma once
#include <atomic>
#include <cstdint>
#include "kernels.h"

namespace recur {

typedef void (*PoolJob)(void* ctx, int part, int parts);

// Runs job(ctx, p, parts) for p in [0, parts) on the pool (nullptr or one thread: in order on
// the calling thread) and returns when all parts are done. Not reentrant: one job at a time.
void pool_run(Pool* pool, int parts, PoolJob job, void* ctx);

template <class F>
inline void pool_for(Pool* pool, int parts, F& f) {
  pool_run(pool, parts, [](void* c, int p, int n) { (*static_cast<F*>(c))(p, n); }, &f);
}

// Elementwise splits: whole 16-float groups (vectors, 64-byte lines), and at least this many
// elements per part (a job round trip with awake workers costs about 1 us; an axpy of 32k floats
// takes a few). Kernels with exp, log or a division per element split from fewer.
constexpr int64_t MIN_ELEMENTS_PER_PART = 32768;
constexpr int64_t MIN_TRANSCENDENTAL_PER_PART = 4096;

// Runs f(lo, hi) over [0, n) cut into at most pool_threads(pool) ranges, inner boundaries at
// multiples of `align`, each range at least `minPerPart` long (one call on this thread when n is
// too small to split). The cut depends on the sizes and the thread count only; a kernel that
// computes each output element from its own inputs alone is bit-identical for any cut.
template <class F>
inline void pool_ranges(Pool* pool, int64_t n, int64_t minPerPart, int64_t align, F&& f) {
  if (n <= 0) return;
  if (minPerPart < align) minPerPart = align;
  int64_t parts = pool_threads(pool);
  if (parts > n / minPerPart) parts = n / minPerPart;
  if (parts <= 1) {
    f(int64_t(0), n);
    return;
  }
  const int64_t groups = (n + align - 1) / align;
  auto bound = [&](int64_t p, int64_t np) { const int64_t b = groups * p / np * align; return b < n ? b : n; };
  auto part = [&](int p, int np) {
    const int64_t lo = bound(p, np), hi = bound(p + 1, np);
    if (hi > lo) f(lo, hi);
  };
  pool_for(pool, (int)parts, part);
}

// Spin-wait hint.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

// A reusable barrier for the `parts` parts of one job (every part must call wait the same number
// of times): spins briefly, then yields the CPU (parts of one job run at the same time, so the
// wait is short unless a thread was descheduled).
struct Barrier {
  explicit Barrier(int parts) : n(parts) {}
  void wait();
  alignas(64) std::atomic<int> count{0};
  alignas(64) std::atomic<uint32_t> generation{0};
  int n;
};

}  // namespace recur
