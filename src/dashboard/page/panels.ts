// The dashboard page: draws panels (src/plot/panels.ts), the plain-JSON pictures of the task
// views: a matrix as a canvas heatmap (confusion matrix, attention), series with an interval
// band as a uPlot chart (forecast), tokens with their labels (tagged sentence), tables with
// probability bars (classes, completions, hypotheses), and text. Text from a panel only ever
// reaches the page as textContent; numbers as pixels.
import uPlot from 'uplot';
import type { MatrixPanel, Panel, SeriesPanel, TablePanel, TokensPanel } from '../../plot/panels.js';
import { el } from './dom.js';


const visible = (s: string): string => s.replace(/\n/g, '↵').replace(/\t/g, '⇥');

/** A cell's number as shown: probabilities as percentages, others with a few digits. */
export function formatCell(v: string | number, asProbability: boolean): string {
  if (typeof v === 'string') return visible(v);
  if (!Number.isFinite(v)) return String(v);
  if (asProbability) return `${(100 * v).toFixed(v >= 0.1 || v === 0 ? 1 : 2)}%`;
  return Number.isInteger(v) ? String(v) : v.toPrecision(4);
}

/**
 * Shade of a matrix cell in [0, 1]: white to blue. For 'count' matrices a cell's share of its row
 * (so a class with few examples is as readable as a common one); for 'weight' the value itself.
 */
export function matrixShades(p: Pick<MatrixPanel, 'values' | 'scale'>): number[][] {
  return p.values.map((row) => {
    const total = p.scale === 'count' ? row.reduce<number>((a, v) => a + (Number.isFinite(v) ? v! : 0), 0) : 1;
    return row.map((v) => (v === null || !Number.isFinite(v) ? NaN : Math.max(0, Math.min(1, total > 0 ? v / total : 0))));
  });
}

const shadeColor = (s: number): string => {
  if (Number.isNaN(s)) return 'rgb(200, 200, 200)';
  const c = (from: number, to: number) => Math.round(from + (to - from) * s);
  return `rgb(${c(255, 8)}, ${c(255, 69)}, ${c(255, 148)})`;
};

function matrix(p: MatrixPanel): HTMLElement {
  const box = el('div', 'panel-matrix');
  const shades = matrixShades(p);
  const table = el('table', 'matrix');
  const head = el('tr');
  const corner = el('th', 'corner', `${p.rowTitle} ↓ · ${p.colTitle} →`);
  head.append(corner, ...p.cols.map((c) => el('th', 'col', visible(c))));
  table.append(head);
  p.values.forEach((row, r) => {
    const tr = el('tr');
    tr.append(el('th', 'row', visible(p.rows[r] ?? '')));
    row.forEach((v, c) => {
      const s = shades[r]![c]!;
      const td = el('td', undefined, p.scale === 'count' ? formatCell(v ?? NaN, false) : '');
      td.style.background = shadeColor(s);
      if (s > 0.55) td.style.color = '#fff';
      td.title = `${p.rows[r]} · ${p.cols[c]}: ${v === null ? '–' : p.scale === 'count' ? v : v.toFixed(3)}`;
      tr.append(td);
    });
    table.append(tr);
  });
  box.append(table);
  return box;
}

/** Epoch seconds of ISO times for uPlot's time axis, or the numbers themselves. */
export function seriesX(x: readonly (string | number)[]): { values: number[]; time: boolean } {
  const time = x.length > 0 && x.every((v) => typeof v === 'string');
  return { values: x.map((v, i) => (typeof v === 'number' ? v : time ? Date.parse(v) / 1000 : i)), time };
}

function series(p: SeriesPanel): HTMLElement {
  const holder = el('div', 'plot');
  const { values: xs, time } = seriesX(p.x);
  const colors = ['#1d2329', '#d62728', '#1f77b4', '#2ca02c'];
  const data: (number | null)[][] = [xs];
  const list: uPlot.Series[] = [{ label: time ? 'time' : 'x' }];
  const bands: uPlot.Band[] = [];
  if (p.band) {
    data.push(p.band.hi, p.band.lo);
    list.push({ label: `${p.band.name} (upper)`, stroke: 'rgba(214, 39, 40, 0.35)', width: 1 },
      { label: `${p.band.name} (lower)`, stroke: 'rgba(214, 39, 40, 0.35)', width: 1 });
    bands.push({ series: [1, 2], fill: 'rgba(214, 39, 40, 0.15)' });
  }
  p.lines.forEach((l, i) => {
    data.push(l.values);
    list.push({ label: l.name, stroke: colors[i % colors.length], width: 1.5, dash: l.dashed ? [5, 4] : undefined, spanGaps: false, points: { show: false } });
  });
  const split = p.splitAt === undefined ? null : seriesX([p.splitAt]).values[0]!;
  // Drawn after layout, so the width is the card's.
  requestAnimationFrame(() => {
    const plot = new uPlot({
      width: Math.max(260, holder.clientWidth), height: 240,
      scales: { x: { time } },
      series: list,
      bands,
      legend: { show: true },
      hooks: split === null ? {} : {
        draw: [(u) => {
          const x = Math.round(u.valToPos(split, 'x', true));
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = '#6a737d';
          ctx.setLineDash([3, 3]);
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.restore();
        }],
      },
    }, data as uPlot.AlignedData, holder);
    holder.dataset.points = String(xs.length);
    void plot;
  });
  return holder;
}

function tokens(p: TokensPanel): HTMLElement {
  const box = el('div', 'panel-tokens');
  for (const t of p.tokens) {
    const w = el('span', 'token');
    w.append(el('span', 'word', visible(t.text)), el('span', 'label', t.label));
    if (t.score !== undefined) {
      w.append(el('span', 'score', formatCell(t.score, true)));
      if (t.score < 0.5) w.classList.add('unsure');
    }
    box.append(w);
  }
  return box;
}

function table(p: TablePanel): HTMLElement {
  const t = el('table', 'panel-table');
  const head = el('tr');
  head.append(...p.columns.map((c) => el('th', undefined, c)));
  t.append(head);
  for (const row of p.rows) {
    const tr = el('tr');
    row.forEach((v, i) => {
      const bar = i === p.barColumn && typeof v === 'number';
      const td = el('td', typeof v === 'number' ? 'num' : undefined, formatCell(v, bar));
      if (bar) {
        const b = el('span', 'bar');
        b.style.width = `${Math.round(100 * Math.max(0, Math.min(1, v)))}%`;
        td.prepend(b);
        td.classList.add('with-bar');
      }
      tr.append(td);
    });
    t.append(tr);
  }
  return t;
}

/** One panel as a card section: its title, its picture, its note. */
export function renderPanel(p: Panel): HTMLElement {
  const box = el('figure', `panel panel-${p.kind}-box`);
  box.dataset.kind = p.kind;
  box.append(el('figcaption', undefined, p.title));
  switch (p.kind) {
    case 'matrix': box.append(matrix(p)); break;
    case 'series': box.append(series(p)); break;
    case 'tokens': box.append(tokens(p)); break;
    case 'table': box.append(table(p)); break;
    case 'text': box.append(el('p', 'panel-text', p.text)); break;
  }
  if (p.kind !== 'text' && p.note) box.append(el('p', 'muted panel-note', p.note));
  return box;
}
