// Node 20 validates relaxed SIMD only behind a flag, so a plain `npm test` exercises the plain
// SIMD build. This test runs the kernel conformance suites again in a child process started
// with --experimental-wasm-relaxed-simd, so the relaxed build (fused multiply-add) is checked
// against the reference on every run too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const flag = '--experimental-wasm-relaxed-simd';
// A child of the test runner inherits NODE_TEST_CONTEXT and would report in the runner's
// internal protocol; drop it so the child prints a normal summary.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT'));

test('the relaxed-SIMD build is picked when the engine accepts it, and passes conformance', (t) => {
  const probe = spawnSync(process.execPath, [flag, '--input-type=module', '-e',
    `import { WasmBackend } from ${JSON.stringify(here('./wasm/wasm-backend.js'))}; console.log((await WasmBackend.create()).flavour);`], { encoding: 'utf8', env });
  if (probe.status !== 0 && /bad option|not allowed/.test(probe.stderr)) {
    // A Node that dropped the flag ships relaxed SIMD by default; then the main run covers it.
    t.skip(`this Node does not take ${flag}`);
    return;
  }
  assert.equal(probe.status, 0, probe.stderr);
  assert.equal(probe.stdout.trim(), 'relaxed-simd');
  // gemm.test.js re-runs itself under the flag; this covers the other kernels and the thread
  // tests (bit-identity across thread counts must hold with fused multiply-add too).
  const run = spawnSync(process.execPath, [flag, '--test', here('./conformance.test.js'), here('./wasm/threads.test.js')], { encoding: 'utf8', env });
  const summary = run.stdout.split('\n').filter((l) => /^# (pass|fail)/.test(l)).join(', ');
  t.diagnostic(`relaxed build: ${summary}`);
  assert.equal(run.status, 0, run.stdout.slice(-3000));
  assert.match(run.stdout, /# fail 0/);
});

test('enableRelaxedSimd turns the relaxed build on for its process unless RECUR_RELAXED_SIMD=0', () => {
  const script = `import { enableRelaxedSimd, relaxedSimdAccepted } from ${JSON.stringify(here('./wasm/relaxed-flag.js'))};
    import { WasmBackend } from ${JSON.stringify(here('./wasm/wasm-backend.js'))};
    const before = relaxedSimdAccepted(); const on = await enableRelaxedSimd();
    console.log(JSON.stringify({ before, on, flavour: (await WasmBackend.create({ threads: 1 })).flavour }));`;
  const run = (extra: Record<string, string>) => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...env, ...extra } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { before: boolean; on: boolean; flavour: string };
  };
  const allowed = run({});
  assert.deepEqual([allowed.on, allowed.flavour], [true, 'relaxed-simd']);
  const refused = run({ RECUR_RELAXED_SIMD: '0' });
  // Where the engine accepts relaxed SIMD without a flag, the opt-out has nothing to turn off.
  if (refused.before) assert.deepEqual([refused.on, refused.flavour], [true, 'relaxed-simd']);
  else assert.deepEqual([refused.on, refused.flavour], [false, 'simd']);
});
