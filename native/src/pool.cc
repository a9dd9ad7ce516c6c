// Thread pool: see pool.h.
#include "pool.h"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace recur {

namespace {

// A claim counter's part index while the job's fields are being written: above any part count.
constexpr uint64_t CLOSED = 0x7fffffffu;

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int64_t spinNs() {
  static const int64_t ns = [] {
    const char* e = std::getenv("RECUR_NATIVE_SPIN_US");
    long us = e ? std::strtol(e, nullptr, 10) : 2000;
    if (us < 0) us = 0;
    if (us > 100000) us = 100000;
    return (int64_t)us * 1000;
  }();
  return ns;
}

}  // namespace

struct Pool {
  int threads = 1;
  std::vector<std::thread> workers;
  // The job: written by the caller before `seq` is bumped (release), read by workers after.
  std::atomic<PoolJob> job{nullptr};
  std::atomic<void*> ctx{nullptr};
  std::atomic<int> parts{0};
  alignas(64) std::atomic<uint32_t> seq{0};     // job generation; the futex word workers park on
  alignas(64) std::atomic<uint64_t> claim{0};   // (generation << 32) | next part
  alignas(64) std::atomic<int> done{0};         // parts finished in this generation
  alignas(64) std::atomic<int> sleepers{0};
  std::atomic<bool> stop{false};
#ifndef __linux__
  std::mutex mu;
  std::condition_variable cv;
#endif

  void park(uint32_t seen) {
    sleepers.fetch_add(1, std::memory_order_seq_cst);
#ifdef __linux__
    if (seq.load(std::memory_order_seq_cst) == seen)
      syscall(SYS_futex, reinterpret_cast<uint32_t*>(&seq), FUTEX_WAIT_PRIVATE, seen, nullptr, nullptr, 0);
#else
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return seq.load(std::memory_order_seq_cst) != seen; });
    }
#endif
    sleepers.fetch_sub(1, std::memory_order_seq_cst);
  }

  void wakeAll() {
#ifdef __linux__
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&seq), FUTEX_WAKE_PRIVATE, INT32_MAX, nullptr, nullptr, 0);
#else
    { std::lock_guard<std::mutex> lock(mu); }
    cv.notify_all();
#endif
  }

  // Claims and runs parts of generation g until none is left.
  void runParts(uint32_t g, PoolJob fn, void* c, int n) {
    for (;;) {
      uint64_t cur = claim.load(std::memory_order_acquire);
      for (;;) {
        if ((uint32_t)(cur >> 32) != g || (int)(uint32_t)cur >= n) return;
        if (claim.compare_exchange_weak(cur, cur + 1, std::memory_order_acq_rel, std::memory_order_acquire)) break;
      }
      fn(c, (int)(uint32_t)cur, n);
      done.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  void workerLoop() {
    uint32_t seen = 0;
    for (;;) {
      uint32_t s = seq.load(std::memory_order_acquire);
      if (s == seen) {
        const int64_t until = nowNs() + spinNs();
        int spins = 0;
        while ((s = seq.load(std::memory_order_acquire)) == seen) {
          cpu_relax();
          if ((++spins & 255) == 0 && nowNs() > until) {
            park(seen);
            spins = 0;
          }
        }
      }
      seen = s;
      if (stop.load(std::memory_order_acquire)) return;
      const PoolJob fn = job.load(std::memory_order_acquire);
      void* c = ctx.load(std::memory_order_acquire);
      runParts(s, fn, c, parts.load(std::memory_order_acquire));
    }
  }
};

Pool* pool_create(int threads) {
  Pool* p = new Pool();
  p->threads = threads < 1 ? 1 : threads;
  for (int w = 1; w < p->threads; w++) p->workers.emplace_back([p] { p->workerLoop(); });
  return p;
}

void pool_destroy(Pool* pool) {
  if (!pool) return;
  pool->stop.store(true, std::memory_order_release);
  pool->seq.fetch_add(1, std::memory_order_seq_cst);
  pool->wakeAll();
  for (auto& t : pool->workers) t.join();
  delete pool;
}

int pool_threads(const Pool* pool) { return pool ? pool->threads : 1; }

void pool_run(Pool* pool, int parts, PoolJob job, void* ctx) {
  if (parts <= 0) return;
  if (!pool || pool->threads <= 1 || parts == 1) {
    for (int p = 0; p < parts; p++) job(ctx, p, parts);
    return;
  }
  const uint32_t g = pool->seq.load(std::memory_order_relaxed) + 1;
  // Close the claim counter before the job's fields change: a worker still on the previous job
  // (it read seq, then stalled) that reads any new field (acquire) also sees the counter closed
  // under the new generation, so it cannot claim a part of the new job under the old one (which
  // would run that part twice and miscount `done`).
  pool->claim.store(((uint64_t)g << 32) | CLOSED, std::memory_order_relaxed);
  pool->job.store(job, std::memory_order_release);
  pool->ctx.store(ctx, std::memory_order_release);
  pool->parts.store(parts, std::memory_order_release);
  pool->done.store(0, std::memory_order_relaxed);
  pool->claim.store((uint64_t)g << 32, std::memory_order_release);
  pool->seq.store(g, std::memory_order_seq_cst);
  if (pool->sleepers.load(std::memory_order_seq_cst) > 0) pool->wakeAll();
  pool->runParts(g, job, ctx, parts);
  int spins = 0;
  while (pool->done.load(std::memory_order_acquire) < parts) {
    cpu_relax();
    if (++spins > 4096) std::this_thread::yield();
  }
}

void Barrier::wait() {
  const uint32_t g = generation.load(std::memory_order_acquire);
  if (count.fetch_add(1, std::memory_order_acq_rel) == n - 1) {
    count.store(0, std::memory_order_relaxed);
    generation.store(g + 1, std::memory_order_release);
    return;
  }
  int spins = 0;
  while (generation.load(std::memory_order_acquire) == g) {
    cpu_relax();
    if (++spins > 20000) std::this_thread::yield();
  }
}

}  // namespace recur
