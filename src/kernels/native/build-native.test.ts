/**
 * The install-time build of the native addon (scripts/build-native.mjs) never fails `npm
 * install`: skipped, without a toolchain, or with a compiler error, it exits 0, prints one line
 * saying why, and records the reason in native/build/status.json, which NativeBackend.available()
 * reports. Run on a copy of the script and the native sources in a temporary folder, so the
 * checkout's own build is untouched.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A folder holding scripts/build-native.mjs and native/ (binding.gyp, gyp-files.cjs, and the given sources). */
function copyOfTheBuild(sources: Record<string, string> | 'all'): string {
  const dir = mkdtempSync(join(tmpdir(), 'recur-build-native-'));
  mkdirSync(join(dir, 'scripts'));
  cpSync(join(ROOT, 'scripts', 'build-native.mjs'), join(dir, 'scripts', 'build-native.mjs'));
  mkdirSync(join(dir, 'native', 'src'), { recursive: true });
  for (const f of ['binding.gyp', 'gyp-files.cjs']) cpSync(join(ROOT, 'native', f), join(dir, 'native', f));
  if (sources === 'all') cpSync(join(ROOT, 'native', 'src'), join(dir, 'native', 'src'), { recursive: true });
  else for (const [name, text] of Object.entries(sources)) writeFileSync(join(dir, 'native', 'src', name), text);
  return dir;
}

/** Runs the copied script with `env` (PYTHON and npm's settings removed, so nothing points node-gyp elsewhere). */
function build(dir: string, env: Record<string, string>): { status: number | null; stdout: string; record: { ok: boolean; reason: string } } {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|PYTHON$|RECUR_NATIVE)/i.test(k)));
  const r = spawnSync(process.execPath, [join(dir, 'scripts', 'build-native.mjs')], { env: { ...base, ...env }, encoding: 'utf8', timeout: 120_000 });
  const record = JSON.parse(readFileSync(join(dir, 'native', 'build', 'status.json'), 'utf8')) as { ok: boolean; reason: string };
  return { status: r.status, stdout: r.stdout, record };
}

test('RECUR_NATIVE=0 skips the build: exit 0, one line, the reason recorded', () => {
  const dir = copyOfTheBuild('all');
  try {
    const r = build(dir, { RECUR_NATIVE: '0' });
    assert.equal(r.status, 0);
    assert.equal(r.stdout, 'recur: native backend unavailable: skipped (RECUR_NATIVE=0); recur runs on wasm\n');
    assert.deepEqual([r.record.ok, r.record.reason], [false, 'skipped (RECUR_NATIVE=0)']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without Python or a compiler on PATH the install still succeeds and says why', () => {
  const dir = copyOfTheBuild('all');
  // A PATH holding only node: no python3, make or g++.
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  try {
    const r = build(dir, { PATH: bin });
    assert.equal(r.status, 0);
    assert.equal(r.record.ok, false);
    assert.match(r.stdout, /^recur: native backend unavailable: .+; recur runs on wasm\n$/);
    assert.match(r.record.reason, /python|not found|ENOENT|make|g\+\+|c\+\+/i, r.record.reason);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a compiler error fails the build, not the install: the first error line is the reason', () => {
  const dir = copyOfTheBuild({ 'addon.cc': '#include "kernels.h"\nint broken( { return 0; }\n' });
  try {
    const r = build(dir, {});
    assert.equal(r.status, 0);
    assert.equal(r.record.ok, false);
    assert.match(r.record.reason, /^the build failed: .*error.*\(full log: native\/build\/build\.log\)$/, r.record.reason);
    assert.ok(readFileSync(join(dir, 'native', 'build', 'build.log'), 'utf8').includes('addon.cc'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
