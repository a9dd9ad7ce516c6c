// recur_native.node: the Node-API face of the native kernels (kernels.h), one binding per Backend
// method with the method's argument order (threaded kernels take the pool first; option objects
// arrive as their fields; enums as the numbers kernels.h gives them). Typed arrays are passed by
// pointer, never copied. Arguments are checked here too, cheaply (element type, null, length the
// sizes imply), because a wrong one would read or write outside a JS array: memory corruption
// rather than an exception. The contract's own checks (ld >= cols, lengths in 1..T ...) run in
// TypeScript (src/kernels/checks.ts) so every backend throws the same message. Not here: any math.
#include <node_api.h>

#include <cstdint>
#include <string>
#include <thread>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "kernels.h"
#include "peak.h"

namespace {

// A bad argument, thrown from deep in an Args getter and turned into a JS Error by `guard`: with
// C++ exceptions each binding stays one expression, and no kernel runs after a failed getter.
struct ArgError {
  std::string message;
};

const char* typed_array_name(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
    default: return "a typed array";
  }
}

// An element count; a product of sizes that overflows is refused rather than wrapped.
int64_t product(const char* kernel, std::initializer_list<int64_t> sizes) {
  int64_t p = 1;
  for (int64_t s : sizes) {
    if (__builtin_mul_overflow(p, s, &p)) throw ArgError{std::string(kernel) + ": sizes too large (their product overflows)"};
  }
  return p;
}

// Elements a [rows, cols] matrix with row stride ld spans.
int64_t matrix(const char* kernel, int64_t rows, int64_t cols, int64_t ld) {
  return rows == 0 || cols == 0 ? 0 : product(kernel, {rows - 1, ld}) + cols;
}

// The arguments of one call, read on demand by position. Getters throw ArgError naming the
// kernel and the argument.
class Args {
 public:
  Args(napi_env env, napi_callback_info info, const char* kernel) : env_(env), kernel_(kernel) {
    napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr);
    if (argc_ > kMax) argc_ = kMax;
  }

  const char* kernel() const { return kernel_; }

  double number(size_t i, const char* name) {
    double v;
    if (napi_get_value_double(env_, at(i), &v) != napi_ok) fail(name, "must be a number, got " + type_of(i));
    return v;
  }
  float f32(size_t i, const char* name) { return float(number(i, name)); }

  // A size or count: an integer in [0, 2^53).
  int64_t size(size_t i, const char* name) {
    const double v = number(i, name);
    if (!(v >= 0 && v < 9007199254740992.0 && v == double(int64_t(v)))) fail(name, "must be a non-negative integer, got " + num(v));
    return int64_t(v);
  }

  // An int32 that may be negative (ignoreIndex, paddingIdx) or an enum code in [lo, hi].
  int32_t int32(size_t i, const char* name, double lo = -2147483648.0, double hi = 2147483647.0) {
    const double v = number(i, name);
    if (!(v >= lo && v <= hi && v == double(int64_t(v)))) fail(name, "must be an integer in [" + num(lo) + ", " + num(hi) + "], got " + num(v));
    return int32_t(v);
  }

  bool flag(size_t i, const char* name) {
    bool v;
    if (napi_get_value_bool(env_, at(i), &v) != napi_ok) fail(name, "must be a boolean, got " + type_of(i));
    return v;
  }

  float* floats(size_t i, const char* name, int64_t need) { return static_cast<float*>(view(i, name, need, napi_float32_array, false)); }
  float* floats_or_null(size_t i, const char* name, int64_t need) { return static_cast<float*>(view(i, name, need, napi_float32_array, true)); }
  int32_t* ints(size_t i, const char* name, int64_t need) { return static_cast<int32_t*>(view(i, name, need, napi_int32_array, false)); }
  int32_t* ints_or_null(size_t i, const char* name, int64_t need) { return static_cast<int32_t*>(view(i, name, need, napi_int32_array, true)); }

  // The pool from createPool, or nullptr for null / undefined (run on the calling thread).
  recur::Pool* pool(size_t i) {
    if (is_nullish(i)) return nullptr;
    napi_valuetype t;
    void* p = nullptr;
    if (napi_typeof(env_, at(i), &t) != napi_ok || t != napi_external || napi_get_value_external(env_, at(i), &p) != napi_ok) {
      fail("pool", "must be a pool from createPool, got " + type_of(i));
    }
    return static_cast<recur::Pool*>(p);
  }

  [[noreturn]] void fail(const char* name, const std::string& what) {
    throw ArgError{std::string(kernel_) + ": " + name + " " + what};
  }

  napi_env env() const { return env_; }

 private:
  static constexpr size_t kMax = 24;
  napi_env env_;
  const char* kernel_;
  size_t argc_ = kMax;
  napi_value argv_[kMax];

  napi_value at(size_t i) {
    if (i < argc_) return argv_[i];
    napi_value u;
    napi_get_undefined(env_, &u);
    return u;
  }

  bool is_nullish(size_t i) {
    napi_valuetype t;
    return napi_typeof(env_, at(i), &t) == napi_ok && (t == napi_null || t == napi_undefined);
  }

  std::string type_of(size_t i) {
    napi_valuetype t = napi_undefined;
    napi_typeof(env_, at(i), &t);
    static const char* names[] = {"undefined", "null", "boolean", "number", "string", "symbol", "object", "function", "external", "bigint"};
    bool typed = false;
    if (t == napi_object && napi_is_typedarray(env_, at(i), &typed) == napi_ok && typed) {
      napi_typedarray_type type;
      size_t length;
      napi_get_typedarray_info(env_, at(i), &type, &length, nullptr, nullptr, nullptr);
      return typed_array_name(type);
    }
    return t >= 0 && t <= napi_bigint ? names[t] : "something else";
  }

  static std::string num(double v) {
    std::string s = std::to_string(v);
    // to_string prints 6 decimals: trim them from integers for a readable message.
    if (s.find('.') != std::string::npos) {
      s.erase(s.find_last_not_of('0') + 1);
      if (s.back() == '.') s.pop_back();
    }
    return s;
  }

  // The data of a typed array of `type` holding at least `need` elements (its byteOffset
  // applied: napi_get_typedarray_info returns the first element's address).
  void* view(size_t i, const char* name, int64_t need, napi_typedarray_type want, bool nullable) {
    const char* wantName = typed_array_name(want);
    if (is_nullish(i)) {
      if (nullable) return nullptr;
      fail(name, std::string("must be a ") + wantName + ", got " + type_of(i));
    }
    bool typed = false;
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    if (napi_is_typedarray(env_, at(i), &typed) != napi_ok || !typed ||
        napi_get_typedarray_info(env_, at(i), &type, &length, &data, nullptr, nullptr) != napi_ok || type != want) {
      fail(name, std::string("must be a ") + wantName + ", got " + type_of(i));
    }
    if (int64_t(length) < need) {
      fail(name, "holds " + std::to_string(length) + " elements but the sizes need " + std::to_string(need));
    }
    // An empty (or detached) array may have no data at all; kernels never read it, but they take
    // a non-null pointer where the contract has no null.
    static int64_t empty;
    return data ? data : &empty;
  }
};

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}
napi_value to_js(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}
napi_value to_js(napi_env env, bool v) {
  napi_value r;
  napi_get_boolean(env, v, &r);
  return r;
}
napi_value to_js(napi_env env, const char* s) {
  napi_value r;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r);
  return r;
}

// Runs one binding body; an ArgError becomes a JS Error with its message.
template <typename Body>
napi_value guard(napi_env env, Body body) {
  try {
    return body();
  } catch (const ArgError& e) {
    napi_throw_error(env, nullptr, e.message.c_str());
    return nullptr;
  }
}

// BINDING(name, statements...): a JS function `name` whose body sees `a` (the Args) and returns
// undefined; RETURNING(name, expression): the same returning the expression's value.
#define BINDING(js, ...)                                                                      \
  napi_value js(napi_env env, napi_callback_info info) {                                      \
    return guard(env, [&]() -> napi_value { Args a(env, info, #js); __VA_ARGS__; return undefined(env); }); \
  }
#define RETURNING(js, ...)                                                                    \
  napi_value js(napi_env env, napi_callback_info info) {                                      \
    return guard(env, [&]() -> napi_value { Args a(env, info, #js); return to_js(env, __VA_ARGS__); }); \
  }

using recur::Activation;
using recur::Cell;

Activation act(Args& a, size_t i) { return Activation(a.int32(i, "kind", 0, 2)); }
Cell cell(Args& a, size_t i) { return Cell(a.int32(i, "kind", 0, 4)); }
int64_t gates_of(Cell k) { return k == Cell::lstm ? 4 : k == Cell::gru ? 3 : 1; }
int64_t saved_gates_of(Cell k) { return k == Cell::lstm || k == Cell::gru ? 4 : 1; }

// ---- matrix products -----------------------------------------------------------------------------
// Args: pool, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc
BINDING(gemm,
  const bool tA = a.flag(1, "transA"), tB = a.flag(2, "transB");
  const int64_t m = a.size(3, "m"), n = a.size(4, "n"), k = a.size(5, "k"), lda = a.size(8, "lda"), ldb = a.size(10, "ldb"), ldc = a.size(13, "ldc");
  recur::gemm(a.pool(0), tA, tB, m, n, k, a.f32(6, "alpha"), a.floats(7, "a", matrix("gemm", tA ? k : m, tA ? m : k, lda)), lda,
              a.floats(9, "b", matrix("gemm", tB ? n : k, tB ? k : n, ldb)), ldb, a.f32(11, "beta"), a.floats(12, "c", matrix("gemm", m, n, ldc)), ldc))
RETURNING(gemmPackedSize, double(recur::gemm_packed_size(a.size(0, "k"), a.size(1, "n"))))
// Args: transB, k, n, b, ldb, packed
BINDING(gemmPackB,
  const bool tB = a.flag(0, "transB");
  const int64_t k = a.size(1, "k"), n = a.size(2, "n"), ldb = a.size(4, "ldb");
  recur::gemm_pack_b(tB, k, n, a.floats(3, "b", matrix("gemmPackB", tB ? n : k, tB ? k : n, ldb)), ldb, a.floats(5, "packed", recur::gemm_packed_size(k, n))))
// Args: pool, transA, m, n, k, alpha, a, lda, packed, beta, c, ldc
BINDING(gemmPacked,
  const bool tA = a.flag(1, "transA");
  const int64_t m = a.size(2, "m"), n = a.size(3, "n"), k = a.size(4, "k"), lda = a.size(7, "lda"), ldc = a.size(11, "ldc");
  recur::gemm_packed(a.pool(0), tA, m, n, k, a.f32(5, "alpha"), a.floats(6, "a", matrix("gemmPacked", tA ? k : m, tA ? m : k, lda)), lda,
                     a.floats(8, "packed", recur::gemm_packed_size(k, n)), a.f32(9, "beta"), a.floats(10, "c", matrix("gemmPacked", m, n, ldc)), ldc))

// ---- elementwise and reductions ------------------------------------------------------------------
BINDING(fill, const int64_t n = a.size(1, "n"); recur::fill(a.pool(0), n, a.f32(2, "value"), a.floats(3, "x", n)))
BINDING(axpy, const int64_t n = a.size(1, "n"); recur::axpy(a.pool(0), n, a.f32(2, "alpha"), a.floats(3, "x", n), a.floats(4, "y", n)))
BINDING(scale, const int64_t n = a.size(1, "n"); recur::scale(a.pool(0), n, a.f32(2, "alpha"), a.floats(3, "x", n)))
BINDING(mul, const int64_t n = a.size(1, "n"); recur::mul(a.pool(0), n, a.floats(2, "a", n), a.floats(3, "b", n), a.floats(4, "out", n)))
BINDING(add, const int64_t n = a.size(1, "n"); recur::add(a.pool(0), n, a.floats(2, "a", n), a.floats(3, "b", n), a.floats(4, "out", n)))
BINDING(clamp, const int64_t n = a.size(1, "n"); recur::clamp(a.pool(0), n, a.f32(2, "lo"), a.f32(3, "hi"), a.floats(4, "x", n)))
BINDING(addRowVector, const int64_t r = a.size(1, "rows"), c = a.size(2, "cols");
  recur::add_row_vector(a.pool(0), r, c, a.floats(3, "bias", c), a.floats(4, "x", product("addRowVector", {r, c}))))
BINDING(sumRows, const int64_t r = a.size(1, "rows"), c = a.size(2, "cols");
  recur::sum_rows(a.pool(0), r, c, a.floats(3, "x", product("sumRows", {r, c})), a.floats(4, "out", c)))
RETURNING(sum, [&] { const int64_t n = a.size(0, "n"); return recur::sum(n, a.floats(1, "x", n)); }())
RETURNING(sumSquares, [&] { const int64_t n = a.size(0, "n"); return recur::sum_squares(n, a.floats(1, "x", n)); }())
BINDING(activationForward, const int64_t n = a.size(2, "n"); recur::activation_forward(a.pool(0), act(a, 1), n, a.floats(3, "x", n), a.floats(4, "y", n)))
BINDING(activationBackward, const int64_t n = a.size(2, "n");
  recur::activation_backward(a.pool(0), act(a, 1), n, a.floats(3, "y", n), a.floats(4, "dy", n), a.floats(5, "dx", n), a.flag(6, "accumulate")))

// ---- fused recurrent cells -------------------------------------------------------------------------
// Each takes batch, hidden first; BH = [B, H] and xH = [B, x*H] buffers.
#define CELL_SIZES(fn) [[maybe_unused]] const int64_t B = a.size(0, "batch"), H = a.size(1, "hidden"), BH = product(fn, {B, H}), BH3 = 3 * BH, BH4 = 4 * BH
BINDING(lstmCellForward, CELL_SIZES("lstmCellForward");
  recur::lstm_cell_forward(B, H, a.floats(2, "gates", BH4), a.floats(3, "cPrev", BH), a.floats(4, "c", BH), a.floats(5, "h", BH)))
BINDING(lstmCellBackward, CELL_SIZES("lstmCellBackward");
  recur::lstm_cell_backward(B, H, a.floats(2, "gates", BH4), a.floats(3, "cPrev", BH), a.floats(4, "c", BH), a.floats(5, "dh", BH),
                            a.floats(6, "dc", BH), a.floats(7, "dGates", BH4), a.floats(8, "dcPrev", BH)))
BINDING(gruCellForward, CELL_SIZES("gruCellForward");
  recur::gru_cell_forward(B, H, a.floats(2, "xProj", BH3), a.floats(3, "hProj", BH3), a.floats(4, "hPrev", BH), a.floats(5, "saved", BH4),
                          a.floats(6, "h", BH)))
BINDING(gruCellBackward, CELL_SIZES("gruCellBackward");
  recur::gru_cell_backward(B, H, a.floats(2, "saved", BH4), a.floats(3, "hPrev", BH), a.floats(4, "dh", BH), a.floats(5, "dxProj", BH3),
                           a.floats(6, "dhProj", BH3), a.floats(7, "dhPrev", BH)))

// ---- whole recurrent sequences ------------------------------------------------------------------
RETURNING(recurrentPackedSize, double(recur::recurrent_packed_size(a.size(0, "gates"), a.size(1, "hidden"))))
BINDING(recurrentPack, const int64_t G = a.size(0, "gates"), H = a.size(1, "hidden");
  recur::recurrent_pack(G, H, a.floats(2, "weightHh", product("recurrentPack", {G, H, H})), a.floats(3, "packed", recur::recurrent_packed_size(G, H))))

// What a training forward saves (RecurrentSaved, flattened to four arguments from `i` on):
// nullptr for inference, else all of them, cPrev and c only for the LSTM.
recur::Saved saved(Args& a, size_t i, Cell kind, int64_t T, int64_t B, int64_t H, bool required) {
  const int64_t TBH = product(a.kernel(), {T, B, H});
  const bool lstm = kind == Cell::lstm;
  recur::Saved s{a.floats_or_null(i, "save.gates", product(a.kernel(), {TBH, saved_gates_of(kind)})), nullptr, nullptr, nullptr};
  if (!s.gates && !required) return s;
  if (!s.gates) a.fail("saved.gates", "must be a Float32Array, got null");
  s.hPrev = a.floats(i + 1, "save.hPrev", TBH);
  s.cPrev = lstm ? a.floats(i + 2, "save.cPrev", TBH) : nullptr;
  s.c = lstm ? a.floats(i + 3, "save.c", TBH) : nullptr;
  return s;
}

// Args: pool, kind, steps, batch, hidden, xProj, packed, hBias, lengths, reverse, h, c, out,
//       saveGates, saveHPrev, saveCPrev, saveC (these four null for inference), xBias (null: none),
//       x, inputSize, weightIh (x null: the projection is xProj; otherwise xProj is null and the
//       kernel projects x [T, B, inputSize] with weightIh [G*H, inputSize] itself)
BINDING(recurrentSequence,
  const Cell kind = cell(a, 1);
  const int64_t T = a.size(2, "steps"), B = a.size(3, "batch"), H = a.size(4, "hidden"), G = gates_of(kind), BH = product("recurrentSequence", {B, H});
  const recur::Saved save = saved(a, 13, kind, T, B, H, false);
  const int64_t I = a.size(19, "inputSize");
  const float* x = a.floats_or_null(18, "x", product("recurrentSequence", {T, B, I}));
  const recur::RecurrentInput input{x, I, x ? a.floats(20, "weightIh", product("recurrentSequence", {G, H, I})) : nullptr};
  const float* xProj = a.floats_or_null(5, "xProj", product("recurrentSequence", {T, BH, G}));
  if (!x == !xProj) a.fail("xProj", x ? "must be null when x is given" : "must be a Float32Array when x is null");
  const float* xBias = a.floats_or_null(17, "xBias", G * H);
  // GRU's cell reads a given projection as it is: its input biases must be in it already.
  if (kind == Cell::gru && xProj && xBias) a.fail("xBias", "must be null for GRU with a given xProj (add it to xProj)");
  recur::recurrent_sequence(a.pool(0), kind, T, B, H, xProj,
    a.floats(6, "packed", recur::recurrent_packed_size(G, H)), kind == Cell::gru ? a.floats_or_null(7, "hBias", G * H) : nullptr,
    a.ints_or_null(8, "lengths", B), a.flag(9, "reverse"), a.floats(10, "h", BH),
    kind == Cell::lstm ? a.floats(11, "c", BH) : nullptr, a.floats(12, "out", product("recurrentSequence", {T, BH})), save.gates ? &save : nullptr,
    xBias, x ? &input : nullptr))

// Args: pool, kind, steps, batch, hidden, packedT, lengths, reverse, savedGates, savedHPrev,
//       savedCPrev, savedC, dOut, dh, dc, dxProj, dhProj
BINDING(recurrentSequenceBackward,
  const Cell kind = cell(a, 1);
  const int64_t T = a.size(2, "steps"), B = a.size(3, "batch"), H = a.size(4, "hidden"), G = gates_of(kind), BH = product("recurrentSequenceBackward", {B, H});
  const int64_t TBGH = product("recurrentSequenceBackward", {T, BH, G});
  const recur::Saved s = saved(a, 8, kind, T, B, H, true);
  recur::recurrent_sequence_backward(a.pool(0), kind, T, B, H, a.floats(5, "packedT", recur::gemm_packed_size(G * H, H)),
    a.ints_or_null(6, "lengths", B), a.flag(7, "reverse"), s, a.floats_or_null(12, "dOut", T * BH), a.floats(13, "dh", BH),
    kind == Cell::lstm ? a.floats(14, "dc", BH) : nullptr, a.floats(15, "dxProj", TBGH),
    kind == Cell::gru ? a.floats(16, "dhProj", TBGH) : nullptr))

// ---- losses ----------------------------------------------------------------------------------------
// softmaxCrossEntropyForward returns false when a target is out of range (TypeScript throws the
// shared error message, which names the row).
RETURNING(softmaxCrossEntropyForward, [&] {
  const int64_t N = a.size(1, "rows"), V = a.size(2, "classes"), NV = product("softmaxCrossEntropyForward", {N, V});
  return recur::softmax_cross_entropy_forward(a.pool(0), N, V, a.floats(3, "logits", NV), a.ints(4, "targets", N), a.int32(5, "ignoreIndex"),
                                              a.floats(6, "probs", NV), a.floats(7, "losses", N)); }())
BINDING(softmaxCrossEntropyBackward, const int64_t N = a.size(1, "rows"), V = a.size(2, "classes"), NV = product("softmaxCrossEntropyBackward", {N, V});
  recur::softmax_cross_entropy_backward(a.pool(0), N, V, a.floats(3, "probs", NV), a.ints(4, "targets", N), a.int32(5, "ignoreIndex"),
                                        a.floats(6, "rowScale", N), a.floats(7, "dLogits", NV)))
BINDING(softmax, const int64_t r = a.size(1, "rows"), c = a.size(2, "cols"), n = product("softmax", {r, c});
  recur::softmax(a.pool(0), r, c, a.floats(3, "x", n), a.floats(4, "y", n)))
BINDING(bceWithLogitsForward, const int64_t n = a.size(1, "n");
  recur::bce_with_logits_forward(a.pool(0), n, a.floats(2, "logits", n), a.floats(3, "targets", n), a.f32(4, "posWeight"), a.floats(5, "losses", n)))
BINDING(bceWithLogitsBackward, const int64_t n = a.size(1, "n");
  recur::bce_with_logits_backward(a.pool(0), n, a.floats(2, "logits", n), a.floats(3, "targets", n), a.f32(4, "posWeight"), a.floats(5, "scale", n),
                                  a.floats(6, "dLogits", n)))

// ---- embeddings ------------------------------------------------------------------------------------
// embeddingForward returns false on an id outside [0, vocab) (TypeScript throws, naming the position).
RETURNING(embeddingForward, [&] {
  const int64_t N = a.size(1, "rows"), D = a.size(2, "dim"), V = a.size(3, "vocab");
  return recur::embedding_forward(a.pool(0), N, D, V, a.ints(4, "ids", N), a.floats(5, "table", product("embeddingForward", {V, D})),
                                  a.floats(6, "out", product("embeddingForward", {N, D}))); }())
BINDING(embeddingBackward, const int64_t N = a.size(0, "rows"), D = a.size(1, "dim"), V = a.size(2, "vocab");
  recur::embedding_backward(N, D, V, a.ints(3, "ids", N), a.floats(4, "dOut", product("embeddingBackward", {N, D})),
                            a.floats(5, "dTable", product("embeddingBackward", {V, D})), a.int32(6, "paddingIdx")))

// ---- optimizers: the option objects' fields follow the buffers, in backend.ts's order -------------
BINDING(sgdStep, const int64_t n = a.size(1, "n");
  const recur::SgdOptions o{a.number(5, "lr"), a.number(6, "momentum"), a.number(7, "dampening"), a.number(8, "weightDecay"), a.flag(9, "nesterov")};
  // momentumBuf is read only with momentum; without it the caller may pass an empty array.
  recur::sgd_step(a.pool(0), n, a.floats(2, "params", n), a.floats(3, "grads", n), a.floats(4, "momentumBuf", o.momentum != 0 ? n : 0), o, a.flag(10, "firstStep")))
BINDING(adagradStep, const int64_t n = a.size(1, "n");
  const recur::AdagradOptions o{a.number(5, "lr"), a.number(6, "eps"), a.number(7, "weightDecay")};
  recur::adagrad_step(a.pool(0), n, a.floats(2, "params", n), a.floats(3, "grads", n), a.floats(4, "sumSquares", n), o))
BINDING(rmspropStep, const int64_t n = a.size(1, "n");
  const recur::RmspropOptions o{a.number(7, "lr"), a.number(8, "alpha"), a.number(9, "eps"), a.number(10, "weightDecay"), a.number(11, "momentum"), a.flag(12, "centered")};
  recur::rmsprop_step(a.pool(0), n, a.floats(2, "params", n), a.floats(3, "grads", n), a.floats(4, "squareAvg", n),
                      a.floats(5, "gradAvg", o.centered ? n : 0), a.floats(6, "momentumBuf", o.momentum > 0 ? n : 0), o))
BINDING(adamStep, const int64_t n = a.size(1, "n");
  const recur::AdamOptions o{a.number(6, "lr"), a.number(7, "beta1"), a.number(8, "beta2"), a.number(9, "eps"), a.number(10, "weightDecay"),
                             a.flag(11, "decoupled"), a.number(12, "biasCorrection1"), a.number(13, "biasCorrection2")};
  recur::adam_step(a.pool(0), n, a.floats(2, "params", n), a.floats(3, "grads", n), a.floats(4, "m", n), a.floats(5, "v", n), o))

// ---- threads and CPU dispatch ------------------------------------------------------------------------
void destroy_pool(napi_env, void* pool, void*) { recur::pool_destroy(static_cast<recur::Pool*>(pool)); }

// createPool(threads): an external owning a pool of `threads` threads (the caller's included);
// the garbage collector's finalizer joins its workers.
napi_value createPool(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args a(env, info, "createPool");
    napi_value external;
    recur::Pool* pool = recur::pool_create(a.int32(0, "threads", 1, 256));
    if (napi_create_external(env, pool, destroy_pool, nullptr, &external) != napi_ok) {
      recur::pool_destroy(pool);
      throw ArgError{"createPool: could not wrap the pool"};
    }
    return external;
  });
}
RETURNING(poolThreads, double(recur::pool_threads(a.pool(0))))
// fmaCeiling(pool, seconds): GFLOP/s of the active instruction set's register-only multiply-adds
// on every thread of the pool at once, summed (the benchmark's native peak; not a kernel).
RETURNING(fmaCeiling, recur::fma_ceiling(a.pool(0), a.number(1, "seconds")))

// info(): { isaBest, isaActive, features, threadsMax } for descriptions and `recur doctor`.
napi_value info(napi_env env, napi_callback_info) {
  napi_value o;
  napi_create_object(env, &o);
  napi_set_named_property(env, o, "isaBest", to_js(env, recur::isa_name(recur::isa_best())));
  napi_set_named_property(env, o, "isaActive", to_js(env, recur::isa_name(recur::isa_active())));
  napi_set_named_property(env, o, "features", to_js(env, recur::cpu_features()));
  napi_set_named_property(env, o, "threadsMax", to_js(env, double(std::thread::hardware_concurrency())));
  return o;
}

// setIsa(name): chooses the kernels' instruction set; false when this CPU cannot run it.
napi_value setIsa(napi_env env, napi_callback_info cbinfo) {
  return guard(env, [&]() -> napi_value {
    napi_value argv[1];
    size_t argc = 1;
    napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr);
    char name[16] = {0};
    size_t len = 0;
    if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok) {
      throw ArgError{"setIsa: isa must be a string ('portable', 'avx2' or 'avx512')"};
    }
    for (recur::Isa isa : {recur::Isa::portable, recur::Isa::avx2, recur::Isa::avx512}) {
      if (std::string(name) == recur::isa_name(isa)) return to_js(env, recur::set_isa(isa));
    }
    throw ArgError{std::string("setIsa: isa must be 'portable', 'avx2' or 'avx512', got '") + name + "'"};
  });
}

// releaseFreedMemory(): hands the C allocator's free pages back to the system (glibc's
// malloc_trim(0)); true when it could. A training process frees far more than it keeps: V8's
// compiler zones, write buffers, a run's evaluation batches. glibc keeps those pages (in the arena
// of each thread that freed them) until something asks, so resident memory climbs through a
// run's first seconds and stays there; the task runner asks every few seconds (run-task.ts).
napi_value releaseFreedMemory(napi_env env, napi_callback_info) {
#if defined(__GLIBC__)
  malloc_trim(0);
  return to_js(env, true);
#else
  return to_js(env, false);
#endif
}

#define EXPORT(fn) {#fn, nullptr, fn, nullptr, nullptr, nullptr, napi_enumerable, nullptr}

napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
    EXPORT(gemm), EXPORT(gemmPackedSize), EXPORT(gemmPackB), EXPORT(gemmPacked),
    EXPORT(fill), EXPORT(axpy), EXPORT(scale), EXPORT(mul), EXPORT(add), EXPORT(clamp), EXPORT(addRowVector), EXPORT(sumRows),
    EXPORT(sum), EXPORT(sumSquares), EXPORT(activationForward), EXPORT(activationBackward),
    EXPORT(lstmCellForward), EXPORT(lstmCellBackward), EXPORT(gruCellForward), EXPORT(gruCellBackward),
    EXPORT(recurrentPackedSize), EXPORT(recurrentPack), EXPORT(recurrentSequence), EXPORT(recurrentSequenceBackward),
    EXPORT(softmaxCrossEntropyForward), EXPORT(softmaxCrossEntropyBackward), EXPORT(softmax),
    EXPORT(bceWithLogitsForward), EXPORT(bceWithLogitsBackward), EXPORT(embeddingForward), EXPORT(embeddingBackward),
    EXPORT(sgdStep), EXPORT(adagradStep), EXPORT(rmspropStep), EXPORT(adamStep),
    EXPORT(createPool), EXPORT(poolThreads), EXPORT(fmaCeiling), EXPORT(info), EXPORT(setIsa), EXPORT(releaseFreedMemory),
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
