// The dashboard page, "inside the network" view (issue 17): a text, run through every run's
// model.safetensors by the server (GET /api/runs/<id>/inside, ../inside.ts), a language model, a
// text classifier, a tagger or an encoder-decoder, shown as
//   - a heatmap per layer of the hidden state (units × steps; a bidirectional layer's forward
//     units above its backward ones) and per gate of the last layer (each direction's); for an
//     encoder-decoder the encoder's over the source tokens, then the decoder's over its output,
//   - a table per step of the most likely next symbols (language model), of the most likely
//     classes of the text read up to there (classifier), of each word's tags (tagger) or of the
//     tokens the decoder may write at each output step (encoder-decoder), and a classifier's
//     final distribution,
//   - one chart overlaying every run's gradient through time |d loss / d x_t|.
// Data from the server only ever reaches the page as textContent or canvas pixels.
import uPlot from 'uplot';
import type { Inside } from '../inside-types.js';
import { el, getJson } from './dom.js';

export interface InsideRun { id: number; name: string; color: string }

/** The inside route's answer: insideOf's result plus the model's config and token level. */
export type InsideAnswer = Inside & { model: Record<string, unknown>; tokens: 'char' | 'word' };

export type InsideResult = { run: InsideRun; ok: true; data: InsideAnswer } | { run: InsideRun; ok: false; error: string };

// ---- pure helpers ---------------------------------------------------------------------------

const NEG: readonly [number, number, number] = [33, 102, 172]; // blue
const POS: readonly [number, number, number] = [178, 24, 43]; // red

/**
 * Diverging colour of a value in [-1, 1]: blue for -1, white for 0, red for 1 (clamped outside;
 * not-a-number is grey).
 */
export function valueToColor(v: number): [number, number, number] {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? [160, 160, 160] : valueToColor(v > 0 ? 1 : -1);
  const a = Math.min(1, Math.abs(v));
  const end = v < 0 ? NEG : POS;
  return [0, 1, 2].map((i) => Math.round(255 + (end[i]! - 255) * a)) as [number, number, number];
}

export const cssColor = ([r, g, b]: [number, number, number]): string => `rgb(${r}, ${g}, ${b})`;

/** Smallest value drawn on the log-scale gradient chart: zeros (and anything below) become this. */
export const TINY = 1e-12;

/** A gradient norm made fit for a log scale: positive, at least TINY; null when not finite. */
export function forLog(v: number): number | null {
  if (!Number.isFinite(v)) return null;
  return v > TINY ? v : TINY;
}

/** A symbol made visible as a column label: space, newline and tab get a visible stand-in. */
export function symbolLabel(s: string): string {
  return s.replace(/ /g, '␣').replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/\r/g, '␍');
}

export const percent = (p: number): string => `${(100 * p).toFixed(p >= 0.1 || p === 0 ? 1 : 2)}%`;

/** The gradient chart's data: x = step 0..T-1 over the longest run, one column per run (null past its end). */
export function gradientColumns(series: number[][]): uPlot.AlignedData {
  const n = series.reduce((m, s) => Math.max(m, s.length), 0);
  const x = Array.from({ length: n }, (_, i) => i);
  return [x, ...series.map((s) => x.map((i) => (i < s.length ? forLog(s[i]!) : null)))] as uPlot.AlignedData;
}

/** Transposes [T][H] to [H][T] sizes: rows are units, columns are steps. */
export function heatmapSize(values: number[][]): { steps: number; units: number } {
  return { steps: values.length, units: values.reduce((m, r) => Math.max(m, r.length), 0) };
}

// ---- DOM ------------------------------------------------------------------------------------


const CAPTION = 'how much the prediction depends on each input (a language model: the last symbol, predicted at step T-2; '
  + 'a classifier: its predicted class for the whole text; a tagger: its predicted tags, summed over the words; '
  + 'an encoder-decoder: its greedy output, summed over the output steps, against each source token): '
  + 'vanishing gradients show as a fall towards the start';

/** What the legend of the gradient chart adds to a run's cell to say what kind of model it is. */
const KIND_LABEL: Record<InsideAnswer['kind'], string> = { lm: '', classifier: ' classifier', tagger: ' tagger', seq2seq: ' encoder-decoder' };

/**
 * The steps of a run's gradient through time the chart draws: a language model's last symbol is
 * the loss's target, never an input it reads (its gradient is 0 by construction), so it is left
 * out; a classifier, a tagger and an encoder-decoder read every step.
 */
export function drawnGradient(d: Pick<InsideAnswer, 'kind' | 'gradientThroughTime'>): number[] {
  return d.kind === 'lm' ? d.gradientThroughTime.slice(0, -1) : d.gradientThroughTime;
}

/** Which unit row `u` of a heatmap is: its index, and its direction when the rows hold two (`split` forward units first). */
export function unitLabel(u: number, split?: number): string {
  if (split === undefined || split <= 0) return `unit ${u}`;
  return u < split ? `forward unit ${u}` : `backward unit ${u - split}`;
}

/**
 * A heatmap of `values` ([T][H]): units as rows, steps as columns, on a canvas, with the symbols
 * as column labels. `small` draws smaller cells (the gates). `split`: the rows hold a
 * bidirectional layer's output, `split` forward units then as many backward ones, with a line
 * between them.
 */
function heatmap(title: string, values: number[][], symbols: string[], small: boolean, split?: number): HTMLElement {
  const { steps, units } = heatmapSize(values);
  const box = el('figure', 'heatmap');
  const cap = el('figcaption', undefined, title + ' ');
  cap.append(el('small', undefined, `${units} units × ${steps} steps`));
  const readout = el('small', 'readout', '\u00a0');
  // Cells as wide as the longest label allows (words need more than characters), within the width budget.
  const longest = symbols.reduce((m, s) => Math.max(m, [...symbolLabel(s)].length), 1);
  const widest = Math.max(small ? 14 : 22, Math.min(small ? 48 : 64, 7 * longest + 4));
  const cw = Math.max(small ? 3 : 4, Math.min(widest, Math.floor((small ? 320 : 640) / Math.max(1, steps))));
  const ch = Math.max(1, Math.min(small ? 6 : 10, Math.floor((small ? 120 : 260) / Math.max(1, units))));
  const canvas = el('canvas');
  canvas.width = Math.max(1, steps * cw);
  canvas.height = Math.max(1, units * ch);
  canvas.style.width = `${canvas.width}px`;
  canvas.style.height = `${canvas.height}px`;
  const ctx = canvas.getContext('2d');
  if (ctx) {
    for (let t = 0; t < steps; t++) {
      const row = values[t] ?? [];
      for (let u = 0; u < units; u++) {
        ctx.fillStyle = cssColor(valueToColor(row[u] ?? NaN));
        ctx.fillRect(t * cw, u * ch, cw, ch);
      }
    }
    if (split !== undefined && split > 0 && split < units) {
      ctx.fillStyle = '#222';
      ctx.fillRect(0, split * ch - (ch > 2 ? 1 : 0), canvas.width, 1);
    }
  }
  canvas.addEventListener('mousemove', (e) => {
    const r = canvas.getBoundingClientRect();
    const t = Math.floor((e.clientX - r.left) / cw), u = Math.floor((e.clientY - r.top) / ch);
    const v = values[t]?.[u];
    readout.textContent = v === undefined ? '\u00a0' : `step ${t} '${symbolLabel(symbols[t] ?? '')}', ${unitLabel(u, split)}: ${v.toFixed(3)}`;
  });
  canvas.addEventListener('mouseleave', () => { readout.textContent = '\u00a0'; });
  const labels = el('div', 'cols');
  labels.style.width = `${canvas.width}px`;
  if (cw >= 7) {
    for (const s of symbols.slice(0, steps)) {
      const span = el('span', undefined, symbolLabel(s));
      span.style.width = `${cw}px`;
      labels.append(span);
    }
  }
  const scroll = el('div', 'heatmap-scroll');
  scroll.append(canvas, labels);
  box.append(cap, scroll, readout);
  return box;
}

/** The header of the per-step distribution column, by the kind of model (and a tagger's distribution). */
export function nextHeader(kind: InsideAnswer['kind'] | undefined, distribution?: 'softmax' | 'crf-marginals'): string {
  if (kind === 'classifier') return 'classes after reading up to here';
  if (kind === 'tagger') return distribution === 'crf-marginals' ? 'tags of this word (CRF marginals)' : 'tags of this word (softmax)';
  if (kind === 'seq2seq') return 'most likely tokens here';
  return 'most likely next';
}

/** A cell of candidates (symbols or classes) with their probabilities, each over a bar of its probability. */
function candidates(cands: { symbol: string; p: number }[]): HTMLTableCellElement {
  const td = el('td');
  for (const c of cands) {
    const span = el('span', 'cand');
    span.append(el('code', undefined, symbolLabel(c.symbol)), ` ${percent(c.p)}`);
    // The probability as a bar under the candidate: the output distribution at a glance.
    const w = `${(100 * Math.max(0, Math.min(1, c.p))).toFixed(1)}%`;
    span.style.background = `linear-gradient(to right, #cfe3f7 ${w}, transparent ${w})`;
    td.append(span);
  }
  return td;
}

/**
 * The per-step distributions as a table: step, what was read there, what the model chose there
 * (a tagger's tag, an encoder-decoder's token; `chosen` names the column), and the candidates.
 */
function nextTable(read: string[], next: { symbol: string; p: number }[][], header: string, chosen?: { title: string; values: string[] }): HTMLTableElement {
  const t = el('table', 'next');
  const head = el('thead');
  const hr = el('tr');
  hr.append(el('th', undefined, 'step'), el('th', undefined, 'read'));
  if (chosen) hr.append(el('th', undefined, chosen.title));
  hr.append(el('th', undefined, header));
  head.append(hr);
  const body = el('tbody');
  read.forEach((s, i) => {
    const tr = el('tr');
    tr.append(el('td', 'num', String(i)), el('td', undefined, symbolLabel(s)));
    if (chosen) tr.append(el('td', 'chosen', symbolLabel(chosen.values[i] ?? '')));
    tr.append(candidates(next[i] ?? []));
    body.append(tr);
  });
  t.append(head, body);
  return t;
}

/** A classifier's distribution for the whole text: every class, most likely first, the predicted one marked. */
function classTable(d: Extract<InsideAnswer, { kind: 'classifier' }>): HTMLTableElement {
  const t = el('table', 'next classes');
  const head = el('thead');
  const hr = el('tr');
  hr.append(el('th', undefined, 'class'), el('th', undefined, d.multiLabel ? 'probability (its own sigmoid)' : 'probability'));
  head.append(hr);
  const body = el('tbody');
  const ranked = [...d.classes].sort((a, b) => b.p - a.p);
  for (const c of ranked) {
    const tr = el('tr');
    tr.append(el('td', undefined, c.label === d.predicted ? `${c.label} (predicted)` : c.label), candidates([{ symbol: c.label, p: c.p }]));
    body.append(tr);
  }
  t.append(head, body);
  return t;
}

/** The note a CRF tagger's marginals need. */
export const CRF_NOTE = 'a CRF scores whole tag paths: its tags are the best path (Viterbi), and each word\'s probabilities are its marginals over all paths, whose most likely tag can lie off that path';

/** The note a multi-label classifier's probabilities need. */
export const MULTI_LABEL_NOTE = 'multi-label: each class has its own probability (a sigmoid), so they need not sum to 1';

/** "n thing(s)". */
const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

function summary(d: InsideAnswer): string {
  const directions = d.directions;
  const units = (d.layers[0]?.hidden[0]?.length ?? 0) / directions;
  const cell = directions === 2 ? `bidirectional ${d.cell}` : d.cell;
  const stack = `${cell}${d.kind === 'tagger' || d.kind === 'seq2seq' ? ' encoder' : ''}, ${d.layers.length} × ${units} units${directions === 2 ? ' per direction' : ''}`;
  const parts = [stack, `${d.tokens} tokens`, count(d.symbols.length, d.kind === 'tagger' ? 'word' : d.kind === 'seq2seq' ? 'source step' : 'step')];
  if (d.kind === 'classifier') {
    const pooling = typeof d.model.pooling === 'string' ? d.model.pooling : 'last';
    parts.unshift(`classifier of ${d.classes.length} classes${d.multiLabel ? ' (multi-label)' : ''}, ${pooling} pooling`);
  } else if (d.kind === 'tagger') {
    const tags = typeof d.model.tagCount === 'number' ? `${d.model.tagCount} tags` : 'tags';
    parts.unshift(`tagger of ${tags}, ${d.crf ? 'CRF' : 'softmax'}`);
  } else if (d.kind === 'seq2seq') {
    parts.unshift(`encoder-decoder, attention ${d.attention}${d.reversed ? ', source read reversed' : ''}`);
    parts.splice(2, 0, `decoder ${d.decoder.length} × ${d.decoder[0]?.hidden[0]?.length ?? 0} units`);
    parts.push(`${count(d.output.length, 'output step')}${d.finished ? '' : ' (cut at the length limit)'}`);
    if (d.truncated) parts.push('source cut to the model\'s longest');
  }
  if (d.unknown > 0) {
    const what = d.kind === 'tagger' ? `unknown word${d.unknown === 1 ? '' : 's'} (read from the characters)` : `unknown symbol${d.unknown === 1 ? '' : 's'}${d.kind === 'seq2seq' ? ' (left out, or read as [UNK])' : ''}`;
    parts.push(`${d.unknown} ${what}`);
  }
  return parts.join(' · ');
}

/** A heatmap per layer of a stack's hidden states over `symbols`, then the last layer's gates. */
function layerHeatmaps(card: HTMLElement, layers: InsideAnswer['layers'], symbols: string[], two: boolean, name: string): void {
  layers.forEach((layer, i) => {
    const H = (layer.hidden[0]?.length ?? 0) / (two ? 2 : 1);
    card.append(heatmap(`${name}layer ${i + 1} hidden state${two ? ' (forward units, then backward)' : ''}`, layer.hidden, symbols, false, two ? H : undefined));
  });
  const last = layers[layers.length - 1];
  if (last?.gates && last.gates.length > 0) {
    card.append(el('h4', undefined, `gates of ${name}layer ${layers.length}`));
    const gates = el('div', 'gates');
    for (const g of last.gates) gates.append(heatmap(g.name, g.values, symbols, true));
    card.append(gates);
  }
}

function runCard(r: InsideResult): HTMLElement {
  const card = el('section', 'card inside-run');
  card.dataset.run = String(r.run.id);
  const h = el('h2');
  const sw = el('span', 'swatch');
  sw.style.background = r.run.color;
  h.append(sw, r.run.name);
  card.append(h);
  if (!r.ok) {
    card.append(el('p', 'inside-error', r.error));
    return card;
  }
  const d = r.data;
  card.append(el('p', 'muted', summary(d)));
  const two = d.directions === 2;
  if (d.kind === 'seq2seq') {
    card.append(el('p', 'translation', `greedy translation: ${d.translation}`));
    layerHeatmaps(card, d.layers, d.symbols, two, 'encoder ');
    layerHeatmaps(card, d.decoder, d.output, false, 'decoder ');
    const read = d.output.map((_, i) => (i === 0 ? '[GO]' : d.output[i - 1]!));
    card.append(el('h4', undefined, 'next token after each output step: what the decoder read, wrote (greedy) and could have written'),
      nextTable(read, d.next, nextHeader(d.kind), { title: 'wrote', values: d.output }));
    return card;
  }
  layerHeatmaps(card, d.layers, d.symbols, two, d.kind === 'tagger' ? 'encoder ' : '');
  if (d.kind === 'classifier') {
    card.append(el('h4', undefined, 'output distribution: the most likely classes of the text read up to each step'));
    if (d.multiLabel) card.append(el('p', 'muted multi-label', MULTI_LABEL_NOTE));
    card.append(nextTable(d.symbols, d.next, nextHeader(d.kind)), el('h4', undefined, 'the whole text: every class'), classTable(d));
  } else if (d.kind === 'tagger') {
    card.append(el('h4', undefined, 'tags after each word: the predicted tag and the most likely ones'));
    if (d.distribution === 'crf-marginals') card.append(el('p', 'muted crf-note', CRF_NOTE));
    card.append(nextTable(d.symbols, d.next, nextHeader(d.kind, d.distribution), { title: d.crf ? 'tag (Viterbi)' : 'tag', values: d.tags }));
  } else {
    card.append(el('h4', undefined, 'output distribution: the most likely next symbols after each step'), nextTable(d.symbols, d.next, nextHeader(d.kind)));
  }
  return card;
}

function isAnswer(x: unknown): x is InsideAnswer {
  const o = x as Partial<InsideAnswer> | null;
  return typeof o === 'object' && o !== null && Array.isArray(o.symbols) && Array.isArray(o.layers)
    && Array.isArray(o.next) && Array.isArray(o.gradientThroughTime);
}

/** GETs one run's inside route; never throws. */
async function fetchInside(run: InsideRun, url: string): Promise<InsideResult> {
  let body: Record<string, unknown>;
  try {
    body = await getJson(url);
  } catch (e) {
    // fetch itself throws a TypeError when the server cannot be reached; getJson an Error with the server's message.
    return { run, ok: false, error: e instanceof TypeError ? `cannot reach the server: ${e.message}` : (e as Error).message };
  }
  if (!isAnswer(body)) return { run, ok: false, error: 'the server sent an answer of an unexpected shape' };
  return { run, ok: true, data: body };
}

/**
 * Builds the view into `root`: a text box and a Run button; Run fetches every run's inside
 * route (`url(id, text)`) and redraws. Nothing is fetched until Run is pressed.
 */
export function setupInside(root: HTMLElement, runs: InsideRun[], url: (id: number, text: string) => string): void {
  const h = el('h2', undefined, 'Inside the network');
  const form = el('form', 'inside-form');
  const input = el('input');
  input.type = 'text';
  input.id = 'inside-text';
  input.value = 'hello';
  input.maxLength = 400;
  input.setAttribute('aria-label', 'text to run the models on');
  const button = el('button', undefined, 'Run');
  button.type = 'submit';
  button.id = 'inside-run';
  const status = el('span', 'muted inside-status');
  form.append(input, button, status);
  const chartCard = el('section', 'card inside-gradient');
  chartCard.hidden = true;
  const chartTitle = el('h3', undefined, 'gradient through time ');
  chartTitle.append(el('small', undefined, '|d loss / d x_t| against step t, log scale'));
  const holder = el('div', 'plot');
  chartCard.append(chartTitle, holder, el('p', 'muted caption', CAPTION));
  const cards = el('div', 'grid inside-runs');
  root.append(h, form, chartCard, cards);
  if (runs.length === 0) { status.textContent = 'no runs'; button.disabled = true; return; }

  let plot: uPlot | null = null;
  let generation = 0;
  const chartWidth = () => Math.max(240, holder.clientWidth);
  window.addEventListener('resize', () => { if (plot && !chartCard.hidden) plot.setSize({ width: chartWidth(), height: 240 }); });

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value;
    if (text === '') { status.textContent = 'type a text first'; return; }
    const mine = ++generation;
    button.disabled = true;
    status.textContent = 'running…';
    void Promise.all(runs.map((r) => fetchInside(r, url(r.id, text)))).then((results) => {
      if (mine !== generation) return;
      button.disabled = false;
      const good = results.filter((r): r is Extract<InsideResult, { ok: true }> => r.ok);
      status.textContent = `${good.length} of ${results.length} run${results.length === 1 ? '' : 's'} answered`;
      cards.replaceChildren(...results.map(runCard));
      plot?.destroy();
      plot = null;
      const withGradient = good.filter((r) => r.data.gradientThroughTime.length > 0);
      chartCard.hidden = withGradient.length === 0;
      if (withGradient.length === 0) return;
      const data = gradientColumns(withGradient.map((r) => drawnGradient(r.data)));
      plot = new uPlot({
        width: chartWidth(),
        height: 240,
        scales: { x: { time: false }, y: { distr: 3 } },
        series: [
          { label: 'step' },
          ...withGradient.map((r): uPlot.Series => ({
            label: `${r.run.name} (${r.data.directions === 2 ? 'bidirectional ' : ''}${r.data.cell}${KIND_LABEL[r.data.kind] ?? ''})`, stroke: r.run.color, width: 1.5, spanGaps: false,
            points: { size: 5, fill: r.run.color },
            value: (_u, v) => (v === null || v === undefined ? '–' : v.toExponential(2)),
          })),
        ],
        axes: [
          { label: 'step t (input read)', labelSize: 20 },
          { size: 70, values: (_u, ticks) => ticks.map((t) => (t === null || t === undefined ? '' : t.toExponential(0))) },
        ],
        legend: { show: true },
      }, data, holder);
    });
  });
}
