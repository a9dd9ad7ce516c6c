// Backend selection on the command line (issue 19): recur doctor, --backend on the commands that
// run a model, RECUR_BACKEND, the backend a run records and the note of a resume on another one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDashboard } from '../dashboard/server.js';
import { type Backend, NativeBackend, createBackend } from '../kernels/index.js';
import { resumeBackendNote } from '../tasks/run-task.js';
import { readCheckpointFile } from '../train/checkpoint.js';
import { tempDir } from '../testing/temp-dir.js';
import { BACKEND_CHOICES, backendChoice, resolveBackend } from './backend-option.js';
import type { DoctorReport } from './commands/doctor.js';

const bin = fileURLToPath(new URL('./bin.js', import.meta.url));
const RHYMES = fileURLToPath(new URL('../../src/tasks/char-lm/fixtures/rhymes.txt', import.meta.url));
const dir = tempDir('recur-backend-');
/** The environment without RECUR_BACKEND, plus `env`. */
function envWith(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e = { ...process.env, ...env };
  if (!('RECUR_BACKEND' in env)) delete e.RECUR_BACKEND;
  return e;
}
const recur = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000, env: envWith(env) });
const TINY = ['--text', RHYMES, '--hidden-size', '16', '--num-layers', '1', '--embedding-dim', '8', '--batch-size', '4', '--seq-len', '16',
  '--seed', '2', '--eval-every', '2', '--checkpoint-every', '2'];
const native = NativeBackend.available();
const recorded = async (out: string) => (await readCheckpointFile(out)).training.backend;

test('recur doctor: a line per backend, what auto picks and why, the machine; --json the same', () => {
  const r = recur(['doctor']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^ {2}reference {2}available {2}/m);
  assert.match(r.stdout, /^ {2}wasm {7}available {4}WebAssembly (relaxed-simd|simd) kernels/m);
  if (native.ok) assert.match(r.stdout, /^ {2}native {5}available {4}(portable|avx2|avx512) kernels \(best this CPU runs: \w+\), up to \d+ threads; CPU features: /m);
  else assert.ok(r.stdout.includes(`  native     unavailable  ${native.reason}\n`), r.stdout);
  assert.match(r.stdout, new RegExp(`^auto picks ${native.ok ? 'native' : 'wasm'}: .+$`, 'm'));
  assert.match(r.stdout, /^RECUR_BACKEND: not set/m);
  assert.match(r.stdout, new RegExp(`^node ${process.version} on ${process.platform}/${process.arch}, \\d+ cores?$`, 'm'));

  const j = recur(['doctor', '--json']);
  assert.equal(j.status, 0, j.stderr);
  const report = JSON.parse(j.stdout) as DoctorReport;
  assert.equal(report.backends.reference.available, true);
  assert.equal(report.backends.wasm.available, true);
  assert.ok(report.backends.wasm.flavour === 'simd' || report.backends.wasm.flavour === 'relaxed-simd');
  assert.equal(report.backends.native.available, native.ok);
  if (native.ok) assert.ok(report.backends.native.isaBest && report.backends.native.isaActive && report.backends.native.threadsMax! >= 1);
  else assert.equal(report.backends.native.reason, native.reason);
  assert.deepEqual(report.default, report.auto);
  assert.equal(report.node, process.version);
  assert.ok(report.cores >= 1);

  // A bad RECUR_BACKEND is reported, not fatal: doctor is a report.
  const bad = recur(['doctor'], { RECUR_BACKEND: 'fast' });
  assert.equal(bad.status, 0, bad.stderr);
  assert.match(bad.stdout, /^RECUR_BACKEND=fast: commands without --backend fail: RECUR_BACKEND must be one of auto, native, wasm, reference, got 'fast'/m);
  assert.match(recur(['--help']).stdout, /doctor/);
});

test('the choice: flag, else RECUR_BACKEND, else auto; auto is native where built, else wasm', () => {
  assert.deepEqual(backendChoice(undefined, {}), { choice: 'auto', source: 'auto' });
  assert.deepEqual(backendChoice(undefined, { RECUR_BACKEND: ' Reference ' }), { choice: 'reference', source: 'RECUR_BACKEND=reference' });
  assert.deepEqual(backendChoice('wasm', { RECUR_BACKEND: 'nonsense' }), { choice: 'wasm', source: '--backend wasm' }, 'the flag wins');
  assert.throws(() => backendChoice(undefined, { RECUR_BACKEND: 'gpu' }), /^Error: RECUR_BACKEND must be one of auto, native, wasm, reference, got 'gpu'/);
  assert.deepEqual([...BACKEND_CHOICES], ['auto', 'native', 'wasm', 'reference']);
  const auto = resolveBackend(undefined, {});
  assert.equal(auto.chosen, native.ok ? 'native' : 'wasm');
  assert.equal(resolveBackend('reference', {}).chosen, 'reference');
  if (native.ok) assert.equal(resolveBackend(undefined, { RECUR_BACKEND: 'native' }).chosen, 'native');
  else assert.throws(() => resolveBackend(undefined, { RECUR_BACKEND: 'native' }), { message: `RECUR_BACKEND=native is not available here: ${native.reason}; use --backend wasm` });
});

test('--backend bogus (or a bad RECUR_BACKEND): one line, exit 1, nothing written', () => {
  const out = join(dir, 'never');
  for (const args of [['lm', 'train', ...TINY, '--max-steps', '2', '--out', out], ['classify', 'train'], ['forecast', 'predict', '--model', dir], ['tag', 'eval', '--data', RHYMES],
    ['seq2seq', 'translate', 'x'], ['lm', 'sample', '--model', dir], ['dashboard', dir]]) {
    const r = recur([...args.slice(0, 2), '--backend', 'bogus', ...args.slice(2)]);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, "recur: --backend must be one of auto, native, wasm, reference, got 'bogus'\n", args.join(' '));
    assert.equal(r.stdout, '');
  }
  assert.ok(!existsSync(out), 'nothing written');
  const envOut = join(dir, 'never-env');
  const env = recur(['lm', 'train', ...TINY, '--max-steps', '2', '--out', envOut], { RECUR_BACKEND: 'gpu' });
  assert.equal(env.status, 1);
  assert.equal(env.stderr, "recur: RECUR_BACKEND must be one of auto, native, wasm, reference, got 'gpu' (unset it or use --backend)\n");
  assert.ok(!existsSync(envOut));
});

test('every command that runs a model lists --backend and --threads in --help', () => {
  for (const cmd of [['lm', 'train'], ['lm', 'sample'], ['lm', 'eval'], ['lm', 'explain'], ['lm', 'complete'], ['classify', 'train'], ['classify', 'predict'],
    ['classify', 'eval'], ['forecast', 'train'], ['forecast', 'predict'], ['forecast', 'eval'], ['seq2seq', 'train'], ['seq2seq', 'translate'],
    ['seq2seq', 'eval'], ['tag', 'train'], ['tag', 'predict'], ['tag', 'eval']]) {
    const help = recur([...cmd, '--help']).stdout.replace(/\s+/g, ' ');
    assert.match(help, /--backend <name> kernels to run on: native .* wasm .* reference .* or auto/, cmd.join(' '));
    assert.match(help, /--threads <n> threads of the native or wasm kernels.*the reference backend runs on one and ignores it/, cmd.join(' '));
  }
  assert.match(recur(['dashboard', '--help']).stdout, /--backend <name>/);
});

test('--backend reference trains and the run records it; a resume on wasm says its losses will differ, on reference it does not', async () => {
  const out = join(dir, 'reference');
  const r = recur(['lm', 'train', ...TINY, '--max-steps', '4', '--backend', 'reference', '--threads', '2', '--json', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const start = JSON.parse(r.stdout.split('\n')[0]!) as { type: string; details: { backend: string; notes?: string[] } };
  assert.equal(start.type, 'start');
  assert.match(start.details.backend, /^reference/);
  assert.equal(start.details.notes, undefined);
  assert.equal(await recorded(out), 'reference');

  const same = recur(['lm', 'train', '--resume', '--max-steps', '6', '--backend', 'reference', '--out', out]);
  assert.equal(same.status, 0, same.stderr);
  assert.doesNotMatch(same.stdout, /bit-identical/);

  const other = recur(['lm', 'train', '--resume', '--max-steps', '8', '--backend', 'wasm', '--out', out]);
  assert.equal(other.status, 0, other.stderr);
  const notes = other.stdout.split('\n').filter((l) => /bit-identical/.test(l));
  assert.deepEqual(notes, ['  note: trained on the reference backend, resumed on wasm: the losses will not be bit-identical to an uninterrupted run on reference']);
  assert.equal(await recorded(out), 'wasm', 'the checkpoint records the backend that wrote it');

  // RECUR_BACKEND sets the backend when no flag does; the model then samples on reference too.
  const env = join(dir, 'env-reference');
  const e = recur(['lm', 'train', ...TINY, '--max-steps', '2', '--out', env], { RECUR_BACKEND: 'reference' });
  assert.equal(e.status, 0, e.stderr);
  assert.equal(await recorded(env), 'reference');
  const sample = recur(['lm', 'sample', '--model', env, '--length', '10', '--seed', '1', '--backend', 'reference', '--threads', '3']);
  assert.equal(sample.status, 0, sample.stderr);
  const wasmSample = recur(['lm', 'sample', '--model', env, '--length', '10', '--seed', '1', '--backend', 'wasm', '--threads', '1']);
  assert.equal(wasmSample.status, 0, wasmSample.stderr);
  assert.ok(sample.stdout.length > 0 && wasmSample.stdout.length > 0);
});

test('a checkpoint without a recorded backend (older) resumes without a note; the note names both backends', () => {
  assert.equal(resumeBackendNote(undefined, 'wasm'), undefined);
  assert.equal(resumeBackendNote('wasm', 'wasm'), undefined);
  assert.equal(resumeBackendNote('native', 'wasm'), 'note: trained on the native backend, resumed on wasm: the losses will not be bit-identical to an uninterrupted run on native');
});

test(`--backend native ${native.ok ? 'trains (the addon is built here)' : 'is one clear line naming why it is unavailable'}`, async () => {
  const out = join(dir, 'native');
  const r = recur(['lm', 'train', ...TINY, '--max-steps', '2', '--backend', 'native', '--threads', '1', '--out', out]);
  if (native.ok) {
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await recorded(out), 'native');
    const ev = recur(['lm', 'eval', '--model', out, '--text', RHYMES, '--backend', 'native', '--json']);
    assert.equal(ev.status, 0, ev.stderr);
    assert.ok(Number.isFinite((JSON.parse(ev.stdout) as { natsPerChar: number }).natsPerChar));
  } else {
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `recur: --backend native is not available here: ${native.reason}; use --backend wasm\n`);
    assert.equal(r.stdout, '');
    assert.ok(!existsSync(out), 'nothing written');
    const dash = recur(['dashboard', dir, '--backend', 'native']);
    assert.equal(dash.status, 1);
    assert.equal(dash.stderr, `recur: --backend native is not available here: ${native.reason}; use --backend wasm\n`);
  }
});

test('the dashboard runs the page\'s models on the backend it is given', async () => {
  const run = join(dir, 'reference');
  assert.ok(existsSync(join(run, 'model.safetensors')), 'trained by an earlier test');
  const made: Backend[] = [];
  const d = await startDashboard({ runs: [run], modelBackend: async () => { const b = await createBackend('reference'); made.push(b); return b; } });
  try {
    const answer = await new Promise<{ status: number; body: string }>((ok, fail) => {
      get(`${d.url.replace(/\/\?.*/, '')}/api/runs/0/inside?token=${d.token}&text=Jack`, (res) => {
        let b = '';
        res.setEncoding('utf8').on('data', (c: string) => { b += c; }).on('end', () => ok({ status: res.statusCode!, body: b }));
      }).on('error', fail);
    });
    assert.equal(answer.status, 200, answer.body);
    assert.equal(made.length, 1);
    assert.equal(made[0]!.name, 'reference');
  } finally {
    await d.close();
  }
  assert.ok(readFileSync(join(run, 'events.jsonl'), 'utf8').includes('"type":"start"'));
});
