// The package door names its exports (no `export *`, so an editor shows them in index.d.ts)
// and leaves out nothing a layer's own door exports at run time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as recur from './index.js';

const doors = ['tensor', 'random', 'kernels', 'autograd', 'nn', 'optim', 'io', 'data', 'plot', 'train', 'tasks'];

test('src/index.ts lists its exports by name and re-exports every runtime export of each layer door', async () => {
  const source = readFileSync(new URL('./index.d.ts', import.meta.url), 'utf8');
  assert.doesNotMatch(source, /export \*/, 'no export * in the public declarations');
  const missing: string[] = [];
  for (const door of doors) {
    const mod = (await import(`./${door}/index.js`)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) {
      if ((recur as Record<string, unknown>)[name] !== value) missing.push(`${door}: ${name}`);
    }
  }
  assert.deepEqual(missing, [], 'exported by a layer door but not by the package');
  for (const name of ['softmax', 'transpose01', 'exportOnnx', 'Tensor', 'Tape', 'Lstm', 'RecurrentModel', 'createBackend', 'forecastChart', 'renderSvg']) {
    assert.ok(name in recur, name);
  }
});
