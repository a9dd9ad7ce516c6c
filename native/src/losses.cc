// Portable loss kernels: softmax, fused softmax + cross-entropy and binary cross-entropy with
// logits, with the reference backend's numerics (row maximum subtracted, exp only of
// non-positive numbers, sums in double). Not here: reductions and masks (the caller's rowScale).
#include <cmath>

#include "kernels.h"

namespace recur {

// y = softmax(x) over one row; y may alias x. Returns log(sum exp(x - max)) and sets *max.
static double softmax_row(int64_t cols, const float* x, float* y, float* max) {
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

void softmax(int64_t rows, int64_t cols, const float* x, float* y) {
  float max;
  for (int64_t r = 0; r < rows; r++) softmax_row(cols, x + r * cols, y + r * cols, &max);
}

bool softmax_cross_entropy_forward(int64_t rows, int64_t classes, const float* logits, const int32_t* targets,
                                   int32_t ignoreIndex, float* probs, float* losses) {
  // Every target first: a bad one must leave the outputs untouched.
  for (int64_t r = 0; r < rows; r++) {
    const int32_t t = targets[r];
    if (t != ignoreIndex && (t < 0 || t >= classes)) return false;
  }
  for (int64_t r = 0; r < rows; r++) {
    const int32_t t = targets[r];
    const bool ignored = t == ignoreIndex;
    const float x = ignored ? 0.0f : logits[r * classes + t];  // read before probs may overwrite logits
    float max;
    const double logSum = softmax_row(classes, logits + r * classes, probs + r * classes, &max);
    losses[r] = ignored ? 0.0f : float(logSum - (double(x) - double(max)));
  }
  return true;
}

void softmax_cross_entropy_backward(int64_t rows, int64_t classes, const float* probs, const int32_t* targets,
                                    int32_t ignoreIndex, const float* rowScale, float* dLogits) {
  for (int64_t r = 0; r < rows; r++) {
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

// losses[i] = (1 - y) x + lw (log1p(exp(-|x|)) + max(-x, 0)), lw = 1 + (posWeight - 1) y.
void bce_with_logits_forward(int64_t n, const float* logits, const float* targets, float posWeight, float* losses) {
  for (int64_t i = 0; i < n; i++) {
    const float x = logits[i], y = targets[i];
    const float lw = 1 + (posWeight - 1) * y;
    const float softplusNeg = std::log1p(std::exp(-std::fabs(x))) + (x < 0 ? -x : 0.0f);
    losses[i] = (1 - y) * x + lw * softplusNeg;
  }
}

// dLogits[i] = scale[i] ((1 - y) - lw sigma(-x)); dLogits may alias scale (read before write).
void bce_with_logits_backward(int64_t n, const float* logits, const float* targets, float posWeight, const float* scale,
                              float* dLogits) {
  for (int64_t i = 0; i < n; i++) {
    const float x = logits[i], y = targets[i];
    const float lw = 1 + (posWeight - 1) * y;
    const float e = std::exp(-std::fabs(x));
    const float sigmaNeg = x >= 0 ? e / (1 + e) : 1 / (1 + e);
    dLogits[i] = scale[i] * ((1 - y) - lw * sigmaNeg);
  }
}

}  // namespace recur
