// Tensors made on a tape go stale at its reset(): reads through item(), toArray(), clone() and
// views throw a message that names the fix, instead of returning a later step's numbers (the
// issue's three saved losses that all read back the same). Tensors that own their memory never
// go stale; direct .data reads are checked only in debug mode (checkStaleData / RECUR_DEBUG).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import { IntTensor, Tensor } from '../tensor/tensor.js';
import { linear } from './ops/linear.js';
import { mean } from './ops/sum-mean.js';
import { Parameter } from './parameter.js';
import { Tape } from './tape.js';

const STALE = (what: string, where: string) =>
  new RegExp(`^Error: ${where.replace('.', '\\.')}: ${what.replace(/[[\]]/g, '\\$&')} was made on a tape that has been reset since; clone\\(\\) it before tape\\.reset\\(\\) to keep it$`);

test('losses kept across reset(): reading one throws; clone() before the reset keeps each step\'s value', async () => {
  const backend = await WasmBackend.create();
  const w = new Parameter(Float32Array.from([0.5, -1, 2]), [1, 3]);
  const tape = new Tape(backend, { checkStaleData: false });
  const kept: Tensor[] = [];
  const cloned: number[] = [];
  for (let step = 0; step < 3; step++) {
    tape.reset();
    const loss = mean(tape, linear(tape, Tensor.from([step, 1, step * step], [1, 3]), w));
    kept.push(loss);
    cloned.push(loss.clone().item());
  }
  assert.throws(() => kept[0]!.item(), STALE('Tensor []', 'Tensor.item'));
  assert.throws(() => kept[1]!.item(), STALE('Tensor []', 'Tensor.item'));
  assert.equal(kept[2]!.item(), cloned[2], 'the last step\'s loss is still live');
  assert.deepEqual(cloned, [-1, 1.5, 8], 'each clone holds its own step');
  tape.reset();
  assert.throws(() => kept[2]!.item(), STALE('Tensor []', 'Tensor.item'));
});

test('every public read of a stale arena tensor throws; views made before the reset go stale too', () => {
  const tape = new Tape(new ReferenceBackend(), { checkStaleData: false });
  const t = tape.tensor([2, 3]);
  const row = t.at(1);
  const ints = tape.ints([4]);
  const intRows = ints.reshape([2, 2]);
  assert.ok(t.live && row.live && ints.live);
  tape.reset();
  assert.ok(!t.live && !row.live && !ints.live && !intRows.live);
  const reads: [string, () => unknown][] = [
    ['Tensor.toArray', () => t.toArray()], ['Tensor.clone', () => t.clone()], ['Tensor.at', () => t.at(0)],
    ['Tensor.slice', () => t.slice(0, 1)], ['Tensor.reshape', () => t.reshape([3, 2])],
  ];
  for (const [where, read] of reads) assert.throws(read, STALE('Tensor [2, 3]', where));
  assert.throws(() => row.toArray(), STALE('Tensor [3]', 'Tensor.toArray'));
  assert.throws(() => ints.toArray(), STALE('IntTensor [4]', 'IntTensor.toArray'));
  assert.throws(() => ints.clone(), STALE('IntTensor [4]', 'IntTensor.clone'));
  assert.throws(() => ints.at(0), STALE('IntTensor [4]', 'IntTensor.at'));
  assert.throws(() => ints.slice(0, 2), STALE('IntTensor [4]', 'IntTensor.slice'));
  assert.throws(() => intRows.reshape([4]), STALE('IntTensor [2, 2]', 'IntTensor.reshape'));
  // Without the debug check the hot path is a plain property: .data reads do not throw.
  assert.ok(t.data instanceof Float32Array);
  // Tensors made after the reset are live.
  assert.deepEqual(tape.tensor([2]).toArray(), [0, 0]);
});

test('tensors that own their memory never go stale: user-made, clones, parameters, views of them', () => {
  const tape = new Tape(new ReferenceBackend(), { checkStaleData: true });
  const user = Tensor.from([1, 2, 3, 4], [2, 2]);
  const ids = IntTensor.from([1, 2]);
  const p = new Parameter(Float32Array.from([1, 2]), [1, 2]);
  const arena = tape.tensor([2]);
  arena.data.set([7, 8]);
  const copy = arena.clone();
  const out = linear(tape, user, p);
  const kept = out.clone();
  for (let i = 0; i < 3; i++) tape.reset();
  assert.deepEqual(user.at(1).toArray(), [3, 4]);
  assert.deepEqual(user.reshape([4]).data, Float32Array.from([1, 2, 3, 4]));
  assert.deepEqual(ids.toArray(), [1, 2]);
  assert.deepEqual(p.toArray(), [1, 2]);
  assert.deepEqual(copy.toArray(), [7, 8]);
  assert.deepEqual(kept.toArray(), [5, 11]);
  assert.ok(user.live && ids.live && p.live && copy.live && kept.live);
});

test('checkStaleData: direct .data reads of stale tensors throw, on views too; live tensors read and write as usual', () => {
  const tape = new Tape(new ReferenceBackend(), { checkStaleData: true });
  assert.equal(tape.checkStaleData, true);
  const t = tape.tensor([2, 2]);
  t.data[1] = 5;
  const view = t.at(0);
  assert.equal(view.data[1], 5);
  const reshaped = linear(tape, Tensor.from([1, 1], [1, 2]), new Parameter(Float32Array.from([1, 2]), [1, 2])).reshape([1]);
  assert.equal(reshaped.data[0], 3);
  tape.reset();
  assert.throws(() => t.data, STALE('Tensor [2, 2]', 'Tensor.data'));
  assert.throws(() => view.data[0], STALE('Tensor [2]', 'Tensor.data'));
  assert.throws(() => reshaped.data, STALE('Tensor [1]', 'Tensor.data'));
});

/** In a fresh process with RECUR_DEBUG set as given: does a Tape made without options check direct .data reads? */
function staleDataReadWithEnv(value: string | undefined): string {
  const url = (rel: string) => JSON.stringify(new URL(rel, import.meta.url).href);
  const script = `
    const { Tape } = await import(${url('./tape.js')});
    const { ReferenceBackend } = await import(${url('../kernels/reference/reference-backend.js')});
    const tape = new Tape(new ReferenceBackend());
    const t = tape.tensor([3]);
    tape.reset();
    let r;
    try { r = 'read ' + t.data.length; } catch (e) { r = 'error ' + e.message; }
    process.stdout.write(r);`;
  const env = { ...process.env };
  delete env.RECUR_DEBUG;
  if (value !== undefined) env.RECUR_DEBUG = value;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  return r.stdout;
}

test('RECUR_DEBUG set turns the .data check on for every Tape; unset, empty or 0 it is off', () => {
  assert.equal(staleDataReadWithEnv('1'), 'error Tensor.data: Tensor [3] was made on a tape that has been reset since; clone() it before tape.reset() to keep it');
  for (const value of [undefined, '', '0']) assert.equal(staleDataReadWithEnv(value), 'read 3', `RECUR_DEBUG=${value}`);
});
