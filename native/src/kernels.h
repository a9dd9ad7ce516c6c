// recur's native kernels: the C++ side of src/kernels/native (issue 19).
//
// One function per Backend method (src/kernels/backend.ts is the specification: argument order,
// layouts, aliasing, overwrite vs accumulate are exactly as documented there). Pointers are the
// data of the Float32Array / Int32Array views the TypeScript side passes (their byteOffset
// applied); a pointer the contract allows to be null is nullptr. Sizes are int64_t.
//
// Threaded kernels take a Pool* (nullptr or a one-thread pool: run on the calling thread). Their
// results must be bit-identical for every thread count: threads split the output, never a sum.
//
// Ownership while issue 19 is built by two people at once:
//   addon.cc, elementwise.cc, losses.cc, embedding.cc, optim.cc       -> the "shell" helper
//   pool.{h,cc}, cpu.{h,cc}, math.h, gemm*.cc, cells*.cc, recurrent*.cc -> the "kernels" helper
// Files named *_avx2.cc compile with -mavx2 -mfma -mf16c, *_avx512.cc with
// -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma; everything else for baseline x86-64 (or the
// build machine's own architecture elsewhere). No -ffast-math: NaN and Inf must propagate.
#pragma once
#include <cstdint>

// RECUR_CLONES before a portable function: GCC on x86-64 Linux also compiles it for AVX2 and
// AVX-512 (where this build can) and picks the best when the library loads (an ifunc). For
// loops the compiler vectorises whose every operation is exactly rounded (no fused multiply-add:
// -ffp-contract=off; no libm calls): each clone gives the same bits, so set_isa need not see them.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && defined(RECUR_HAVE_AVX512)
#define RECUR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#elif defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && defined(RECUR_HAVE_AVX2)
#define RECUR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define RECUR_CLONES
#endif

namespace recur {

struct Pool;  // pool.h

// ---- threads (pool.cc) ------------------------------------------------------------------
// Starts threads - 1 workers (spin briefly after each job, then park on a futex/condvar).
Pool* pool_create(int threads);
void pool_destroy(Pool* pool);  // joins the workers
int pool_threads(const Pool* pool);

// ---- CPU features and dispatch (cpu.cc) --------------------------------------------------
enum class Isa : int { portable = 0, avx2 = 1, avx512 = 2 };
// What the CPU and OS support (cpuid + xgetbv), best first.
Isa isa_best();
// The instruction set kernels use now: isa_best(), or what set_isa chose (a test runs each path).
Isa isa_active();
// Chooses the path; returns false (and changes nothing) if the CPU cannot run it.
bool set_isa(Isa isa);
const char* isa_name(Isa isa);  // "portable", "avx2", "avx512"
// Features seen, e.g. "sse4.2 avx avx2 fma f16c" (for `recur doctor`).
const char* cpu_features();

// ---- matrix products (gemm*.cc) -----------------------------------------------------------
void gemm(Pool* pool, bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
int64_t gemm_packed_size(int64_t k, int64_t n);
void gemm_pack_b(bool transB, int64_t k, int64_t n, const float* b, int64_t ldb, float* packed);
void gemm_packed(Pool* pool, bool transA, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                 int64_t lda, const float* packed, float beta, float* c, int64_t ldc);

// ---- elementwise and reductions (elementwise.cc) -------------------------------------------
void fill(Pool* pool, int64_t n, float value, float* x);
void axpy(Pool* pool, int64_t n, float alpha, const float* x, float* y);
void scale(Pool* pool, int64_t n, float alpha, float* x);
void mul(Pool* pool, int64_t n, const float* a, const float* b, float* out);
void add(Pool* pool, int64_t n, const float* a, const float* b, float* out);
void clamp(Pool* pool, int64_t n, float lo, float hi, float* x);
void add_row_vector(Pool* pool, int64_t rows, int64_t cols, const float* bias, float* x);
void sum_rows(Pool* pool, int64_t rows, int64_t cols, const float* x, float* out);
double sum(int64_t n, const float* x);
double sum_squares(int64_t n, const float* x);

// ---- activations and fused cells (cells*.cc; math.h holds the shared scalar/vector math) ----
enum class Activation : int { tanh = 0, relu = 1, sigmoid = 2 };
void activation_forward(Pool* pool, Activation kind, int64_t n, const float* x, float* y);
void activation_backward(Pool* pool, Activation kind, int64_t n, const float* y, const float* dy, float* dx, bool accumulate);
void lstm_cell_forward(int64_t batch, int64_t hidden, float* gates, const float* cPrev, float* c, float* h);
void lstm_cell_backward(int64_t batch, int64_t hidden, const float* gates, const float* cPrev, const float* c,
                        const float* dh, const float* dc, float* dGates, float* dcPrev);
void gru_cell_forward(int64_t batch, int64_t hidden, const float* xProj, const float* hProj, const float* hPrev,
                      float* saved, float* h);
void gru_cell_backward(int64_t batch, int64_t hidden, const float* saved, const float* hPrev, const float* dh,
                       float* dxProj, float* dhProj, float* dhPrev);

// ---- whole recurrent sequences (recurrent*.cc) ---------------------------------------------
// Cell kinds as src/kernels/cell-kinds.ts numbers them.
enum class Cell : int { lstm = 0, gru = 1, rnn_tanh = 2, rnn_relu = 3, rnn_sigmoid = 4 };
struct Saved { float* gates; float* hPrev; float* cPrev; float* c; };  // all nullptr: inference
int64_t recurrent_packed_size(int64_t gates, int64_t hidden);
void recurrent_pack(int64_t gates, int64_t hidden, const float* weightHh, float* packed);
// The input side of a sequence that projects x itself: x [T, B, size], weightIh [G*H, size].
struct RecurrentInput { const float* x; int64_t size; const float* weightIh; };
// The input projection is xProj [T, B, G*H], or, with xProj nullptr, x_t W_ih^T from `input`
// computed step by step (the same bits). xBias (nullptr: none) is added to every row of it as
// the kernel reads it.
void recurrent_sequence(Pool* pool, Cell kind, int64_t steps, int64_t batch, int64_t hidden, const float* xProj,
                        const float* packed, const float* hBias, const int32_t* lengths, bool reverse, float* h,
                        float* c, float* out, const Saved* save, const float* xBias, const RecurrentInput* input);
void recurrent_sequence_backward(Pool* pool, Cell kind, int64_t steps, int64_t batch, int64_t hidden,
                                 const float* packedT, const int32_t* lengths, bool reverse, const Saved& saved,
                                 const float* dOut, float* dh, float* dc, float* dxProj, float* dhProj);

// ---- losses (losses.cc) ----------------------------------------------------------------------
// Returns false (writing nothing) when a non-ignored target is outside [0, classes); the addon throws.
bool softmax_cross_entropy_forward(Pool* pool, int64_t rows, int64_t classes, const float* logits, const int32_t* targets,
                                   int32_t ignoreIndex, float* probs, float* losses);
void softmax_cross_entropy_backward(Pool* pool, int64_t rows, int64_t classes, const float* probs, const int32_t* targets,
                                    int32_t ignoreIndex, const float* rowScale, float* dLogits);
void softmax(Pool* pool, int64_t rows, int64_t cols, const float* x, float* y);
void bce_with_logits_forward(Pool* pool, int64_t n, const float* logits, const float* targets, float posWeight, float* losses);
void bce_with_logits_backward(Pool* pool, int64_t n, const float* logits, const float* targets, float posWeight,
                              const float* scale, float* dLogits);

// ---- embeddings (embedding.cc) ---------------------------------------------------------------
// Returns false (writing nothing) on an id outside [0, vocab); the addon throws.
bool embedding_forward(Pool* pool, int64_t rows, int64_t dim, int64_t vocab, const int32_t* ids, const float* table, float* out);
void embedding_backward(int64_t rows, int64_t dim, int64_t vocab, const int32_t* ids, const float* dOut,
                        float* dTable, int32_t paddingIdx);

// ---- optimizers (optim.cc); options as in backend.ts ------------------------------------------
// Scalars are doubles, as the JS numbers they come from (the implementation chooses where to round).
struct SgdOptions { double lr, momentum, dampening, weightDecay; bool nesterov; };
struct AdagradOptions { double lr, eps, weightDecay; };
struct RmspropOptions { double lr, alpha, eps, weightDecay, momentum; bool centered; };
struct AdamOptions { double lr, beta1, beta2, eps, weightDecay; bool decoupled; double biasCorrection1, biasCorrection2; };
void sgd_step(Pool* pool, int64_t n, float* params, const float* grads, float* momentumBuf, const SgdOptions& o, bool firstStep);
void adagrad_step(Pool* pool, int64_t n, float* params, const float* grads, float* sumSquares, const AdagradOptions& o);
void rmsprop_step(Pool* pool, int64_t n, float* params, const float* grads, float* squareAvg, float* gradAvg, float* momentumBuf,
                  const RmspropOptions& o);
void adam_step(Pool* pool, int64_t n, float* params, const float* grads, float* m, float* v, const AdamOptions& o);

}  // namespace recur
