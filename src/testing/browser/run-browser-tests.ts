/**
 * `npm run test:browser`: the wasm backend in headless Chromium (Debian's `chromium` package,
 * driven by playwright-core), on two pages served from this package on localhost:
 *   - cross-origin isolated (COOP same-origin + COEP require-corp): shared memory, one Web
 *     Worker per extra core, results bit-identical to one thread;
 *   - not isolated: one thread on a memory of its own (fixed size), same results.
 * The page side is page.ts. Also the `recur dashboard` page (src/dashboard/) on two run
 * directories: charts, legend, run status, a malformed line, and a step appended while it is open;
 * its "inside the network" view on three small language models (Elman, LSTM, GRU), a text
 * classifier, a tagger, an encoder-decoder and a run with no model yet; and its task views on a small trained run of every
 * task. Each dashboard test writes a screenshot to dist/testing/browser/screenshots/.
 * The playground's tests are in playground-browser.ts.
 * Not part of `npm test`, which needs no browser.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDashboard, type Dashboard } from '../../dashboard/server.js';
import { CharTokenizer } from '../../data/char-tokenizer.js';
import { saveModel } from '../../io/model-file.js';
import { RecurrentModel } from '../../nn/recurrent-model.js';
import { Rng } from '../../random/rng.js';
import type { EndEvent, EvalEvent, SampleEvent, StartEvent, StepEvent } from '../../train/events.js';
import type { PageReport } from './page.js';
import { createBackend } from '../../kernels/index.js';
import { makeTaskRuns } from '../task-runs.js';

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
  evaluate<R>(fn: (arg: string) => R | Promise<R>, arg: string): Promise<R>;
  waitForFunction(fn: (arg: string) => unknown, arg: string, options: { timeout: number }): Promise<unknown>;
  on(event: 'console' | 'pageerror', fn: (m: { type?: () => string; text?: () => string; message?: string }) => void): void;
  setViewportSize(size: { width: number; height: number }): Promise<void>;
  $(selector: string): Promise<{ screenshot(options: { path: string }): Promise<unknown> } | null>;
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  close(): Promise<void>;
};

/** Screenshots of each view, for a person to look at (dist/ is not committed). */
const SHOTS = join(ROOT, 'dist', 'testing', 'browser', 'screenshots');

/** Writes a screenshot of the page (or of one element) to SHOTS/<name>.png and says where. */
async function shot(t: { diagnostic(s: string): void }, page: Page, name: string, selector?: string): Promise<void> {
  await mkdir(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  if (selector === undefined) await page.screenshot({ path, fullPage: true });
  else await (await page.$(selector))?.screenshot({ path });
  t.diagnostic(`screenshot: ${path}`);
}

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

// ---- the dashboard page ---------------------------------------------------------------------

const RUN = 'char-lm-run';
const BROKEN = 'broken-run';

/** A small char-lm run as `recur train` writes it: start, 40 steps, 4 evaluations, a sample, end. */
function finishedRun(dir: string): string {
  const start: StartEvent = {
    type: 'start', task: 'char-lm', unit: 'characters', step: 0, resumed: false, maxSteps: 40, accumulate: 1, parameters: 877250,
    metrics: [{ name: 'bitsPerChar', label: 'bits', format: 'decimal', digits: 3, better: 'min' }],
    monitor: { metric: 'loss', mode: 'min' },
    details: {
      model: '2×256 lstm, embedding 64', data: 'data/tinyshakespeare.txt', trainItems: 1003854, validationItems: 111540,
      batch: '64 × 64', lr: 0.002, backend: 'wasm (relaxed-simd, 1 thread)', out: dir, lossUnit: 'nats/char',
      facts: [['vocabulary', '66 characters, U+FFFD (unknown) included']],
    },
  };
  const events: (StartEvent | StepEvent | EvalEvent | SampleEvent | EndEvent)[] = [start];
  for (let step = 1; step <= 40; step++) {
    events.push(stepEvent(step));
    if (step % 10 === 0) {
      const valLoss = 4.2 - 0.25 * (step / 10);
      events.push({
        type: 'eval', step, valLoss, metrics: { bitsPerChar: valLoss / Math.LN2 }, value: valLoss, best: valLoss, bestStep: step,
        improved: true, savedBest: join(dir, 'best.safetensors'), staleEvals: 0, evalMs: 6200, elapsedMs: step * 1050 + (step / 10) * 6200,
      });
    }
    if (step === 30) events.push({ type: 'sample', step, text: 'First Citizen:\nBefore we proceed any further, hear me speak.' });
  }
  events.push({ type: 'end', step: 40, reason: 'max-steps', elapsedMs: 68000, items: 40 * 4096, loss: stepEvent(40).loss, valLoss: 3.2, best: 3.2, bestStep: 40 });
  return events.map((e) => JSON.stringify(e)).join('\n') + '\n';
}

function stepEvent(step: number): StepEvent {
  return {
    type: 'step', step, loss: 4.2 - 0.025 * step + 0.01 * Math.sin(step), lr: 0.002 * Math.min(1, step / 10), gradNorm: 0.26 + 0.02 * Math.cos(step),
    epoch: (step * 4096) / 1003854, items: step * 4096, itemsPerSecond: 3800 + 50 * Math.sin(step), elapsedMs: step * 1050,
    totalSteps: 40, etaMs: Math.max(0, 40 - step) * 1050, memoryBytes: 300_000_000 + step * 1_000_000,
  };
}

test('dashboard page: six charts, legend, run status, a malformed line, a step appended while open', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'recur-dashboard-'));
  let dashboard: Dashboard | undefined;
  let page: Page | undefined;
  try {
    const good = join(root, RUN), broken = join(root, BROKEN);
    await mkdir(good);
    await mkdir(broken);
    await writeFile(join(good, 'events.jsonl'), finishedRun(good));
    const lines = finishedRun(broken).split('\n').slice(0, 5); // start, step 1, step 2, ...
    lines[2] = '{"type":"step","step":2,"loss":4.19'; // line 3: cut short
    await writeFile(join(broken, 'events.jsonl'), lines.join('\n') + '\n');

    dashboard = await startDashboard({ runs: [good, broken], port: 0 });
    page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type?.() === 'error') problems.push(`console error: ${m.text?.()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${String(e.message)}`));
    await page.goto(dashboard.url);

    // Everything read: the finished run's status, its last step, the broken run's error line.
    await page.waitForFunction((run) => {
      const li = [...document.querySelectorAll('#runs li')].find((l) => l.querySelector('strong')?.textContent === run);
      return /\bfinished\b/.test(li?.textContent ?? '') && /step 40\b/.test(li?.textContent ?? '')
        && document.querySelectorAll('#errors li').length > 0 && document.querySelectorAll('.chart canvas').length >= 5;
    }, RUN, { timeout: 15_000 });
    await page.evaluate(() => new Promise((ok) => setTimeout(ok, 400)), ''); // one more redraw

    const view = await page.evaluate((run) => {
      const box = (e: Element | null | undefined): { w: number; h: number } => {
        const r = e?.getBoundingClientRect();
        return { w: r?.width ?? 0, h: r?.height ?? 0 };
      };
      const charts = [...document.querySelectorAll<HTMLElement>('.chart')].map((c) => ({
        title: c.querySelector('h3')?.textContent ?? '',
        hidden: c.hidden,
        canvas: c.querySelector('canvas') !== null,
        size: box(c.querySelector('canvas')),
        legend: [...c.querySelectorAll('.u-legend .u-series th')].map((th) => th.textContent?.trim() ?? ''),
        points: (c.querySelector('.plot') as HTMLElement | null)?.dataset.points ?? '',
      }));
      const errorsBox = document.getElementById('errors');
      const errors = [...document.querySelectorAll('#errors li')].map((li) => ({ text: li.textContent ?? '', size: box(li) }));
      const li = [...document.querySelectorAll('#runs li')].find((l) => l.querySelector('strong')?.textContent === run);
      return {
        charts, errors, errorsHidden: errorsBox?.hidden ?? true,
        runs: [...document.querySelectorAll('#runs li strong')].map((s) => s.textContent ?? ''),
        status: li?.querySelector('.status')?.textContent ?? '',
      };
    }, RUN);
    t.diagnostic(`charts: ${view.charts.map((c) => `${c.title.trim()} ${c.size.w}×${c.size.h}`).join('; ')}`);
    t.diagnostic(`errors: ${view.errors.map((e) => e.text).join(' | ')}`);

    // Memory is reported (memoryBytes), so the memory chart shows too: six charts (five without it).
    const shown = view.charts.filter((c) => !c.hidden);
    assert.equal(view.charts.length, 6);
    assert.equal(shown.length, 6, 'all six charts shown, memory included');
    for (const c of shown) {
      assert.ok(c.canvas, `${c.title}: has a canvas`);
      assert.ok(c.size.w > 0 && c.size.h > 0, `${c.title}: canvas of non-zero size (${c.size.w}×${c.size.h})`);
      assert.ok(c.legend.includes(RUN) && c.legend.includes(BROKEN), `${c.title}: legend names both runs (${c.legend.join(', ')})`);
    }
    // The loss chart has a point per step event of each run (the broken run's cut line 3 is none).
    const stepLines = (text: string) => text.split('\n').filter((l) => /^\{"type":"step".*\}$/.test(l)).length;
    const events = stepLines(finishedRun(good));
    const brokenSteps = stepLines(lines.join('\n'));
    assert.equal(view.charts.find((c) => c.title.startsWith('training loss'))?.points, `${events},${brokenSteps}`, 'loss chart points per run');
    const evals = finishedRun(good).split('\n').filter((l) => l.includes('"type":"eval"')).length;
    assert.equal(view.charts.find((c) => c.title.startsWith('validation loss'))?.points, `${evals},0`, 'validation chart points per run');
    await shot(t, page, 'training-view');
    assert.deepEqual(view.runs, [RUN, BROKEN]);
    assert.equal(view.status, 'finished');
    assert.equal(view.errorsHidden, false, 'the error list is shown');
    const line3 = view.errors.find((e) => e.text.startsWith(`${BROKEN}: events.jsonl line 3:`));
    assert.ok(line3, `an error for line 3 of ${BROKEN} (${view.errors.map((e) => e.text).join(' | ')})`);
    assert.ok(line3.size.w > 0 && line3.size.h > 0, 'the line 3 error is visible');
    assert.equal(view.errors.length, 1, 'only line 3 is wrong');

    // A step appended while the page is open: the run's latest step (in its header line) follows.
    const appended = Date.now();
    await appendFile(join(good, 'events.jsonl'), JSON.stringify(stepEvent(41)) + '\n');
    await page.waitForFunction((run) => {
      const li = [...document.querySelectorAll('#runs li')].find((l) => l.querySelector('strong')?.textContent === run);
      return /step 41\b/.test(li?.textContent ?? '');
    }, RUN, { timeout: 5000 });
    const shownAfter = Date.now() - appended;
    t.diagnostic(`appended step 41 shown after ${shownAfter} ms`);
    assert.ok(shownAfter < 2000, `a new event appears within 2 s (${shownAfter} ms)`);

    assert.deepEqual(problems, [], 'no console errors and no uncaught errors in the page');
  } finally {
    await page?.close();
    await dashboard?.close();
    await rm(root, { recursive: true, force: true });
  }
});

test('dashboard page, inside the network: heatmaps, gates, next symbols or classes, gradient through time; a classifier, a tagger, an encoder-decoder; a run without a model', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'recur-dashboard-inside-'));
  let dashboard: Dashboard | undefined;
  let page: Page | undefined;
  try {
    const tok = CharTokenizer.fit('abcdefgh ');
    const cells = ['rnn-tanh', 'lstm', 'gru'] as const;
    const dirs: string[] = [];
    for (const [i, cell] of cells.entries()) {
      const dir = join(root, `run-${cell}`);
      await mkdir(dir);
      const model = new RecurrentModel({ input: { kind: 'embedding', vocabSize: tok.size, embeddingDim: 4 }, cell, hiddenSize: 6, numLayers: 2, outputSize: tok.size }, { rng: new Rng(10 + i) });
      await saveModel(join(dir, 'model.safetensors'), model, { vocabulary: [...tok.vocabulary] });
      dirs.push(dir);
    }
    // A classifier as `recur classify train` saves it (the tokenizer and classes in the file's
    // metadata): a word-level bidirectional LSTM with max pooling (the defaults for text),
    // multi-label; a tagger and an encoder-decoder likewise. (Seven runs: the page reads every
    // run's events through one stream, so the inside requests are not queued behind them. A
    // classifier of vectors and a forecaster are refused with a 400: dashboard/inside.test.ts.)
    const { Tokenizer } = await import('../../data/tokenizer.js');
    const { CLASSIFY_METADATA_KEY } = await import('../../tasks/classify/task.js');
    const classes = ['negative', 'positive', 'neutral'];
    const data = { format: 'table', header: 'auto', separator: 'auto', labelSeparator: ',' };
    const saveClassifier = async (name: string, model: RecurrentModel, meta: Record<string, unknown>) => {
      const dir = join(root, name);
      await mkdir(dir);
      await saveModel(join(dir, 'model.safetensors'), model, { task: 'classify', extra: { [CLASSIFY_METADATA_KEY]: JSON.stringify({ classes, multiLabel: false, tokenizer: null, features: null, maxLength: 0, data, ...meta }) } });
      return dir;
    };
    const words = Tokenizer.fit(['a bad film', 'the cafe was good', 'fine'], { level: 'word' });
    const classifier = await saveClassifier('run-classify', new RecurrentModel({ input: { kind: 'embedding', vocabSize: words.size, embeddingDim: 4 }, cell: 'lstm', hiddenSize: 6, bidirectional: true, outputSize: 3, output: 'last', pooling: 'max' }, { rng: new Rng(20) }),
      { tokenizer: words.toJSON(), multiLabel: true });
    // A word tagger with character features and a CRF over 3 tags (bidirectional GRU encoder).
    const { Tagger } = await import('../../tasks/tag/model.js');
    const { TAG_METADATA_KEY } = await import('../../tasks/tag/prepare.js');
    const tagWords = ['the', 'bad', 'cafe', 'was', 'good', '.'];
    const wordVocab = Tokenizer.fit(tagWords, { level: 'word', splitPunctuation: false, lowercase: false, numbers: false, urls: true });
    const charVocab = Tokenizer.fit(tagWords, { level: 'char', lowercase: false });
    const tagDir = join(root, 'run-tag');
    await mkdir(tagDir);
    const tagger = new Tagger({ wordVocabSize: wordVocab.size, wordEmbeddingDim: 4, charVocabSize: charVocab.size, charEmbeddingDim: 3, charHiddenSize: 2, cell: 'gru', hiddenSize: 6, bidirectional: true, tagCount: 3, crf: true }, { rng: new Rng(30) });
    await saveModel(join(tagDir, 'model.safetensors'), tagger, { task: 'tag', extra: { [TAG_METADATA_KEY]: JSON.stringify({ words: wordVocab.toJSON(), chars: charVocab.toJSON(), tags: ['DET', 'NOUN', 'ADJ'], format: 'conllu' }) } });
    // A character encoder-decoder: bidirectional LSTM encoder, additive attention.
    const { EncoderDecoder } = await import('../../tasks/seq2seq/model.js');
    const { EOS_TOKEN, GO_TOKEN } = await import('../../tasks/seq2seq/prepare.js');
    const { SEQ2SEQ_METADATA_KEY } = await import('../../tasks/seq2seq/task.js');
    const srcVocab = Tokenizer.fit(['abcdefgh '], { level: 'char' });
    const tgtVocab = Tokenizer.fit(['xyz'], { level: 'char', specials: [GO_TOKEN, EOS_TOKEN] });
    const s2sDir = join(root, 'run-seq2seq');
    await mkdir(s2sDir);
    const s2s = new EncoderDecoder({
      sourceVocabSize: srcVocab.size, targetVocabSize: tgtVocab.size, embeddingDim: 4, cell: 'lstm', encoderHiddenSize: 6, decoderHiddenSize: 5, bidirectional: true,
      attention: 'additive', goId: tgtVocab.idOf(GO_TOKEN)!, eosId: tgtVocab.idOf(EOS_TOKEN)!, maxSourceLength: 20, maxTargetLength: 4,
    }, { rng: new Rng(40) });
    await saveModel(join(s2sDir, 'model.safetensors'), s2s, { task: 'seq2seq', extra: { [SEQ2SEQ_METADATA_KEY]: JSON.stringify({
      source: srcVocab.toJSON(), target: tgtVocab.toJSON(), sharedVocabulary: false, sourceColumn: 1, targetColumn: 2, split: { seed: 1, fraction: 0.1 }, unknownInTraining: 0,
    }) } });
    const empty = join(root, 'run-empty'); // no events.jsonl, no model: the inside route answers 404
    await mkdir(empty);
    const runs = [...dirs, classifier, tagDir, s2sDir, empty];
    dashboard = await startDashboard({ runs, port: 0 });
    page = await browser.newPage();
    const problems: string[] = [];
    let notFound = 0;
    page.on('console', (m) => {
      if (m.type?.() !== 'error') return;
      const text = m.text?.() ?? '';
      // Chromium logs every non-2xx fetch; the one 404 of the run without a model is expected.
      if (/^Failed to load resource: the server responded with a status of 404\b/.test(text)) { notFound++; return; }
      problems.push(`console error: ${text}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${String(e.message)}`));
    await page.goto(dashboard.url);
    await page.waitForFunction(() => document.getElementById('inside-run') !== null, '', { timeout: 10_000 });

    const text = 'bad cafe';
    await page.evaluate((s) => {
      const input = document.getElementById('inside-text') as HTMLInputElement;
      if (input.value !== 'hello') throw new Error(`the default text is '${input.value}'`);
      input.value = s;
      (document.getElementById('inside-run') as HTMLButtonElement).click();
    }, text);
    await page.waitForFunction((n) => document.querySelectorAll('.inside-run').length === Number(n)
      && document.querySelector('.inside-gradient canvas') !== null, String(runs.length), { timeout: 30_000 });

    const view = await page.evaluate(() => {
      const box = (e: Element | null | undefined): { w: number; h: number } => {
        const r = e?.getBoundingClientRect();
        return { w: r?.width ?? 0, h: r?.height ?? 0 };
      };
      const cards = [...document.querySelectorAll('.inside-run')].map((c) => ({
        name: c.querySelector('h2')?.textContent ?? '',
        error: c.querySelector('.inside-error')?.textContent ?? null,
        summary: c.querySelector('p.muted')?.textContent ?? '',
        heatmaps: [...c.querySelectorAll(':scope > figure.heatmap')].map((f) => ({
          title: f.querySelector('figcaption')?.textContent ?? '', size: box(f.querySelector('canvas')),
          labels: [...f.querySelectorAll('.cols span')].map((s) => s.textContent ?? ''),
        })),
        gates: [...c.querySelectorAll('.gates figure.heatmap')].map((f) => ({
          title: f.querySelector('figcaption')?.textContent ?? '', size: box(f.querySelector('canvas')),
        })),
        nextHeader: [...c.querySelectorAll('table.next:not(.classes) th')].map((th) => th.textContent ?? ''),
        translation: c.querySelector('p.translation')?.textContent ?? null,
        crfNote: c.querySelector('.crf-note')?.textContent ?? null,
        nextRows: [...c.querySelectorAll('table.next:not(.classes) tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
        classRows: [...c.querySelectorAll('table.classes tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
        multiLabelNote: c.querySelector('.multi-label')?.textContent ?? null,
      }));
      const chart = document.querySelector('.inside-gradient');
      return {
        cards,
        chart: {
          hidden: (chart as HTMLElement | null)?.hidden ?? true,
          size: box(chart?.querySelector('canvas')),
          legend: [...(chart?.querySelectorAll('.u-legend .u-series th') ?? [])].map((th) => th.textContent?.trim() ?? ''),
          caption: chart?.querySelector('.caption')?.textContent ?? '',
        },
      };
    }, '');
    t.diagnostic(`inside: ${view.cards.map((c) => `${c.name}: ${c.error ?? `${c.heatmaps.map((h) => `${h.size.w}×${h.size.h}`).join(', ')}; gates ${c.gates.length}; next ${c.nextRows.length} rows; classes ${c.classRows.length}`}`).join(' | ')}`);
    t.diagnostic(`gradient chart ${view.chart.size.w}×${view.chart.size.h}, legend ${view.chart.legend.join(', ')}`);

    assert.equal(view.cards.length, runs.length);
    for (const [i, cell] of cells.entries()) {
      const c = view.cards[i]!;
      assert.equal(c.name, `run-${cell}`);
      assert.equal(c.error, null, `${cell}: no error`);
      assert.equal(c.heatmaps.length, 2, `${cell}: a hidden-state heatmap per layer`);
      for (const h of c.heatmaps) {
        assert.ok(h.size.w > 0 && h.size.h > 0, `${cell} ${h.title}: canvas of non-zero size`);
        assert.deepEqual(h.labels, ['b', 'a', 'd', '␣', 'c', 'a', 'f', 'e'], `${cell}: the symbols label the columns`);
      }
      const gateNames = cell === 'lstm' ? ['input', 'forget', 'cell', 'output'] : cell === 'gru' ? ['reset', 'update', 'new'] : [];
      assert.deepEqual(c.gates.map((g) => g.title.split(' ')[0]), gateNames, `${cell}: the last layer's gates`);
      for (const g of c.gates) assert.ok(g.size.w > 0 && g.size.h > 0, `${cell} gate ${g.title}: canvas of non-zero size`);
      assert.deepEqual(c.nextHeader, ['step', 'read', 'most likely next']);
      assert.equal(c.nextRows.length, text.length, `${cell}: one next row per symbol`);
      for (const row of c.nextRows) assert.equal((row[2]!.match(/%/g) ?? []).length, 5, `${cell}: five candidates with percentages (${row[2]})`);
      assert.equal(c.classRows.length, 0);
    }

    // The classifier: one bidirectional layer of 2 × 6 units over 2 words; each gate in both
    // directions; per step its 3 classes; every class for the whole text; the multi-label note.
    const cl = view.cards[cells.length]!;
    assert.equal(cl.name, 'run-classify');
    assert.equal(cl.error, null, 'classifier: no error');
    assert.match(cl.summary, /^classifier of 3 classes \(multi-label\), max pooling · bidirectional lstm, 1 × 6 units per direction · word tokens · 2 steps/);
    assert.equal(cl.heatmaps.length, 1);
    assert.match(cl.heatmaps[0]!.title, /^layer 1 hidden state \(forward units, then backward\) 12 units × 2 steps$/);
    assert.ok(cl.heatmaps[0]!.size.w > 0 && cl.heatmaps[0]!.size.h > 0, 'classifier: heatmap canvas of non-zero size');
    assert.deepEqual(cl.heatmaps[0]!.labels, ['bad', 'cafe'], 'classifier: the words label the columns');
    assert.deepEqual(cl.gates.map((g) => g.title.replace(/ \d+ units × \d+ steps$/, '')),
      ['input', 'forget', 'cell', 'output'].flatMap((g) => [`${g} (forward)`, `${g} (backward)`]), 'classifier: the gates of both directions');
    for (const g of cl.gates) assert.ok(g.size.w > 0 && g.size.h > 0, `classifier gate ${g.title}: canvas of non-zero size`);
    assert.deepEqual(cl.nextHeader, ['step', 'read', 'classes after reading up to here']);
    assert.deepEqual(cl.nextRows.map((r) => r[1]), ['bad', 'cafe']);
    for (const row of cl.nextRows) assert.equal((row[2]!.match(/%/g) ?? []).length, 3, `classifier: the three classes with percentages (${row[2]})`);
    assert.equal(cl.classRows.length, 3, 'classifier: the whole text\'s probability of each of the three classes');
    assert.deepEqual(cl.classRows.map((r) => r[0]!.replace(' (predicted)', '')).sort(), [...classes].sort());
    assert.ok(cl.classRows[0]![0]!.endsWith(' (predicted)') && cl.classRows.filter((r) => r[0]!.endsWith(' (predicted)')).length === 1, 'the predicted class comes first, marked');
    for (const r of cl.classRows) assert.match(r[1]!, /^\S+ [\d.]+%$/);
    assert.match(cl.multiLabelNote ?? '', /multi-label: each class has its own probability \(a sigmoid\)/);

    // The tagger: one bidirectional encoder layer of 2 × 6 units over 2 words, the GRU gates of
    // both directions, per word its Viterbi tag and the marginals of its 3 tags.
    const tg = view.cards[cells.length + 1]!;
    assert.equal(tg.name, 'run-tag');
    assert.equal(tg.error, null, 'tagger: no error');
    assert.match(tg.summary, /^tagger of 3 tags, CRF · bidirectional gru encoder, 1 × 6 units per direction · word tokens · 2 words/);
    assert.equal(tg.heatmaps.length, 1);
    assert.match(tg.heatmaps[0]!.title, /^encoder layer 1 hidden state \(forward units, then backward\) 12 units × 2 steps$/);
    assert.ok(tg.heatmaps[0]!.size.w > 0 && tg.heatmaps[0]!.size.h > 0, 'tagger: heatmap canvas of non-zero size');
    assert.deepEqual(tg.heatmaps[0]!.labels, ['bad', 'cafe'], 'tagger: the words label the columns');
    assert.deepEqual(tg.gates.map((g) => g.title.replace(/ \d+ units × \d+ steps$/, '')),
      ['reset', 'update', 'new'].flatMap((g) => [`${g} (forward)`, `${g} (backward)`]), 'tagger: the gates of both directions');
    assert.deepEqual(tg.nextHeader, ['step', 'read', 'tag (Viterbi)', 'tags of this word (CRF marginals)']);
    assert.deepEqual(tg.nextRows.map((r) => r[1]), ['bad', 'cafe']);
    for (const row of tg.nextRows) {
      assert.ok(['DET', 'NOUN', 'ADJ'].includes(row[2]!), `tagger: a tag per word (${row[2]})`);
      assert.equal((row[3]!.match(/%/g) ?? []).length, 3, `tagger: the three tags with percentages (${row[3]})`);
    }
    assert.match(tg.crfNote ?? '', /marginals/);

    // The encoder-decoder: the encoder over the 8 source characters (2 × 6 units, both
    // directions' LSTM gates), the decoder over its greedy output (5 units, its gates), a row per output step.
    const sq = view.cards[cells.length + 2]!;
    assert.equal(sq.name, 'run-seq2seq');
    assert.equal(sq.error, null, 'encoder-decoder: no error');
    const steps = Number(/· (\d+) output steps?\b/.exec(sq.summary)?.[1]);
    assert.match(sq.summary, /^encoder-decoder, attention additive · bidirectional lstm encoder, 1 × 6 units per direction · decoder 1 × 5 units · char tokens · 8 source steps · \d+ output steps?/);
    assert.ok(steps >= 1, `output steps (${sq.summary})`);
    assert.match(sq.translation ?? '', /^greedy translation: /);
    assert.deepEqual(sq.heatmaps.map((h) => h.title), [
      'encoder layer 1 hidden state (forward units, then backward) 12 units × 8 steps', `decoder layer 1 hidden state 5 units × ${steps} steps`]);
    for (const h of sq.heatmaps) assert.ok(h.size.w > 0 && h.size.h > 0, `encoder-decoder ${h.title}: canvas of non-zero size`);
    assert.deepEqual(sq.heatmaps[0]!.labels, ['b', 'a', 'd', '␣', 'c', 'a', 'f', 'e'], 'encoder-decoder: the source symbols label the encoder\'s columns');
    const lstm = ['input', 'forget', 'cell', 'output'];
    assert.deepEqual(sq.gates.map((g) => g.title.replace(/ \d+ units × \d+ steps$/, '')),
      [...lstm.flatMap((g) => [`${g} (forward)`, `${g} (backward)`]), ...lstm], 'encoder-decoder: the encoder\'s gates (both directions), then the decoder\'s');
    assert.deepEqual(sq.nextHeader, ['step', 'read', 'wrote', 'most likely tokens here']);
    assert.equal(sq.nextRows.length, steps, 'encoder-decoder: a row per output step');
    assert.equal(sq.nextRows[0]![1], '[GO]');
    for (const row of sq.nextRows) assert.equal((row[3]!.match(/%/g) ?? []).length, 5, `encoder-decoder: five tokens with percentages (${row[3]})`);

    const none = view.cards[cells.length + 3]!;
    assert.equal(none.name, 'run-empty');
    assert.match(none.error ?? '', /no model\.safetensors yet/);

    assert.equal(view.chart.hidden, false);
    assert.ok(view.chart.size.w > 0 && view.chart.size.h > 0, 'the gradient chart has a canvas of non-zero size');
    for (const cell of cells) assert.ok(view.chart.legend.some((l) => l.startsWith(`run-${cell}`)), `the gradient chart shows run-${cell} (${view.chart.legend.join(', ')})`);
    assert.ok(view.chart.legend.some((l) => l.startsWith('run-classify (bidirectional lstm classifier)')), `the gradient chart shows the classifier (${view.chart.legend.join(', ')})`);
    assert.ok(view.chart.legend.some((l) => l.startsWith('run-tag (bidirectional gru tagger)')), `the gradient chart shows the tagger (${view.chart.legend.join(', ')})`);
    assert.ok(view.chart.legend.some((l) => l.startsWith('run-seq2seq (bidirectional lstm encoder-decoder)')), `the gradient chart shows the encoder-decoder (${view.chart.legend.join(', ')})`);
    assert.match(view.chart.caption, /vanishing gradients/);
    await shot(t, page, 'inside-view', '#inside');
    assert.ok(notFound <= 1, `at most the one expected 404 logged (${notFound})`);
    assert.deepEqual(problems, [], 'no console errors and no uncaught errors in the page');
  } finally {
    await page?.close();
    await dashboard?.close();
    await rm(root, { recursive: true, force: true });
  }
});

test('dashboard page, task views: autocomplete, class probabilities and confusion matrix, forecast band, attention, tagged sentence', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'recur-dashboard-tasks-'));
  let dashboard: Dashboard | undefined;
  let page: Page | undefined;
  try {
    const runs = await makeTaskRuns(root, await createBackend('wasm', { threads: 1 }), 30);
    const order = ['lm', 'classify', 'forecast', 'seq2seq', 'tag'] as const;
    // Seven runs (two given twice): more than the six connections a browser opens to one host, so
    // the page must carry every run's events on one stream and still answer the task views.
    dashboard = await startDashboard({ runs: [...order.map((n) => runs[n]), runs.lm, runs.classify], port: 0 });
    page = await browser.newPage();
    await page.setViewportSize({ width: 1300, height: 1000 });
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type?.() === 'error') problems.push(`console error: ${m.text?.()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${String(e.message)}`));
    await page.goto(dashboard.url);

    // Each card answers its example input (or shows training's panels), without a click.
    const ready = () => {
      const cards = [...document.querySelectorAll('.task-view')];
      const kinds = (c: Element) => [...c.querySelectorAll('figure.panel')].map((f) => (f as HTMLElement).dataset.kind).join(',');
      return cards.length === 7 && kinds(cards[6]!) === 'table,matrix' && document.querySelectorAll('#runs .status-finished').length === 7
        && kinds(cards[0]!) === 'table,table' && kinds(cards[1]!) === 'table,matrix'
        && kinds(cards[2]!) === 'series' && cards[2]!.querySelector('canvas') !== null
        && kinds(cards[3]!) === 'table,matrix' && kinds(cards[4]!) === 'tokens';
    };
    await page.waitForFunction(ready, '', { timeout: 30_000 });

    // The autocomplete box answers as the user types.
    await page.evaluate(() => {
      const input = document.querySelector('.task-view[data-run="0"] .task-input') as HTMLInputElement;
      input.value = 'Mary had a lit';
      input.dispatchEvent(new Event('input'));
    }, '');
    await page.waitForFunction(() => /finishing 'lit'/.test(document.querySelector('.task-view[data-run="0"] .panel-note')?.textContent ?? ''), '', { timeout: 5000 });
    // A sentence typed into the tagger: a word and a tag per token.
    await page.evaluate(() => {
      const card = document.querySelector('.task-view[data-run="4"]')!;
      (card.querySelector('.task-input') as HTMLInputElement).value = 'the red car runs';
      (card.querySelector('button') as HTMLButtonElement).click();
    }, '');
    await page.waitForFunction(() => document.querySelectorAll('.task-view[data-run="4"] .token').length === 4, '', { timeout: 5000 });
    // A date typed into the encoder-decoder (one it trained on: every token in its vocabulary).
    await page.evaluate((date) => {
      const card = document.querySelector('.task-view[data-run="3"]')!;
      (card.querySelector('.task-input') as HTMLInputElement).value = date;
      (card.querySelector('button') as HTMLButtonElement).click();
    }, 'Sat, 11 Nov 2006');
    await page.waitForFunction(() => document.querySelectorAll('.task-view[data-run="3"] table.matrix th.col').length === 5, '', { timeout: 5000 });

    const view = await page.evaluate(() => {
      const card = (i: number) => document.querySelector(`.task-view[data-run="${i}"]`)!;
      const cells = (sel: string) => [...document.querySelectorAll(sel)].map((td) => td.textContent ?? '');
      const matrix = (c: Element) => [...c.querySelectorAll('table.matrix tr')].slice(1).map((tr) => tr.querySelectorAll('td').length);
      return {
        titles: [...document.querySelectorAll('.task-view h3')].map((h) => h.textContent ?? ''),
        completions: cells('.task-view[data-run="0"] figure.panel:first-child .panel-table tr td:first-child'),
        classes: cells('.task-view[data-run="1"] .panel-table td:first-child'),
        confusion: [...card(1).querySelectorAll('table.matrix td')].reduce((a, td) => a + Number(td.textContent), 0),
        forecastLegend: [...card(2).querySelectorAll('.u-legend .u-series th')].map((th) => th.textContent?.trim() ?? ''),
        forecastPoints: Number((card(2).querySelector('.plot') as HTMLElement | null)?.dataset.points ?? 0),
        attentionRows: matrix(card(3)),
        attentionCols: card(3).querySelectorAll('table.matrix th.col').length,
        tags: [...card(4).querySelectorAll('.token')].map((w) => `${w.querySelector('.word')?.textContent}/${w.querySelector('.label')?.textContent}`),
      };
    }, '');
    t.diagnostic(`task views: ${view.titles.join(' | ')}; tags ${view.tags.join(' ')}; attention ${view.attentionRows.length}×${view.attentionCols}`);
    assert.deepEqual(view.titles, ['lm · autocomplete', 'classify · classify a text', 'forecast · forecast', 'seq2seq · translate', 'tag · tag a sentence', 'lm · autocomplete', 'classify · classify a text']);
    assert.ok(view.completions.length >= 1 && view.completions.length <= 5, `completions: ${view.completions.join(', ')}`);
    assert.deepEqual(view.classes.slice().sort(), ['0', '1']);
    const validation = await readFile(join(runs.classify, 'events.jsonl'), 'utf8');
    const lastEval = validation.trim().split('\n').map((l) => JSON.parse(l) as { type: string; view?: { values: number[][] }[] }).filter((e) => e.type === 'eval').at(-1)!;
    assert.equal(view.confusion, lastEval.view![0]!.values.flat().reduce((a, b) => a + b, 0), 'the confusion matrix shows the last eval event\'s counts');
    assert.ok(view.forecastLegend.some((l) => l.startsWith('forecast')) && view.forecastLegend.some((l) => /interval/.test(l)), `forecast legend: ${view.forecastLegend.join(', ')}`);
    assert.ok(view.forecastPoints > 6, `forecast points: ${view.forecastPoints}`);
    assert.ok(view.attentionRows.length >= 1 && view.attentionRows.every((n) => n === view.attentionCols), 'attention: a cell per output token and source token');
    assert.deepEqual(view.tags.map((x) => x.split('/')[0]), ['the', 'red', 'car', 'runs']);
    await shot(t, page, 'task-views', '#tasks');
    assert.deepEqual(problems, [], 'no console errors and no uncaught errors in the page');
  } finally {
    await page?.close();
    await dashboard?.close();
    await rm(root, { recursive: true, force: true });
  }
});
