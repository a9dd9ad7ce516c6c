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
