// The dashboard page, task views (issue 17): for each run, the view its task registered on the
// server (src/dashboard/views): an input box (a sentence to classify, tag or translate; text to
// autocomplete, answered as the user types) answered with panels, and the panels training
// attached to its latest evaluation (a confusion matrix, a forecast with its interval band).
// The page holds no code of any task: it draws panels (./panels.ts).
import { checkPanels, type Panel } from '../../plot/panels.js';
import { renderPanel } from './panels.js';
import { el, getJson } from './dom.js';
import { formatNumber } from '../series.js';

export interface TaskViewRun { id: number; name: string; color: string }

interface ViewHead { task: string; title: string; input: { label: string; example: string; live?: boolean } | null }

interface Card {
  run: TaskViewRun;
  root: HTMLElement;
  title: HTMLElement;
  body: HTMLElement;
  answers: HTMLElement;
  training: HTMLElement;
  head: ViewHead | null;
  /** The head request failed with this message (no model yet, no view for its task ...). */
  problem: string | null;
  loading: boolean;
  generation: number;
  evalStep: number;
}



function isHead(b: Record<string, unknown>): boolean {
  const i = b.input as Record<string, unknown> | null | undefined;
  return typeof b.task === 'string' && typeof b.title === 'string'
    && (i === null || (typeof i === 'object' && i !== undefined && typeof i.label === 'string' && typeof i.example === 'string'));
}

function showPanels(into: HTMLElement, panels: unknown): void {
  let checked: Panel[];
  try {
    checked = checkPanels(panels);
  } catch (e) {
    into.replaceChildren(el('p', 'inside-error', `cannot draw this answer: ${(e as Error).message}`));
    return;
  }
  into.replaceChildren(...checked.map(renderPanel));
}

export interface TaskViews {
  /** Training's latest evaluation of a run, with its panels (from the eval event's `view`). */
  showEval(runId: number, step: number, panels: unknown): void;
  /** The run wrote a model file (a checkpoint): look again if it had none. */
  modelMayHaveChanged(runId: number): void;
}

/**
 * Builds the task views into `root`, one card per run. `url(id, params)` is the run's view
 * route with the token.
 */
export function setupTaskViews(root: HTMLElement, runs: TaskViewRun[], url: (id: number, params?: Record<string, string>) => string): TaskViews {
  root.append(el('h2', undefined, 'Task views'));
  const grid = el('div', 'grid task-views');
  root.append(grid);
  const cards = new Map<number, Card>();

  for (const run of runs) {
    const card = el('section', 'card task-view');
    card.dataset.run = String(run.id);
    const h = el('h3');
    const sw = el('span', 'swatch');
    sw.style.background = run.color;
    const title = el('span', undefined, run.name);
    h.append(sw, title);
    const body = el('div', 'task-view-body');
    const answers = el('div', 'task-answers');
    const training = el('div', 'task-training');
    card.append(h, body, answers, training);
    grid.append(card);
    const c: Card = { run, root: card, title, body, answers, training, head: null, problem: null, loading: false, generation: 0, evalStep: -1 };
    cards.set(run.id, c);
    void loadHead(c);
  }

  async function loadHead(c: Card): Promise<void> {
    if (c.loading) return;
    c.loading = true;
    try {
      const b = await getJson(url(c.run.id));
      if (b.task === null) throw new Error(typeof b.problem === 'string' ? b.problem : 'this run has no task view');
      if (!isHead(b)) throw new Error('the server sent an answer of an unexpected shape');
      c.head = b as unknown as ViewHead;
      c.problem = null;
      c.title.textContent = `${c.run.name} · ${c.head.title}`;
      buildInput(c);
    } catch (e) {
      c.head = null;
      c.problem = (e as Error).message;
      c.body.replaceChildren(el('p', 'muted', c.problem));
    } finally {
      c.loading = false;
    }
  }

  function buildInput(c: Card): void {
    const box = c.head!.input;
    if (box === null) {
      c.body.replaceChildren(el('p', 'muted', 'this model takes no typed input; training\'s latest evaluation is shown below'));
      return;
    }
    const form = el('form', 'inside-form task-form');
    const input = el('input');
    input.type = 'text';
    input.className = 'task-input';
    input.value = box.example;
    input.maxLength = 1000;
    input.setAttribute('aria-label', box.label);
    const button = el('button', undefined, box.live ? 'Complete' : 'Run');
    button.type = 'submit';
    const status = el('span', 'muted task-status');
    form.append(el('label', 'muted', box.label), input, button, status);
    c.body.replaceChildren(form);
    const ask = (): void => {
      const text = input.value;
      if (text.trim() === '') { status.textContent = 'type something first'; return; }
      const mine = ++c.generation;
      status.textContent = '…';
      void getJson(url(c.run.id, { input: text })).then((b) => {
        if (mine !== c.generation) return;
        status.textContent = '';
        showPanels(c.answers, b.panels);
      }, (e: unknown) => {
        if (mine !== c.generation) return;
        status.textContent = '';
        c.answers.replaceChildren(el('p', 'inside-error', (e as Error).message));
      });
    };
    form.addEventListener('submit', (e) => { e.preventDefault(); ask(); });
    if (box.live) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(ask, 150); });
    }
    ask(); // the example's answer, so the view is never empty
  }

  return {
    showEval(runId, step, panels) {
      const c = cards.get(runId);
      if (!c || step === c.evalStep) return;
      c.evalStep = step;
      const h = el('h4', undefined, `training: validation at step ${formatNumber(step)}`);
      const holder = el('div', 'task-eval-panels');
      showPanels(holder, panels);
      c.training.replaceChildren(h, holder);
    },
    modelMayHaveChanged(runId) {
      const c = cards.get(runId);
      if (c && c.head === null) void loadHead(c);
    },
  };
}
