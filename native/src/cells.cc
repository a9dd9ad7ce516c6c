// Activations and the fused LSTM / GRU cells (Backend.activationForward/Backward,
// lstmCell*/gruCell*): one thread, dispatched to the active instruction set's table (cpu.h).
// The loops themselves are math.h's (activationForwardT ...), instantiated per ISA in
// gemm.cc / gemm_avx2.cc / gemm_avx512.cc, the very lane functions the whole-sequence kernels use.
#include "cpu.h"
#include "kernels.h"

namespace recur {

void activation_forward(Activation kind, int64_t n, const float* x, float* y) {
  if (n > 0) active_kernels().activation_forward((int)kind, n, x, y);
}

void activation_backward(Activation kind, int64_t n, const float* y, const float* dy, float* dx, bool accumulate) {
  if (n > 0) active_kernels().activation_backward((int)kind, n, y, dy, dx, accumulate);
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
