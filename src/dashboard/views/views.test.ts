// The dashboard's task views (issue 17) on a small trained run of every task: each view reads its
// run's model file, answers a typed input with panels that pass checkPanels, and the panels say
// what the task's own predict commands say. Then the server's view route on the same runs.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { httpGet } from '../../testing/http-get.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createBackend } from '../../kernels/index.js';
import type { Backend } from '../../kernels/backend.js';
import { loadModel } from '../../io/model-file.js';
import type { SavedModule } from '../../nn/model-kinds.js';
import { checkPanels, type MatrixPanel, type Panel, type TablePanel, type TokensPanel } from '../../plot/panels.js';
import { tempDir } from '../../testing/temp-dir.js';
import { makeTaskRuns, type TaskRunName } from '../../testing/task-runs.js';
import { generateDatePairs } from '../../tasks/seq2seq/dates.js';
import { splitWords } from '../../tasks/tag/predict.js';
import { startDashboard, type Dashboard } from '../server.js';
import { MAX_VIEW_INPUT, TASK_VIEWS, viewOf } from './index.js';

let backend: Backend;
let runs: Record<TaskRunName, string>;
const root = tempDir('recur-views-');

before(async () => {
  backend = await createBackend('wasm', { threads: 1 });
  runs = await makeTaskRuns(root, backend, 20);
});

async function viewAnswer(name: TaskRunName, input: string): Promise<Panel[]> {
  const loaded = await loadModel<SavedModule>(join(runs[name], 'model.safetensors'), { kind: 'any' });
  loaded.model.to(backend);
  const v = viewOf(loaded.task!);
  assert.ok(v, `a view for '${loaded.task}'`);
  const model = v.load(loaded, name);
  assert.notEqual(v.input(model), null, `${name} takes typed input`);
  return checkPanels(v.answer(model, backend, input));
}

const panel = <K extends Panel['kind']>(panels: Panel[], kind: K): Extract<Panel, { kind: K }> => {
  const p = panels.find((x) => x.kind === kind);
  assert.ok(p, `a ${kind} panel among ${panels.map((x) => x.kind).join(', ')}`);
  return p as Extract<Panel, { kind: K }>;
};

const probabilities = (t: TablePanel, column: number): number[] => t.rows.map((r) => r[column] as number);

test('every registered view serves distinct tasks; each task of the toolkit has one', () => {
  const tasks = TASK_VIEWS.flatMap((v) => v.tasks);
  assert.equal(new Set(tasks).size, tasks.length, 'no task served twice');
  for (const t of ['char-lm', 'word-lm', 'classify', 'forecast', 'seq2seq', 'tag']) assert.ok(viewOf(t), t);
  assert.equal(viewOf('no-such-task'), undefined);
});

test('language model: completions ranked by probability, at most five, each a probability', async () => {
  const panels = await viewAnswer('lm', 'Mary had a little ');
  const t = panel(panels, 'table');
  assert.equal(t.title, 'completions');
  assert.ok(t.rows.length >= 1 && t.rows.length <= 5, `${t.rows.length} rows`);
  const p = probabilities(t, 1);
  for (const x of p) assert.ok(x > 0 && x <= 1, String(x));
  assert.deepEqual(p, [...p].sort((a, b) => b - a), 'most likely first');
  assert.match(t.note ?? '', /next word/, 'after a space it completes the next word');
});

test('classifier: every class with its probability, summing to 1', async () => {
  const panels = await viewAnswer('classify', 'a good film');
  const t = panel(panels, 'table');
  assert.deepEqual(t.rows.map((r) => r[0]).sort(), ['0', '1']);
  const sum = probabilities(t, 1).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-5, `sum ${sum}`);
  assert.equal(t.barColumn, 1);
});

test('encoder-decoder: five hypotheses, and the best one\'s attention: a row per output token, a column per source token, rows summing to 1', async () => {
  const source = generateDatePairs(200, 1)[0]!.source; // a training source: every token in the vocabulary
  const panels = await viewAnswer('seq2seq', source);
  const t = panel(panels, 'table');
  assert.equal(t.rows.length, 5);
  const m = panel(panels, 'matrix') as MatrixPanel;
  assert.equal(m.scale, 'weight');
  assert.equal(m.rows.at(-1), '[EOS]', 'the last row is [EOS] (or the length limit cut it)');
  assert.equal(m.values.length, m.rows.length);
  assert.equal(m.cols.join(''), source.replace(/\s/g, ''), 'a column per source token, in order');
  for (const row of m.values) {
    const s = row.reduce<number>((a, b) => a + (b ?? 0), 0);
    assert.ok(Math.abs(s - 1) < 1e-4, `row sums to ${s}`);
  }
  // The best hypothesis's text is its tokens (character level: joined).
  assert.equal(String(t.rows[0]![0]).replace(/ /g, ''), m.rows.slice(0, -1).join('').replace(/ /g, ''));
});

test('tagger: the sentence split as the treebanks do, one tag and probability per word', async () => {
  const text = "the dog doesn't see Alice";
  const panels = await viewAnswer('tag', text);
  const t = panel(panels, 'tokens') as TokensPanel;
  assert.deepEqual(t.tokens.map((x) => x.text), splitWords(text));
  const tags = new Set(['DET', 'ADJ', 'NOUN', 'PROPN', 'VERB', 'ADV', 'ADP', 'PUNCT', 'AUX', 'PART', 'PRON']);
  for (const x of t.tokens) {
    assert.ok(tags.has(x.label), `tag ${x.label}`);
    assert.ok(x.score! > 0 && x.score! <= 1);
  }
});

test('forecaster: no input box, and a typed input is refused with a reason', async () => {
  const loaded = await loadModel<SavedModule>(join(runs.forecast, 'model.safetensors'), { kind: 'any' });
  const v = viewOf(loaded.task!)!;
  const model = v.load(loaded, 'forecast');
  assert.equal(v.input(model), null);
  assert.throws(() => v.answer(model, backend, 'x'), /takes no typed input/);
});

test('a view refuses a model file of another task with a message naming both', async () => {
  const loaded = await loadModel<SavedModule>(join(runs.tag, 'model.safetensors'), { kind: 'any' });
  assert.throws(() => viewOf('classify')!.load(loaded, 'tag-run'), /tag-run is a 'tag' model, not a classifier/);
  assert.throws(() => viewOf('seq2seq')!.load(loaded, 'tag-run'), /tag-run is a 'tag' model, not an encoder-decoder/);
});

// ---- the server's view route ----------------------------------------------------------------

let dash: Dashboard;
const empty = join(root, 'no-model');
mkdirSync(empty);
const ORDER: TaskRunName[] = ['lm', 'classify', 'forecast', 'seq2seq', 'tag'];

after(async () => { await dash?.close(); });

async function get(path: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await httpGet(dash.port, path);
  return { status: r.status, json: JSON.parse(r.body) as Record<string, unknown> };
}

const route = (id: number, params: Record<string, string> = {}): string =>
  `/api/runs/${id}/view?${new URLSearchParams({ token: dash.token, ...params }).toString()}`;

test('view route: each run says its view and input box; an input gets checked panels', async () => {
  dash = await startDashboard({ runs: [...ORDER.map((n) => runs[n]), empty], staticDir: root, pollMs: 50 });
  const heads = await Promise.all(ORDER.map((_, i) => get(route(i))));
  assert.deepEqual(heads.map((h) => h.status), [200, 200, 200, 200, 200]);
  assert.deepEqual(heads.map((h) => h.json.task), ['char-lm', 'classify', 'forecast', 'seq2seq', 'tag']);
  assert.deepEqual(heads.map((h) => h.json.input === null), [false, false, true, false, false]);
  assert.equal((heads[0]!.json.input as { live?: boolean }).live, true, 'autocomplete answers as the user types');

  const answer = await get(route(1, { input: 'i love it' }));
  assert.equal(answer.status, 200);
  const panels = checkPanels(answer.json.panels);
  assert.equal(panels[0]!.kind, 'table');

  // A new model file (another version) is loaded again: the same answer from the same weights.
  const again = await get(route(1, { input: 'i love it' }));
  assert.deepEqual(again.json.panels, answer.json.panels);
});

test('view route: bad requests get 400/404 with a reason, and the server keeps serving', async () => {
  const cases: [string, number, RegExp][] = [
    [route(5, { input: 'x' }), 404, /no-model has no model\.safetensors yet/],
    [route(2, { input: 'x' }), 400, /takes no typed input/],
    [route(1, { input: '   ' }), 400, /input is empty/],
    [route(1, { input: 'x'.repeat(MAX_VIEW_INPUT + 1) }), 400, new RegExp(`at most ${MAX_VIEW_INPUT}`)],
    [route(9), 400, /no run with id '9'/],
    [`/api/runs/1/view?input=x`, 403, /token/],
  ];
  for (const [path, status, message] of cases) {
    const r = await get(path);
    assert.equal(r.status, status, path);
    assert.match(String(r.json.error), message, path);
  }
  assert.equal((await get(route(4, { input: 'the cat runs' }))).status, 200, 'still serving');
  // Asked which view a run has, a run without a model answers with the reason, not an error.
  const none = await get(route(5));
  assert.equal(none.status, 200);
  assert.equal(none.json.task, null);
  assert.match(String(none.json.problem), /no-model has no model\.safetensors yet/);
});
