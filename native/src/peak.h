// The native multiply-add ceiling (peak.cc, peak_avx2.cc, peak_avx512.cc): what any native code
// can multiply per thread here, for the benchmark's "% of the FMA peak" column (the analogue of
// src/bench/simd-ceiling.ts for wasm). Independent multiply-add chains on registers, no memory.
// Not a kernel of the Backend contract.
#pragma once
#include <cstdint>
#include "kernels.h"

namespace recur {

// Runs `iters` rounds of the instruction set's chains; returns the floating-point operations done
// (a fused multiply-add counts 2 per lane).
double fma_chains_portable(int64_t iters);
double fma_chains_avx2(int64_t iters);
double fma_chains_avx512(int64_t iters);

// Every thread of the pool runs the active instruction set's chains for about `seconds`; returns
// the GFLOP/s of each thread, summed.
double fma_ceiling(Pool* pool, double seconds);

}  // namespace recur
