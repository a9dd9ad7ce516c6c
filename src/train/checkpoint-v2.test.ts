/**
 * Checkpoints written before the CRC-32s (format 2, one SHA-256 over all tensors) still resume,
 * bit-exactly (fixtures/checkpoint-v2: written and resumed by recur at commit 869a00e), and a
 * flipped byte in one is still refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { tempDir } from '../testing/temp-dir.js';
import { decodeCheckpoint } from './checkpoint.js';

const fixture = fileURLToPath(new URL('../../src/train/fixtures/checkpoint-v2', import.meta.url));
const RHYMES = fileURLToPath(new URL('../../src/tasks/char-lm/fixtures/rhymes.txt', import.meta.url));
const bin = fileURLToPath(new URL('../cli/bin.js', import.meta.url));
const dir = tempDir('recur-checkpoint-v2-');

test('a format-2 checkpoint resumes with the losses the recur that wrote it gave', () => {
  const out = join(dir, 'run');
  cpSync(fixture, out, { recursive: true });
  const r = spawnSync(process.execPath, [bin, 'lm', 'train', '--text', RHYMES, '--resume', '--out', out, '--max-steps', '6', '--threads', '1',
    '--backend', 'wasm', '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const losses = r.stdout.split('\n').filter((l) => l.includes('"type":"step"')).map((l) => JSON.parse(l) as { step: number; loss: number });
  assert.deepEqual(losses.map((e) => [e.step, e.loss]), [[4, 3.711916446685791], [5, 3.624091863632202], [6, 3.6928606033325195]]);
  // Its next checkpoint is today's format, with the CRC-32s.
  assert.equal(decodeCheckpoint(readFileSync(join(out, 'checkpoint.safetensors'))).training.step, 6);
});

test('a format-2 checkpoint with a flipped byte is refused by its SHA-256', () => {
  const bytes = new Uint8Array(readFileSync(join(fixture, 'checkpoint.safetensors')));
  bytes[bytes.length - 5]! ^= 0x10;
  const path = join(dir, 'flipped.safetensors');
  writeFileSync(path, bytes);
  assert.throws(() => decodeCheckpoint(bytes, path), /flipped\.safetensors is corrupted: its tensor data does not match the SHA-256 recorded in it/);
});
