# recur's optional native backend (issue 19): one Node-API addon, recur_native.node, built by
# node-gyp at install time (scripts/build-native.mjs). Sources are whatever src/ holds when gyp
# configures (gyp-files.cjs lists them); files named *_avx2.cc / *_avx512.cc go into static
# libraries of their own because only they may use those instructions: the rest is compiled for
# the baseline of the target and picks an ISA at run time (cpu.cc). No -ffast-math anywhere:
# NaN and Inf must propagate exactly as in the reference backend.
{
  'variables': {
    'recur_has_avx2': '<!(node gyp-files.cjs has-avx2)',
    'recur_has_avx512': '<!(node gyp-files.cjs has-avx512)',
    'recur_x86': '<!(node -p "[\'x64\', \'ia32\'].includes(process.env.npm_config_arch || process.arch) ? \'yes\' : \'no\'")',
  },
  'target_defaults': {
    'include_dirs': ['src'],
    'defines': ['<!@(node gyp-files.cjs naive)'],
    # -ffp-contract=off: no multiply + add fused behind the code's back (math.h: the same formula
    # must round the same in every kernel; FMAs are written out where wanted). The kernel files
    # also say so with a GCC pragma; the flag covers clang, which ignores it. -fno-math-errno:
    # std::sqrt may then be the instruction (same result; only errno is never set), so the
    # optimizer loops vectorise.
    'cflags': ['-O3', '-fPIC', '-pthread', '-Wall', '-Wextra', '-Wno-unused-parameter', '-ffp-contract=off', '-fno-math-errno'],
    # C++ exceptions stay on: addon.cc turns a bad argument into a JS Error by throwing one.
    'cflags_cc': ['-std=c++17', '-fexceptions'],
    'cflags!': ['-O2', '-fno-exceptions'],
    'cflags_cc!': ['-std=gnu++17', '-std=gnu++20', '-fno-exceptions', '-O2'],
    'xcode_settings': {
      'GCC_ENABLE_CPP_EXCEPTIONS': 'YES',
      'CLANG_CXX_LANGUAGE_STANDARD': 'c++17',
      'OTHER_CFLAGS': ['-O3', '-ffp-contract=off', '-fno-math-errno'],
    },
    'msvs_settings': {'VCCLCompilerTool': {'ExceptionHandling': 1, 'AdditionalOptions': ['/std:c++17']}},
  },
  'targets': [
    {
      'target_name': 'recur_native',
      'sources': ['<!@(node gyp-files.cjs portable)'],
      'ldflags': ['-pthread'],
      'conditions': [
        ['recur_x86=="yes" and recur_has_avx2=="yes"', {
          'dependencies': ['recur_avx2'],
          'defines': ['RECUR_HAVE_AVX2'],
        }],
        ['recur_x86=="yes" and recur_has_avx512=="yes"', {
          'dependencies': ['recur_avx512'],
          'defines': ['RECUR_HAVE_AVX512'],
        }],
      ],
    },
  ],
  'conditions': [
    ['recur_x86=="yes" and recur_has_avx2=="yes"', {
      'targets': [{
        'target_name': 'recur_avx2',
        'type': 'static_library',
        'sources': ['<!@(node gyp-files.cjs avx2)'],
        'defines': ['RECUR_HAVE_AVX2'],
        'cflags': ['-mavx2', '-mfma', '-mf16c'],
        'xcode_settings': {'OTHER_CFLAGS': ['-O3', '-ffp-contract=off', '-mavx2', '-mfma', '-mf16c']},
      }],
    }],
    ['recur_x86=="yes" and recur_has_avx512=="yes"', {
      'targets': [{
        'target_name': 'recur_avx512',
        'type': 'static_library',
        'sources': ['<!@(node gyp-files.cjs avx512)'],
        'defines': ['RECUR_HAVE_AVX512'],
        # -Wno-maybe-uninitialized: GCC 12's own avx512fintrin.h (_mm512_min_ps and friends start
        # from _mm512_undefined_ps) warns at every inlined use (and -Wuninitialized in _mm512_reduce_add_ps):
        # false positives, GCC bug 105593; the same templates compile warning-free as AVX2.
        'cflags': ['-mavx512f', '-mavx512bw', '-mavx512dq', '-mavx512vl', '-mfma', '-Wno-maybe-uninitialized', '-Wno-uninitialized'],
        'xcode_settings': {'OTHER_CFLAGS': ['-O3', '-ffp-contract=off', '-mavx512f', '-mavx512bw', '-mavx512dq', '-mavx512vl', '-mfma']},
      }],
    }],
  ],
}
