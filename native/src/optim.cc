// Portable optimizer steps, torch.optim's update rules line by line (single tensor, no
// amsgrad/maximize), one pass over a flat parameter buffer. Each element is computed in double
// and rounded only when stored, exactly as the reference backend's JS numbers are: the steps are
// memory-bound, so the wider arithmetic costs nothing measurable and keeps native within rounding of the
// reference after many steps. `grads` is read only. Each element's update reads only that
// element, so a call is split between the pool's threads along the buffer (pool_ranges) and the
// loops are cloned per ISA (RECUR_CLONES: division and square root are exactly rounded in every
// vector width; -fno-math-errno lets std::sqrt be the instruction).
#include <cmath>

#include "kernels.h"
#include "pool.h"

namespace recur {

namespace {

RECUR_CLONES void sgd_step_range(int64_t lo, int64_t hi, float* params, const float* grads, float* momentumBuf, const SgdOptions& o, bool firstStep) {
  const double lr = o.lr, mom = o.momentum, damp = 1 - o.dampening, wd = o.weightDecay;
  if (mom == 0) {
    for (int64_t i = lo; i < hi; i++) params[i] = float(params[i] - lr * (grads[i] + wd * params[i]));
    return;
  }
  for (int64_t i = lo; i < hi; i++) {
    const double p = params[i];
    const double g = grads[i] + wd * p;
    const double buf = firstStep ? g : mom * momentumBuf[i] + damp * g;
    momentumBuf[i] = float(buf);
    params[i] = float(p - lr * (o.nesterov ? g + mom * buf : buf));
  }
}

RECUR_CLONES void adagrad_step_range(int64_t lo, int64_t hi, float* params, const float* grads, float* sumSquares, const AdagradOptions& o) {
  const double lr = o.lr, eps = o.eps, wd = o.weightDecay;
  for (int64_t i = lo; i < hi; i++) {
    const double p = params[i];
    const double g = grads[i] + wd * p;
    const double s = sumSquares[i] + g * g;
    sumSquares[i] = float(s);
    params[i] = float(p - lr * g / (std::sqrt(s) + eps));
  }
}

RECUR_CLONES void rmsprop_step_range(int64_t lo, int64_t hi, float* params, const float* grads, float* squareAvg, float* gradAvg, float* momentumBuf,
                  const RmspropOptions& o) {
  const double lr = o.lr, alpha = o.alpha, eps = o.eps, wd = o.weightDecay, mom = o.momentum;
  for (int64_t i = lo; i < hi; i++) {
    const double p = params[i];
    const double g = grads[i] + wd * p;
    const double sq = alpha * squareAvg[i] + (1 - alpha) * g * g;
    squareAvg[i] = float(sq);
    double avg;
    if (o.centered) {
      const double ga = alpha * gradAvg[i] + (1 - alpha) * g;
      gradAvg[i] = float(ga);
      avg = std::sqrt(sq - ga * ga) + eps;
    } else {
      avg = std::sqrt(sq) + eps;
    }
    if (mom > 0) {
      const double buf = mom * momentumBuf[i] + g / avg;
      momentumBuf[i] = float(buf);
      params[i] = float(p - lr * buf);
    } else {
      params[i] = float(p - lr * g / avg);
    }
  }
}

RECUR_CLONES void adam_step_range(int64_t lo, int64_t hi, float* params, const float* grads, float* m, float* v, const AdamOptions& o) {
  const double lr = o.lr, b1 = o.beta1, b2 = o.beta2, eps = o.eps, wd = o.weightDecay;
  const double bc1 = o.biasCorrection1, bc2 = o.biasCorrection2;
  for (int64_t i = lo; i < hi; i++) {
    double p = params[i];
    double g = grads[i];
    if (o.decoupled) p *= 1 - lr * wd;
    else g += wd * p;
    const double mi = b1 * m[i] + (1 - b1) * g;
    const double vi = b2 * v[i] + (1 - b2) * g * g;
    m[i] = float(mi);
    v[i] = float(vi);
    params[i] = float(p - lr * (mi / bc1) / (std::sqrt(vi / bc2) + eps));
  }
}

constexpr int64_t E = MIN_ELEMENTS_PER_PART / 2;

}  // namespace

void sgd_step(Pool* pool, int64_t n, float* params, const float* grads, float* momentumBuf, const SgdOptions& o, bool firstStep) {
  pool_ranges(pool, n, E, 16, [&](int64_t lo, int64_t hi) { sgd_step_range(lo, hi, params, grads, momentumBuf, o, firstStep); });
}
void adagrad_step(Pool* pool, int64_t n, float* params, const float* grads, float* sumSquares, const AdagradOptions& o) {
  pool_ranges(pool, n, E, 16, [&](int64_t lo, int64_t hi) { adagrad_step_range(lo, hi, params, grads, sumSquares, o); });
}
void rmsprop_step(Pool* pool, int64_t n, float* params, const float* grads, float* squareAvg, float* gradAvg, float* momentumBuf,
                  const RmspropOptions& o) {
  pool_ranges(pool, n, E, 16, [&](int64_t lo, int64_t hi) { rmsprop_step_range(lo, hi, params, grads, squareAvg, gradAvg, momentumBuf, o); });
}
void adam_step(Pool* pool, int64_t n, float* params, const float* grads, float* m, float* v, const AdamOptions& o) {
  pool_ranges(pool, n, E, 16, [&](int64_t lo, int64_t hi) { adam_step_range(lo, hi, params, grads, m, v, o); });
}

}  // namespace recur
