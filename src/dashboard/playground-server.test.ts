// The dashboard server's playground routes: /playground needs the token as / does, the
// playground's scripts and the wasm kernels come from fixed lists only, and only the two
// worker scripts may compile WebAssembly (their own Content-Security-Policy).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { httpGet, type Reply } from '../testing/http-get.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../testing/temp-dir.js';
import { KERNEL_FILES, STATIC_FILES, startDashboard, type Dashboard } from './server.js';

const root = tempDir('recur-playground-server-');
const staticDir = join(root, 'static');
const kernelsDir = join(root, 'kernels');
const run = join(root, 'run');
for (const d of [staticDir, kernelsDir, run]) mkdirSync(d);
writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>fake page</title>');
writeFileSync(join(staticDir, 'playground.html'), '<!doctype html><title>fake playground</title>');
for (const name of Object.keys(STATIC_FILES)) writeFileSync(join(staticDir, name), `/* fake ${name} */`);
for (const name of Object.keys(KERNEL_FILES)) writeFileSync(join(kernelsDir, name), `fake ${name}`);
// Beside the served files: never served.
writeFileSync(join(kernelsDir, 'recur-simd.wasm.bak'), 'SECRET-BAK');
writeFileSync(join(kernelsDir, 'load.js'), 'SECRET-KERNEL-JS');
writeFileSync(join(staticDir, 'secret.txt'), 'SECRET-STATIC');
writeFileSync(join(root, 'server.js'), 'SECRET-ROOT');

let dashboard: Dashboard;
after(async () => { await dashboard?.close(); });

async function start(): Promise<Dashboard> {
  dashboard ??= await startDashboard({ runs: [run], staticDir, kernelsDir, token: 'tok' });
  return dashboard;
}

const get = (d: Dashboard, path: string): Promise<Reply> => httpGet(d.port, path);

function assertIsolated(r: Reply, what: string): void {
  assert.equal(r.headers['cross-origin-opener-policy'], 'same-origin', `${what}: COOP`);
  assert.equal(r.headers['cross-origin-embedder-policy'], 'require-corp', `${what}: COEP`);
  assert.equal(r.headers['cross-origin-resource-policy'], 'same-origin', `${what}: CORP`);
  assert.equal(r.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
}

test('/playground needs the token (403 with the same message as /), and with it is the page, cross-origin isolated', async () => {
  const d = await start();
  const main = await get(d, '/');
  for (const path of ['/playground', '/playground?token=', '/playground?token=wrong', '/playground?tok=tok']) {
    const r = await get(d, path);
    assert.equal(r.status, 403, path);
    assert.equal(r.body, main.body, `${path}: the message of /`);
    assert.match(r.body, /needs its token/);
  }
  const r = await get(d, '/playground?token=tok');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(r.body, '<!doctype html><title>fake playground</title>');
  assertIsolated(r, '/playground');
  assert.doesNotMatch(String(r.headers['content-security-policy']), /wasm-unsafe-eval/, 'the page itself compiles no wasm');
  for (const path of ['/playground/?token=tok', '/playground.html?token=tok', '/static/playground.html', '/static/index.html']) {
    assert.equal((await get(d, path)).status, 404, path);
  }
});

test('the playground scripts and the wasm kernels are served from fixed lists, with the isolation headers', async () => {
  const d = await start();
  for (const name of ['playground.js', 'playground.css', 'playground-worker.js', 'thread-worker.js']) {
    const r = await get(d, `/static/${name}`);
    assert.equal(r.status, 200, name);
    assert.equal(r.body, `/* fake ${name} */`);
    assertIsolated(r, name);
    const csp = String(r.headers['content-security-policy']);
    if (name.endsWith('worker.js')) assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/, `${name}: may compile the kernels`);
    else assert.doesNotMatch(csp, /wasm-unsafe-eval/, name);
  }
  for (const name of Object.keys(KERNEL_FILES)) {
    const r = await get(d, `/static/${name}`);
    assert.equal(r.status, 200, name);
    assert.equal(r.headers['content-type'], 'application/wasm');
    assert.equal(r.body, `fake ${name}`);
    assertIsolated(r, name);
  }
});

test('a path outside the allowlists is 404 and reads nothing', async () => {
  const d = await start();
  const paths = [
    '/static/../server.js', '/static/%2e%2e/server.js', '/static/..%2fserver.js', '/static/kernels.wasm.bak', '/static/recur-simd.wasm.bak',
    '/static/load.js', '/static/secret.txt', '/static/./recur-simd.wasm', '/static//recur-simd.wasm', '/static/recur-simd.wasm/',
    '/static/RECUR-SIMD.WASM', '/static/recur-simd.wasm%00', '/static/hasOwnProperty', '/static/__proto__', '/kernels/recur-simd.wasm',
  ];
  for (const path of paths) {
    const r = await get(d, path);
    assert.equal(r.status, 404, path);
    assert.doesNotMatch(r.body, /SECRET|fake/, path);
  }
});
