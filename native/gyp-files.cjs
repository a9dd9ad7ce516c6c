// What binding.gyp compiles, decided when node-gyp configures: gyp has no glob, so it asks this
// script (`<!@(node gyp-files.cjs <what>)`, run from native/). Listing src/ at configure time
// means a kernel file is built as soon as it exists, with no gyp edit.
//   portable  the baseline sources (every src/*.cc that is not an ISA variant)
//   avx2      src/*_avx2.cc     (compiled with -mavx2 -mfma -mf16c into their own library)
//   avx512    src/*_avx512.cc   (-mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma)
//   naive     RECUR_NAIVE_<FAMILY> for each kernel family whose main file does not exist yet
//             (naive_kernels.cc then supplies scalar versions of it)
//   has-avx2, has-avx512   'yes' when there are such files (gyp skips an empty library; it also
//             skips both off x86, where the compiler has no such flags)
// RECUR_NATIVE_NAIVE=1 builds every family from naive_kernels.cc instead (the optimised files are
// left out): a slow build that isolates the addon and the portable kernels when debugging.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const src = path.join(__dirname, 'src');
// A family is "present" once its portable entry file exists: pool.cc, cpu.cc, gemm.cc ...
const FAMILIES = ['pool', 'cpu', 'gemm', 'cells', 'recurrent'];
const naiveOnly = process.env.RECUR_NATIVE_NAIVE === '1';
const optimised = (f) => FAMILIES.some((family) => f.startsWith(family));
const files = fs.readdirSync(src).filter((f) => f.endsWith('.cc') && !(naiveOnly && optimised(f))).sort();
const isa = (name) => files.filter((f) => f.endsWith(`_${name}.cc`));
const portable = files.filter((f) => !/_(avx2|avx512)\.cc$/.test(f));

const what = process.argv[2];
const out = {
  portable: () => portable.map((f) => `src/${f}`),
  avx2: () => isa('avx2').map((f) => `src/${f}`),
  avx512: () => isa('avx512').map((f) => `src/${f}`),
  'has-avx2': () => [isa('avx2').length ? 'yes' : 'no'],
  'has-avx512': () => [isa('avx512').length ? 'yes' : 'no'],
  naive: () => FAMILIES.filter((f) => !files.includes(`${f}.cc`)).map((f) => `RECUR_NAIVE_${f.toUpperCase()}`),
}[what];
if (!out) {
  console.error(`gyp-files.cjs: expected one of portable, avx2, avx512, has-avx2, has-avx512, naive; got '${what}'`);
  process.exit(1);
}
console.log(out().join(' '));
