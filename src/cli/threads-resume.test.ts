// What `recur lm train --help` says of --threads: results are bit-identical for any thread count,
// so a run interrupted on two threads and resumed on one gives the losses of a one-thread run
// that never stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../testing/temp-dir.js';

const bin = fileURLToPath(new URL('./bin.js', import.meta.url));
const RHYMES = fileURLToPath(new URL('../../src/tasks/char-lm/fixtures/rhymes.txt', import.meta.url));
const dir = tempDir('recur-threads-resume-');
const ARGS = ['--text', RHYMES, '--hidden-size', '24', '--num-layers', '2', '--embedding-dim', '8', '--batch-size', '4', '--seq-len', '16',
  '--lr', '0.01', '--seed', '3', '--dropout', '0.2', '--max-steps', '60', '--eval-every', '20', '--checkpoint-every', '25', '--json'];
const stepLosses = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l) as { type: string; loss: number }).filter((e) => e.type === 'step').map((e) => e.loss);

test('lm train interrupted on 2 threads and resumed on 1 gives the losses of an uninterrupted 1-thread run', async () => {
  assert.match(spawnSync(process.execPath, [bin, 'lm', 'train', '--help'], { encoding: 'utf8' }).stdout, /results are\s+bit-identical\s+for\s+any\s+count/);
  const straight = spawnSync(process.execPath, [bin, 'lm', 'train', ...ARGS, '--threads', '1', '--out', join(dir, 'straight')], { encoding: 'utf8' });
  assert.equal(straight.status, 0, straight.stderr);
  const want = stepLosses(straight.stdout);

  const out = join(dir, 'interrupted');
  const child = spawn(process.execPath, [bin, 'lm', 'train', ...ARGS, '--threads', '2', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '', sent = false;
  child.stderr.on('data', (d) => { stderr += d; });
  child.stdout.on('data', (d) => {
    stdout += d;
    if (!sent && /"type":"step","step":(1[2-9]|[2-9]\d)/.test(stdout)) { sent = true; child.kill('SIGINT'); }
  });
  assert.equal(await new Promise((resolve) => child.on('close', resolve)), 130, stderr);
  const first = stepLosses(stdout);
  assert.ok(first.length < 60, `interrupted after ${first.length} steps`);
  const resumed = spawnSync(process.execPath, [bin, 'lm', 'train', '--resume', '--out', out, '--threads', '1', '--json'], { encoding: 'utf8' });
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.deepEqual([...first, ...stepLosses(resumed.stdout)], want, 'bit-identical losses');
});
