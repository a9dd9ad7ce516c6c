// Stand-ins for kernel families whose real files do not exist yet (issue 19 is built by two
// people at once): plain scalar loops with the reference backend's semantics, so the addon
// builds and passes conformance before the optimised kernels land. binding.gyp defines
// RECUR_NAIVE_<FAMILY> only while src/<family>.cc is missing (gyp-files.cjs), so each block
// drops out of the build the moment its real file appears. Not a fallback at run time.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "kernels.h"

namespace recur {

#ifdef RECUR_NAIVE_POOL
// No workers: every kernel runs on the calling thread, which is trivially thread-count exact.
struct Pool { int threads; };
Pool* pool_create(int threads) { return new Pool{threads < 1 ? 1 : threads}; }
void pool_destroy(Pool* pool) { delete pool; }
int pool_threads(const Pool* pool) { return pool ? pool->threads : 1; }
#endif

#ifdef RECUR_NAIVE_CPU
// Reports what the CPU has; the naive kernels have one path, so the choice changes nothing.
static bool isa_supported(Isa isa) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (isa == Isa::avx2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (isa == Isa::avx512) {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  }
#endif
  return isa == Isa::portable;
}
Isa isa_best() {
  if (isa_supported(Isa::avx512)) return Isa::avx512;
  if (isa_supported(Isa::avx2)) return Isa::avx2;
  return Isa::portable;
}
static Isa active = isa_best();
Isa isa_active() { return active; }
bool set_isa(Isa isa) {
  if (!isa_supported(isa)) return false;
  active = isa;
  return true;
}
const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
    default: return "portable";
  }
}
const char* cpu_features() {
  static std::string s = [] {
    std::string f;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    // __builtin_cpu_supports takes only literals.
    if (__builtin_cpu_supports("sse4.2")) f += "sse4.2 ";
    if (__builtin_cpu_supports("avx")) f += "avx ";
    if (__builtin_cpu_supports("avx2")) f += "avx2 ";
    if (__builtin_cpu_supports("fma")) f += "fma ";
    if (__builtin_cpu_supports("avx512f")) f += "avx512f ";
    if (!f.empty()) f.pop_back();
#endif
    return f;
  }();
  return s.c_str();
}
#endif

#ifdef RECUR_NAIVE_GEMM
// The reference's loops: sums in double, beta = 0 never reads C, alpha = 0 or k = 0 never reads A, B.
void gemm(Pool*, bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  const int64_t aRow = transA ? 1 : lda, aCol = transA ? lda : 1;
  const int64_t bRow = transB ? 1 : ldb, bCol = transB ? ldb : 1;
  const bool skip = alpha == 0 || k == 0;
  for (int64_t i = 0; i < m; i++) {
    for (int64_t j = 0; j < n; j++) {
      double s = 0;
      if (!skip) for (int64_t p = 0; p < k; p++) s += double(a[i * aRow + p * aCol]) * double(b[p * bRow + j * bCol]);
      const double product = skip ? 0 : double(alpha) * s;
      float& cij = c[i * ldc + j];
      cij = float(beta == 0 ? product : product + double(beta) * double(cij));
    }
  }
}
int64_t gemm_packed_size(int64_t k, int64_t n) { return k * n; }
void gemm_pack_b(bool transB, int64_t k, int64_t n, const float* b, int64_t ldb, float* packed) {
  for (int64_t p = 0; p < k; p++)
    for (int64_t j = 0; j < n; j++) packed[p * n + j] = transB ? b[j * ldb + p] : b[p * ldb + j];
}
void gemm_packed(Pool* pool, bool transA, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                 const float* packed, float beta, float* c, int64_t ldc) {
  gemm(pool, transA, false, m, n, k, alpha, a, lda, packed, std::max<int64_t>(n, 1), beta, c, ldc);
}
#endif

#ifdef RECUR_NAIVE_CELLS
static float sigmoid(float x) {
  if (x >= 0) return 1.0f / (1.0f + std::exp(-x));
  const float e = std::exp(x);
  return e / (1.0f + e);
}
void activation_forward(Activation kind, int64_t n, const float* x, float* y) {
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i];
    y[i] = kind == Activation::tanh ? std::tanh(v) : kind == Activation::relu ? (v > 0 ? v : 0.0f) : sigmoid(v);
  }
}
void activation_backward(Activation kind, int64_t n, const float* y, const float* dy, float* dx, bool accumulate) {
  for (int64_t i = 0; i < n; i++) {
    const float yi = y[i];
    const float g = kind == Activation::tanh ? (1 - yi * yi) * dy[i] : kind == Activation::relu ? (yi > 0 ? dy[i] : 0.0f)
                                                                                                 : yi * (1 - yi) * dy[i];
    dx[i] = accumulate ? dx[i] + g : g;
  }
}
void lstm_cell_forward(int64_t batch, int64_t H, float* gates, const float* cPrev, float* c, float* h) {
  for (int64_t b = 0; b < batch; b++) {
    float* g4 = gates + b * 4 * H;
    for (int64_t j = 0; j < H; j++) {
      const float i = sigmoid(g4[j]), f = sigmoid(g4[H + j]), g = std::tanh(g4[2 * H + j]), o = sigmoid(g4[3 * H + j]);
      g4[j] = i; g4[H + j] = f; g4[2 * H + j] = g; g4[3 * H + j] = o;
      const float ct = f * cPrev[b * H + j] + i * g;
      c[b * H + j] = ct;
      h[b * H + j] = o * std::tanh(ct);
    }
  }
}
void lstm_cell_backward(int64_t batch, int64_t H, const float* gates, const float* cPrev, const float* c, const float* dh,
                        const float* dc, float* dGates, float* dcPrev) {
  for (int64_t b = 0; b < batch; b++) {
    const float* g4 = gates + b * 4 * H;
    float* d4 = dGates + b * 4 * H;
    for (int64_t j = 0; j < H; j++) {
      const int64_t r = b * H + j;
      const float i = g4[j], f = g4[H + j], g = g4[2 * H + j], o = g4[3 * H + j];
      const float tc = std::tanh(c[r]);
      const float dct = dc[r] + dh[r] * o * (1 - tc * tc);
      d4[j] = dct * g * i * (1 - i);
      d4[H + j] = dct * cPrev[r] * f * (1 - f);
      d4[2 * H + j] = dct * i * (1 - g * g);
      d4[3 * H + j] = dh[r] * tc * o * (1 - o);
      dcPrev[r] = dct * f;
    }
  }
}
void gru_cell_forward(int64_t batch, int64_t H, const float* xProj, const float* hProj, const float* hPrev, float* saved,
                      float* h) {
  for (int64_t b = 0; b < batch; b++) {
    const float* x3 = xProj + b * 3 * H;
    const float* h3 = hProj + b * 3 * H;
    float* s4 = saved + b * 4 * H;
    for (int64_t j = 0; j < H; j++) {
      const float r = sigmoid(x3[j] + h3[j]), z = sigmoid(x3[H + j] + h3[H + j]);
      const float hn = h3[2 * H + j];
      const float n = std::tanh(x3[2 * H + j] + r * hn);
      s4[j] = r; s4[H + j] = z; s4[2 * H + j] = n; s4[3 * H + j] = hn;
      h[b * H + j] = (1 - z) * n + z * hPrev[b * H + j];
    }
  }
}
void gru_cell_backward(int64_t batch, int64_t H, const float* saved, const float* hPrev, const float* dh, float* dxProj,
                       float* dhProj, float* dhPrev) {
  for (int64_t b = 0; b < batch; b++) {
    const float* s4 = saved + b * 4 * H;
    float* dx3 = dxProj + b * 3 * H;
    float* dh3 = dhProj + b * 3 * H;
    for (int64_t j = 0; j < H; j++) {
      const int64_t row = b * H + j;
      const float r = s4[j], z = s4[H + j], n = s4[2 * H + j], hn = s4[3 * H + j], d = dh[row];
      const float an = d * (1 - z) * (1 - n * n);
      const float ar = an * hn * r * (1 - r);
      const float az = d * (hPrev[row] - n) * z * (1 - z);
      dx3[j] = ar; dx3[H + j] = az; dx3[2 * H + j] = an;
      dh3[j] = ar; dh3[H + j] = az; dh3[2 * H + j] = an * r;
      dhPrev[row] = d * z;
    }
  }
}
#endif

#ifdef RECUR_NAIVE_RECURRENT
// The step loops of reference/recurrent.ts over the kernels above; "packed" W_hh is a plain copy.
static int gates_of(Cell kind) { return kind == Cell::lstm ? 4 : kind == Cell::gru ? 3 : 1; }
static int saved_gates_of(Cell kind) { return kind == Cell::lstm || kind == Cell::gru ? 4 : 1; }
static Activation nonlinearity(Cell kind) {
  return kind == Cell::rnn_relu ? Activation::relu : kind == Cell::rnn_sigmoid ? Activation::sigmoid : Activation::tanh;
}
int64_t recurrent_packed_size(int64_t gates, int64_t hidden) { return gates * hidden * hidden; }
void recurrent_pack(int64_t gates, int64_t hidden, const float* weightHh, float* packed) {
  std::memcpy(packed, weightHh, sizeof(float) * gates * hidden * hidden);
}
void recurrent_sequence(Pool* pool, Cell kind, int64_t T, int64_t B, int64_t H, const float* xProj, const float* packed,
                        const float* hBias, const int32_t* lengths, bool reverse, float* h, float* c, float* out,
                        const Saved* save, const float* xBias, const RecurrentInput* input) {
  const int64_t G = gates_of(kind), S = saved_gates_of(kind), BH = B * H, BG = B * G * H;
  std::vector<float> sums(BG), gruSaved(4 * BH), hNext(BH), cNext(BH);
  // The projection (given, or x W_ih^T) plus the input biases, as the reference backend adds them.
  std::vector<float> projection(xBias || input ? T * BG : 0);
  if (input) gemm(pool, false, true, T * B, G * H, input->size, 1, input->x, input->size, input->weightIh, input->size, 0,
                  projection.data(), G * H);
  else if (xBias) std::copy(xProj, xProj + T * BG, projection.begin());
  if (xBias) add_row_vector(pool, T * B, G * H, xBias, projection.data());
  if (xBias || input) xProj = projection.data();
  const bool training = save && save->gates;
  for (int64_t s = 0; s < T; s++) {
    const int64_t t = reverse ? T - 1 - s : s;
    const float* x = xProj + t * BG;
    if (training) {
      std::copy(h, h + BH, save->hPrev + t * BH);
      if (c) std::copy(c, c + BH, save->cPrev + t * BH);
    }
    if (kind == Cell::gru) {
      for (int64_t b = 0; b < B; b++)
        for (int64_t j = 0; j < G * H; j++) sums[b * G * H + j] = hBias ? hBias[j] : 0.0f;
    } else {
      std::copy(x, x + BG, sums.begin());
    }
    gemm(pool, false, true, B, G * H, H, 1, h, H, packed, H, 1, sums.data(), G * H);
    const float* saved;
    if (kind == Cell::lstm) {
      lstm_cell_forward(B, H, sums.data(), c, cNext.data(), hNext.data());
      saved = sums.data();
    } else if (kind == Cell::gru) {
      gru_cell_forward(B, H, x, sums.data(), h, gruSaved.data(), hNext.data());
      saved = gruSaved.data();
    } else {
      activation_forward(nonlinearity(kind), BH, sums.data(), hNext.data());
      saved = hNext.data();
    }
    if (training) std::copy(saved, saved + S * BH, save->gates + t * S * BH);
    float* o = out + t * BH;
    for (int64_t b = 0; b < B; b++) {
      const bool activeRow = !lengths || t < lengths[b];
      for (int64_t j = b * H; j < (b + 1) * H; j++) {
        o[j] = activeRow ? hNext[j] : 0.0f;
        if (!activeRow) continue;
        h[j] = hNext[j];
        if (c) c[j] = cNext[j];
      }
    }
    if (training && c) std::copy(c, c + BH, save->c + t * BH);
  }
}
void recurrent_sequence_backward(Pool* pool, Cell kind, int64_t T, int64_t B, int64_t H, const float* packedT,
                                 const int32_t* lengths, bool reverse, const Saved& saved, const float* dOut, float* dh,
                                 float* dc, float* dxProj, float* dhProj) {
  const int64_t G = gates_of(kind), S = saved_gates_of(kind), BH = B * H, GH = G * H;
  std::vector<float> dhPrev(BH), dcPrev(BH);
  float* dhp = dhProj ? dhProj : dxProj;
  auto active = [&](int64_t t, int64_t b) { return !lengths || t < lengths[b]; };
  for (int64_t s = T - 1; s >= 0; s--) {
    const int64_t t = reverse ? T - 1 - s : s;
    if (dOut) {
      for (int64_t b = 0; b < B; b++)
        if (active(t, b)) for (int64_t j = b * H; j < (b + 1) * H; j++) dh[j] += dOut[t * BH + j];
    }
    float* dgx = dxProj + t * B * GH;
    float* dgh = dhp + t * B * GH;
    float direct = 0;
    if (kind == Cell::lstm) {
      lstm_cell_backward(B, H, saved.gates + t * S * BH, saved.cPrev + t * BH, saved.c + t * BH, dh, dc, dgx, dcPrev.data());
    } else if (kind == Cell::gru) {
      gru_cell_backward(B, H, saved.gates + t * S * BH, saved.hPrev + t * BH, dh, dgx, dgh, dhPrev.data());
      direct = 1;
    } else {
      activation_backward(nonlinearity(kind), BH, saved.gates + t * BH, dh, dgx, false);
    }
    for (int64_t b = 0; b < B; b++) {
      if (active(t, b)) continue;
      std::fill(dgx + b * GH, dgx + (b + 1) * GH, 0.0f);
      if (dgh != dgx) std::fill(dgh + b * GH, dgh + (b + 1) * GH, 0.0f);
    }
    gemm_packed(pool, false, B, H, GH, 1, dgh, GH, packedT, direct, dhPrev.data(), H);
    for (int64_t b = 0; b < B; b++) {
      if (!active(t, b)) continue;
      for (int64_t j = b * H; j < (b + 1) * H; j++) {
        dh[j] = dhPrev[j];
        if (dc) dc[j] = dcPrev[j];
      }
    }
  }
}
#endif

}  // namespace recur
