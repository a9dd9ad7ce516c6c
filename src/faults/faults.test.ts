/**
 * The fast subset of `npm run faults` (faults.ts): `recur lm train` killed with SIGKILL at random
 * moments resumes to the losses and weights of a run that was never killed, and on a full disk
 * stops with one line, keeps its last checkpoint, and resumes elsewhere bit-exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { tempDir } from '../testing/temp-dir.js';
import { diskFull } from './disk-full.js';
import { trainJobs } from './fault-jobs.js';
import { killAndResume, stepLosses } from './kill-resume.js';

const dir = tempDir('recur-faults-');
const lm = () => trainJobs(dir).find((j) => j.name === 'lm')!;
const bin = fileURLToPath(new URL('../cli/bin.js', import.meta.url));
const recur = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });

test('--resume before the first checkpoint: the full command starts the run over (with a note); a bare --resume says what to do', () => {
  const job = lm();
  const args = [...job.args.map((a) => (a === '2400' ? '20' : a)), '--checkpoint-every', '0'];
  const out = join(dir, 'early');
  mkdirSync(out);
  writeFileSync(join(out, 'events.jsonl'), '{"type":"start","step":0}\n'); // what a run killed while loading leaves
  const bare = recur('lm', 'train', '--resume', '--out', out);
  assert.equal(bare.status, 1);
  assert.match(bare.stderr, /^recur: no checkpoint to resume: \S+checkpoint\.safetensors does not exist \(a run stopped before its first checkpoint starts over when the command names its data again\)\n$/);
  const full = recur(...args, '--out', out, '--resume');
  assert.equal(full.status, 0, full.stderr);
  assert.match(full.stdout, /no checkpoint in \S+early yet \(the run stopped before its first one\): starting it from step 0/);
  assert.ok(existsSync(join(out, 'checkpoint.safetensors')));
  const fresh = recur(...args, '--out', join(dir, 'early-fresh'));
  assert.deepEqual(stepLosses(full.stdout), stepLosses(fresh.stdout));
});

test('lm train killed with SIGKILL at 3 random moments: every resume succeeds, with the uninterrupted run\'s losses and weights', async () => {
  const r = await killAndResume(lm(), 3, dir, 11);
  assert.ok(r.kills >= 2, `only ${r.kills} of 3 runs were still going when killed`);
  assert.deepEqual(r.problems, []);
  assert.equal(r.resumed, r.kills);
  assert.equal(r.mismatches, 0);
});

test('lm train on a full disk: one line naming the file and the reason, exit 1, and the copy resumes elsewhere bit-exactly', (t) => {
  const r = diskFull(lm(), dir);
  if (r.skipped) {
    t.skip(`not run: ${r.skipped}`);
    return;
  }
  assert.deepEqual(r.problems, []);
  assert.equal(r.exitCode, 1);
  assert.match(r.message, /^recur: cannot write \S+: no space left on device \(ENOSPC\); the previous checkpoint \(step \d+\) is intact$/);
  assert.ok(r.checkpoints >= 1, 'a checkpoint was written before the disk filled');
  assert.ok(r.resumedExact);
});

test('killed between the checkpoint and the model file at the last step: --resume trains nothing and rewrites the model file', () => {
  const args = [...lm().args.map((a) => (a === '2400' ? '20' : a === '73' ? '10' : a))];
  const done = join(dir, 'pair-done'), before = join(dir, 'pair-before');
  assert.equal(recur(...args, '--out', done).status, 0);
  assert.equal(recur(...args.map((a) => (a === '20' ? '10' : a)), '--out', before).status, 0);
  const want = readFileSync(join(done, 'model.safetensors'));
  // What such a kill leaves: the checkpoint of step 20 beside the model file of step 10, older.
  copyFileSync(join(before, 'model.safetensors'), join(done, 'model.safetensors'));
  const t = statSync(join(done, 'checkpoint.safetensors')).mtime.getTime() / 1000 - 60;
  utimesSync(join(done, 'model.safetensors'), t, t);
  const resumed = recur(...args, '--out', done, '--resume');
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.deepEqual(readFileSync(join(done, 'model.safetensors')), want);
});
