// Whole recurrent sequences (Backend.recurrentSequence / recurrentSequenceBackward): W_hh packing,
// how a call is cut into chunks, and the threads that run them, one phase per step (the
// backward one more: recurrent_impl.h's seqBackwardChunk). The chunk kernels themselves are
// recurrent_impl.h's, per ISA. A batch of 16 rows or more is cut by rows (sequenceRowParts):
// each part then runs all its phases alone. Otherwise the hidden units are cut, and the parts
// meet after every phase:
//
// Synchronisation follows the wasm backend's (src/kernels/assembly/recurrent.ts): every chunk has
// a claim word (phases claimed) and a done word (phases finished). A thread runs its own chunk of
// phase s, then waits until every chunk of phase s is done: a barrier per phase (as pool.h's
// Barrier). Unlike the wasm kernels, a thread runs another chunk itself only while that chunk's
// part has not started at all (its worker still asleep in the pool): once started, its owner is
// at most a cross-core round trip behind, and taking its chunks over then made every chunk of
// a small step run on the fastest thread while the other polled the same cache lines (an Elman
// step of B 8, H 64 ran 4x slower on 2 threads than on 1). A late worker thus slows a sequence
// down to one thread's speed but never stalls it. Which thread runs a chunk never changes bits.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")  // see math.h
#endif
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>

#include "cpu.h"
#include "gemm_impl.h"
#include "kernels.h"
#include "pool.h"
#include "recurrent_impl.h"

namespace recur {

int64_t recurrent_packed_size(int64_t gates, int64_t hidden) { return hidden * gates * roundUpTo(hidden, GEMM_NR); }

// op(B) = W^T [K, G*H] of a weight W [G*H, K] (W_hh: K = H; W_ih: K = the input size) in
// gemm_pack_b's K blocks, with panel u * G + g = gate g of units 16u .. 16u+15 (zero past H), so
// that a chunk of unit blocks owns contiguous panels.
static void packBlocks(int64_t gates, int64_t hidden, int64_t k, const float* w, float* packed) {
  const int64_t H = hidden, G = gates, np = G * roundUpTo(H, GEMM_NR);
  if (H <= 0 || G <= 0 || k <= 0) return;
  const int64_t kStep = gemmKBlock(k);
  for (int64_t pc = 0; pc < k; pc += kStep) {
    const int64_t kc = kStep < k - pc ? kStep : k - pc;
    float* block = packed + pc * np;
    for (int64_t u = 0; u * GEMM_NR < H; u++) {
      const int64_t width = H - u * GEMM_NR < GEMM_NR ? H - u * GEMM_NR : GEMM_NR;
      for (int64_t g = 0; g < G; g++) {
        // Element (p, j) of this panel is W[g * H + 16u + j, pc + p].
        pack_b_panels(block + (u * G + g) * kc * GEMM_NR, w + (g * H + u * GEMM_NR) * k + pc, 1, k, kc, width);
      }
    }
  }
}

void recurrent_pack(int64_t gates, int64_t hidden, const float* w, float* packed) { packBlocks(gates, hidden, hidden, w, packed); }

namespace {

// How finely a sequence is split. Every step, each part reads the whole h_{t-1} that all parts
// wrote (and its own slice of it was read by all the others), so a step costs each part cache
// lines fetched from other cores, about B H / 16 of them, besides its share of the
// B G H^2 multiply-adds: the ratio is 16 G H / parts multiply-adds per line, whatever B. On a
// 2-core Zen 5 VM (2 threads against 1, T 32, B 1 to 64, saving):
//   Elman H 64 / 128: 0.3x - 0.7x    Elman H 256: 0.8x - 1.1x    Elman H 512: 1.1x - 1.9x
//   LSTM  H 64 / 128: 0.4x - 1.0x    LSTM  H 256: 1.2x - 2.0x    LSTM  H 512: 1.5x - 1.7x
// So a part needs at least 128 hidden units and 256 gate columns (G H / parts), and at least
// SEQ_MIN_MACS_PER_PART multiply-adds per step. (The wasm kernels split from 2k multiply-adds
// per part; their threads share a memory the same way, their arithmetic is 4x slower.)
constexpr int64_t SEQ_MIN_MACS_PER_PART = 16384;
// Splitting the batch instead (byRows) needs no meeting at all: each part runs its own rows
// through every step, at the price of streaming all of W_hh from L2/L3 every step rather than
// keeping its share in its core's L2. From 8 rows per part (one register tile of the GEMM) that
// is much the better split. 2 threads, T 64, training forward / backward, GFLOP/s, rows : units:
//   LSTM H 256 B 32: 284 / 279 : 185 / 198     LSTM H 512 B 32: 319 / 329 : 283 / 278
//   LSTM H 256 B 64: 290 / 278 : 200 / 206     LSTM H 128 B 16: 232 / 249 : 152 / 164
//   GRU  H 256 B 32: 268 / 248 : 168 / 169     Elman H 256 B 32: 259 / 293 : 153 / 166
//   LSTM H 64 B 16: 107 / 145 : 113 / 131      (one thread: 150 / 155 at H 256 B 32)
// A part must also hold SEQ_MIN_MACS_PER_ROW_PART multiply-adds over the whole sequence (a job
// round trip costs about a microsecond).
constexpr int64_t SEQ_MIN_ROWS_PER_PART = 8;
constexpr int64_t SEQ_MIN_MACS_PER_ROW_PART = 65536;
constexpr int64_t SEQ_MIN_UNITS_PER_PART = 128;
// A part projects each step's input itself (recurrent_impl.h) from this many rows: a step's
// product then reads all of W_ih for them, which from 8 rows (a register tile) costs less than
// writing and reading back a [T, B, G*H] projection. LSTM 64 -> 256, T 100, ms per sequence
// batch, all steps projected first : each step projected by the part:
//   1 thread:  B 1 1.14 : 1.52   B 2 1.64 : 2.00   B 4 2.49 : 2.96   B 8 3.27 : 3.03   B 16 6.35 : 6.06
//   2 threads: B 1 0.86 : 0.92   B 8 2.40 : 2.22   B 16 3.77 : 3.53   B 32 7.71 : 6.89   (B 64, 1 thread: about 9%)
constexpr int64_t SEQ_MIN_ROWS_TO_PROJECT = 8;
constexpr int64_t SEQ_MIN_COLUMNS_PER_PART = 256;
constexpr int MAX_PARTS = 64;

int sequenceParts(Pool* pool, int64_t batch, int64_t gates, int64_t hidden) {
  const int64_t blocks = (hidden + GEMM_NR - 1) / GEMM_NR;
  int64_t parts = pool_threads(pool);
  if (parts > blocks) parts = blocks;
  const int64_t byWork = batch * gates * hidden * hidden / SEQ_MIN_MACS_PER_PART;
  if (parts > byWork) parts = byWork;
  if (parts > hidden / SEQ_MIN_UNITS_PER_PART) parts = hidden / SEQ_MIN_UNITS_PER_PART;
  if (parts > gates * hidden / SEQ_MIN_COLUMNS_PER_PART) parts = gates * hidden / SEQ_MIN_COLUMNS_PER_PART;
  if (parts > MAX_PARTS) parts = MAX_PARTS;
  return parts < 1 ? 1 : (int)parts;
}

// Parts of a split by batch rows (1: split the units instead, or not at all).
int sequenceRowParts(Pool* pool, int64_t steps, int64_t batch, int64_t gates, int64_t hidden) {
  int64_t parts = pool_threads(pool);
  if (parts > batch / SEQ_MIN_ROWS_PER_PART) parts = batch / SEQ_MIN_ROWS_PER_PART;
  const double macs = double(steps) * double(batch) * double(gates) * double(hidden) * double(hidden);  // no overflow
  if (double(parts) > macs / SEQ_MIN_MACS_PER_ROW_PART) parts = (int64_t)(macs / SEQ_MIN_MACS_PER_ROW_PART);
  if (parts > MAX_PARTS) parts = MAX_PARTS;
  return parts < 1 ? 1 : (int)parts;
}

struct alignas(64) Slot {
  std::atomic<int> claim{0};
  std::atomic<int> started{0};  // the part has begun (its thread runs the chunk from now on)
  char pad[56];
  std::atomic<int> done{0};
  char pad2[60];
};

struct SeqJob {
  SeqArgs args;
  const IsaKernels* kt;
  bool backward;
  int phases;
  Slot slots[MAX_PARTS];
};

// Runs chunk q of phase s if nobody has claimed it yet; true when this thread ran it.
bool claimAndRun(SeqJob& j, int q, int s) {
  Slot& slot = j.slots[q];
  int expect = s;
  if (slot.claim.load(std::memory_order_relaxed) != s ||
      !slot.claim.compare_exchange_strong(expect, s + 1, std::memory_order_acq_rel, std::memory_order_relaxed))
    return false;
  if (j.backward) j.kt->seq_backward_chunk(j.args, q, s);
  else j.kt->seq_forward_chunk(j.args, q, s);
  slot.done.store(s + 1, std::memory_order_release);
  return true;
}

void runPart(void* ctx, int part, int parts) {
  SeqJob& j = *static_cast<SeqJob*>(ctx);
  j.slots[part].started.store(1, std::memory_order_release);
  for (int s = 0; s < j.phases; s++) {
    claimAndRun(j, part, s);
    for (int q = 0; q < parts; q++) {
      int spins = 0;
      while (j.slots[q].done.load(std::memory_order_acquire) <= s) {
        if (!j.slots[q].started.load(std::memory_order_acquire) && claimAndRun(j, q, s)) break;
        cpu_relax();
        if (++spins > 20000) std::this_thread::yield();  // more threads than cores: let the owner run
      }
    }
  }
}

// A part that owns whole batch rows runs every phase of them alone.
void runRows(void* ctx, int part, int parts) {
  SeqJob& j = *static_cast<SeqJob*>(ctx);
  for (int s = 0; s < j.phases; s++) {
    if (j.backward) j.kt->seq_backward_chunk(j.args, part, s);
    else j.kt->seq_forward_chunk(j.args, part, s);
  }
}

void runSequence(Pool* pool, SeqJob& j) {
  const int parts = j.args.parts;
  if (j.args.byRows) {
    pool_run(pool, parts, runRows, &j);
    return;
  }
  if (parts <= 1) {
    for (int s = 0; s < j.phases; s++) {
      if (j.backward) j.kt->seq_backward_chunk(j.args, 0, s);
      else j.kt->seq_forward_chunk(j.args, 0, s);
    }
    return;
  }
  pool_run(pool, parts, runPart, &j);
}

// A zeroed [B, H] buffer for one call.
struct Buffer {
  float* p = nullptr;
  explicit Buffer(int64_t n) {
    const size_t bytes = ((size_t)(n > 0 ? n : 1) * sizeof(float) + 63) / 64 * 64;
    p = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (!p) throw std::bad_alloc();
    std::memset(p, 0, bytes);
  }
  ~Buffer() { std::free(p); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
};

// The fields both directions share; the rest of the job's arguments start zeroed.
SeqArgs& startArgs(SeqJob& j, Pool* pool, Cell kind, int64_t steps, int64_t batch, int64_t hidden, bool reverse,
                   const int32_t* lengths, const float* packed) {
  SeqArgs& a = j.args;
  std::memset(static_cast<void*>(&a), 0, sizeof a);
  a.kind = kind;
  a.steps = steps;
  a.batch = batch;
  a.hidden = hidden;
  a.reverse = reverse;
  const int rowParts = sequenceRowParts(pool, steps, batch, gatesOf(kind), hidden);
  a.byRows = rowParts > 1;
  a.parts = a.byRows ? rowParts : sequenceParts(pool, batch, gatesOf(kind), hidden);
  a.lengths = lengths;
  a.packed = packed;
  return a;
}

}  // namespace

void recurrent_sequence(Pool* pool, Cell kind, int64_t steps, int64_t batch, int64_t hidden, const float* xProj,
                        const float* packed, const float* hBias, const int32_t* lengths, bool reverse, float* h,
                        float* c, float* out, const Saved* save, const float* xBias, const RecurrentInput* input) {
  if (steps <= 0 || batch <= 0 || hidden <= 0) return;
  Buffer spare(batch * hidden);
  SeqJob j;
  SeqArgs& a = startArgs(j, pool, kind, steps, batch, hidden, reverse, lengths, packed);
  // Given x and W_ih instead of xProj, each chunk projects its own rows and columns step by step
  // (recurrent_impl.h) from W_ih packed here, once per call as W_hh is; with fewer than
  // SEQ_MIN_ROWS_TO_PROJECT rows (per part), one GEMM projects all steps first instead.
  const int64_t G = gatesOf(kind), inputSize = input ? input->size : 0;
  const int64_t rowsPerPart = a.byRows ? batch / a.parts : batch;
  const bool fused = input && rowsPerPart >= SEQ_MIN_ROWS_TO_PROJECT;
  Buffer packedIh(fused ? inputSize * G * roundUpTo(hidden, GEMM_NR) : 0);
  Buffer projected(input && !fused ? steps * batch * G * hidden : 0);
  a.xBias = xBias;
  if (fused) {
    packBlocks(G, hidden, inputSize, input->weightIh, packedIh.p);
    a.x = input->x;
    a.packedIh = packedIh.p;
    a.inputSize = inputSize;
  } else if (input) {
    gemm(pool, false, true, steps * batch, G * hidden, inputSize, 1.0f, input->x, inputSize, input->weightIh, inputSize, 0.0f,
         projected.p, G * hidden);
    if (kind == Cell::gru && xBias) {  // GRU's cell reads the projection as it is: the biases go in first
      add_row_vector(pool, steps * batch, G * hidden, xBias, projected.p);
      a.xBias = nullptr;
    }
    a.xProj = projected.p;
  } else {
    a.xProj = xProj;
  }
  a.hBias = kind == Cell::gru ? hBias : nullptr;
  a.h = h;
  a.hSpare = spare.p;
  a.c = kind == Cell::lstm ? c : nullptr;
  a.out = out;
  a.save = save && save->gates ? *save : Saved{nullptr, nullptr, nullptr, nullptr};
  if (kind != Cell::lstm) a.save.cPrev = a.save.c = nullptr;
  j.kt = &active_kernels();
  j.backward = false;
  j.phases = (int)steps;
  runSequence(pool, j);
  // Step s writes the spare buffer when s is even: after an odd number of steps the final state is there.
  if (steps & 1) std::memcpy(h, spare.p, sizeof(float) * batch * hidden);
}

void recurrent_sequence_backward(Pool* pool, Cell kind, int64_t steps, int64_t batch, int64_t hidden,
                                 const float* packedT, const int32_t* lengths, bool reverse, const Saved& saved,
                                 const float* dOut, float* dh, float* dc, float* dxProj, float* dhProj) {
  if (steps <= 0 || batch <= 0 || hidden <= 0) return;
  Buffer dhPrev(batch * hidden);
  SeqJob j;
  SeqArgs& a = startArgs(j, pool, kind, steps, batch, hidden, reverse, lengths, packedT);
  a.save = saved;
  a.dOut = dOut;
  a.dh = dh;
  a.dc = kind == Cell::lstm ? dc : nullptr;
  a.dxProj = dxProj;
  a.dhProj = kind == Cell::gru ? dhProj : nullptr;
  a.dhPrev = dhPrev.p;
  j.kt = &active_kernels();
  j.backward = true;
  j.phases = (int)(steps + 1);
  runSequence(pool, j);
}

}  // namespace recur
