// The playground page (issue 17): trains the "hello" model and a character model on pasted text
// in the browser. Each run is a new module Web Worker (/static/playground-worker.js) on recur's
// wasm backend; this page only sends the settings, draws what comes back (a uPlot loss chart,
// the status line, samples) and offers the finished or cancelled model as a download (a Blob
// URL). Text from the worker reaches the page as textContent only.
import uPlot from 'uplot';
import { el } from './dom.js';
import {
  CHAR_DEFAULTS, type CharSettings, type FromWorker, HELLO_DEFAULTS, type HelloTable, type PlaygroundJob, type ProgressMessage, type ToWorker,
  checkCharSettings, checkHelloSettings, formatBackend, formatElapsed, formatLoss, formatProgress, formatRate, playgroundThreads,
} from '../playground-protocol.js';

const WORKER_URL = '/static/playground-worker.js';
/** A worker that has not answered a cancel by then is terminated (its model is lost). */
const CANCEL_TIMEOUT_MS = 10_000;
const CHART_HEIGHT = 200;

type State = 'idle' | 'starting' | 'training' | 'cancelling' | 'finished' | 'cancelled' | 'error';

function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`playground: the page has no #${id}`);
  return e as T;
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

/** The loss against the step, redrawn at most once per animation frame. */
class LossChart {
  private readonly steps: number[] = [];
  private readonly losses: number[] = [];
  private plot: uPlot | null = null;
  private pending = false;

  constructor(private readonly holder: HTMLElement, private readonly label: string) {}

  clear(): void {
    this.steps.length = 0;
    this.losses.length = 0;
    this.plot?.destroy();
    this.plot = null;
  }

  add(steps: number[], losses: number[]): void {
    this.steps.push(...steps);
    this.losses.push(...losses);
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  resize(): void {
    this.plot?.setSize({ width: this.width(), height: CHART_HEIGHT });
  }

  private width(): number {
    return Math.max(200, this.holder.clientWidth);
  }

  private draw(): void {
    const data: uPlot.AlignedData = [this.steps, this.losses];
    if (this.plot) {
      this.plot.setData(data);
      return;
    }
    this.plot = new uPlot({
      width: this.width(),
      height: CHART_HEIGHT,
      scales: { x: { time: false } },
      series: [
        { label: 'step' },
        { label: this.label, stroke: '#1f77b4', width: 1.5, value: (_u, v) => (v === null || v === undefined ? '–' : formatLoss(v)) },
      ],
      axes: [{ label: 'step', labelSize: 20 }, { size: 50 }],
      legend: { show: true },
    }, data, this.holder);
  }
}

interface JobView {
  train: HTMLButtonElement;
  cancel: HTMLButtonElement;
  download: HTMLAnchorElement;
  status: HTMLElement;
  chart: LossChart;
  /** The settings of a new run, read from the form (throws with a message for the status line). */
  settings(): PlaygroundJob;
  onProgress?(p: ProgressMessage): void;
  onSample?(step: number, text: string): void;
  onDone?(hello: HelloTable | undefined): void;
  onStart?(): void;
  worker: Worker | null;
  cancelTimer: number | undefined;
  downloadUrl: string | null;
}

const env = byId<HTMLElement>('env');
const threadsChoice = byId<HTMLSelectElement>('threads');

function showEnvironment(): void {
  const isolated = globalThis.crossOriginIsolated === true;
  env.dataset.isolated = String(isolated);
  env.textContent = isolated
    ? `cross-origin isolated · ${navigator.hardwareConcurrency} cores: up to ${playgroundThreads(true, navigator.hardwareConcurrency, 'auto')} threads`
    : 'not cross-origin isolated: 1 thread';
}

function setState(job: JobView, state: State, text: string): void {
  job.status.dataset.state = state;
  job.status.textContent = text;
  const running = state === 'starting' || state === 'training' || state === 'cancelling';
  job.train.disabled = running;
  job.cancel.disabled = !(state === 'starting' || state === 'training');
}

function stopWorker(job: JobView): void {
  window.clearTimeout(job.cancelTimer);
  job.cancelTimer = undefined;
  job.worker?.terminate();
  job.worker = null;
}

function start(job: JobView): void {
  let settings: PlaygroundJob;
  try {
    settings = job.settings();
  } catch (e) {
    setState(job, 'error', (e as Error).message);
    return;
  }
  stopWorker(job);
  if (job.downloadUrl) URL.revokeObjectURL(job.downloadUrl);
  job.downloadUrl = null;
  job.download.hidden = true;
  job.download.removeAttribute('href');
  job.chart.clear();
  job.status.dataset.step = '0';
  for (const key of ['loss', 'firstLoss', 'rate', 'threads', 'predicted']) delete job.status.dataset[key];
  job.onStart?.();
  setState(job, 'starting', 'starting the worker and compiling the kernels…');
  const worker = new Worker(WORKER_URL, { type: 'module' });
  job.worker = worker;
  worker.onmessage = (ev: MessageEvent<FromWorker>) => { if (job.worker === worker) handle(job, ev.data); };
  worker.onerror = (ev: ErrorEvent) => {
    if (job.worker !== worker) return;
    stopWorker(job);
    setState(job, 'error', `the worker failed: ${ev.message || 'it could not be loaded'}`);
  };
  const threads = playgroundThreads(globalThis.crossOriginIsolated === true, navigator.hardwareConcurrency, threadsChoice.value === 'one' ? 'one' : 'auto');
  const message: ToWorker = { type: 'start', job: settings, threads };
  worker.postMessage(message);
}

function handle(job: JobView, m: FromWorker): void {
  switch (m.type) {
    case 'ready':
      env.textContent = formatBackend(m.backend, m.crossOriginIsolated);
      env.dataset.threads = String(m.threads);
      env.dataset.backend = m.backend;
      job.status.dataset.threads = String(m.threads);
      setState(job, 'training', `training: ${m.parameters.toLocaleString('en')} parameters, ${m.vocabulary} symbols, ${m.totalSteps} steps`);
      return;
    case 'progress': {
      job.chart.add(m.steps, m.losses);
      const loss = m.losses[m.losses.length - 1] ?? NaN;
      job.status.dataset.step = String(m.step);
      job.status.dataset.loss = String(loss);
      job.status.dataset.rate = String(m.stepsPerSecond);
      if (job.status.dataset.firstLoss === undefined && m.losses.length > 0) job.status.dataset.firstLoss = String(m.losses[0]);
      if (job.status.dataset.state === 'training') job.status.textContent = formatProgress({ ...m, loss });
      job.onProgress?.(m);
      return;
    }
    case 'sample':
      job.onSample?.(m.step, m.text);
      return;
    case 'done': {
      stopWorker(job);
      const blob = new Blob([m.model], { type: 'application/octet-stream' });
      job.downloadUrl = URL.createObjectURL(blob);
      job.download.href = job.downloadUrl;
      job.download.download = m.fileName;
      job.download.textContent = `download ${m.fileName} (${kib(blob.size)})`;
      job.download.hidden = false;
      job.status.dataset.step = String(m.step);
      job.status.dataset.loss = String(m.loss);
      job.status.dataset.rate = String(m.stepsPerSecond);
      const summary = `step ${m.step} · loss ${formatLoss(m.loss)} · ${formatRate(m.stepsPerSecond)} on average · ${formatElapsed(m.elapsedMs)}`;
      setState(job, m.reason, `${m.reason === 'finished' ? 'finished' : 'cancelled'}: ${summary}`);
      job.onDone?.(m.hello);
      return;
    }
    case 'error':
      stopWorker(job);
      setState(job, 'error', m.message);
      return;
  }
}

function cancel(job: JobView): void {
  const worker = job.worker;
  if (!worker) return;
  const message: ToWorker = { type: 'cancel' };
  worker.postMessage(message);
  setState(job, 'cancelling', 'cancelling after the current step…');
  job.cancelTimer = window.setTimeout(() => {
    if (job.worker !== worker) return;
    stopWorker(job);
    setState(job, 'cancelled', 'cancelled: the worker did not answer in time and was stopped (no model to download)');
  }, CANCEL_TIMEOUT_MS);
}

function numberInput(id: string): number {
  const input = byId<HTMLInputElement>(id);
  const v = input.valueAsNumber;
  if (!Number.isFinite(v)) throw new Error(`${input.closest('label')?.textContent?.trim() ?? id}: enter a number`);
  return v;
}

function helloTable(table: HTMLTableElement, t: HelloTable | undefined): void {
  table.replaceChildren();
  table.hidden = t === undefined;
  if (!t) return;
  const head = el('tr');
  for (const h of ['input', ...t.vocabulary.map((c) => `p(${c})`), 'predicts']) head.append(el('th', undefined, h));
  table.append(el('thead'));
  table.tHead!.append(head);
  const body = el('tbody');
  [...t.input].forEach((ch, i) => {
    const tr = el('tr');
    tr.append(el('td', undefined, ch), ...t.probs[i]!.map((p) => el('td', undefined, p.toFixed(3))), el('td', undefined, t.predicted[i]));
    body.append(tr);
  });
  table.append(body);
}

function view(name: 'hello' | 'char', settings: () => PlaygroundJob): JobView {
  const job: JobView = {
    settings, worker: null, cancelTimer: undefined, downloadUrl: null,
    train: byId(`${name}-train`), cancel: byId(`${name}-cancel`), download: byId(`${name}-download`), status: byId(`${name}-status`),
    chart: new LossChart(byId(`${name}-chart`), name === 'hello' ? 'loss (nats)' : 'loss (nats/char)'),
  };
  job.train.addEventListener('click', () => start(job));
  job.cancel.addEventListener('click', () => cancel(job));
  return job;
}

function setup(): void {
  showEnvironment();
  const token = new URLSearchParams(location.search).get('token');
  byId<HTMLAnchorElement>('dashboard-link').href = token ? `/?token=${encodeURIComponent(token)}` : '/';

  const hello = view('hello', () => ({ kind: 'hello', settings: checkHelloSettings({ ...HELLO_DEFAULTS, steps: numberInput('hello-steps') }) }));
  const table = byId<HTMLTableElement>('hello-table');
  hello.onStart = () => helloTable(table, undefined);
  hello.onProgress = (p) => {
    if (p.predicted !== undefined && hello.status.dataset.state === 'training') hello.status.textContent += ` · "hell" → "${p.predicted}"`;
    if (p.predicted !== undefined) hello.status.dataset.predicted = p.predicted;
  };
  hello.onDone = (t) => {
    helloTable(table, t);
    if (t) hello.status.dataset.predicted = t.predicted;
  };

  const text = byId<HTMLTextAreaElement>('char-text');
  text.value = CHAR_DEFAULTS.text;
  const sample = byId<HTMLElement>('char-sample');
  const sampleStep = byId<HTMLElement>('char-sample-step');
  const char = view('char', () => {
    const settings: CharSettings = {
      ...CHAR_DEFAULTS, text: text.value, cell: byId<HTMLSelectElement>('char-cell').value as CharSettings['cell'],
      hiddenSize: numberInput('char-hidden'), seqLen: numberInput('char-seq'), batchSize: numberInput('char-batch'),
      lr: numberInput('char-lr'), steps: numberInput('char-steps'),
    };
    return { kind: 'char', settings: checkCharSettings(settings) };
  });
  char.onStart = () => {
    sample.textContent = '';
    sampleStep.textContent = '';
  };
  char.onSample = (step, s) => {
    sample.textContent = s;
    sampleStep.textContent = `after step ${step}`;
    sample.dataset.step = String(step);
  };

  window.addEventListener('resize', () => {
    hello.chart.resize();
    char.chart.resize();
  });
}

setup();
