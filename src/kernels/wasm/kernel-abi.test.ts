/**
 * The compiled kernel module agrees with kernel-abi.ts and the cell table: every cell kind's
 * kernel code gives the kernels the gates and (Elman) activation its row says. A stale build or
 * a code edited on one side only fails here. Not here: what the kernels compute (conformance tests).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CELL_KINDS, cellKind } from '../cell-kinds.js';
import * as abi from './kernel-abi.js';
import type { KernelExports } from './exports.js';
import { type WasmFlavour, loadKernelModule } from './load.js';

const ACTIVATION_CODE = { tanh: abi.ACT_TANH, relu: abi.ACT_RELU, sigmoid: abi.ACT_SIGMOID };

async function kernels(flavour: WasmFlavour, shared: boolean): Promise<KernelExports> {
  const { module } = await loadKernelModule(flavour, shared);
  const memory = new WebAssembly.Memory({ initial: 256, maximum: shared ? 65536 : 256, shared });
  const instance = await WebAssembly.instantiate(module, { env: { memory, abort: () => { throw new Error('abort'); }, now: () => performance.now() } });
  return instance.exports as unknown as KernelExports;
}

const builds: [WasmFlavour, boolean][] = [['simd', true], ['simd', false]];
if (WebAssembly.validate(new Uint8Array(await (await import('node:fs/promises')).readFile(new URL('./recur-relaxed.wasm', import.meta.url))))) {
  builds.push(['relaxed-simd', true], ['relaxed-simd', false]);
}

for (const [flavour, shared] of builds) {
  test(`kernel ABI (${flavour}, ${shared ? 'shared' : 'unshared'} memory): cell codes give the kernels each row's gates and activation`, async () => {
    const k = await kernels(flavour, shared);
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
