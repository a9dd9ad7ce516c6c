import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLive } from '../testing/run-live.js';
import { tempDir } from '../testing/temp-dir.js';

const bin = fileURLToPath(new URL('./bin.js', import.meta.url));
const MONTHLY = fileURLToPath(new URL('../../src/tasks/forecast/fixtures/monthly-sales.csv', import.meta.url));
const dir = tempDir('recur-forecast-cli-');
const recur = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
type Ev = { type: string; step: number; loss: number; reason?: string; details?: { notes?: string[] } };
const jsonLines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);
const TRAIN = ['forecast', 'train', '--data', MONTHLY, '--target', 'sales', '--horizon', '6', '--max-steps', '60', '--eval-every', '20', '--checkpoint-every', '25', '--threads', '1', '--json'];

test('recur forecast train: Ctrl-C -> checkpoint, exit 130 -> --resume gives the losses of an uninterrupted run (auto settings chosen once)', async () => {
  const straight = recur(...TRAIN, '--out', join(dir, 'straight'));
  assert.equal(straight.status, 0, straight.stderr);
  const events = jsonLines(straight.stdout);
  const want = events.filter((e) => e.type === 'step').map((e) => e.loss);
  const notes = events[0]!.details!.notes!;
  assert.ok(notes.some((n) => /^season 12, detected/.test(n)) && notes.some((n) => /^model: /.test(n)), notes.join(' | '));

  const out = join(dir, 'interrupted');
  let sent = false;
  const live = await runLive<Ev>(bin, [...TRAIN, '--out', out], (e, child) => {
    if (!sent && e.type === 'step' && e.step >= 12) { sent = true; child.kill('SIGINT'); }
  });
  assert.equal(live.code, 130, live.stderr);
  const first = jsonLines(live.stdout);
  assert.equal(first.at(-1)!.reason, 'interrupted');
  const resumed = recur('forecast', 'train', '--resume', '--out', out, '--json');
  assert.equal(resumed.status, 0, resumed.stderr);
  const got = [...first, ...jsonLines(resumed.stdout)].filter((e) => e.type === 'step').map((e) => e.loss);
  assert.deepEqual(got, want, 'bit-identical losses');

  // predict: CSV to stdout, JSON and an SVG plot; eval: the table beside the baselines.
  const p = recur('forecast', 'predict', '--model', out);
  assert.equal(p.status, 0, p.stderr);
  const lines = p.stdout.trim().split('\n');
  assert.equal(lines[0], 'time,forecast,q0.1,q0.5,q0.9');
  assert.equal(lines.length, 1 + 6);
  assert.match(lines[1]!, /^1957-01,\d+(\.\d+)?,/);
  const plot = join(dir, 'forecast.svg');
  const pj = recur('forecast', 'predict', '--model', out, '--json', '--plot', plot);
  assert.equal(JSON.parse(pj.stdout).forecasts[0].times.length, 6);
  assert.match(readFileSync(plot, 'utf8'), /^<svg/);
  const e = recur('forecast', 'eval', '--model', out, '--holdout', '6');
  assert.equal(e.status, 0, e.stderr);
  assert.match(e.stdout, /^method +MAE +RMSE +MAPE +sMAPE +MASE +coverage$/m);
  for (const row of ['naive', 'seasonal naive \\(12\\)', 'drift', 'Holt-Winters']) assert.match(e.stdout, new RegExp(`^${row} +\\d`, 'm'));
});

test('recur forecast: bad input is one line, a non-zero exit, and touches no file', () => {
  const run = join(dir, 'guarded');
  assert.equal(recur(...TRAIN, '--max-steps', '5', '--out', run).status, 0);
  const before = readdirSync(run).map((f) => [f, statSync(join(run, f)).mtimeMs, readFileSync(join(run, f))] as const);
  const file = (name: string, text: string) => { writeFileSync(join(dir, name), text); return join(dir, name); };
  const lm = join(dir, 'lm');
  assert.equal(recur('lm', 'train', '--text', fileURLToPath(new URL('../../src/tasks/char-lm/fixtures/rhymes.txt', import.meta.url)), '--max-steps', '1',
    '--batch-size', '2', '--seq-len', '8', '--out', lm).status, 0);
  const train = (data: string, ...more: string[]) => ['forecast', 'train', '--data', data, '--target', 'y', '--horizon', '2', '--out', run, '--force', ...more];
  const cases: [string[], RegExp][] = [
    [train(file('empty.csv', '')), /^recur: .*empty\.csv is empty$/],
    [train(file('header.csv', 't,y\n')), /^recur: .*header\.csv has a header but no rows$/],
    [train(MONTHLY), /^recur: column 'y' not found in .*monthly-sales\.csv; the columns are month, sales, promo$/],
    [train(file('text.csv', 't,y\n1,1\n2,x\n3,3\n')), /^recur: .*text\.csv line 3, column 'y': 'x' is not a number$/],
    [train(file('gap.csv', 'm,y\n2020-01,1\n2020-02,2\n2020-05,3\n')), /^recur: .*gap\.csv lines 3 and 4, column 'm': a gap from 2020-02 to 2020-05, 2 steps missing .*--fill linear\|previous/],
    [train(file('inf.csv', 't,y\n1,1\n2,Infinity\n3,3\n')), /^recur: .*inf\.csv line 3, column 'y': 'Infinity' is infinite, not a number a model can use$/],
    [train(file('nan.csv', 't,y\n1,1\n2,NaN\n3,3\n')), /^recur: .*nan\.csv line 3, column 'y': 'NaN' is not a number a model can use \(a missing value\); --fill linear\|previous fills it$/],
    [['forecast', 'train', '--data', MONTHLY, '--target', 'sales', '--horizon', '0', '--out', run], /^recur: --horizon must be an integer >= 1, got '0'$/],
    [['forecast', 'train', '--data', MONTHLY, '--target', 'sales', '--horizon', '60', '--out', run, '--force'], /^recur: forecast: the series has 96 steps, too few for the hybrid model's lookback 60 \+ horizon 60 \+ validation 60 = 180; use a shorter/],
    [['forecast', 'train', '--data', MONTHLY, '--target', 'sales', '--horizon', '6', '--lookback', '200', '--out', run, '--force'], /^recur: forecast: the series has 96 steps, too few for the hybrid model's lookback 200/],
    [['forecast', 'train', '--data', MONTHLY, '--target', 'sales', '--horizon', '6', '--quantiles', '0.9,0.1', '--out', run, '--force'], /^recur: --quantiles must be increasing levels in \(0, 1\)/],
    [['forecast', 'train', '--target', 'sales', '--horizon', '6', '--out', run, '--force'], /^recur: --data is required/],
    [['forecast', 'train', '--data', MONTHLY, '--target', 'sales', '--horizon', '6', '--out', run], /already holds a training run \(checkpoint\.safetensors\); continue it with --resume or start over with --force$/],
    [['forecast', 'predict', '--model', lm], /^recur: .*lm\/model\.safetensors is a 'char-lm' model, not a forecasting model$/],
    [['forecast', 'eval', '--model', run, '--holdout', '95'], /^recur: forecast eval: the series has 96 steps; an origin 95 steps before its end leaves 1 steps of history/],
    [['forecast', 'predict', '--model', run, '--out', MONTHLY], /^recur: --out .*monthly-sales\.csv already exists; add --force to overwrite it$/],
  ];
  for (const [args, want] of cases) {
    const r = recur(...args);
    assert.notEqual(r.status, 0, `${args.join(' ')} must fail`);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.match(r.stderr.trimEnd(), want, args.join(' '));
  }
  for (const [f, mtime, bytes] of before) {
    assert.equal(statSync(join(run, f)).mtimeMs, mtime, f);
    assert.deepEqual(readFileSync(join(run, f)), bytes, f);
  }
  assert.ok(!existsSync(join(run, 'nothing')));
});

test('recur forecast: an all-constant series trains (scaling divides by 1, not 0) and forecasts the constant', () => {
  const data = join(dir, 'flat.csv');
  writeFileSync(data, `t,y\n${Array.from({ length: 80 }, (_, t) => `${t},7`).join('\n')}\n`);
  const out = join(dir, 'flat');
  const t = recur('forecast', 'train', '--data', data, '--target', 'y', '--horizon', '3', '--max-steps', '40', '--out', out, '--threads', '1');
  assert.equal(t.status, 0, t.stderr);
  const rows = recur('forecast', 'predict', '--model', out).stdout.trim().split('\n').slice(1);
  for (const r of rows) assert.ok(Math.abs(Number(r.split(',')[1]) - 7) < 0.5, r);
});
