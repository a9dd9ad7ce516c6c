// The dashboard page, training view: one page for every run the server was given. Each run's
// events.jsonl arrives as server-sent events; events fold into columnar series (../series.ts) and
// the charts redraw at most a few times a second, not per event.
import uPlot from 'uplot';
import {
  align, configRows, endLine, errorLine, foldEvent, formatBest, formatDivergence, formatEvalMetrics, formatNumber, latestSample, lossUnit as runLossUnit,
  newRunState, parseBatch, resetRunState, runHeadline, runStatus, startNotes, throughputUnit, type Aligned, type RunState,
} from '../series.js';
import { setupInside } from './inside-view.js';
import { setupTaskViews, type TaskViews } from './task-view.js';
import { el } from './dom.js';

interface RunInfo { id: number; name: string; dir: string }

interface Run {
  info: RunInfo;
  color: string;
  state: RunState;
  next: number;
  nextLine: number;
  source: EventSource | null;
  connected: boolean;
  /** The stream failed and a retry is pending or under way. */
  lost: boolean;
  errors: string[];
  card: HTMLElement | null;
  detailsDirty: boolean;
}

type XMode = 'step' | 'time';

interface ChartSpec {
  key: string;
  title: string;
  /** Unit shown beside the title, from the runs. */
  unit: (runs: Run[]) => string;
  /** x and y columns of one run. */
  columns: (r: RunState, x: XMode) => [Float64Array, Float64Array];
  points?: boolean;
  /** Shown only when some run has data for it. */
  when?: (runs: Run[]) => boolean;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];
const REDRAW_MS = 300;
const RETRY_MS = 2000;
const MAX_ERRORS = 200;

const stepCols = (key: 'loss' | 'lr' | 'gradNorm' | 'itemsPerSecond' | 'memoryMiB') =>
  (r: RunState, x: XMode): [Float64Array, Float64Array] =>
    [r.steps.cols[x === 'step' ? 'step' : 'time'].view(), r.steps.cols[key].view()];
const uniq = (xs: string[]): string => [...new Set(xs.filter((s) => s !== ''))].join(', ');
const lossUnit = (runs: Run[]) => uniq(runs.map((r) => runLossUnit(r.state)));

const CHARTS: ChartSpec[] = [
  { key: 'loss', title: 'training loss', unit: lossUnit, columns: stepCols('loss') },
  {
    key: 'val', title: 'validation loss', unit: lossUnit, points: true,
    columns: (r, x) => [r.evals.cols[x === 'step' ? 'step' : 'time'].view(), r.evals.cols.valLoss.view()],
  },
  { key: 'lr', title: 'learning rate', unit: () => '', columns: stepCols('lr') },
  { key: 'grad', title: 'gradient norm (before clipping)', unit: () => '', columns: stepCols('gradNorm') },
  {
    key: 'ips', title: 'throughput', columns: stepCols('itemsPerSecond'),
    unit: (runs) => uniq(runs.map((r) => throughputUnit(r.state))),
  },
  {
    key: 'mem', title: 'memory', unit: () => 'MiB', columns: stepCols('memoryMiB'),
    when: (runs) => runs.some((r) => r.state.hasMemory),
  },
];

interface Chart { spec: ChartSpec; card: HTMLElement; unitEl: HTMLElement; plot: uPlot | null; holder: HTMLElement }

const token = new URLSearchParams(location.search).get('token') ?? '';
const runs: Run[] = [];
const charts: Chart[] = [];
let xMode: XMode = 'step';
let dirty = false;
let lastDraw = 0;
let fatal: string | null = null;
let taskViews: TaskViews | null = null;


function byId(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`page lacks #${id}`);
  return e;
}

function api(path: string, params: Record<string, string | number> = {}): string {
  const q = new URLSearchParams({ token });
  for (const [k, v] of Object.entries(params)) q.set(k, String(v));
  return `${path}?${q.toString()}`;
}

// ---- charts -----------------------------------------------------------------------------

function buildCharts(): void {
  const grid = byId('charts');
  for (const c of charts) c.plot?.destroy();
  charts.length = 0;
  grid.replaceChildren();
  for (const spec of CHARTS) {
    const card = el('div', 'card chart');
    const h = el('h3', undefined, spec.title + ' ');
    const unitEl = el('small');
    h.append(unitEl);
    const holder = el('div', 'plot');
    card.append(h, holder);
    grid.append(card);
    charts.push({ spec, card, unitEl, plot: null, holder });
  }
}

function makePlot(c: Chart, data: Aligned): uPlot {
  const opts: uPlot.Options = {
    width: Math.max(200, c.holder.clientWidth),
    height: 220,
    scales: { x: { time: false } },
    series: [
      { label: xMode === 'step' ? 'step' : 'minutes' },
      ...runs.map((r): uPlot.Series => ({
        label: r.info.name, stroke: r.color, width: 1.5, spanGaps: true,
        // Validation points: uPlot shows them while they are sparse enough to see.
        points: c.spec.points === true ? { size: 5, fill: r.color } : { show: false },
        value: (_u, v) => formatNumber(v),
      })),
    ],
    axes: [
      { label: xMode === 'step' ? 'step' : 'time (minutes)', labelSize: 20 },
      { size: 64, values: (_u, ticks) => ticks.map((t) => formatNumber(t)) },
    ],
    legend: { show: true },
    cursor: { drag: { x: true, y: false } },
  };
  return new uPlot(opts, data, c.holder);
}

function drawCharts(): void {
  for (const c of charts) {
    const show = c.spec.when === undefined || c.spec.when(runs);
    c.card.hidden = !show;
    if (!show) continue;
    c.unitEl.textContent = c.spec.unit(runs);
    const cols = runs.map((r) => c.spec.columns(r.state, xMode));
    const data = align(cols.map((p) => p[0]), cols.map((p) => p[1]));
    c.holder.dataset.points = cols.map((p) => p[1].length).join(','); // per run, for tests and curious readers
    if (c.plot === null) c.plot = makePlot(c, data);
    else c.plot.setData(data);
  }
}

// ---- header, run cards, errors ----------------------------------------------------------

function renderHeader(): void {
  const list = byId('runs');
  list.replaceChildren();
  for (const r of runs) {
    const li = el('li');
    const sw = el('span', 'swatch');
    sw.style.background = r.color;
    const status = runStatus(r.state);
    li.append(sw, el('strong', undefined, r.info.name), ' ');
    const headline = runHeadline(r.state);
    if (headline !== null) li.append(el('span', 'muted', headline));
    li.append(el('span', `status status-${status.replace(/[^a-z]+/g, '-')}`, status));
    const last = r.state.steps.length;
    if (last > 0) li.append(el('span', 'muted', ` step ${formatNumber(r.state.steps.cols.step.get(last - 1))}`));
    list.append(li);
  }
}

function table(rows: [string, string][]): HTMLTableElement {
  const t = el('table', 'kv');
  for (const [k, v] of rows) {
    const tr = el('tr');
    tr.append(el('th', undefined, k), el('td', undefined, v));
    t.append(tr);
  }
  return t;
}

function renderRunCard(r: Run): void {
  if (r.card === null) {
    r.card = el('section', 'card run');
    byId('details').append(r.card);
  }
  const s = r.state;
  const h = el('h2');
  const sw = el('span', 'swatch');
  sw.style.background = r.color;
  h.append(sw, r.info.name, el('span', 'muted', ` ${r.info.dir}`));
  const parts: Node[] = [h];
  if (s.start === null) {
    parts.push(el('p', 'muted', runStatus(s)));
  } else {
    parts.push(el('h4', undefined, 'config'), table(configRows(s.start)));
    const notes = startNotes(s);
    if (notes.length > 0) {
      const ul = el('ul', 'notes');
      for (const n of notes) ul.append(el('li', undefined, n));
      parts.push(ul);
    }
    const best = formatBest(s);
    parts.push(el('h4', undefined, 'validation'));
    if (s.lastEval === null) parts.push(el('p', 'muted', 'no evaluation yet'));
    else {
      const rows = formatEvalMetrics(s);
      rows.unshift(['at step', formatNumber(s.lastEval.step)]);
      if (best !== null) rows.push(['best so far', best]);
      parts.push(table(rows));
    }
    const diverged = formatDivergence(s);
    if (diverged !== null) parts.push(el('p', s.divergence?.action === 'stop' ? 'diverged' : 'muted', diverged));
    const end = endLine(s);
    if (end !== null) parts.push(el('p', 'muted', end));
    const sample = latestSample(s);
    if (sample !== null) parts.push(el('h4', undefined, sample.title), el('pre', 'sample', sample.text));
  }
  r.card.replaceChildren(...parts);
  if (taskViews) {
    if (s.lastEval?.view !== undefined) taskViews.showEval(r.info.id, s.lastEval.step, s.lastEval.view);
    if (s.checkpoint !== null || s.end !== null) taskViews.modelMayHaveChanged(r.info.id);
  }
}

function renderErrors(): void {
  const box = byId('errors');
  const lines = [...(fatal === null ? [] : [fatal]), ...runs.flatMap((r) => r.errors)];
  box.hidden = lines.length === 0;
  box.replaceChildren(...lines.map((l) => el('li', undefined, l)));
}

function renderLive(): void {
  const live = byId('live');
  const lost = runs.some((r) => r.lost);
  const open = runs.length > 0 && runs.every((r) => r.connected);
  live.className = `live ${lost ? 'lost' : open ? 'on' : 'wait'}`;
  live.textContent = lost ? 'connection lost, retrying' : open ? 'live' : 'connecting';
}

// ---- redraw throttle ----------------------------------------------------------------------

function markDirty(): void {
  if (dirty) return;
  dirty = true;
  requestAnimationFrame(frame);
}

function frame(now: number): void {
  if (now - lastDraw < REDRAW_MS) { requestAnimationFrame(frame); return; }
  lastDraw = now;
  dirty = false;
  renderHeader();
  for (const r of runs) if (r.detailsDirty) { r.detailsDirty = false; renderRunCard(r); }
  renderErrors();
  renderLive();
  drawCharts();
}

// ---- streams --------------------------------------------------------------------------------

/** The run a tagged stream message is about, or undefined (not JSON, no such run). */
function runOf(data: string): Run | undefined {
  try {
    const id = (JSON.parse(data) as { run?: unknown }).run;
    return typeof id === 'number' ? runs.find((r) => r.info.id === id) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One server-sent-events connection for every run (/api/stream): a browser opens at most six
 * connections to a host, so one per run would starve the page's other requests from the sixth
 * run on. Each message names its run. On a failure, reconnects by hand from where each run's
 * data stopped (EventSource would start again from 0).
 */
function connect(): void {
  const es = new EventSource(api('/api/stream', { runs: runs.map((r) => `${r.info.id}:${r.next}:${r.nextLine}`).join(',') }));
  const setAll = (connected: boolean, lost: boolean): void => {
    for (const r of runs) { r.source = connected || !lost ? es : null; r.connected = connected; r.lost = lost; }
    renderLive();
  };
  es.onopen = () => setAll(true, false);
  es.addEventListener('events', (m: MessageEvent) => {
    const data = String(m.data);
    const r = runOf(data);
    if (!r) { fatal = 'the server sent a stream message for no known run'; renderErrors(); return; }
    r.connected = true;
    r.lost = false;
    const b = parseBatch(data);
    if (b === null) { r.errors.push(errorLine(r.info.name, NaN, 'the server sent a message that is not JSON')); markDirty(); return; }
    for (const e of b.events) foldEvent(r.state, e);
    r.state.missing = b.missing;
    for (const e of b.errors) if (r.errors.length < MAX_ERRORS) r.errors.push(errorLine(r.info.name, e.line, e.message));
    if (Number.isFinite(b.next)) r.next = b.next;
    if (Number.isFinite(b.nextLine)) r.nextLine = b.nextLine;
    r.detailsDirty = true;
    markDirty();
  });
  es.addEventListener('reset', (m: MessageEvent) => {
    const r = runOf(String(m.data));
    if (!r) return;
    resetRunState(r.state);
    r.next = 0;
    r.nextLine = 1;
    r.errors = [];
    r.detailsDirty = true;
    markDirty();
  });
  es.addEventListener('problem', (m: MessageEvent) => {
    const r = runOf(String(m.data));
    const msg = (() => { try { return String((JSON.parse(String(m.data)) as { error?: unknown }).error); } catch { return 'unreadable'; } })();
    if (r && r.errors.length < MAX_ERRORS) r.errors.push(errorLine(r.info.name, NaN, `events.jsonl cannot be read (${msg}); trying again`));
    markDirty();
  });
  es.onerror = () => {
    es.close();
    setAll(false, true);
    setTimeout(connect, RETRY_MS);
  };
}

async function main(): Promise<void> {
  const select = byId('xaxis') as HTMLSelectElement;
  select.addEventListener('change', () => {
    xMode = select.value === 'time' ? 'time' : 'step';
    buildCharts();
    drawCharts();
  });
  let list: RunInfo[];
  try {
    const res = await fetch(api('/api/runs'));
    if (!res.ok) throw new Error(`the server answered ${res.status}${res.status === 403 ? ' (is the token in the URL?)' : ''}`);
    const body = (await res.json()) as { runs?: RunInfo[] };
    list = Array.isArray(body.runs) ? body.runs : [];
  } catch (e) {
    fatal = `cannot list the runs: ${e instanceof Error ? e.message : String(e)}`;
    renderErrors();
    byId('live').textContent = 'offline';
    return;
  }
  list.forEach((info, i) => runs.push({
    info, color: COLORS[i % COLORS.length]!, state: newRunState(), next: 0, nextLine: 1, source: null,
    connected: false, lost: false, errors: [], card: null, detailsDirty: true,
  }));
  if (runs.length === 0) byId('details').append(el('p', 'muted', 'The server was given no runs.'));
  (byId('playground-link') as HTMLAnchorElement).href = `/playground?token=${encodeURIComponent(token)}`;
  setupInside(byId('inside'), runs.map((r) => ({ id: r.info.id, name: r.info.name, color: r.color })),
    (id, text) => api(`/api/runs/${id}/inside`, { text, topK: 5 }));
  taskViews = setupTaskViews(byId('tasks'), runs.map((r) => ({ id: r.info.id, name: r.info.name, color: r.color })),
    (id, params = {}) => api(`/api/runs/${id}/view`, params));
  buildCharts();
  window.addEventListener('resize', () => {
    for (const c of charts) if (c.plot && !c.card.hidden) c.plot.setSize({ width: Math.max(200, c.holder.clientWidth), height: 220 });
  });
  if (runs.length > 0) connect();
  markDirty();
}

void main();
