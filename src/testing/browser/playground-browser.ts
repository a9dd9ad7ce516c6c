/**
 * `npm run test:browser`, the playground (issue 17): the `recur dashboard` server's /playground
 * page in headless Chromium (Debian's `chromium`, driven by playwright-core). It trains "hello"
 * and a character model on pasted text in the page's Web Worker on the wasm backend (several
 * threads: the server makes the page cross-origin isolated), cancels a run, downloads the model
 * files and loads them with recur's Node loader and `recur lm sample`; it compares one thread
 * with several and writes a screenshot. Not part of `npm test`, which needs no browser.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { startDashboard, type Dashboard } from '../../dashboard/server.js';
import { loadModel } from '../../io/model-file.js';
import { lmOf } from '../../tasks/char-lm/evaluate.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url)); // the package root (dist/testing/browser/ -> ../../../)
const CHROMIUM = process.env.RECUR_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic'];
/** Screenshots for a person to look at (dist/ is not committed). */
const SHOTS = join(ROOT, 'dist', 'testing', 'browser', 'screenshots');

/** What a user pastes: short, repetitive lines a small model learns quickly. */
const PASTED = Array.from({ length: 40 }, (_, i) => `${['the cat', 'a dog', 'my bird'][i % 3]} sat on the ${['mat', 'log', 'hat', 'rug'][i % 4]}.\n`).join('');

interface Status { state: string; step: number; loss: number; firstLoss: number; rate: number; threads: number; predicted: string; text: string }

let browser: Browser;
let dashboard: Dashboard;
let page: Page;
let root: string;
const problems: string[] = [];

before(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`browser tests need Chromium at ${CHROMIUM}: install Debian's package (apt-get install chromium) or set RECUR_CHROMIUM`);
  }
  root = await mkdtemp(join(tmpdir(), 'recur-playground-'));
  const run = join(root, 'run');
  await mkdir(run);
  dashboard = await startDashboard({ runs: [run], port: 0 });
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
});

after(async () => {
  await browser?.close();
  await dashboard?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

function status(name: 'hello' | 'char'): Promise<Status> {
  return page.evaluate((id) => {
    const e = document.getElementById(`${id}-status`)!;
    const n = (k: string): number => Number(e.dataset[k] ?? NaN);
    return {
      state: e.dataset.state ?? '', step: n('step'), loss: n('loss'), firstLoss: n('firstLoss'), rate: n('rate'), threads: n('threads'),
      predicted: e.dataset.predicted ?? '', text: e.textContent ?? '',
    };
  }, name);
}

function waitForState(name: 'hello' | 'char', states: string[], timeout: number): Promise<unknown> {
  return page.waitForFunction(([id, wanted]) => (wanted as string[]).includes(document.getElementById(`${id as string}-status`)!.dataset.state ?? ''),
    [name, states] as const, { timeout });
}

/** Clicks the job's download link and saves the file; returns its path. */
async function download(name: 'hello' | 'char'): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(`#${name}-download`)]);
  const path = join(root, file.suggestedFilename());
  await file.saveAs(path);
  return path;
}

async function setChar(settings: { steps: number; threads: 'auto' | 'one' }): Promise<void> {
  await page.selectOption('#threads', settings.threads);
  await page.fill('#char-steps', String(settings.steps));
}

test('the playground loads, cross-origin isolated, with no console errors', async (t) => {
  const url = new URL(dashboard.url);
  url.pathname = '/playground';
  await page.goto(url.href);
  await page.waitForFunction(() => (document.getElementById('char-text') as HTMLTextAreaElement).value.length > 0, null, { timeout: 10_000 });
  const info = await page.evaluate(() => ({
    isolated: globalThis.crossOriginIsolated, cores: navigator.hardwareConcurrency, env: document.getElementById('env')!.textContent ?? '',
    back: (document.getElementById('dashboard-link') as HTMLAnchorElement).href,
  }));
  t.diagnostic(`crossOriginIsolated ${info.isolated}, hardwareConcurrency ${info.cores}: ${info.env}`);
  assert.equal(info.isolated, true, 'the dashboard server makes the page cross-origin isolated');
  assert.match(info.back, /\/\?token=/, 'the link back to the dashboard carries the token');
  assert.deepEqual(problems, []);
});

test('hello trains in the Worker: the loss falls and "hell" reads "ello"; the model file loads as a char LM', async (t) => {
  await page.selectOption('#threads', 'auto');
  await page.click('#hello-train');
  await waitForState('hello', ['finished', 'error'], 60_000);
  const s = await status('hello');
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  t.diagnostic(`hello: ${s.text}; loss ${s.firstLoss.toFixed(3)} -> ${s.loss.toFixed(4)}; ${s.threads} thread(s)`);
  assert.equal(s.state, 'finished', s.text);
  assert.equal(s.step, 150);
  assert.ok(s.loss < s.firstLoss / 4, `the loss falls: ${s.firstLoss} -> ${s.loss}`);
  assert.equal(s.predicted, 'ello');
  assert.equal(s.threads, Math.min(cores, 4), 'several threads when isolated (at most 4)');
  const rows = await page.evaluate(() => [...document.querySelectorAll('#hello-table tbody tr')].map((tr) => tr.lastElementChild?.textContent ?? ''));
  assert.deepEqual(rows, ['e', 'l', 'l', 'o']);

  const file = await download('hello');
  const lm = lmOf(await loadModel(file), file);
  assert.equal(lm.vocab.size, 4);
  assert.equal(lm.model.config.cell, 'rnn-tanh');
});

test('the character model trains on pasted text, cancel stops it within a second, and its file loads and samples', async (t) => {
  await page.fill('#char-text', PASTED);
  await setChar({ steps: 100_000, threads: 'auto' });
  await page.click('#char-train');
  // Trained until the loss has clearly fallen and a sample has come.
  await page.waitForFunction(() => {
    const e = document.getElementById('char-status')!.dataset;
    return Number(e.step) >= 60 && Number(e.loss) < Number(e.firstLoss) - 1 && document.getElementById('char-sample')!.textContent !== '';
  }, null, { timeout: 120_000 });
  const during = await status('char');
  t.diagnostic(`char model: ${during.text}; loss ${during.firstLoss.toFixed(3)} -> ${during.loss.toFixed(3)}`);
  assert.equal(during.state, 'training');

  const stop = await page.evaluate(async () => {
    const e = document.getElementById('char-status')!;
    const clicked = performance.now();
    const stepAtClick = Number(e.dataset.step);
    (document.getElementById('char-cancel') as HTMLButtonElement).click();
    while (e.dataset.state !== 'cancelled' && e.dataset.state !== 'error' && performance.now() - clicked < 10_000) await new Promise((ok) => setTimeout(ok, 5));
    return { state: e.dataset.state, ms: performance.now() - clicked, stepAtClick, step: Number(e.dataset.step) };
  });
  await page.waitForTimeout(1000);
  const later = await status('char');
  t.diagnostic(`cancel: '${stop.state}' after ${stop.ms.toFixed(0)} ms, at step ${stop.step} (step ${stop.stepAtClick} shown at the click); 1 s later step ${later.step}`);
  assert.equal(stop.state, 'cancelled');
  assert.ok(stop.ms < 1000, `cancelled within a second (${stop.ms} ms)`);
  assert.equal(later.step, stop.step, 'no step after the cancel');
  assert.equal(later.state, 'cancelled');
  assert.match(later.text, /^cancelled: step \d+/);

  const file = await download('char');
  const lm = lmOf(await loadModel(file), file);
  assert.equal(lm.vocab.level, 'char');
  assert.equal(lm.vocab.size, new Set(PASTED).size + 1, 'the pasted text\'s characters and U+FFFD');
  assert.equal(lm.model.config.cell, 'lstm');
  const cli = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli', 'bin.js'), 'lm', 'sample', '--model', file, '--length', '60', '--seed', '1', '--json'], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  const sampled = JSON.parse(cli.stdout) as { text: string };
  t.diagnostic(`recur lm sample --model ${file}: ${JSON.stringify(sampled.text)}`);
  assert.equal([...sampled.text].length, 60);
});

test('one thread against several on the same character model (steps per second)', async (t) => {
  const rates: Record<string, { rate: number; threads: number }> = {};
  for (const threads of ['one', 'auto'] as const) {
    await setChar({ steps: 60, threads });
    await page.click('#char-train');
    await waitForState('char', ['finished', 'error'], 180_000);
    const s = await status('char');
    assert.equal(s.state, 'finished', s.text);
    rates[threads] = { rate: s.rate, threads: s.threads };
  }
  const env = await page.evaluate(() => document.getElementById('env')!.textContent ?? '');
  t.diagnostic(`char model (lstm 128, batch 32 × 64): 1 thread ${rates.one!.rate.toFixed(1)} steps/s; ${rates.auto!.threads} threads ${rates.auto!.rate.toFixed(1)} steps/s (${env})`);
  assert.equal(rates.one!.threads, 1);
  assert.ok(rates.auto!.threads >= 1);

  await mkdir(SHOTS, { recursive: true });
  const path = join(SHOTS, 'playground.png');
  await page.screenshot({ path, fullPage: true });
  t.diagnostic(`screenshot: ${path}`);
  assert.deepEqual(problems, [], 'no console errors and no uncaught errors in the page');
});
