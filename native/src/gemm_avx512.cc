// The avx512 instantiation of the GEMM loop nest (gemm_impl.h) and of the whole-sequence chunks
// and cell kernels (recurrent_impl.h, math.h): this file is compiled with -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma
// (binding.gyp) into a library of its own, and cpu.cc calls into it only on a CPU that has
// those instructions. Nothing else lives here: threads and dispatch are in gemm.cc / recurrent.cc.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")  // see math.h
#endif
#include "kernels.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#define RECUR_ISA_NS avx512_isa
#define RECUR_V VAvx512
#include "gemm_impl.h"
#include "recurrent_impl.h"

namespace recur {
const IsaKernels* kernels_avx512() {
  static const IsaKernels t = avx512_isa::makeTable(Isa::avx512);
  return &t;
}
}  // namespace recur
#else
#include "cpu.h"
// Compiled without the flags (not x86, or a build that left them out): no such path.
namespace recur {
const IsaKernels* kernels_avx512() { return nullptr; }
}  // namespace recur
#endif
