// Portable elementwise kernels and reductions (Backend.fill ... sumSquares): straight loops the
// compiler vectorises for the build's baseline ISA. Not here: activations (cells*.cc), and any
// hand-written SIMD (elementwise work is memory-bound; the loops already run at bandwidth).
#include <algorithm>

#include "kernels.h"

namespace recur {

void fill(int64_t n, float value, float* x) {
  for (int64_t i = 0; i < n; i++) x[i] = value;
}

// y may not alias x (the contract), so the compiler need not check for overlap.
void axpy(int64_t n, float alpha, const float* __restrict x, float* __restrict y) {
  for (int64_t i = 0; i < n; i++) y[i] += alpha * x[i];
}

void scale(int64_t n, float alpha, float* x) {
  for (int64_t i = 0; i < n; i++) x[i] *= alpha;
}

// out may alias a or b: each element is read before it is written, so no __restrict.
void mul(int64_t n, const float* a, const float* b, float* out) {
  for (int64_t i = 0; i < n; i++) out[i] = a[i] * b[i];
}

void add(int64_t n, const float* a, const float* b, float* out) {
  for (int64_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

// max then min in this order, as Math.min(Math.max(x, lo), hi): a NaN in x stays NaN
// (std::max(x, lo) returns its first argument when the comparison is false).
void clamp(int64_t n, float lo, float hi, float* x) {
  for (int64_t i = 0; i < n; i++) x[i] = std::min(std::max(x[i], lo), hi);
}

void add_row_vector(int64_t rows, int64_t cols, const float* __restrict bias, float* __restrict x) {
  for (int64_t r = 0; r < rows; r++) {
    float* row = x + r * cols;
    for (int64_t c = 0; c < cols; c++) row[c] += bias[c];
  }
}

// Column sums in double, as the reference adds JS numbers, walking rows in order (contiguous
// loads) over blocks of columns that fit a small accumulator on the stack.
void sum_rows(int64_t rows, int64_t cols, const float* __restrict x, float* __restrict out) {
  constexpr int64_t BLOCK = 256;
  double acc[BLOCK];
  for (int64_t c0 = 0; c0 < cols; c0 += BLOCK) {
    const int64_t w = std::min(BLOCK, cols - c0);
    for (int64_t c = 0; c < w; c++) acc[c] = 0;
    for (int64_t r = 0; r < rows; r++) {
      const float* row = x + r * cols + c0;
      for (int64_t c = 0; c < w; c++) acc[c] += double(row[c]);
    }
    for (int64_t c = 0; c < w; c++) out[c0 + c] = float(double(out[c0 + c]) + acc[c]);
  }
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
