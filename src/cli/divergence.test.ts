// `recur <task> train` on divergence: a NaN loss or a loss grown past --divergence-factor stops
// the run (the default) with a few lines of diagnosis and exit code 1, the checkpoint on disk
// untouched; --on-divergence rollback goes on from the last good state at half the rate,
// reported in the progress output and events.jsonl; bad flag values are one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { METADATA_CHECKSUMS_KEY, TENSOR_CHECKSUMS_KEY, metadataChecksums, tensorChecksums } from '../io/checksums.js';
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors.js';
import { tempDir } from '../testing/temp-dir.js';

const bin = fileURLToPath(new URL('./bin.js', import.meta.url));
const copyBin = fileURLToPath(new URL('../testing/copy-task/cli.js', import.meta.url));
const RHYMES = fileURLToPath(new URL('../../src/tasks/char-lm/fixtures/rhymes.txt', import.meta.url));
const dir = tempDir('recur-divergence-cli-');
const run = (b: string, ...args: string[]) => spawnSync(process.execPath, [b, ...args], { encoding: 'utf8', timeout: 120_000 });
const recur = (...args: string[]) => run(bin, ...args);
const TINY = ['--text', RHYMES, '--hidden-size', '24', '--num-layers', '1', '--embedding-dim', '8', '--batch-size', '4', '--seq-len', '16',
  '--eval-every', '0', '--backend', 'wasm', '--threads', '1'];
type Ev = { type: string; step: number; loss: number; lr: number; action?: string; cause?: string; restoredStep?: number; rollbacks?: number; checkpointStep?: number | null; smoothedLoss?: number; firstNonFinite?: string | null };
const jsonLines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);
const CKPT = 'checkpoint.safetensors';

/** Rewrites a run's checkpoint with `edit` applied to its tensors, signed as recur signs it (the damage a bad update could do). */
function editCheckpoint(out: string, edit: (tensors: Map<string, { data: Float32Array }>) => void): Uint8Array {
  const f = decodeSafetensors(readFileSync(join(out, CKPT)));
  edit(f.tensors as Map<string, { data: Float32Array }>);
  const metadata: Record<string, string> = { ...f.metadata, [TENSOR_CHECKSUMS_KEY]: tensorChecksums(f.tensors) };
  metadata[METADATA_CHECKSUMS_KEY] = metadataChecksums(metadata);
  const bytes = encodeSafetensors(f.tensors, metadata);
  writeFileSync(join(out, CKPT), bytes);
  return bytes;
}

test('every train command documents --divergence-factor and --on-divergence with their defaults', () => {
  for (const task of ['lm', 'classify', 'forecast', 'seq2seq', 'tag']) {
    const help = recur(task, 'train', '--help').stdout.replace(/\s+/g, ' ');
    assert.match(help, /--divergence-factor <x> .*0 or off: only those \(default 3\)/, task);
    assert.match(help, /--on-divergence <action> stop: end with a diagnosis .* rollback: reload the last good checkpoint \(the last before the loss began to climb\) and go on at half the learning rate, at most 3 times \(default stop\)/, task);
    assert.match(help, /--divergence-factor and --on-divergence may change/, task);
  }
});

test('a NaN loss stops the run (the default): the step, the first op that made Inf, a suggestion; exit 1 and the checkpoint byte-identical', () => {
  const out = join(dir, 'nan');
  const first = recur('lm', 'train', ...TINY, '--lr', '0.01', '--max-steps', '4', '--out', out);
  assert.equal(first.status, 0, first.stderr);
  // The output layer's weights as a runaway update leaves them: 3e38 each, finite until summed.
  const bytes = editCheckpoint(out, (t) => t.get('model.head.weight')!.data.fill(3e38));
  const r = recur('lm', 'train', '--resume', '--out', out, '--max-steps', '10', '--threads', '1', '--backend', 'wasm');
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr, 'recur: training diverged at step 5: the loss is NaN; the last checkpoint (step 4) is kept (lower the learning rate)\n');
  const lines = r.stdout.split('\n');
  const at = lines.findIndex((l) => l.startsWith('step 5: training diverged'));
  assert.equal(lines[at], 'step 5: training diverged: the loss is NaN');
  assert.match(lines[at + 1]!, /^ {2}first NaN\/Inf: Inf in forward of 'linear': output 'y' \[64, 39\] has -?Infinity at flat index \d+$/);
  assert.deepEqual(lines.slice(at + 2, at + 4), [
    '  gradient norm: no earlier step in this session',
    `  stopped: the last checkpoint (step 4) is kept in ${out}; try a lower --lr (this step's was 0.001), or --on-divergence rollback`,
  ]);
  assert.ok(!/\ndone at step/.test(r.stdout), 'no end line');
  assert.deepEqual(readFileSync(join(out, CKPT)), Buffer.from(bytes), 'the checkpoint on disk is the last good one, byte for byte');
  const logged = jsonLines(readFileSync(join(out, 'events.jsonl'), 'utf8')).filter((e) => e.type === 'divergence');
  assert.deepEqual(logged.map((e) => [e.step, e.cause, e.action, e.loss, e.checkpointStep]), [[5, 'non-finite-loss', 'stop', null, 4]], 'NaN is null in JSON');
  assert.match(logged[0]!.firstNonFinite!, /^Inf in forward of 'linear'/);
});

test('a non-finite gradient stops the step before its update reaches a checkpoint: the op whose backward made it is named', () => {
  const out = join(dir, 'grad');
  const r = recur('lm', 'train', ...TINY, '--lr', '1e30', '--max-steps', '20', '--checkpoint-every', '1', '--json', '--out', out);
  assert.equal(r.status, 1, r.stderr);
  const events = jsonLines(r.stdout);
  assert.deepEqual(events.filter((e) => e.type === 'checkpoint').map((e) => e.step), [1]);
  const d = events.find((e) => e.type === 'divergence')!;
  assert.deepEqual([d.step, d.cause, d.action], [2, 'non-finite-gradient', 'stop']);
  assert.match(d.firstNonFinite!, /^(NaN|Inf) in backward of '/);
  assert.equal(events.at(-1)!.type, 'error');
  assert.match(r.stderr, /^recur: training diverged at step 2: the gradient norm is NaN/);
});

test('a loss grown past the factor stops as it would have without the interruption: the smoothed loss is saved in checkpoints', () => {
  // lr 1000: the loss goes 3.7, 84, 168, ... The rule applies from step 5.
  const args = [...TINY, '--lr', '1000', '--json'];
  const straight = recur('lm', 'train', ...args, '--max-steps', '30', '--out', join(dir, 'grow-straight'));
  assert.equal(straight.status, 1);
  const want = jsonLines(straight.stdout).find((e) => e.type === 'divergence')!;
  assert.deepEqual([want.step, want.cause, want.action, want.firstNonFinite], [5, 'loss-growth', 'stop', null]);
  assert.ok(!existsSync(join(dir, 'grow-straight', CKPT)), 'no checkpoint was due: none written');

  const out = join(dir, 'grow');
  assert.equal(recur('lm', 'train', ...args, '--max-steps', '3', '--out', out).status, 0);
  const before = readFileSync(join(out, CKPT));
  const resumed = recur('lm', 'train', '--resume', '--out', out, '--max-steps', '30', '--checkpoint-every', '0', '--json', '--backend', 'wasm', '--threads', '1');
  assert.equal(resumed.status, 1);
  const got = jsonLines(resumed.stdout).find((e) => e.type === 'divergence')!;
  assert.deepEqual([got.step, got.smoothedLoss, got.loss], [want.step, want.smoothedLoss, want.loss]);
  assert.deepEqual(readFileSync(join(out, CKPT)), before);
  // The factor may change on resume: off, the run goes on to its end.
  const off = recur('lm', 'train', '--resume', '--out', out, '--max-steps', '8', '--divergence-factor', 'off', '--json', '--backend', 'wasm', '--threads', '1');
  assert.equal(off.status, 0, off.stderr);
  assert.equal(jsonLines(off.stdout).filter((e) => e.type === 'divergence').length, 0);
});

test('--on-divergence rollback: reported in the progress output and events.jsonl, then training goes on at a lower rate to a normal end', () => {
  // lr 20, 10,000 times the default: the loss climbs from the first steps.
  const out = join(dir, 'rollback');
  const args = [...TINY, '--lr', '20', '--num-layers', '2', '--dropout', '0.1', '--seed', '1', '--max-steps', '120', '--checkpoint-every', '10', '--on-divergence', 'rollback'];
  const r = recur('lm', 'train', ...args, '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const log = jsonLines(readFileSync(join(out, 'events.jsonl'), 'utf8'));
  const ds = log.filter((e) => e.type === 'divergence');
  assert.ok(ds.length >= 1 && ds.every((d) => d.action === 'rollback' && d.cause === 'loss-growth'), JSON.stringify(ds));
  ds.forEach((d, i) => assert.equal(d.rollbacks, i + 1));
  const d = ds[0]!;
  assert.ok(r.stdout.includes(`\nstep ${d.step}: training diverged: the smoothed loss `), r.stdout);
  assert.match(r.stdout, /\n {2}first NaN\/Inf: none in the step's forward and backward passes \(the loss is finite, but grew\)\n {2}gradient norm, last 10 steps: [\d.e+ ]+; this step [\d.e+]+\n {2}rolled back to step \d+ \(rollback 1 of 3\): the learning rate is ×0\.5 from now on\n/);
  assert.match(r.stdout, /\ndone at step 120 after/);
  // The step after the restored one ran before the rollback and again after it, at half the rate.
  const isStep = (e: Ev) => e.type === 'step';
  const before = log.slice(0, log.indexOf(d)).filter((e) => isStep(e) && e.step === d.restoredStep! + 1);
  const after = log.slice(log.indexOf(d)).find(isStep)!;
  assert.equal(before.length, 1);
  assert.equal(after.step, d.restoredStep! + 1);
  assert.ok(Math.abs(after.lr - before[0]!.lr / 2) < 1e-12, `${after.lr} vs ${before[0]!.lr}`);
  assert.equal(log.at(-1)!.type, 'end');
  assert.equal(log.filter((e) => e.type === 'step').at(-1)!.step, 120);
});

test('bad divergence flags are one line each; off and rollback are accepted, also when resuming', () => {
  const out = join(dir, 'copy');
  const copy = (...args: string[]) => run(copyBin, 'copy', 'train', '--threads', '1', ...args);
  for (const [args, want] of [
    [['--on-divergence', 'maybe'], "recur: --on-divergence must be one of stop, rollback, got 'maybe'"],
    [['--divergence-factor', '1'], "recur: --divergence-factor must be a number > 1, or 0 or 'off' to turn it off, got '1'"],
    [['--divergence-factor', 'huge'], "recur: --divergence-factor must be a number > 1, or 0 or 'off' to turn it off, got 'huge'"],
    [['--divergence-factor', '-3'], "recur: --divergence-factor must be a number > 1, or 0 or 'off' to turn it off, got '-3'"],
  ] as const) {
    const r = copy(...args, '--out', out);
    assert.equal(r.status, 1, args.join(' '));
    assert.equal(r.stderr, `${want}\n`);
  }
  assert.ok(!existsSync(out), 'nothing written');
  assert.equal(copy('--divergence-factor', 'off', '--max-steps', '3', '--out', out).status, 0);
  const resumed = copy('--resume', '--on-divergence', 'rollback', '--divergence-factor', '2.5', '--max-steps', '6', '--out', out);
  assert.equal(resumed.status, 0, resumed.stderr);
});
