import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../io/model-file.js';
import { runLive as runLiveCli } from '../testing/run-live.js';
import { tempDir } from '../testing/temp-dir.js';

// The toy copy task (src/testing/copy-task: ~55 lines of task code on the framework) behind the shared train command.
const bin = fileURLToPath(new URL('../testing/copy-task/cli.js', import.meta.url));
const dir = tempDir('recur-train-command-');
const copy = (...args: string[]) => spawnSync(process.execPath, [bin, 'copy', 'train', '--threads', '1', ...args], { encoding: 'utf8', timeout: 60_000 });
type Ev = { type: string; step: number; loss: number; reason?: string; message?: string; resumed?: boolean };
const jsonLines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);
const losses = (events: Ev[]) => events.filter((e) => e.type === 'step').map((e) => e.loss);
const ARGS = ['--max-steps', '40', '--eval-every', '10', '--checkpoint-every', '15', '--json'];

/** Runs the toy command and calls `onLine` with every JSON line until it exits. */
const runLive = (args: string[], onLine: (e: Ev, child: ChildProcess) => void) => runLiveCli<Ev>(bin, ['copy', 'train', '--threads', '1', ...args], onLine);

test('a toy task of ~55 lines trains through the shared command: Ctrl-C -> checkpoint, exit 130 -> --resume gives the losses of an uninterrupted run', async () => {
  const taskLines = readFileSync(fileURLToPath(new URL('../../src/testing/copy-task/task.ts', import.meta.url)), 'utf8').trimEnd().split('\n').length;
  assert.ok(taskLines <= 60, `the toy task is ${taskLines} lines`);
  const straight = copy(...ARGS, '--out', join(dir, 'straight'));
  assert.equal(straight.status, 0, straight.stderr);
  const want = losses(jsonLines(straight.stdout));
  assert.equal(want.length, 40);
  assert.ok(want.at(-1)! < want[0]!, 'it learns');

  const out = join(dir, 'interrupted');
  let sent = false;
  const first = await runLive([...ARGS, '--out', out], (e, child) => {
    if (!sent && e.type === 'step' && e.step >= 12) { sent = true; child.kill('SIGINT'); }
  });
  assert.equal(first.code, 130, first.stderr);
  const firstEvents = jsonLines(first.stdout);
  const end = firstEvents.at(-1)!;
  assert.equal(end.type, 'end');
  assert.equal(end.reason, 'interrupted');
  assert.ok(end.step < 40);
  // The interrupt writes a checkpoint, unless a periodic one has just been written at that step.
  assert.ok(firstEvents.some((e) => e.type === 'checkpoint' && e.step === end.step && (e.reason === 'interrupt' || end.step % 15 === 0)));

  const resumed = copy('--resume', '--out', out, '--json');
  assert.equal(resumed.status, 0, resumed.stderr);
  const second = jsonLines(resumed.stdout);
  assert.equal(second[0]!.resumed, true);
  assert.deepEqual([...losses(firstEvents), ...losses(second)], want, 'bit-identical losses');

  // events.jsonl holds both sessions, exactly as printed.
  const log = jsonLines(readFileSync(join(out, 'events.jsonl'), 'utf8'));
  assert.deepEqual(log.filter((e) => e.type !== 'note'), [...firstEvents, ...second].filter((e) => e.type !== 'note'));
  // The best validation's model is kept beside the last one.
  const best = await loadModel(join(out, 'best.safetensors'));
  assert.equal(best.task, 'copy');
  assert.equal(best.config.cell, 'gru');
});

test('train command: bad flags and run-directory problems are one line, exit non-zero, and leave files alone', () => {
  const run = join(dir, 'guarded');
  assert.equal(copy('--max-steps', '3', '--out', run).status, 0);
  const before = readFileSync(join(run, 'checkpoint.safetensors'));
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  const cases: [string[], RegExp][] = [
    [['--resume', '--force', '--out', run], /^recur: --resume and --force cannot be used together$/],
    [['--max-steps', '3', '--out', run], /already holds a training run \(checkpoint\.safetensors\); continue it with --resume or start over with --force$/],
    [['--resume', '--delay', '3', '--out', run], /^recur: cannot change delay when resuming: the checkpoint was trained with 2, got 3$/],
    [['--lr', '0', '--out', run], /^recur: --lr must be a number > 0, got '0'$/],
    [['--patience', '0', '--out', run], /^recur: --patience must be an integer >= 1, got '0'$/],
    [['--events-max-mb', '0', '--out', run], /^recur: --events-max-mb must be a number >= 0\.001, got '0'$/],
    [['--out', file], /^recur: --out .*a-file is a file, not a directory$/],
    [['--out', join(file, 'sub')], /^recur: cannot create run directory .*a-file\/sub: .*a-file is a file, not a directory$/],
    [['--max-steps', '2', '--out', '/proc/recur-test-run'], /^recur: cannot create run directory \/proc\/recur-test-run: the file system at \/proc does not allow creating \/proc\/recur-test-run \(ENOENT\)$/],
  ];
  for (const [args, want] of cases) {
    const r = copy(...args);
    assert.notEqual(r.status, 0, `${args.join(' ')} must fail`);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.match(r.stderr.trimEnd(), want, args.join(' '));
  }
  assert.deepEqual(readFileSync(join(run, 'checkpoint.safetensors')), before);
  // Under --json the failure is also a JSON event on stdout.
  const j = copy('--max-steps', '3', '--out', run, '--json');
  assert.deepEqual(jsonLines(j.stdout).map((e) => e.type), ['error']);
  assert.match(jsonLines(j.stdout)[0]!.message!, /already holds a training run/);
});

test('train command: --events-max-mb keeps events.jsonl under its limit, thinned to an even stride over the whole run, across a resume', () => {
  const out = join(dir, 'events-limit');
  const limit = 0.005; // 5,243 bytes
  assert.equal(copy('--max-steps', '300', '--eval-every', '50', '--checkpoint-every', '50', '--events-max-mb', String(limit), '--out', out).status, 0);
  const r = copy('--max-steps', '600', '--eval-every', '50', '--checkpoint-every', '50', '--events-max-mb', String(limit), '--out', out, '--resume');
  assert.equal(r.status, 0, r.stderr);
  const text = readFileSync(join(out, 'events.jsonl'), 'utf8');
  assert.ok(text.length <= limit * 2 ** 20, `${text.length} bytes`);
  const events = jsonLines(text);
  assert.deepEqual(events.filter((e) => e.type === 'start' || e.type === 'end').map((e) => e.type), ['start', 'end', 'start', 'end']);
  const steps = events.filter((e) => e.type === 'step').map((e) => e.step);
  const stride = steps[0]!;
  assert.ok(stride >= 4 && Number.isInteger(Math.log2(stride)), `stride ${stride}`);
  assert.deepEqual(steps, steps.map((_, i) => (i + 1) * stride), 'every stride-th step of both sessions');
  assert.ok(steps.at(-1)! > 600 - stride);
  // Without the flag, all 600 steps stay.
  const full = join(dir, 'events-full');
  assert.equal(copy('--max-steps', '600', '--out', full).status, 0);
  assert.equal(jsonLines(readFileSync(join(full, 'events.jsonl'), 'utf8')).filter((e) => e.type === 'step').length, 600);
});

test('train command: --eval-every and --checkpoint-every "epoch" validate and checkpoint after each pass (optimizer steps, with --accumulate)', () => {
  // 400 examples in batches of 16: 25 batches an epoch; with --accumulate 2, ceil(25 / 2) = 13 optimizer steps.
  for (const [extra, every] of [[[], 25], [['--accumulate', '2'], 13]] as const) {
    const r = copy('--max-steps', String(2 * every + 3), '--eval-every', 'epoch', '--checkpoint-every', 'epoch', ...extra, '--json', '--out', join(dir, `epoch-${every}`));
    assert.equal(r.status, 0, r.stderr);
    const events = jsonLines(r.stdout);
    assert.deepEqual(events.filter((e) => e.type === 'eval').map((e) => e.step), [every, 2 * every, 2 * every + 3]);
    assert.deepEqual(events.filter((e) => e.type === 'checkpoint').map((e) => e.step), [every, 2 * every, 2 * every + 3]);
  }
  const bad = copy('--eval-every', 'often', '--out', join(dir, 'epoch-bad'));
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr.trimEnd(), /^recur: --eval-every must be an integer >= 0 or 'epoch', got 'often'$/);
});

test('train command: temporary files of killed checkpoint writes are removed by the next run; live writers are left alone', () => {
  const run = join(dir, 'stale');
  assert.equal(copy('--max-steps', '3', '--out', run).status, 0);
  const dead = '.checkpoint.safetensors.999999999.1700000000000.tmp';
  const live = `.checkpoint.safetensors.${process.pid}.1700000000000.tmp`;
  const other = '.notes.txt.999999999.1.tmp';
  for (const f of [dead, live, other]) writeFileSync(join(run, f), Buffer.alloc(4096));
  const r = copy('--resume', '--max-steps', '5', '--out', run);
  assert.equal(r.status, 0, r.stderr);
  const left = readdirSync(run);
  assert.ok(!left.includes(dead), 'the dead writer\'s temp file is gone');
  assert.ok(left.includes(live) && left.includes(other), 'a live writer\'s file and files not ours stay');
});

test('train command: a closed stdout pipe stops the run after a checkpoint, quietly', async () => {
  const out = join(dir, 'piped');
  let lines = 0;
  const r = await runLive(['--max-steps', '100000', '--checkpoint-every', '0', '--eval-every', '0', '--json', '--out', out], (_e, child) => {
    if (++lines === 2) child.stdout!.destroy();
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'no stack trace');
  assert.ok(existsSync(join(out, 'checkpoint.safetensors')), 'a checkpoint was written');
  const log = jsonLines(readFileSync(join(out, 'events.jsonl'), 'utf8'));
  assert.equal(log.at(-1)!.type, 'end');
  assert.equal(log.at(-1)!.reason, 'interrupted');
  assert.ok(log.at(-1)!.step < 100000);
});

/** Mounts a tmpfs of `size` (read-only with `ro`) at a new directory, or returns why it cannot. */
function tmpfs(name: string, size: string, ro = false): { path: string; umount: () => void } | string {
  const path = join(dir, name);
  mkdirSync(path);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${ro ? ',ro' : ''}`, 'tmpfs', path], { encoding: 'utf8' });
  if (m.status !== 0) return `mounting a tmpfs needs root and a kernel that allows it here (${(m.stderr || m.error?.message || '').trim()})`;
  return { path, umount: () => spawnSync('umount', [path]) };
}

test('train command: a read-only file system and a full disk are named, and the previous checkpoint stays loadable', (t) => {
  const ro = tmpfs('ro', '1m', true);
  if (typeof ro === 'string') { t.skip(ro); return; }
  try {
    const r = copy('--max-steps', '3', '--out', join(ro.path, 'run'));
    assert.notEqual(r.status, 0);
    assert.match(r.stderr.trimEnd(), /^recur: cannot create run directory .*\/ro\/run: the file system is read-only \(EROFS\)$/);
  } finally {
    ro.umount();
  }
  const full = tmpfs('full', '96k');
  if (typeof full === 'string') { t.skip(full); return; }
  try {
    const run = join(full.path, 'run');
    // The first checkpoints fit; a later one finds no room for its temporary file.
    const r = copy('--max-steps', '200', '--checkpoint-every', '1', '--eval-every', '0', '--out', run, '--json');
    assert.notEqual(r.status, 0, 'the run fails');
    const line = r.stderr.trimEnd();
    assert.equal(line.split('\n').length, 1, line);
    assert.match(line, /^recur: cannot write .*\/run\/checkpoint\.safetensors: no space left on device \(ENOSPC\); the previous checkpoint \(step (\d+)\) is intact$/);
    const step = Number(/step (\d+)\) is intact/.exec(line)![1]);
    const events = jsonLines(r.stdout);
    assert.equal(events.at(-1)!.type, 'error');
    assert.equal(events.at(-1)!.message, line.slice('recur: '.length));
    assert.ok(!readdirSync(run).some((f) => f.endsWith('.tmp')), 'no temp file left behind');
    // The run resumes elsewhere from that checkpoint.
    const elsewhere = join(dir, 'moved');
    cpSync(run, elsewhere, { recursive: true });
    const resumed = copy('--resume', '--max-steps', String(step + 2), '--out', elsewhere, '--json');
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal(jsonLines(resumed.stdout)[0]!.step, step);
    assert.ok(statSync(join(elsewhere, 'checkpoint.safetensors')).size > 0);
  } finally {
    full.umount();
  }
});

test('--init-from and --freeze reach every train command: the new run starts from the weights, frozen ones stay, bad lists are refused', () => {
  const from = join(dir, 'init-source');
  const a = copy('--max-steps', '5', '--eval-every', '0', '--out', from);
  assert.equal(a.status, 0, a.stderr);
  const out = join(dir, 'init-target');
  const b = copy('--max-steps', '3', '--eval-every', '0', '--init-from', from, '--freeze', 'rnn', '--json', '--out', out);
  assert.equal(b.status, 0, b.stderr);
  const start = JSON.parse(b.stdout.split('\n')[0]!) as { details: { notes?: string[] } };
  assert.ok(start.details.notes?.some((n) => n.startsWith(`weights from ${join(from, 'model.safetensors')}`)), JSON.stringify(start.details.notes));
  assert.ok(start.details.notes?.some((n) => n.startsWith('frozen: rnn.')), JSON.stringify(start.details.notes));
  const bad = copy('--max-steps', '3', '--init-from', from, '--freeze', 'rnn,,head', '--out', join(dir, 'init-bad'));
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--freeze takes parameter names separated by commas, got 'rnn,,head'/);
});
