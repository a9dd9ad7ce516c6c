// Activations and the fused LSTM / GRU cells (Backend.activationForward/Backward,
// lstmCell*/gruCell*): activations on the pool, cells on one thread, dispatched to the active instruction set's table (cpu.h).
// The loops themselves are math.h's (activationForwardT ...), instantiated per ISA in
// gemm.cc / gemm_avx2.cc / gemm_avx512.cc, the very lane functions the whole-sequence kernels use.
#include "cpu.h"
#include "kernels.h"
#include "pool.h"

namespace recur {

// Activations split between the pool's threads at multiples of 16 elements (whole vectors of
// every ISA, so each element is computed by the same lane code whatever the cut).
void activation_forward(Pool* pool, Activation kind, int64_t n, const float* x, float* y) {
  const IsaKernels& k = active_kernels();
  const int64_t minPart = kind == Activation::relu ? MIN_ELEMENTS_PER_PART : MIN_TRANSCENDENTAL_PER_PART;
  pool_ranges(pool, n, minPart, 16, [&](int64_t lo, int64_t hi) { k.activation_forward((int)kind, hi - lo, x + lo, y + lo); });
}

void activation_backward(Pool* pool, Activation kind, int64_t n, const float* y, const float* dy, float* dx, bool accumulate) {
  const IsaKernels& k = active_kernels();
  pool_ranges(pool, n, MIN_ELEMENTS_PER_PART, 16,
              [&](int64_t lo, int64_t hi) { k.activation_backward((int)kind, hi - lo, y + lo, dy + lo, dx + lo, accumulate); });
}

void lstm_cell_forward(int64_t batch, int64_t hidden, float* gates, const float* cPrev, float* c, float* h) {
  if (batch > 0 && hidden > 0) active_kernels().lstm_cell_forward(batch, hidden, gates, cPrev, c, h);
}

void lstm_cell_backward(int64_t batch, int64_t hidden, const float* gates, const float* cPrev, const float* c,
                        const float* dh, const float* dc, float* dGates, float* dcPrev) {
  if (batch > 0 && hidden > 0) active_kernels().lstm_cell_backward(batch, hidden, gates, cPrev, c, dh, dc, dGates, dcPrev);
}

void gru_cell_forward(int64_t batch, int64_t hidden, const float* xProj, const float* hProj, const float* hPrev,
                      float* saved, float* h) {
  if (batch > 0 && hidden > 0) active_kernels().gru_cell_forward(batch, hidden, xProj, hProj, hPrev, saved, h);
}

void gru_cell_backward(int64_t batch, int64_t hidden, const float* saved, const float* hPrev, const float* dh,
                       float* dxProj, float* dhProj, float* dhPrev) {
  if (batch > 0 && hidden > 0) active_kernels().gru_cell_backward(batch, hidden, saved, hPrev, dh, dxProj, dhProj, dhPrev);
}

}  // namespace recur
