// Portable loss kernels: softmax, fused softmax + cross-entropy and binary cross-entropy with
// logits, with the reference backend's numerics (row maximum subtracted, exp only of
// non-positive numbers, sums in double). Calls are split between the pool's threads by rows (or
// elements), each computed from its own inputs only: bit-identical for any thread count. Not
// here: reductions and masks (the caller's rowScale).
#include <cmath>

#include "cpu.h"
#include "kernels.h"
#include "pool.h"

namespace recur {

// y = softmax(x) over one row; y may alias x. Returns log(sum exp(x - max)) and sets *max. The
// instruction set's vector row (math.h softmaxRowT: vexp, sums in float blocks then double),
// or for a row with a NaN or an infinite maximum, the scalar loop below with libm's exp.
static double softmax_row(int64_t cols, const float* x, float* y, float* max) {
#ifndef RECUR_NAIVE_CPU  // the naive debug build has no instruction-set tables (naive_kernels.cc)
  double logSum;
  if (active_kernels().softmax_row(cols, x, y, max, &logSum)) return logSum;
#endif
  float m = -INFINITY;
  for (int64_t c = 0; c < cols; c++) m = std::fmax(m, x[c]);
  // fmax drops NaN; Math.max keeps it: a NaN logit must give NaN probabilities, as in the reference.
  for (int64_t c = 0; c < cols; c++) if (std::isnan(x[c])) m = x[c];
  double s = 0;
  for (int64_t c = 0; c < cols; c++) {
    const float e = std::exp(x[c] - m);
    y[c] = e;
    s += e;
  }
  const float inv = float(1 / s);
  for (int64_t c = 0; c < cols; c++) y[c] *= inv;
  *max = m;
  return std::log(s);
}

// Rows per part: at least MIN_TRANSCENDENTAL_PER_PART exponentials.
static int64_t minRows(int64_t cols) { return cols > 0 ? (MIN_TRANSCENDENTAL_PER_PART + cols - 1) / cols : 1; }

void softmax(Pool* pool, int64_t rows, int64_t cols, const float* x, float* y) {
  pool_ranges(pool, rows, minRows(cols), 1, [&](int64_t r0, int64_t r1) {
    float max;
    for (int64_t r = r0; r < r1; r++) softmax_row(cols, x + r * cols, y + r * cols, &max);
  });
}

bool softmax_cross_entropy_forward(Pool* pool, int64_t rows, int64_t classes, const float* logits, const int32_t* targets,
                                   int32_t ignoreIndex, float* probs, float* losses) {
  // Every target first: a bad one must leave the outputs untouched.
  for (int64_t r = 0; r < rows; r++) {
    const int32_t t = targets[r];
    if (t != ignoreIndex && (t < 0 || t >= classes)) return false;
  }
  pool_ranges(pool, rows, minRows(classes), 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int32_t t = targets[r];
      const bool ignored = t == ignoreIndex;
      const float x = ignored ? 0.0f : logits[r * classes + t];  // read before probs may overwrite logits
      float max;
      const double logSum = softmax_row(classes, logits + r * classes, probs + r * classes, &max);
      losses[r] = ignored ? 0.0f : float(logSum - (double(x) - double(max)));
    }
  });
  return true;
}

RECUR_CLONES static void xentBackwardRows(int64_t r0, int64_t r1, int64_t classes, const float* probs, const int32_t* targets,
                             int32_t ignoreIndex, const float* rowScale, float* dLogits) {
  for (int64_t r = r0; r < r1; r++) {
    const float* p = probs + r * classes;
    float* d = dLogits + r * classes;  // may alias p: element by element, read before write
    const int32_t t = targets[r];
    if (t == ignoreIndex) {
      for (int64_t c = 0; c < classes; c++) d[c] = 0;
      continue;
    }
    const float s = rowScale[r];
    const float pt = t >= 0 && t < classes ? p[t] : 0.0f;  // before the loop overwrites it when d aliases p
    for (int64_t c = 0; c < classes; c++) d[c] = s * p[c];
    if (t >= 0 && t < classes) d[t] = s * (pt - 1);
  }
}

void softmax_cross_entropy_backward(Pool* pool, int64_t rows, int64_t classes, const float* probs, const int32_t* targets,
                                    int32_t ignoreIndex, const float* rowScale, float* dLogits) {
  // Cheap per element (no exp): split from MIN_ELEMENTS_PER_PART.
  const int64_t minR = classes > 0 ? (MIN_ELEMENTS_PER_PART + classes - 1) / classes : 1;
  pool_ranges(pool, rows, minR, 1, [&](int64_t r0, int64_t r1) { xentBackwardRows(r0, r1, classes, probs, targets, ignoreIndex, rowScale, dLogits); });
}

// losses[i] = (1 - y) x + lw (log1p(exp(-|x|)) + max(-x, 0)), lw = 1 + (posWeight - 1) y.
void bce_with_logits_forward(Pool* pool, int64_t n, const float* logits, const float* targets, float posWeight, float* losses) {
  pool_ranges(pool, n, MIN_TRANSCENDENTAL_PER_PART, 16, [&](int64_t lo, int64_t hi) {
  for (int64_t i = lo; i < hi; i++) {
    const float x = logits[i], y = targets[i];
    const float lw = 1 + (posWeight - 1) * y;
    const float softplusNeg = std::log1p(std::exp(-std::fabs(x))) + (x < 0 ? -x : 0.0f);
    losses[i] = (1 - y) * x + lw * softplusNeg;
  }
  });
}

// dLogits[i] = scale[i] ((1 - y) - lw sigma(-x)); dLogits may alias scale (read before write).
void bce_with_logits_backward(Pool* pool, int64_t n, const float* logits, const float* targets, float posWeight, const float* scale,
                              float* dLogits) {
  pool_ranges(pool, n, MIN_TRANSCENDENTAL_PER_PART, 16, [&](int64_t lo, int64_t hi) {
  for (int64_t i = lo; i < hi; i++) {
    const float x = logits[i], y = targets[i];
    const float lw = 1 + (posWeight - 1) * y;
    const float e = std::exp(-std::fabs(x));
    const float sigmaNeg = x >= 0 ? e / (1 + e) : 1 / (1 + e);
    dLogits[i] = scale[i] * ((1 - y) - lw * sigmaNeg);
  }
  });
}

}  // namespace recur
