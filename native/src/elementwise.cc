// Portable elementwise kernels and reductions (Backend.fill ... sumSquares): straight loops the
// compiler vectorises (RECUR_CLONES: also for AVX2 and AVX-512, chosen when the library loads;
// no fused multiply-adds, so every clone rounds alike). Large calls are split between the pool's
// threads along outputs (pool_ranges), so results do not depend on the thread count. Not here:
// activations (cells*.cc); the two whole-buffer reductions stay on one thread (a split would
// change the order of their sums).
#include <algorithm>

#include "kernels.h"
#include "pool.h"

namespace recur {

namespace {

RECUR_CLONES void fillRange(int64_t lo, int64_t hi, float value, float* x) {
  for (int64_t i = lo; i < hi; i++) x[i] = value;
}
// y may not alias x (the contract), so the compiler need not check for overlap.
RECUR_CLONES void axpyRange(int64_t lo, int64_t hi, float alpha, const float* __restrict x, float* __restrict y) {
  for (int64_t i = lo; i < hi; i++) y[i] += alpha * x[i];
}
RECUR_CLONES void scaleRange(int64_t lo, int64_t hi, float alpha, float* x) {
  for (int64_t i = lo; i < hi; i++) x[i] *= alpha;
}
// out may alias a or b: each element is read before it is written, so no __restrict.
RECUR_CLONES void mulRange(int64_t lo, int64_t hi, const float* a, const float* b, float* out) {
  for (int64_t i = lo; i < hi; i++) out[i] = a[i] * b[i];
}
RECUR_CLONES void addRange(int64_t lo, int64_t hi, const float* a, const float* b, float* out) {
  for (int64_t i = lo; i < hi; i++) out[i] = a[i] + b[i];
}
// max then min in this order, as Math.min(Math.max(x, lo), hi): a NaN in x stays NaN
// (std::max(x, lo) returns its first argument when the comparison is false).
RECUR_CLONES void clampRange(int64_t i0, int64_t i1, float lo, float hi, float* x) {
  for (int64_t i = i0; i < i1; i++) x[i] = std::min(std::max(x[i], lo), hi);
}
RECUR_CLONES void addRowVectorRows(int64_t r0, int64_t r1, int64_t cols, const float* __restrict bias, float* __restrict x) {
  for (int64_t r = r0; r < r1; r++) {
    float* row = x + r * cols;
    for (int64_t c = 0; c < cols; c++) row[c] += bias[c];
  }
}
// Column sums of columns [c0, c1) in double, as the reference adds JS numbers, walking rows in
// order (contiguous loads) over blocks of columns that fit a small accumulator on the stack.
RECUR_CLONES void sumRowsCols(int64_t c0, int64_t c1, int64_t rows, int64_t cols, const float* __restrict x, float* __restrict out) {
  constexpr int64_t BLOCK = 256;
  double acc[BLOCK];
  for (int64_t cb = c0; cb < c1; cb += BLOCK) {
    const int64_t w = std::min(BLOCK, c1 - cb);
    for (int64_t c = 0; c < w; c++) acc[c] = 0;
    for (int64_t r = 0; r < rows; r++) {
      const float* row = x + r * cols + cb;
      for (int64_t c = 0; c < w; c++) acc[c] += double(row[c]);
    }
    for (int64_t c = 0; c < w; c++) out[cb + c] = float(double(out[cb + c]) + acc[c]);
  }
}

constexpr int64_t E = MIN_ELEMENTS_PER_PART;

}  // namespace

void fill(Pool* pool, int64_t n, float value, float* x) {
  pool_ranges(pool, n, 4 * E, 16, [&](int64_t lo, int64_t hi) { fillRange(lo, hi, value, x); });
}
void axpy(Pool* pool, int64_t n, float alpha, const float* x, float* y) {
  pool_ranges(pool, n, E, 16, [&](int64_t lo, int64_t hi) { axpyRange(lo, hi, alpha, x, y); });
}
void scale(Pool* pool, int64_t n, float alpha, float* x) {
  pool_ranges(pool, n, E, 16, [&](int64_t lo, int64_t hi) { scaleRange(lo, hi, alpha, x); });
}
void mul(Pool* pool, int64_t n, const float* a, const float* b, float* out) {
  pool_ranges(pool, n, E, 16, [&](int64_t lo, int64_t hi) { mulRange(lo, hi, a, b, out); });
}
void add(Pool* pool, int64_t n, const float* a, const float* b, float* out) {
  pool_ranges(pool, n, E, 16, [&](int64_t lo, int64_t hi) { addRange(lo, hi, a, b, out); });
}
void clamp(Pool* pool, int64_t n, float lo, float hi, float* x) {
  pool_ranges(pool, n, E, 16, [&](int64_t i0, int64_t i1) { clampRange(i0, i1, lo, hi, x); });
}
void add_row_vector(Pool* pool, int64_t rows, int64_t cols, const float* bias, float* x) {
  if (cols <= 0) return;
  pool_ranges(pool, rows, (E + cols - 1) / cols, 1, [&](int64_t r0, int64_t r1) { addRowVectorRows(r0, r1, cols, bias, x); });
}
// Split by columns: each column's sum runs over every row in order on one thread.
void sum_rows(Pool* pool, int64_t rows, int64_t cols, const float* x, float* out) {
  pool_ranges(pool, cols, rows > 0 ? (E + rows - 1) / rows : cols, 16, [&](int64_t c0, int64_t c1) { sumRowsCols(c0, c1, rows, cols, x, out); });
}

// Eight partial sums in double: independent chains the compiler can keep in vector registers
// (a single accumulator may not be reordered without -ffast-math). Double keeps the result
// within 1e-5 relative of the reference for any n recur uses.
double sum(int64_t n, const float* x) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++) acc[j] += double(x[i + j]);
  double s = 0;
  for (; i < n; i++) s += double(x[i]);
  for (int j = 0; j < 8; j++) s += acc[j];
  return s;
}

double sum_squares(int64_t n, const float* x) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++) acc[j] += double(x[i + j]) * double(x[i + j]);
  double s = 0;
  for (; i < n; i++) s += double(x[i]) * double(x[i]);
  for (int j = 0; j < 8; j++) s += acc[j];
  return s;
}

}  // namespace recur
