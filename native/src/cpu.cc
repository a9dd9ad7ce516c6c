// CPU features (cpuid + xgetbv) and the choice of kernel path. RECUR_NATIVE_ISA=portable|avx2|
// avx512 in the environment at load forces a path (never one the CPU cannot run).
#include "cpu.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define RECUR_X86 1
#endif

namespace recur {
namespace {

struct Features {
  bool sse42 = false, avx = false, avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512dq = false, avx512vl = false;
  bool osYmm = false, osZmm = false;
  std::string text;
};

#ifdef RECUR_X86
uint64_t xgetbv0() {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((uint64_t)hi << 32) | lo;
}
#endif

Features detect() {
  Features f;
#ifdef RECUR_X86
  unsigned a, b, c, d;
  if (__get_cpuid(1, &a, &b, &c, &d)) {
    f.sse42 = c & (1u << 20);
    f.fma = c & (1u << 12);
    f.f16c = c & (1u << 29);
    const bool osxsave = c & (1u << 27);
    f.avx = c & (1u << 28);
    if (osxsave) {
      const uint64_t xcr0 = xgetbv0();
      f.osYmm = (xcr0 & 0x6) == 0x6;             // XMM and YMM state
      f.osZmm = f.osYmm && (xcr0 & 0xe0) == 0xe0;  // opmask, ZMM_Hi256, Hi16_ZMM
    }
  }
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    f.avx2 = b & (1u << 5);
    f.avx512f = b & (1u << 16);
    f.avx512dq = b & (1u << 17);
    f.avx512bw = b & (1u << 30);
    f.avx512vl = b & (1u << 31);
  }
  const std::pair<bool, const char*> names[] = {
      {f.sse42, "sse4.2"}, {f.avx, "avx"}, {f.avx2, "avx2"}, {f.fma, "fma"}, {f.f16c, "f16c"},
      {f.avx512f, "avx512f"}, {f.avx512bw, "avx512bw"}, {f.avx512dq, "avx512dq"}, {f.avx512vl, "avx512vl"},
      {f.osYmm, "os-ymm"}, {f.osZmm, "os-zmm"}};
  for (auto& n : names) {
    if (!n.first) continue;
    if (!f.text.empty()) f.text += ' ';
    f.text += n.second;
  }
#endif
  if (f.text.empty()) f.text = "none";
  return f;
}

const Features& features() {
  static const Features f = detect();
  return f;
}

bool supported(Isa isa) {
  const Features& f = features();
  switch (isa) {
    case Isa::portable: return kernels_portable() != nullptr;
    case Isa::avx2: return f.avx && f.avx2 && f.fma && f.osYmm && kernels_avx2() != nullptr;
    case Isa::avx512:
      return f.avx512f && f.avx512bw && f.avx512dq && f.avx512vl && f.fma && f.osZmm && kernels_avx512() != nullptr;
  }
  return false;
}

Isa computeBest() {
  if (supported(Isa::avx512)) return Isa::avx512;
  if (supported(Isa::avx2)) return Isa::avx2;
  return Isa::portable;
}

Isa initialActive() {
  Isa best = computeBest();
  const char* env = std::getenv("RECUR_NATIVE_ISA");
  if (env) {
    Isa want = best;
    if (!std::strcmp(env, "portable")) want = Isa::portable;
    else if (!std::strcmp(env, "avx2")) want = Isa::avx2;
    else if (!std::strcmp(env, "avx512")) want = Isa::avx512;
    // Only a lower (or equal) path the CPU can run.
    if ((int)want <= (int)best && supported(want)) return want;
  }
  return best;
}

std::atomic<int>& activeSlot() {
  static std::atomic<int> slot{(int)initialActive()};
  return slot;
}

const IsaKernels* table(Isa isa) {
  switch (isa) {
    case Isa::avx512: return kernels_avx512();
    case Isa::avx2: return kernels_avx2();
    default: return kernels_portable();
  }
}

}  // namespace

Isa isa_best() {
  static const Isa best = computeBest();
  return best;
}

Isa isa_active() { return (Isa)activeSlot().load(std::memory_order_relaxed); }

bool set_isa(Isa isa) {
  if (!supported(isa)) return false;
  activeSlot().store((int)isa, std::memory_order_relaxed);
  return true;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::portable: return "portable";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
  }
  return "unknown";
}

const char* cpu_features() { return features().text.c_str(); }

const IsaKernels& active_kernels() { return *table(isa_active()); }

}  // namespace recur
