// CPU feature detection and the per-instruction-set kernel tables (cpu.cc). The public side
// (isa_best, isa_active, set_isa, isa_name, cpu_features) is declared in kernels.h; this header
// adds what the kernel files share: one table of function pointers per instruction set, filled
// by gemm.cc (portable), gemm_avx2.cc and gemm_avx512.cc, and `active_kernels()`, the table of
// isa_active(). Packed layouts (gemm_pack_b, recurrent_pack) do not depend on the ISA, so a
// buffer packed under one path is valid under another.
#pragma once
#include <cstdint>
#include "kernels.h"

namespace recur {

struct SeqArgs;  // recurrent_impl.h

struct IsaKernels {
  Isa isa;
  // One thread, no splitting: C[m, n] = alpha * op(A) op(B) + beta * C (B unpacked, or packed by
  // gemm_pack_b / recurrent_pack with nTotal columns, of which this call uses [j0, j0 + n), j0 % 16 == 0).
  void (*gemm)(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
               const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
  void (*gemm_packed)(bool transA, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                      const float* packed, int64_t nTotal, int64_t j0, float beta, float* c, int64_t ldc);
  void (*activation_forward)(int kind, int64_t n, const float* x, float* y);
  void (*activation_backward)(int kind, int64_t n, const float* y, const float* dy, float* dx, bool accumulate);
  void (*lstm_cell_forward)(int64_t batch, int64_t hidden, float* gates, const float* cPrev, float* c, float* h);
  void (*lstm_cell_backward)(int64_t batch, int64_t hidden, const float* gates, const float* cPrev, const float* c,
                             const float* dh, const float* dc, float* dGates, float* dcPrev);
  void (*gru_cell_forward)(int64_t batch, int64_t hidden, const float* xProj, const float* hProj, const float* hPrev,
                           float* saved, float* h);
  void (*gru_cell_backward)(int64_t batch, int64_t hidden, const float* saved, const float* hPrev, const float* dh,
                            float* dxProj, float* dhProj, float* dhPrev);
  // Whole sequences: one chunk (a range of 16-unit blocks) of one phase (recurrent_impl.h).
  void (*seq_forward_chunk)(const SeqArgs& a, int chunk, int phase);
  void (*seq_backward_chunk)(const SeqArgs& a, int chunk, int phase);
  // One row of softmax (math.h softmaxRowT); false leaves the row to the scalar path (losses.cc).
  bool (*softmax_row)(int64_t n, const float* x, float* y, float* max, double* logSum);
};

// The tables; nullptr when the file was built without that instruction set's flags.
const IsaKernels* kernels_portable();
const IsaKernels* kernels_avx2();
const IsaKernels* kernels_avx512();
// The table of isa_active().
const IsaKernels& active_kernels();

}  // namespace recur
