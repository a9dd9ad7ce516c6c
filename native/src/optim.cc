// Portable optimizer steps, torch.optim's update rules line by line (single tensor, no
// amsgrad/maximize), one pass over a flat parameter buffer. Each element is computed in double
// and rounded only when stored, exactly as the reference backend's JS numbers are: the steps are
// memory-bound, so the wider arithmetic costs nothing measurable and keeps native within rounding of the
// reference after many steps. `grads` is read only.
#include <cmath>

#include "kernels.h"

namespace recur {

void sgd_step(int64_t n, float* params, const float* grads, float* momentumBuf, const SgdOptions& o, bool firstStep) {
  const double lr = o.lr, mom = o.momentum, damp = 1 - o.dampening, wd = o.weightDecay;
  if (mom == 0) {
    for (int64_t i = 0; i < n; i++) params[i] = float(params[i] - lr * (grads[i] + wd * params[i]));
    return;
  }
  for (int64_t i = 0; i < n; i++) {
    const double p = params[i];
    const double g = grads[i] + wd * p;
    const double buf = firstStep ? g : mom * momentumBuf[i] + damp * g;
    momentumBuf[i] = float(buf);
    params[i] = float(p - lr * (o.nesterov ? g + mom * buf : buf));
  }
}

void adagrad_step(int64_t n, float* params, const float* grads, float* sumSquares, const AdagradOptions& o) {
  const double lr = o.lr, eps = o.eps, wd = o.weightDecay;
  for (int64_t i = 0; i < n; i++) {
    const double p = params[i];
    const double g = grads[i] + wd * p;
    const double s = sumSquares[i] + g * g;
    sumSquares[i] = float(s);
    params[i] = float(p - lr * g / (std::sqrt(s) + eps));
  }
}

void rmsprop_step(int64_t n, float* params, const float* grads, float* squareAvg, float* gradAvg, float* momentumBuf,
                  const RmspropOptions& o) {
  const double lr = o.lr, alpha = o.alpha, eps = o.eps, wd = o.weightDecay, mom = o.momentum;
  for (int64_t i = 0; i < n; i++) {
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

void adam_step(int64_t n, float* params, const float* grads, float* m, float* v, const AdamOptions& o) {
  const double lr = o.lr, b1 = o.beta1, b2 = o.beta2, eps = o.eps, wd = o.weightDecay;
  const double bc1 = o.biasCorrection1, bc2 = o.biasCorrection2;
  for (int64_t i = 0; i < n; i++) {
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

}  // namespace recur
