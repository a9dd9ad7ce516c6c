// The vector vocabulary and the transcendental / cell math of recur's native kernels, written
// once as templates over a vector type V and instantiated per instruction set:
//   VPortable  4 lanes, GCC vector extensions (SSE2 on x86-64, NEON elsewhere), no fused multiply-add
//   VAvx2      8 lanes, AVX2 + FMA        (only in translation units compiled with -mavx2 -mfma)
//   VAvx512   16 lanes, AVX-512F/DQ       (only in translation units compiled with -mavx512f ...)
// The cell kernels (cells.cc through the per-ISA tables) and the fused whole-sequence kernels
// (recurrent_impl.h) call the very same lane functions below, so a fused sequence computes
// exactly what a step-by-step loop of the cell kernels computes on the same ISA. Every lane is
// computed independently (k = W lanes in the main loops, 1..W-1 lanes with masked loads for a
// tail), so which lane or which thread computes an element never changes its bits.
//
// Every .cc file that includes this header starts with `#pragma GCC optimize("fp-contract=off")`
// (see RECUR_NO_CONTRACT): GCC would otherwise fuse some multiply + add pairs into FMAs
// depending on the inlining context, and the same formula could round differently in two
// kernels. FMAs are written explicitly (V::fmadd) where they are wanted.
//
// Accuracy (float32 lanes, as the wasm kernels): exp max rel. error ~1.2e-7 on [-87, 88];
// tanh max abs. error ~3.7e-7 on [-10, 10]; sigmoid max abs. error ~1e-7. NaN propagates through
// exp, tanh and sigmoid; relu(NaN) = 0 as the reference backend's `x > 0 ? x : 0`.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <cstddef>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace recur {
// Internal linkage for everything here: the header is compiled under several instruction sets,
// and an external inline function compiled with AVX-512 could otherwise be picked by the linker
// for a portable caller.
namespace {

// ---- vector types -----------------------------------------------------------------------------

struct VPortable {
  static constexpr int W = 4;
  typedef float v __attribute__((vector_size(16)));
  typedef int32_t vi __attribute__((vector_size(16)));
  static inline v zero() { return v{0, 0, 0, 0}; }
  static inline v set1(float x) { return v{x, x, x, x}; }
  static inline v load(const float* p) { v r; std::memcpy(&r, p, 16); return r; }
  static inline void store(float* p, v x) { std::memcpy(p, &x, 16); }
  static inline v loadk(const float* p, int k) {
    if (k >= W) return load(p);
    v r = zero();
    std::memcpy(&r, p, sizeof(float) * k);
    return r;
  }
  static inline void storek(float* p, v x, int k) {
    if (k >= W) { store(p, x); return; }
    std::memcpy(p, &x, sizeof(float) * k);
  }
  static inline v bcast(const float* p) { return set1(*p); }
  static inline v add(v a, v b) { return a + b; }
  static inline v sub(v a, v b) { return a - b; }
  static inline v mul(v a, v b) { return a * b; }
  static inline v div(v a, v b) { return a / b; }
  static inline v fmadd(v a, v b, v c) { return a * b + c; }   // not fused on the portable path
  static inline v fnmadd(v a, v b, v c) { return c - a * b; }
  // min(x, c) / max(x, c) with NaN x kept (wasm's pmin/pmax): c < x ? c : x, x < c ? c : x.
  static inline v clampHi(v x, v c) { return (c < x) ? c : x; }
  static inline v clampLo(v x, v c) { return (x < c) ? c : x; }
  static inline v relu(v x) { return (x > zero()) ? x : zero(); }
  static inline v orSign(v x) { return (v)((vi)x | (vi)set1(-0.0f)); }
  static inline v geZeroSelect(v x, v a, v b) { return (x >= zero()) ? a : b; }
  static inline v gtZeroAnd(v y, v d) { return (y > zero()) ? d : zero(); }
  static inline v pow2bits(v t) { return (v)((vi)t << 23); }
};

#if defined(__AVX2__) && defined(__FMA__)
struct VAvx2 {
  static constexpr int W = 8;
  typedef __m256 v;
  static inline v zero() { return _mm256_setzero_ps(); }
  static inline v set1(float x) { return _mm256_set1_ps(x); }
  static inline v load(const float* p) { return _mm256_loadu_ps(p); }
  static inline void store(float* p, v x) { _mm256_storeu_ps(p, x); }
  static inline __m256i mask(int k) {
    alignas(64) static const int32_t m[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + 8 - k));
  }
  static inline v loadk(const float* p, int k) { return k >= W ? load(p) : _mm256_maskload_ps(p, mask(k)); }
  static inline void storek(float* p, v x, int k) {
    if (k >= W) store(p, x);
    else _mm256_maskstore_ps(p, mask(k), x);
  }
  static inline v bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static inline v add(v a, v b) { return _mm256_add_ps(a, b); }
  static inline v sub(v a, v b) { return _mm256_sub_ps(a, b); }
  static inline v mul(v a, v b) { return _mm256_mul_ps(a, b); }
  static inline v div(v a, v b) { return _mm256_div_ps(a, b); }
  static inline v fmadd(v a, v b, v c) { return _mm256_fmadd_ps(a, b, c); }
  static inline v fnmadd(v a, v b, v c) { return _mm256_fnmadd_ps(a, b, c); }
  // vminps/vmaxps return the second operand when either is NaN: x second keeps NaN.
  static inline v clampHi(v x, v c) { return _mm256_min_ps(c, x); }
  static inline v clampLo(v x, v c) { return _mm256_max_ps(c, x); }
  static inline v relu(v x) { return _mm256_max_ps(x, zero()); }  // NaN -> 0
  static inline v orSign(v x) { return _mm256_or_ps(x, set1(-0.0f)); }
  static inline v geZeroSelect(v x, v a, v b) { return _mm256_blendv_ps(b, a, _mm256_cmp_ps(x, zero(), _CMP_GE_OQ)); }
  static inline v gtZeroAnd(v y, v d) { return _mm256_and_ps(d, _mm256_cmp_ps(y, zero(), _CMP_GT_OQ)); }
  static inline v pow2bits(v t) { return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t), 23)); }
};
#endif

#if defined(__AVX512F__) && defined(__AVX512DQ__)
struct VAvx512 {
  static constexpr int W = 16;
  typedef __m512 v;
  static inline v zero() { return _mm512_setzero_ps(); }
  static inline v set1(float x) { return _mm512_set1_ps(x); }
  static inline v load(const float* p) { return _mm512_loadu_ps(p); }
  static inline void store(float* p, v x) { _mm512_storeu_ps(p, x); }
  static inline __mmask16 mask(int k) { return (__mmask16)((1u << k) - 1u); }
  static inline v loadk(const float* p, int k) { return k >= W ? load(p) : _mm512_maskz_loadu_ps(mask(k), p); }
  static inline void storek(float* p, v x, int k) {
    if (k >= W) store(p, x);
    else _mm512_mask_storeu_ps(p, mask(k), x);
  }
  static inline v bcast(const float* p) { return _mm512_set1_ps(*p); }
  static inline v add(v a, v b) { return _mm512_add_ps(a, b); }
  static inline v sub(v a, v b) { return _mm512_sub_ps(a, b); }
  static inline v mul(v a, v b) { return _mm512_mul_ps(a, b); }
  static inline v div(v a, v b) { return _mm512_div_ps(a, b); }
  static inline v fmadd(v a, v b, v c) { return _mm512_fmadd_ps(a, b, c); }
  static inline v fnmadd(v a, v b, v c) { return _mm512_fnmadd_ps(a, b, c); }
  static inline v clampHi(v x, v c) { return _mm512_min_ps(c, x); }
  static inline v clampLo(v x, v c) { return _mm512_max_ps(c, x); }
  static inline v relu(v x) { return _mm512_max_ps(x, zero()); }
  static inline v orSign(v x) { return _mm512_or_ps(x, set1(-0.0f)); }
  static inline v geZeroSelect(v x, v a, v b) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, zero(), _CMP_GE_OQ), b, a);
  }
  static inline v gtZeroAnd(v y, v d) { return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(y, zero(), _CMP_GT_OQ), d); }
  static inline v pow2bits(v t) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_castps_si512(t), 23)); }
};
#endif

// ---- transcendentals (the wasm kernels' algorithms: src/kernels/assembly/simd.ts) ---------------

// e^x for x already clamped to [-87.34, 88] (Cephes expf; 2^n from the exponent bits).
template <class V>
static inline typename V::v expClamped(typename V::v x) {
  typedef typename V::v v;
  const v magic = V::set1(12583039.0f);  // 1.5 * 2^23 + 127: rounds and biases n
  const v t = V::fmadd(x, V::set1(1.44269504088896341f), magic);
  const v n = V::sub(t, magic);
  v r = V::fnmadd(n, V::set1(0.693359375f), x);
  r = V::fnmadd(n, V::set1(-2.12194440e-4f), r);
  v p = V::fmadd(V::set1(1.9875691500e-4f), r, V::set1(1.3981999507e-3f));
  p = V::fmadd(p, r, V::set1(8.3334519073e-3f));
  p = V::fmadd(p, r, V::set1(4.1665795894e-2f));
  p = V::fmadd(p, r, V::set1(1.6666665459e-1f));
  p = V::fmadd(p, r, V::set1(5.0000001201e-1f));
  const v y = V::fmadd(p, V::mul(r, r), V::add(r, V::set1(1.0f)));
  return V::mul(y, V::pow2bits(t));
}

template <class V>
static inline typename V::v vexp(typename V::v x) {
  return expClamped<V>(V::clampLo(V::clampHi(x, V::set1(88.0f)), V::set1(-87.33654f)));
}

// tanh: Eigen's rational approximation (odd degree 13 / even degree 6) on x clamped to +-7.9053.
template <class V>
static inline typename V::v vtanh(typename V::v x) {
  typedef typename V::v v;
  x = V::clampLo(V::clampHi(x, V::set1(7.90531110763549805f)), V::set1(-7.90531110763549805f));
  const v x2 = V::mul(x, x);
  v p = V::fmadd(V::set1(-2.76076847742355e-16f), x2, V::set1(2.00018790482477e-13f));
  p = V::fmadd(p, x2, V::set1(-8.60467152213735e-11f));
  p = V::fmadd(p, x2, V::set1(5.12229709037114e-08f));
  p = V::fmadd(p, x2, V::set1(1.48572235717979e-05f));
  p = V::fmadd(p, x2, V::set1(6.37261928875436e-04f));
  p = V::fmadd(p, x2, V::set1(4.89352455891786e-03f));
  p = V::mul(p, x);
  v q = V::fmadd(V::set1(1.19825839466702e-06f), x2, V::set1(1.18534705686654e-04f));
  q = V::fmadd(q, x2, V::set1(2.26843463243900e-03f));
  q = V::fmadd(q, x2, V::set1(4.89352518554385e-03f));
  return V::div(p, q);
}

// sigma(x) without overflow: e = e^-|x|; 1 / (1 + e) for x >= 0, e / (1 + e) otherwise.
template <class V>
static inline typename V::v vsigmoid(typename V::v x) {
  typedef typename V::v v;
  const v one = V::set1(1.0f);
  const v e = expClamped<V>(V::clampLo(V::orSign(x), V::set1(-87.33654f)));
  const v s = V::div(one, V::add(one, e));
  return V::geZeroSelect(x, s, V::mul(e, s));
}

// ---- lane kernels: k lanes (k = W in main loops, 1..W-1 for a tail) ------------------------------
// Strides (gs, xs, hs, ss) are in floats between the gates of one unit.

// Activation codes as kernels.h's Activation: 0 tanh, 1 relu, 2 sigmoid.
template <class V>
static inline typename V::v actv(int kind, typename V::v x) {
  if (kind == 0) return vtanh<V>(x);
  if (kind == 1) return V::relu(x);
  return vsigmoid<V>(x);
}

template <class V>
static inline void actK(int kind, int k, const float* x, float* y) {
  V::storek(y, actv<V>(kind, V::loadk(x, k)), k);
}

template <class V>
static inline void actBackK(int kind, bool acc, int k, const float* y, const float* dy, float* dx) {
  typedef typename V::v v;
  const v yv = V::loadk(y, k);
  const v d = V::loadk(dy, k);
  const v one = V::set1(1.0f);
  v g;
  if (kind == 0) g = V::mul(V::sub(one, V::mul(yv, yv)), d);
  else if (kind == 1) g = V::gtZeroAnd(yv, d);
  else g = V::mul(V::mul(yv, V::sub(one, yv)), d);
  if (acc) g = V::add(V::loadk(dx, k), g);
  V::storek(dx, g, k);
}

// LSTM forward: g holds the pre-activations i, f, g, o (gs apart), overwritten with the activations.
template <class V>
static inline void lstmFwdK(int k, float* g, ptrdiff_t gs, const float* cp, float* c, float* h) {
  typedef typename V::v v;
  const v i = vsigmoid<V>(V::loadk(g, k));
  const v f = vsigmoid<V>(V::loadk(g + gs, k));
  const v gg = vtanh<V>(V::loadk(g + 2 * gs, k));
  const v o = vsigmoid<V>(V::loadk(g + 3 * gs, k));
  V::storek(g, i, k);
  V::storek(g + gs, f, k);
  V::storek(g + 2 * gs, gg, k);
  V::storek(g + 3 * gs, o, k);
  const v ct = V::fmadd(f, V::loadk(cp, k), V::mul(i, gg));
  V::storek(c, ct, k);
  V::storek(h, V::mul(o, vtanh<V>(ct)), k);
}

// LSTM backward (dcp may alias dc: it is written last).
template <class V>
static inline void lstmBwdK(int k, const float* g, ptrdiff_t gs, const float* cp, const float* c, const float* dh,
                            const float* dc, float* dg, ptrdiff_t dgs, float* dcp) {
  typedef typename V::v v;
  const v one = V::set1(1.0f);
  const v i = V::loadk(g, k);
  const v f = V::loadk(g + gs, k);
  const v gg = V::loadk(g + 2 * gs, k);
  const v o = V::loadk(g + 3 * gs, k);
  const v tc = vtanh<V>(V::loadk(c, k));
  const v dhv = V::loadk(dh, k);
  const v dct = V::fmadd(V::mul(dhv, o), V::fnmadd(tc, tc, one), V::loadk(dc, k));  // dc + dh o (1 - tc^2)
  V::storek(dg, V::mul(V::mul(dct, gg), V::mul(i, V::sub(one, i))), k);
  V::storek(dg + dgs, V::mul(V::mul(dct, V::loadk(cp, k)), V::mul(f, V::sub(one, f))), k);
  V::storek(dg + 2 * dgs, V::mul(V::mul(dct, i), V::fnmadd(gg, gg, one)), k);
  V::storek(dg + 3 * dgs, V::mul(V::mul(dhv, tc), V::mul(o, V::sub(one, o))), k);
  V::storek(dcp, V::mul(dct, f), k);
}

// GRU forward: x (xs apart) the input projection r, z, n; hp (hs apart) h W_hh^T + b_hh;
// s (ss apart) receives r, z, n, hn.
template <class V>
static inline void gruFwdK(int k, const float* x, ptrdiff_t xs, const float* hp, ptrdiff_t hs, const float* hPrev,
                           float* s, ptrdiff_t ss, float* h) {
  typedef typename V::v v;
  const v r = vsigmoid<V>(V::add(V::loadk(x, k), V::loadk(hp, k)));
  const v z = vsigmoid<V>(V::add(V::loadk(x + xs, k), V::loadk(hp + hs, k)));
  const v hn = V::loadk(hp + 2 * hs, k);
  const v n = vtanh<V>(V::fmadd(r, hn, V::loadk(x + 2 * xs, k)));
  V::storek(s, r, k);
  V::storek(s + ss, z, k);
  V::storek(s + 2 * ss, n, k);
  V::storek(s + 3 * ss, hn, k);
  V::storek(h, V::fmadd(z, V::sub(V::loadk(hPrev, k), n), n), k);  // (1 - z) n + z hPrev
}

template <class V>
static inline void gruBwdK(int k, const float* s, ptrdiff_t ss, const float* hPrev, const float* dh, float* dx,
                           float* dhp, ptrdiff_t gs, float* dhPrev) {
  typedef typename V::v v;
  const v one = V::set1(1.0f);
  const v r = V::loadk(s, k);
  const v z = V::loadk(s + ss, k);
  const v n = V::loadk(s + 2 * ss, k);
  const v hn = V::loadk(s + 3 * ss, k);
  const v dhv = V::loadk(dh, k);
  const v an = V::mul(V::mul(dhv, V::sub(one, z)), V::fnmadd(n, n, one));
  const v ar = V::mul(V::mul(an, hn), V::mul(r, V::sub(one, r)));
  const v az = V::mul(V::mul(dhv, V::sub(V::loadk(hPrev, k), n)), V::mul(z, V::sub(one, z)));
  V::storek(dx, ar, k);
  V::storek(dx + gs, az, k);
  V::storek(dx + 2 * gs, an, k);
  V::storek(dhp, ar, k);
  V::storek(dhp + gs, az, k);
  V::storek(dhp + 2 * gs, V::mul(an, r), k);
  V::storek(dhPrev, V::mul(dhv, z), k);
}

// ---- whole-array cell kernels (the Backend methods), one thread ---------------------------------

template <class V>
static void activationForwardT(int kind, int64_t n, const float* x, float* y) {
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) actK<V>(kind, V::W, x + i, y + i);
  if (i < n) actK<V>(kind, (int)(n - i), x + i, y + i);
}

template <class V>
static void activationBackwardT(int kind, int64_t n, const float* y, const float* dy, float* dx, bool acc) {
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) actBackK<V>(kind, acc, V::W, y + i, dy + i, dx + i);
  if (i < n) actBackK<V>(kind, acc, (int)(n - i), y + i, dy + i, dx + i);
}

template <class V>
static void lstmCellForwardT(int64_t batch, int64_t hidden, float* gates, const float* cPrev, float* c, float* h) {
  const int64_t H = hidden;
  for (int64_t b = 0; b < batch; b++) {
    float* g = gates + b * 4 * H;
    const int64_t row = b * H;
    for (int64_t j = 0; j < H; j += V::W) {
      const int k = (int)(H - j < V::W ? H - j : V::W);
      lstmFwdK<V>(k, g + j, H, cPrev + row + j, c + row + j, h + row + j);
    }
  }
}

template <class V>
static void lstmCellBackwardT(int64_t batch, int64_t hidden, const float* gates, const float* cPrev, const float* c,
                              const float* dh, const float* dc, float* dGates, float* dcPrev) {
  const int64_t H = hidden;
  for (int64_t b = 0; b < batch; b++) {
    const int64_t gOff = b * 4 * H, row = b * H;
    for (int64_t j = 0; j < H; j += V::W) {
      const int k = (int)(H - j < V::W ? H - j : V::W);
      const int64_t r = row + j;
      lstmBwdK<V>(k, gates + gOff + j, H, cPrev + r, c + r, dh + r, dc + r, dGates + gOff + j, H, dcPrev + r);
    }
  }
}

template <class V>
static void gruCellForwardT(int64_t batch, int64_t hidden, const float* xProj, const float* hProj, const float* hPrev,
                            float* saved, float* h) {
  const int64_t H = hidden;
  for (int64_t b = 0; b < batch; b++) {
    const int64_t pOff = b * 3 * H, sOff = b * 4 * H, row = b * H;
    for (int64_t j = 0; j < H; j += V::W) {
      const int k = (int)(H - j < V::W ? H - j : V::W);
      gruFwdK<V>(k, xProj + pOff + j, H, hProj + pOff + j, H, hPrev + row + j, saved + sOff + j, H, h + row + j);
    }
  }
}

template <class V>
static void gruCellBackwardT(int64_t batch, int64_t hidden, const float* saved, const float* hPrev, const float* dh,
                             float* dxProj, float* dhProj, float* dhPrev) {
  const int64_t H = hidden;
  for (int64_t b = 0; b < batch; b++) {
    const int64_t pOff = b * 3 * H, sOff = b * 4 * H, row = b * H;
    for (int64_t j = 0; j < H; j += V::W) {
      const int k = (int)(H - j < V::W ? H - j : V::W);
      gruBwdK<V>(k, saved + sOff + j, H, hPrev + row + j, dh + row + j, dxProj + pOff + j, dhProj + pOff + j, H,
                 dhPrev + row + j);
    }
  }
}

// y = softmax(x) over one row of n (y may alias x); sets *logSum = log(sum exp(x - max)) and
// *max, and returns true. A row with a NaN or an infinite maximum is left to the caller's scalar
// path (false, nothing written): there the reference's NaN and infinity rules apply.
// The exponentials are vexp's, of non-positive numbers, and one below vexp's range (about
// e^-87.3) is 0 as the reference's Math.exp gives it (a masked -Infinity logit gets probability
// exactly 0). The sum is taken in float vectors over blocks of 64 vectors (1024 elements with
// AVX-512) and in double across blocks, so its relative error stays near 64 float roundings at
// worst; libm's scalar expf made this a seventh of a seq2seq training step (French vocabulary).
template <class V>
static bool softmaxRowT(int64_t n, const float* x, float* y, float* maxOut, double* logSum) {
  typedef typename V::v v;
  constexpr int W = V::W;
  float m = -INFINITY;
  bool nan = false;
  for (int64_t c = 0; c < n; c++) {
    m = x[c] > m ? x[c] : m;
    nan |= x[c] != x[c];
  }
  if (nan || !(m > -INFINITY && m < INFINITY)) return false;
  *maxOut = m;
  const v mv = V::set1(m), lo = V::set1(-87.33654f), zero = V::zero();
  double s = 0;
  alignas(64) float lanes[W];
  int64_t c = 0;
  while (c < n) {
    v acc = zero;
    const int64_t end = c + 64 * W < n ? c + 64 * W : n;
    for (; c + W <= end; c += W) {
      const v d = V::sub(V::load(x + c), mv);
      const v e = V::geZeroSelect(V::sub(d, lo), vexp<V>(d), zero);
      V::store(y + c, e);
      acc = V::add(acc, e);
    }
    V::store(lanes, acc);
    for (int i = 0; i < W; i++) s += double(lanes[i]);
    if (c < end) {  // the row's last, partial vector
      const int k = (int)(end - c);
      const v d = V::sub(V::loadk(x + c, k), mv);
      V::store(lanes, V::geZeroSelect(V::sub(d, lo), vexp<V>(d), zero));
      for (int i = 0; i < k; i++) {
        y[c + i] = lanes[i];
        s += double(lanes[i]);
      }
      c = end;
    }
  }
  const v inv = V::set1(float(1 / s));
  for (c = 0; c + W <= n; c += W) V::store(y + c, V::mul(V::load(y + c), inv));
  if (c < n) V::storek(y + c, V::mul(V::loadk(y + c, (int)(n - c)), inv), (int)(n - c));
  *logSum = std::log(s);
  return true;
}

}  // namespace
}  // namespace recur
