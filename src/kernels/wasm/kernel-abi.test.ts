/**
 * The compiled kernel module agrees with kernel-abi.ts and the cell table: it reads every field
 * of the whole-sequence descriptor at the word the TypeScript side writes it to, and every cell
 * kind's kernel code gives the kernels the gates and (Elman) activation its row says. A stale
 * build or a number edited on one side only fails here. Not here: what the kernels compute
 * (conformance tests).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CELL_KINDS, cellKind } from '../cell-kinds.js';
import * as abi from './kernel-abi.js';
import type { KernelExports } from './exports.js';
import { type WasmFlavour, loadKernelModule } from './load.js';

const ACTIVATION_CODE = { tanh: abi.ACT_TANH, relu: abi.ACT_RELU, sigmoid: abi.ACT_SIGMOID };

async function kernels(flavour: WasmFlavour, shared: boolean): Promise<{ k: KernelExports; memory: WebAssembly.Memory }> {
  const { module } = await loadKernelModule(flavour, shared);
  const memory = new WebAssembly.Memory({ initial: 256, maximum: shared ? 65536 : 256, shared });
  const instance = await WebAssembly.instantiate(module, { env: { memory, abort: () => { throw new Error('abort'); }, now: () => performance.now() } });
  return { k: instance.exports as unknown as KernelExports, memory };
}

/** FNV-1a over UTF-16 code units, as assembly/recurrent.ts hashes field names. */
function nameHash(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h | 0;
}

/** The descriptor's fields: every SEQ_* constant of kernel-abi.ts. */
const FIELDS = Object.entries(abi).filter(([name]) => name.startsWith('SEQ_')) as [string, number][];

test('kernel ABI: the descriptor fields are distinct words that fit before the sync slots', () => {
  assert.ok(FIELDS.length >= 20, `${FIELDS.length} fields`);
  const words = FIELDS.map(([, w]) => w);
  assert.equal(new Set(words).size, words.length, 'no two fields share a word');
  for (const [name, w] of FIELDS) assert.ok(Number.isInteger(w) && w >= 0 && w < abi.JOB_WORDS, `${name} = ${w} is inside [0, JOB_WORDS)`);
  assert.ok(abi.JOB_WORDS * 4 <= abi.JOB_SYNC_BYTES, 'the words end before the first sync slot');
  assert.ok(abi.JOB_SYNC_BYTES % 64 === 0 && abi.JOB_SLOT_BYTES >= 128, 'sync slots start on a cache line and hold two lines (claim, done)');
});

const builds: [WasmFlavour, boolean][] = [['simd', true], ['simd', false]];
if (WebAssembly.validate(new Uint8Array(await (await import('node:fs/promises')).readFile(new URL('./recur-relaxed.wasm', import.meta.url))))) {
  builds.push(['relaxed-simd', true], ['relaxed-simd', false]);
}

for (const [flavour, shared] of builds) {
  test(`kernel ABI (${flavour}, ${shared ? 'shared' : 'unshared'} memory): the kernels read each descriptor field at its word`, async () => {
    const { k, memory } = await kernels(flavour, shared);
    const out = 1 << 16;
    const words = new Int32Array(memory.buffer, out, abi.JOB_WORDS + 8);
    assert.equal(k.sequenceLayout(out), abi.JOB_WORDS, 'JOB_WORDS');
    for (const [name, w] of FIELDS) assert.equal(words[w], nameHash(name), `${name} is word ${w} for the kernels too`);
    assert.equal(words.filter((v) => v !== 0).length, FIELDS.length, 'the kernels read no field kernel-abi.ts does not name');
  });

  test(`kernel ABI (${flavour}, ${shared ? 'shared' : 'unshared'} memory): cell codes give the kernels each row's gates and activation`, async () => {
    const { k } = await kernels(flavour, shared);
    const codes = new Set<number>();
    for (const name of CELL_KINDS) {
      const row = cellKind(name);
      assert.ok(!codes.has(row.kernelCode), `${name}: kernel code ${row.kernelCode} is not shared with another kind`);
      codes.add(row.kernelCode);
      assert.equal(k.cellGates(row.kernelCode), row.gates, `${name}: gates of code ${row.kernelCode}`);
      assert.equal(k.cellActivation(row.kernelCode), row.nonlinearity ? ACTIVATION_CODE[row.nonlinearity] : -1, `${name}: activation of code ${row.kernelCode}`);
    }
    assert.equal(k.cellGates(Math.max(...codes) + 1), -1, 'a code past the table is unknown to the kernels');
  });
}
