/**
 * `npm run test:browser`: the wasm backend in headless Chromium (Debian's `chromium` package,
 * driven by playwright-core), on two pages served from this package on localhost:
 *   - cross-origin isolated (COOP same-origin + COEP require-corp): shared memory, one Web
 *     Worker per extra core, results bit-identical to one thread;
 *   - not isolated: one thread on a memory of its own (fixed size), same results.
 * The page side is page.ts. Not part of `npm test`, which needs no browser.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PageReport } from './page.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url)); // the package root (dist/testing/browser/ -> ../../../)
const CHROMIUM = process.env.RECUR_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic'];
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.map': 'application/json' };

/** Serves the package's files; with `isolated`, every response carries the cross-origin isolation headers. */
function serve(isolated: boolean): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
      const headers: Record<string, string> = isolated
        ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
      if (path === '/') {
        res.writeHead(200, { ...headers, 'Content-Type': 'text/html' });
        res.end('<!doctype html><meta charset="utf-8"><title>recur browser test</title>');
        return;
      }
      const file = normalize(join(ROOT, path));
      if (!file.startsWith(join(ROOT, 'dist')) || !existsSync(file)) {
        res.writeHead(404, headers);
        res.end('not found');
        return;
      }
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(await readFile(file));
    })().catch((e: unknown) => { res.writeHead(500); res.end(String(e)); });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    resolve({ server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/` });
  }));
}

type Browser = { newPage(): Promise<Page>; close(): Promise<void> };
type Page = {
  goto(url: string): Promise<unknown>;
  evaluate<R>(fn: (arg: string) => Promise<R>, arg: string): Promise<R>;
  on(event: 'console' | 'pageerror', fn: (m: { text?: () => string; message?: string }) => void): void;
  close(): Promise<void>;
};

let browser: Browser;
const servers: Server[] = [];
const reports: Record<'isolated' | 'plain', PageReport | undefined> = { isolated: undefined, plain: undefined };

before(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`browser tests need Chromium at ${CHROMIUM}: install Debian's package (apt-get install chromium) or set RECUR_CHROMIUM`);
  }
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS }) as unknown as Browser;
});

after(async () => {
  await browser?.close();
  for (const s of servers) s.close();
});

async function report(kind: 'isolated' | 'plain'): Promise<PageReport> {
  const { server, url } = await serve(kind === 'isolated');
  servers.push(server);
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(String(e.message)));
  try {
    await page.goto(url);
    const r = await page.evaluate(async (src) => {
      const mod = await import(src) as { run(): Promise<unknown> };
      return mod.run();
    }, `${url}dist/testing/browser/page.js`) as PageReport;
    assert.deepEqual(problems, [], 'no uncaught errors in the page');
    reports[kind] = r;
    return r;
  } finally {
    await page.close();
  }
}

test('cross-origin isolated page: all cores as Web Workers on shared memory, bit-identical to one thread', async (t) => {
  const r = await report('isolated');
  t.diagnostic(`${r.description}; hardwareConcurrency ${r.hardwareConcurrency}; thread stats ${JSON.stringify(r.threadStats)}`);
  t.diagnostic(`max |wasm - reference|: GEMM ${r.gemmMaxDiff.toExponential(2)}, LSTM inference ${r.lstmMaxDiff.toExponential(2)}`);
  assert.equal(r.crossOriginIsolated, true);
  assert.equal(r.sharedMemory, true);
  assert.equal(r.threads, r.hardwareConcurrency, 'the default is all cores');
  if (r.hardwareConcurrency > 1) assert.ok(r.threadStats.posted > 0, 'kernel parts went to Web Workers');
  assert.ok(r.gemmSameBits, 'GEMM bit-identical to one thread');
  assert.ok(r.lstmSameBits, 'LSTM inference (recurrentSequence) bit-identical to one thread');
  assert.ok(r.trainingSameBits, '4 Adam steps of a 2-layer LSTM: losses and weights bit-identical to one thread');
  assert.ok(r.gemmMaxDiff < 1e-4 && r.lstmMaxDiff < 1e-4, 'close to the reference backend');
});

test('page that is not cross-origin isolated: one thread on a fixed unshared memory, same results', async (t) => {
  const r = await report('plain');
  t.diagnostic(`${r.description}; out-of-memory message: ${r.outOfMemoryError}`);
  assert.equal(r.crossOriginIsolated, false);
  assert.equal(r.sharedMemory, false);
  assert.equal(r.threads, 1);
  assert.match(r.description, /1 thread, unshared memory/);
  assert.ok(r.gemmSameBits && r.lstmSameBits && r.trainingSameBits);
  assert.ok(r.gemmMaxDiff < 1e-4 && r.lstmMaxDiff < 1e-4, 'close to the reference backend');
  assert.match(r.outOfMemoryError, /out of WebAssembly memory .*pass a larger memoryMiB/);
  const iso = reports.isolated;
  if (iso) assert.deepEqual(r.losses, iso.losses, 'the same training losses as the isolated page (same kernels)');
});
