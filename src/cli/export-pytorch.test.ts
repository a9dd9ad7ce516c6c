// recur export pytorch: the package a user gets, run in PyTorch where a Python with torch is
// found (RECUR_PYTHON or .venv-torch; skipped with the reason otherwise): outputs equal recur's,
// tokenization equal recur's ids, two-process DDP training whose file recur loads and scores as
// Python did, and the README's commands run as written. Refusals need no Python.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tape } from '../autograd/tape.js';
import { Tokenizer } from '../data/tokenizer.js';
import { type LoadedModel, loadModel, saveModel } from '../io/model-file.js';
import { createBackend } from '../kernels/index.js';
import type { SavedModule } from '../nn/model-kinds.js';
import { RecurrentModel } from '../nn/recurrent-model.js';
import type { RecurrentState } from '../nn/recurrent.js';
import { Rng } from '../random/rng.js';
import { IntTensor, Tensor } from '../tensor/tensor.js';
import { evaluateStream } from '../tasks/char-lm/evaluate-stream.js';
import { lmOf } from '../tasks/char-lm/evaluate.js';
import { encodeText } from '../tasks/char-lm/vocab.js';
import { classifierOf, encodeTexts } from '../tasks/classify/predict.js';
import { parseTimeSeriesCsv } from '../data/time-series-csv.js';
import { ForecastEnsemble, memberModels } from '../tasks/forecast/ensemble.js';
import { headLoss, headWidth } from '../tasks/forecast/heads.js';
import { prepareSeries } from '../tasks/forecast/pipeline.js';
import { FORECAST_METADATA_KEY, type ForecastMetadata, forecastTask } from '../tasks/forecast/task.js';
import { forecastAt, loadForecastModel, readModelData, seriesForModel } from '../tasks/forecast/predict.js';
import { runTask } from '../tasks/run-task.js';
import { makeWindows } from '../tasks/forecast/windows.js';
import { tempDir } from '../testing/temp-dir.js';
import { type Run, lastLine, maxDiff, ok, recur, run, torchPython } from '../testing/export-pytorch-harness.js';

const bin = fileURLToPath(new URL('./bin.js', import.meta.url));
const fixture = (p: string) => fileURLToPath(new URL(`../../src/${p}`, import.meta.url));
const RHYMES = fixture('tasks/char-lm/fixtures/rhymes.txt');
const SENTIMENT = fixture('data/fixtures/sentiment-tiny.tsv');
const SEQUENCES = fixture('data/fixtures/sequences-tiny.jsonl');
const SALES = fixture('tasks/forecast/fixtures/monthly-sales.csv');
const dir = tempDir('recur-export-pytorch-');

const { python, skip } = await torchPython();

test('recur export pytorch refuses a non-empty --out and the model\'s own directory', async () => {
  // A forecast ensemble is no longer refused: without the forecast task's metadata it gets model.py, load.py, run.py (no forecast.py).
  const ens = join(dir, 'ensemble.safetensors');
  await saveModel(ens, new ForecastEnsemble({ kind: 'forecast-ensemble', members: [1, 2].map(() => ({ input: { kind: 'dense' as const, size: 1 }, hiddenSize: 3, outputSize: 2, output: 'last' as const })) }, { rng: new Rng(1) }), { task: 'ensemble' });
  const ensOut = await recur('export', 'pytorch', '--model', ens, '--out', join(dir, 'ensemble-out'), '--json');
  ok(ensOut, 'export of a task-less ensemble');
  assert.deepEqual((JSON.parse(ensOut.stdout) as { files: string[] }).files, ['model.py', 'load.py', 'run.py', 'README.md', 'model.safetensors']);
  assert.match(readFileSync(join(dir, 'ensemble-out', 'model.py'), 'utf8'), /class RecurForecastEnsemble\(nn\.Module\)/);
  const runDir = join(dir, 'plain');
  mkdirSync(runDir);
  const model = new RecurrentModel({ input: { kind: 'dense', size: 2 }, cell: 'rnn-sigmoid', hiddenSize: 3, outputSize: 2, output: 'last' }, { rng: new Rng(2) });
  await saveModel(join(runDir, 'model.safetensors'), model);
  const before = readFileSync(join(runDir, 'model.safetensors'));
  const own = await recur('export', 'pytorch', '--model', runDir, '--out', runDir, '--force');
  assert.equal(own.status, 1);
  assert.match(own.stderr, /--out .* holds the model .*; give another directory/);
  assert.deepEqual(readFileSync(join(runDir, 'model.safetensors')), before, 'the model is untouched');
  const out = join(dir, 'plain-out');
  mkdirSync(out);
  writeFileSync(join(out, 'notes.txt'), 'mine');
  const busy = await recur('export', 'pytorch', '--model', runDir, '--out', out);
  assert.equal(busy.status, 1);
  assert.match(busy.stderr, /--out .* is not empty; add --force/);
  const forced = await recur('export', 'pytorch', '--model', runDir, '--out', out, '--force', '--json');
  ok(forced, 'export --force');
  const summary = JSON.parse(forced.stdout) as { files: string[]; task: null; notes: string[] };
  assert.deepEqual(summary.files, ['model.py', 'load.py', 'run.py', 'README.md', 'model.safetensors']);
  assert.match(summary.notes.join(), /no task: model\.py, load\.py and run\.py/);
  assert.equal(readFileSync(join(out, 'notes.txt'), 'utf8'), 'mine', 'other files are left alone');
  assert.match(readFileSync(join(out, 'model.py'), 'utf8'), /class SigmoidRNN\(nn\.Module\)/);
});

/** The models of the round trips: trained by the CLI (the tasks' real metadata) or built here. */
interface Case {
  name: string;
  /** The input as nested arrays (ids or features), lengths, a second input continuing the state. */
  x: number[][] | number[][][];
  ids: boolean;
  lengths?: number[];
  x2?: number[][];
}

async function trained(): Promise<Record<string, string>> {
  const runs = join(dir, 'runs');
  const quick = ['--max-steps', '3', '--eval-every', '0', '--threads', '1'];
  const jobs: Record<string, string[]> = {
    char: ['lm', 'train', '--text', RHYMES, '--hidden-size', '16', '--num-layers', '2', '--embedding-dim', '8', '--batch-size', '4', '--seq-len', '16', '--lr', '0.01'],
    word: ['lm', 'train', '--text', RHYMES, '--tokens', 'word', '--cell', 'gru', '--hidden-size', '16', '--embedding-dim', '16', '--batch-size', '4', '--seq-len', '8', '--max-vocab', '120', '--lowercase'],
    attention: ['classify', 'train', '--data', SENTIMENT, '--cell', 'lstm', '--bidirectional', '--pooling', 'attention', '--hidden-size', '8', '--embedding-dim', '8'],
    mean: ['classify', 'train', '--data', SENTIMENT, '--tokenizer', 'char', '--cell', 'gru', '--pooling', 'mean', '--hidden-size', '8', '--embedding-dim', '8', '--num-layers', '2'],
    dense: ['classify', 'train', '--data', SEQUENCES, '--cell', 'rnn-tanh', '--pooling', 'last', '--hidden-size', '8'],
    forecast: ['forecast', 'train', '--data', SALES, '--target', 'sales', '--covariates', 'promo', '--horizon', '3', '--model', 'window', '--hidden-size', '8'],
    // The other normalisations, layouts and heads of forecast.py.
    hybrid: ['forecast', 'train', '--data', SALES, '--target', 'sales', '--covariates', 'promo', '--horizon', '3', '--model', 'hybrid', '--hidden-size', '8', '--cell', 'gru'],
    shifted: ['forecast', 'train', '--data', SALES, '--target', 'sales', '--horizon', '3', '--model', 'seq2seq', '--head', 'gaussian', '--transform', 'box-cox', '--difference', '1', '--hidden-size', '8'],
    recursive: ['forecast', 'train', '--data', SALES, '--target', 'sales', '--horizon', '4', '--model', 'window', '--strategy', 'recursive', '--head', 'point', '--transform', 'log', '--scale', 'min-max', '--hidden-size', '8'],
  };
  const results = await Promise.all(Object.entries(jobs).map(([name, args]) => recur(...args, ...quick, '--out', join(runs, name))));
  Object.keys(jobs).forEach((name, i) => ok(results[i]!, `train ${name}`));
  const paths = Object.fromEntries(Object.keys(jobs).map((n) => [n, join(runs, n)]));
  // Built here: one-hot input, sigmoid cell (PyTorch has none: the package's own loop), both
  // directions, batch-first, max pooling; and dense input, ReLU cell, no bias, a head at every step.
  const built: [string, RecurrentModel][] = [
    ['sigmoid', new RecurrentModel({ input: { kind: 'one-hot', vocabSize: 5 }, cell: 'rnn-sigmoid', hiddenSize: 6, numLayers: 2, bidirectional: true, dropout: 0.2, outputSize: 3, output: 'last', pooling: 'max', batchFirst: true }, { rng: new Rng(5) })],
    ['relu', new RecurrentModel({ input: { kind: 'dense', size: 3 }, cell: 'rnn-relu', hiddenSize: 5, numLayers: 2, bias: false, outputSize: 2 }, { rng: new Rng(6) })],
  ];
  for (const [name, model] of built) {
    mkdirSync(join(runs, name), { recursive: true });
    await saveModel(join(runs, name, 'model.safetensors'), model);
    paths[name] = join(runs, name);
  }
  return paths;
}

/** Deterministic pseudo-random values in [-1, 1). */
const values = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 0.999);

const PYTHON_DRIVER = String.raw`
import importlib, json, os, sys
import torch

def fresh(path):
    """Imports the package in path, not one imported before (the packages share module names)."""
    for name in ("model", "load", "vocab", "forecast"):
        sys.modules.pop(name, None)
    sys.path.insert(0, path)

flat = lambda t: [float(v) for v in t.reshape(-1).tolist()]
state_of = lambda s: {"h": flat(s[0]), "c": flat(s[1])} if isinstance(s, tuple) else {"h": flat(s)}
job = json.load(open(sys.argv[1]))
results = {}
for case in job["cases"]:
    fresh(case["dir"])
    load = importlib.import_module("load")
    model, metadata = load.load(os.path.join(case["dir"], "model.safetensors"), use_package=False)
    r = {"package": load.has_safetensors()}
    if r["package"]:  # the safetensors package reads the same tensors, and writes a file recur loads too
        other, _ = load.load(os.path.join(case["dir"], "model.safetensors"), use_package=True)
        assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), other.state_dict().values()))
        load.save(model, case["save"] + ".package.safetensors", metadata, step=7, use_package=True)
    load.save(model, case["save"], metadata, step=7, use_package=False)
    # load() checks the CRC-32s save() wrote: a flipped bit in the last tensor's data is refused.
    flipped = bytearray(open(case["save"], "rb").read())
    flipped[-1] ^= 1
    open(case["save"] + ".flipped", "wb").write(flipped)
    try:
        load.load(case["save"] + ".flipped", use_package=False)
        r["flipped"] = "loaded"
    except ValueError as e:
        r["flipped"] = str(e)
    x = torch.tensor(case["x"], dtype=torch.long if case["ids"] else torch.float32)
    with torch.no_grad():
        logits, state = model(x, lengths=case.get("lengths"))
        r.update(logits=flat(logits), state=state_of(state))
        if model.last_attention is not None:
            r["attention"] = flat(model.last_attention)
        if "x2" in case:
            logits2, state2 = model(torch.tensor(case["x2"]), state=state)
            r.update(logits2=flat(logits2), state2=state_of(state2))
    if "lm_texts" in case:
        vocab = importlib.import_module("vocab").lm_vocab(metadata)
        r["ids"] = [vocab.encode(t) for t in case["lm_texts"]]
    if "classify_texts" in case:
        tokenizer = importlib.import_module("vocab").classify_tokenizer(metadata)
        r["ids"] = [tokenizer.encode(t) or [1] for t in case["classify_texts"]]
    if "tokenizers" in case:
        Tokenizer = importlib.import_module("vocab").Tokenizer
        made = [Tokenizer(t["json"]) for t in case["tokenizers"]]
        r["tokenizers"] = [[[tok.tokenize(text), tok.encode(text)] for text in t["texts"]] for tok, t in zip(made, case["tokenizers"])]
    if "forecast" in case:
        f = case["forecast"]
        r["forecast"] = importlib.import_module("forecast").forecast(model, metadata, f["targets"], f["covariates"])
    if "snippet" in case:  # the README's Python, as written, in the package's directory
        cwd = os.getcwd()
        os.chdir(case["dir"])
        exec(compile(case["snippet"], "README.md", "exec"), {})
        os.chdir(cwd)
    results[case["name"]] = r
    sys.path.pop(0)
print(json.dumps(results))
`;

/** The fenced blocks of a README in `lang`. */
const blocks = (readme: string, lang: string) => [...readme.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);

/** A README command line made runnable here: the Python with torch, recur's own bin, fewer steps. */
const runnable = (line: string) => line.replace(/^python /, `'${python}' `).replace(/^npx recur /, `'${process.execPath}' '${bin}' `).replace('--steps 100', '--steps 5');

test('recur export pytorch: the package computes what recur computes, tokenizes as recur, and its README runs', { skip }, async () => {
  const started = Date.now();
  const runs = await trained();
  const pk = (name: string) => join(dir, 'pk', name);
  const exported = await Promise.all(Object.entries(runs).map(([name, path]) => recur('export', 'pytorch', '--model', path, '--out', pk(name), '--json')));
  Object.keys(runs).forEach((name, i) => ok(exported[i]!, `export ${name}`));
  const summaries = Object.fromEntries(Object.keys(runs).map((n, i) => [n, JSON.parse(exported[i]!.stdout) as { files: string[]; training: { from: string; lr: number; seqLen?: number } | null }]));
  assert.deepEqual(summaries.char!.files, ['model.py', 'load.py', 'vocab.py', 'run.py', 'train_ddp.py', 'README.md', 'model.safetensors']);
  assert.deepEqual(summaries.forecast!.files, ['model.py', 'load.py', 'forecast.py', 'run.py', 'train_ddp.py', 'README.md', 'model.safetensors']);
  assert.equal(summaries.char!.training!.from, 'from the run\'s checkpoint.safetensors');
  assert.equal(summaries.char!.training!.lr, 0.01);
  assert.equal(summaries.char!.training!.seqLen, 16);

  const backend = await createBackend('wasm', { threads: 1 });
  const loaded: Record<string, LoadedModel<SavedModule>> = {};
  for (const name of Object.keys(runs)) {
    loaded[name] = await loadModel<SavedModule>(join(pk(name), 'model.safetensors'), { kind: 'any' });
    loaded[name].model.to(backend).eval();
  }
  const rm = (name: string) => loaded[name]!.model as RecurrentModel;

  // Inputs: language models read two streams of encoded text, then go on from their state.
  const cases: (Case & Record<string, unknown>)[] = [];
  const lmTexts = ['Twinkle, twinkle, little star — über ✓!', 'How I WONDER what you are, 3.5% of 1,000 at https://x.org. don\'t (ok) [UNK] café'];
  for (const name of ['char', 'word']) {
    const vocab = lmOf(loaded[name] as LoadedModel, name).vocab;
    const ids = lmTexts.map((t) => Array.from(encodeText(vocab, t, 'unk').ids));
    const T = Math.min(...ids.map((s) => s.length)) - 3;
    const steps = (from: number, to: number) => Array.from({ length: to - from }, (_, t) => ids.map((s) => s[from + t]!));
    cases.push({ name, x: steps(0, T), x2: steps(T, T + 3), ids: true, lm_texts: lmTexts, expectIds: ids });
  }
  // Classifiers of text: a padded batch of texts of different lengths, with their lengths.
  const texts = ['a good film, i love it', 'bad', 'great acting and a good story but an awful ending!', 'i hate it', ''];
  for (const name of ['attention', 'mean']) {
    const c = classifierOf(loaded[name]!, name);
    const seqs = encodeTexts(c, texts).map((s) => Array.from(s));
    const T = Math.max(...seqs.map((s) => s.length));
    cases.push({ name, x: Array.from({ length: T }, (_, t) => seqs.map((s) => s[t] ?? 0)), ids: true, lengths: seqs.map((s) => s.length), classify_texts: texts, expectIds: seqs });
  }
  // Vector sequences of different lengths from the fixture.
  const seqs = readFileSync(SEQUENCES, 'utf8').trim().split('\n').slice(0, 4).map((l) => (JSON.parse(l) as { sequence: number[][] }).sequence);
  const T = Math.max(...seqs.map((s) => s.length));
  cases.push({ name: 'dense', x: Array.from({ length: T }, (_, t) => seqs.map((s) => s[t] ?? [0, 0])), ids: false, lengths: seqs.map((s) => s.length) });
  // Forecasters: the network on windows [L, 3, F]; and the forecast from the CSV's history.
  const csv = readFileSync(SALES, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const FORECASTERS = ['forecast', 'hybrid', 'shifted', 'recursive'];
  for (const name of FORECASTERS) {
    const fc = rm(name).config;
    const L = (JSON.parse(loaded[name]!.extra!['recur.forecast']!) as { pipelines: { spec: { lookback: number } }[] }).pipelines[0]!.spec.lookback;
    const F = fc.input.kind === 'dense' ? fc.input.size : 0;
    const v = values(L * 3 * F, 3);
    cases.push({ name, x: Array.from({ length: L }, (_, t) => Array.from({ length: 3 }, (_, b) => v.slice((t * 3 + b) * F, (t * 3 + b + 1) * F))), ids: false,
      forecast: { targets: { sales: csv.map((r) => Number(r[1])) }, covariates: { promo: csv.map((r) => Number(r[2])) } } });
  }
  // Built models: batch-first one-hot ids [B, T] with lengths; dense features [T, B, I].
  cases.push({ name: 'sigmoid', x: [[0, 1, 2, 3, 4, 1], [4, 3, 2, 0, 0, 0], [1, 1, 1, 1, 0, 0]], ids: true, lengths: [6, 3, 4] });
  const rv = values(5 * 2 * 3, 9);
  cases.push({ name: 'relu', x: Array.from({ length: 5 }, (_, t) => Array.from({ length: 2 }, (_, b) => rv.slice((t * 2 + b) * 3, (t * 2 + b + 1) * 3))), ids: false });
  // Tokenizers of every setting recur has, fitted here, against recur's ids.
  const sample = ['Hello, World! It\'s 3.5% of 1,000 — at https://example.org/a?b=1. Ślusàrski <3 [SEP] 😀👍🏽 🇫🇷 👨‍👩‍👧 -7 +2 .5 x.5 3-7 (+5) -.5 x-7 1,00',
    'l\'amour, DON\'T rock\'n\'roll ’tis www.recur.dev; (12) «ok» naïve café\tİstanbul ΣΑΣ ΟΔΟΣ\u00a0a\ufeffb\u2028c\nd', ''];
  const tokenizers = [{}, { lowercase: false, numbers: false, urls: false }, { splitPunctuation: false }, { stripAccents: true, specials: ['<3', '[SEP]'] }, { level: 'char' as const }, { level: 'char' as const, lowercase: true, stripAccents: true, specials: ['<3'] }]
    .map((o) => Tokenizer.fit([sample[0]!, 'hello world 1 2 3 l\'amour naive cafe slusarski'], o));
  cases.find((c) => c.name === 'attention')!.tokenizers = tokenizers.map((t) => ({ json: t.toJSON(), texts: sample }));
  for (const c of cases) {
    c.dir = pk(c.name);
    c.save = join(dir, `${c.name}.from-python.safetensors`);
    c.snippet = blocks(readFileSync(join(pk(c.name), 'README.md'), 'utf8'), 'python')[0];
  }
  const jobFile = join(dir, 'job.json');
  writeFileSync(jobFile, JSON.stringify({ cases }));
  const driver = join(dir, 'driver.py');
  writeFileSync(driver, PYTHON_DRIVER);
  const py = await run(python, [driver, jobFile]);
  ok(py, 'the Python driver');
  const results = JSON.parse(lastLine(py.stdout)) as Record<string, { package: boolean; logits: number[]; state: { h: number[]; c?: number[] }; attention?: number[]; logits2?: number[]; state2?: { h: number[]; c?: number[] };
    ids?: number[][]; tokenizers?: [string[], number[]][][]; forecast?: Record<string, number[][]>; flipped: string }>;

  const report: string[] = [];
  const tape = Tape.inference(backend);
  for (const c of cases) {
    const r = results[c.name]!;
    const model = rm(c.name);
    tape.reset();
    const input = (x: unknown[]) => {
      const shape: number[] = [];
      for (let a: unknown = x; Array.isArray(a); a = a[0]) shape.push(a.length);
      const flat = x.flat(Infinity) as number[];
      return c.ids ? IntTensor.from(flat, shape) : Tensor.from(flat, shape);
    };
    const out = model.forward(tape, input(c.x), c.lengths ? { lengths: c.lengths } : {});
    const diffs = [maxDiff(out.logits.data, r.logits, `${c.name} logits`), maxDiff(out.state.h.data, r.state.h, `${c.name} h`)];
    if (out.state.c) diffs.push(maxDiff(out.state.c.data, r.state.c!, `${c.name} c`));
    if (out.attention) diffs.push(maxDiff(out.attention.data, r.attention!, `${c.name} attention weights`));
    if (c.x2) {
      const next = model.forward(tape, input(c.x2), { initialState: out.state as RecurrentState });
      diffs.push(maxDiff(next.logits.data, r.logits2!, `${c.name} logits after the state`), maxDiff(next.state.h.data, r.state2!.h, `${c.name} h after the state`));
    }
    const worst = Math.max(...diffs);
    report.push(`${c.name} ${worst.toExponential(2)}`);
    assert.ok(worst < 1e-5, `${c.name}: PyTorch differs from recur by ${worst}`);
    if (c.expectIds) assert.deepEqual(r.ids, c.expectIds, `${c.name}: the package's token ids are recur's`);
    // The files Python saved (pure writer; the safetensors package too when installed) load in recur, weights and all.
    for (const file of [c.save as string, ...(r.package ? [`${c.save as string}.package.safetensors`] : [])]) {
      const back = await loadModel<SavedModule>(file, { kind: 'any' });
      assert.equal(back.metadata['recur.step'], '7');
      assert.equal(back.task, loaded[c.name]!.task);
      const mine = new Map(loaded[c.name]!.model.namedParameters());
      for (const [n, p] of back.model.namedParameters()) assert.deepEqual(p.data, mine.get(n)!.data, `${c.name}: ${n}`);
      assert.ok(back.metadata['recur.crc32'], `${c.name}: Python wrote each tensor's CRC-32`);
    }
    // A flipped bit in the data of the file Python saved: refused by Python's load() and by recur, naming the tensor.
    const last = /tensor '([^']+)' does not match the CRC-32 recorded in the file/.exec(r.flipped);
    assert.ok(last, `${c.name}: Python's load() of a flipped file: ${r.flipped}`);
    await assert.rejects(loadModel(`${c.save as string}.flipped`, { kind: 'any' }), new RegExp(`: tensor '${last[1]!.replace(/\./g, '\\.')}' does not match the CRC-32 recorded in the file`));
    assert.ok(existsSync(join(pk(c.name), 'copy.safetensors')), `${c.name}: the README's Python ran and saved its copy`);
    await loadModel<SavedModule>(join(pk(c.name), 'copy.safetensors'), { kind: 'any' });
  }
  const tokenizerIds = results.attention!.tokenizers!;
  tokenizers.forEach((t, i) => assert.deepEqual(tokenizerIds[i], sample.map((s) => [t.tokenize(s), Array.from(t.encode(s))]), `tokenizer ${JSON.stringify(t.options)}`));

  // The forecasts from the history, as recur forecast predict makes them.
  const predictions = await Promise.all(FORECASTERS.map((name) => recur('forecast', 'predict', '--model', pk(name), '--data', SALES, '--json')));
  FORECASTERS.forEach((name, i) => {
    ok(predictions[i]!, `recur forecast predict ${name}`);
    const steps = (JSON.parse(predictions[i]!.stdout) as { forecasts: { targets: { sales: { quantiles: number[] }[] } }[] }).forecasts[0]!.targets.sales;
    const fdiff = maxDiff(steps.flatMap((s) => s.quantiles), results[name]!.forecast!.sales!.flat(), `${name} forecast quantiles`);
    report.push(`${name} quantiles (data units) ${fdiff.toExponential(2)}`);
    const scale = Math.max(1, ...steps.flatMap((s) => s.quantiles.map(Math.abs)));
    assert.ok(fdiff < 1e-5 * scale, `${name}: forecast.py differs from recur forecast predict by ${fdiff} (values up to ${scale})`);
  });

  // The forecaster's README: run.py (its train_ddp.py runs in the DDP test below); recur's forecast of the copy the README's Python saved.
  copyFileSync(SALES, join(pk('forecast'), 'history.csv'));
  const fcLine = blocks(readFileSync(join(pk('forecast'), 'README.md'), 'utf8'), 'sh')[0]!.trim().split('\n')[0]!;
  const fcRun = await run('sh', ['-c', runnable(fcLine)], { cwd: pk('forecast') });
  ok(fcRun, fcLine);
  assert.match(fcRun.stdout, /^series,step,target,q0\.1,q0\.5,q0\.9\n,1,sales,/);
  const [original, ofCopy] = await Promise.all(['model.safetensors', 'copy.safetensors'].map((f) => recur('forecast', 'predict', '--model', join(pk('forecast'), f), '--data', SALES)));
  ok(ofCopy!, 'recur forecast predict of the copy');
  assert.equal(ofCopy!.stdout, original!.stdout, 'the copy Python saved forecasts as the original');
  const reader = results.char!.package ? 'the safetensors package and the pure-Python reader/writer' : 'the pure-Python reader/writer (no safetensors package)';
  console.log(`# max |PyTorch - recur|: ${report.join(', ')}; files through ${reader} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
});

test('recur export pytorch: train_ddp.py trains in 2 processes (gloo, the README\'s commands), recur loads the result and scores it as Python did', { skip }, async () => {
  const started = Date.now();
  const run1 = join(dir, 'ddp-run');
  ok(await recur('lm', 'train', '--text', RHYMES, '--hidden-size', '16', '--num-layers', '2', '--embedding-dim', '8', '--batch-size', '4', '--seq-len', '16', '--max-steps', '3', '--eval-every', '0', '--threads', '1', '--out', run1), 'lm train');
  const out = join(dir, 'ddp-pk');
  ok(await recur('export', 'pytorch', '--model', run1, '--out', out), 'export');
  copyFileSync(RHYMES, join(out, 'input.txt'));
  const lines = blocks(readFileSync(join(out, 'README.md'), 'utf8'), 'sh')[0]!.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[1]!, /^python -m torch\.distributed\.run --standalone --nproc_per_node 2 train_ddp\.py /);
  const outputs: Run[] = [];
  for (const line of lines) {
    outputs.push(await run('sh', ['-c', runnable(line)], { cwd: out }));
    ok(outputs.at(-1)!, line);
  }
  assert.match(outputs[0]!.stdout, /^The/, 'run.py samples after the prime');
  const ddp = JSON.parse(lastLine(outputs[1]!.stdout)) as { processes: number; steps: number; first_loss: number; last_loss: number; check_loss: number };
  assert.equal(ddp.processes, 2);
  assert.equal(ddp.steps, 5);
  assert.match(outputs[2]!.stdout, /^The/, 'recur lm sample reads the trained file');

  // In recur: the trained file is a language model one step count further, scored on the window Python scored.
  const backend = await createBackend('wasm', { threads: 1 });
  const before = lmOf(await loadModel(join(out, 'model.safetensors')), 'before');
  const afterLoaded = await loadModel(join(out, 'trained.safetensors'));
  assert.equal(afterLoaded.metadata['recur.step'], '8');
  assert.equal(afterLoaded.metadata['recur.val_loss'], undefined);
  const after = lmOf(afterLoaded, 'after');
  const ids = encodeText(after.vocab, readFileSync(RHYMES, 'utf8'), 'unk').ids.subarray(0, 17);
  const score = (m: RecurrentModel) => evaluateStream(m.to(backend), backend, ids, { batchSize: 1, seqLen: 16 }).loss;
  const [lossBefore, lossAfter] = [score(before.model), score(after.model)];
  assert.ok(Number.isFinite(lossAfter) && lossAfter !== lossBefore, `trained: ${lossBefore} -> ${lossAfter}`);
  const diff = Math.abs(lossAfter - ddp.check_loss);
  assert.ok(diff < 1e-4, `recur scores the trained file ${lossAfter}, Python ${ddp.check_loss}`);

  // A classifier trains in one process (no launcher) from a TSV, and recur classifies with the result.
  const cls = join(dir, 'pk', 'attention');
  const single = await run(python, ['train_ddp.py', '--data', SENTIMENT, '--out', 'trained.safetensors', '--steps', '3', '--batch-size', '8'], { cwd: cls });
  ok(single, 'train_ddp.py in one process');
  const one = JSON.parse(lastLine(single.stdout)) as { processes: number; check_loss: number };
  assert.equal(one.processes, 1);
  const predicted = await recur('classify', 'predict', '--model', join(cls, 'trained.safetensors'), 'a good film', '--json');
  ok(predicted, 'recur classify predict');
  const c = classifierOf(await loadModel<SavedModule>(join(cls, 'trained.safetensors'), { kind: 'any' }), 'trained');
  const rows = readFileSync(SENTIMENT, 'utf8').trim().split('\n').slice(0, 8).map((l) => l.split('\t'));
  const seqs = encodeTexts(c, rows.map((r) => r[0]!));
  const T = Math.max(...seqs.map((s) => s.length));
  const tape = Tape.inference(backend);
  c.model.to(backend).eval();
  const batch = IntTensor.from(Array.from({ length: T }, (_, t) => seqs.map((s) => s[t] ?? 0)).flat(), [T, seqs.length]);
  const logits = c.model.forward(tape, batch, { lengths: seqs.map((s) => s.length) }).logits;
  const C = c.meta.classes.length;
  let nll = 0;
  rows.forEach((r, b) => {
    const row = Array.from(logits.data.subarray(b * C, (b + 1) * C));
    const m = Math.max(...row);
    nll += m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0)) - row[c.meta.classes.indexOf(r[1]!)]!;
  });
  const cdiff = Math.abs(nll / rows.length - one.check_loss);
  assert.ok(cdiff < 1e-4, `classifier: recur ${nll / rows.length}, Python ${one.check_loss}`);
  console.log(`# DDP (2 processes, gloo): loss ${ddp.first_loss.toFixed(4)} -> ${ddp.last_loss.toFixed(4)}; the saved file on the first 17 characters: recur ${lossAfter.toFixed(6)} (before ${lossBefore.toFixed(6)}), Python ${ddp.check_loss.toFixed(6)}, |diff| ${diff.toExponential(2)}; classifier |diff| ${cdiff.toExponential(2)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
});

test('recur export pytorch: a forecaster\'s train_ddp.py trains in 2 processes on its CSV (the README\'s commands), recur forecasts with the result and scores it as Python did', { skip }, async () => {
  const started = Date.now();
  const runDir = join(dir, 'ddp-forecast-run');
  ok(await recur('forecast', 'train', '--data', SALES, '--target', 'sales', '--covariates', 'promo', '--horizon', '3', '--model', 'window', '--hidden-size', '8',
    '--max-steps', '3', '--eval-every', '0', '--threads', '1', '--out', runDir), 'forecast train');
  const out = join(dir, 'ddp-forecast-pk');
  ok(await recur('export', 'pytorch', '--model', runDir, '--out', out), 'export');
  copyFileSync(SALES, join(out, 'history.csv'));
  const lines = blocks(readFileSync(join(out, 'README.md'), 'utf8'), 'sh')[0]!.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[1]!, /^python -m torch\.distributed\.run --standalone --nproc_per_node 2 train_ddp\.py --data history\.csv /);
  const outputs: Run[] = [];
  for (const line of lines) {
    outputs.push(await run('sh', ['-c', runnable(line.replace('--steps 100', '--steps 4 --batch-size 8'))], { cwd: out }));
    ok(outputs.at(-1)!, line);
  }
  const ddp = JSON.parse(lastLine(outputs[1]!.stdout)) as { processes: number; steps: number; first_loss: number; last_loss: number; check_loss: number };
  assert.equal(ddp.processes, 2);
  assert.equal(ddp.steps, 4);
  assert.ok(Number.isFinite(ddp.last_loss) && ddp.last_loss !== ddp.first_loss, `the loss changes: ${ddp.first_loss} -> ${ddp.last_loss}`);
  assert.match(outputs[2]!.stdout, /^time,forecast,q0\.1,q0\.5,q0\.9\n1957-01,/, 'recur forecast predict reads the trained file');

  // In recur: the trained file is one step count further, its pipeline as fitted; its loss on the
  // first 8 windows of the CSV (recur's windows, normalisation and head loss) is Python's check loss.
  const { loss, lossBefore, diff, B } = await checkForecastDdp(out, 4, ddp.check_loss);
  console.log(`# forecaster DDP (2 processes, gloo): loss ${ddp.first_loss.toFixed(4)} -> ${ddp.last_loss.toFixed(4)}; the saved file on the first ${B} windows: recur ${loss.toFixed(6)} (before ${lossBefore.toFixed(6)}), Python ${ddp.check_loss.toFixed(6)}, |diff| ${diff.toExponential(2)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
});

/**
 * In recur: the file train_ddp.py wrote into `out` is `steps` steps further, its pipelines as
 * fitted; its loss on each member's first 8 windows of the CSV (recur's windows, normalisation
 * and head loss, summed over the members as recur trains an ensemble) is Python's check loss.
 */
async function checkForecastDdp(out: string, steps: number, pythonCheckLoss: number): Promise<{ loss: number; lossBefore: number; diff: number; B: number }> {
  const trainedFile = await loadModel<SavedModule>(join(out, 'trained.safetensors'), { kind: 'any' });
  const before = await loadModel<SavedModule>(join(out, 'model.safetensors'), { kind: 'any' });
  assert.equal(trainedFile.metadata['recur.step'], String(Number(before.metadata['recur.step']) + steps));
  assert.equal(trainedFile.extra![FORECAST_METADATA_KEY], before.extra![FORECAST_METADATA_KEY], 'the pipeline is not refitted');
  const meta = JSON.parse(trainedFile.extra![FORECAST_METADATA_KEY]!) as ForecastMetadata;
  const csv = parseTimeSeriesCsv(readFileSync(SALES, 'utf8'), { timeColumn: meta.data.timeColumn, targets: meta.data.targets, covariates: meta.data.covariates, fill: meta.data.fill });
  const backend = await createBackend('wasm', { threads: 1 });
  const tape = Tape.inference(backend);
  const B = 8;
  const score = (file: typeof trainedFile) => memberModels(file.model).reduce((total, model, i) => {
    const spec = meta.pipelines[i]!.spec;
    assert.notEqual(spec.layout, 'shifted', 'this check cuts direct and recursive windows');
    const series = csv.series.map((s, j) => prepareSeries(s, meta.pipelines[i]!.series[j]!));
    const windows = makeWindows(series.map((s) => s.norm), series.map((s) => s.normalizer), csv.series.map((s) => s.times.length), spec);
    const inputs = windows.inputs as Float32Array[], targets = windows.targets as Float32Array[];
    const L = spec.lookback, F = inputs[0]!.length / L, O = targets[0]!.length;
    const x = Tensor.zeros([L, B, F]), y = Tensor.zeros([B * O]);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < L; t++) x.data.set(inputs[b]!.subarray(t * F, (t + 1) * F), (t * B + b) * F);
      y.data.set(targets[b]!, b * O);
    }
    const W = headWidth(spec.head, spec.quantiles);
    const logits = model.to(backend).eval().forward(tape, x).logits;
    return total + headLoss(tape, spec.head, spec.quantiles, Tensor.from(Array.from(logits.data), [B * O, W]), y).data[0]!;
  }, 0);
  const loss = score(trainedFile), lossBefore = score(before);
  assert.ok(Number.isFinite(loss) && loss !== lossBefore, `trained: ${lossBefore} -> ${loss}`);
  const diff = Math.abs(loss - pythonCheckLoss);
  assert.ok(diff < 1e-4, `recur scores the trained forecaster ${loss}, Python ${pythonCheckLoss}`);
  return { loss, lossBefore, diff, B };
}

test('recur export pytorch of a forecast ensemble: forecast.py runs each member through its own pipeline and averages in the data\'s units as recur forecast predict does; the README\'s commands run', { skip }, async () => {
  const started = Date.now();
  const backend = await createBackend('wasm', { threads: 1 });
  const runDir = join(dir, 'ens-run');
  // An ensemble as `--model auto` trains one when hybrid and window validate alike (hybrid + window: smoothing and scaling pipelines).
  await runTask(forecastTask, { out: runDir, backend, input: { dataPath: SALES },
    config: { targets: ['sales'], covariates: ['promo'], horizon: 6, model: 'ensemble', maxSteps: 30, evalEvery: 0, checkpointEvery: 0 } });
  const out = join(dir, 'ens-pk');
  const exported = await recur('export', 'pytorch', '--model', runDir, '--out', out, '--json');
  ok(exported, 'export of the ensemble');
  const summary = JSON.parse(exported.stdout) as { files: string[]; kind: string; training: unknown; notes: string[] };
  assert.deepEqual(summary.files, ['model.py', 'load.py', 'forecast.py', 'run.py', 'train_ddp.py', 'README.md', 'model.safetensors']);
  assert.equal(summary.kind, 'forecast-ensemble');
  assert.ok(summary.training, 'train_ddp.py\'s defaults');
  assert.match(summary.notes.join(), /forecast ensemble of 2: .* train_ddp\.py trains the members together/);

  const fm = await loadForecastModel(join(out, 'model.safetensors'));
  assert.equal(fm.meta.pipelines.length, 2);
  const csv = await readModelData(fm.meta, { path: SALES });
  const n = csv.series[0]!.times.length;
  const want = forecastAt(fm, backend, csv, seriesForModel(fm.meta, csv), [{ series: 0, origin: n }])[0]!.values[0]!; // H x Q, the members' mean
  const members = memberModels(fm.model).length;
  const driver = join(dir, 'ens-driver.py');
  writeFileSync(driver, String.raw`
import json, sys
sys.path.insert(0, sys.argv[1])
import torch
from load import load
from forecast import forecast, members_of
model, metadata = load(sys.argv[1] + "/model.safetensors", use_package=False)
history = json.loads(sys.argv[2])
single = [forecast(m, {**metadata, "recur.forecast": json.dumps({**json.loads(metadata["recur.forecast"]), "pipelines": [p]})}, history, history) for m, p in zip(members_of(model), json.loads(metadata["recur.forecast"])["pipelines"])]
print(json.dumps({"type": type(model).__name__, "members": len(members_of(model)), "names": sorted(model.state_dict())[:1], "forecast": forecast(model, metadata, history, history), "single": single}))
`);
  const history = { sales: Array.from(csv.series[0]!.targets[0]!), promo: Array.from(csv.series[0]!.covariates[0]!) };
  const py = await run(python, [driver, out, JSON.stringify(history)]);
  ok(py, 'the ensemble driver');
  const r = JSON.parse(lastLine(py.stdout)) as { type: string; members: number; names: string[]; forecast: { sales: number[][] }; single: { sales: number[][] }[] };
  assert.equal(r.type, 'RecurForecastEnsemble');
  assert.equal(r.members, members);
  assert.match(r.names[0]!, /^m0\./, 'recur\'s parameter names');
  const got = r.forecast.sales.flat();
  const scale = Math.max(...Array.from(want, Math.abs));
  const fdiff = maxDiff(want, got, 'ensemble forecast quantiles');
  assert.ok(fdiff < 1e-4 * scale, `forecast.py's ensemble differs from recur's by ${fdiff} (values up to ${scale})`);
  // The members differ (a mean of two different forecasts, not one member's).
  assert.ok(maxDiff(r.single[0]!.sales.flat(), r.single[1]!.sales.flat(), 'members') > 1e-3 * scale, 'the members forecast differently');

  // The README's three commands: run.py on the CSV, train_ddp.py in two processes (all members in
  // one DistributedDataParallel forward), recur's forecast with the trained file.
  copyFileSync(SALES, join(out, 'history.csv'));
  const lines = blocks(readFileSync(join(out, 'README.md'), 'utf8'), 'sh')[0]!.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[1]!, /^python -m torch\.distributed\.run --standalone --nproc_per_node 2 train_ddp\.py --data history\.csv /);
  const outputs: Run[] = [];
  for (const line of lines) {
    outputs.push(await run('sh', ['-c', runnable(line.replace('--steps 100', '--steps 4 --batch-size 8'))], { cwd: out }));
    ok(outputs.at(-1)!, line);
  }
  const rows = outputs[0]!.stdout.trim().split('\n');
  assert.equal(rows[0], 'series,step,target,q0.1,q0.5,q0.9');
  const printed = rows.slice(1).flatMap((l) => l.split(',').slice(3).map(Number));
  assert.ok(maxDiff(want, printed, 'run.py') < 1e-4 * scale, 'run.py prints the ensemble\'s forecast');
  const ddp = JSON.parse(lastLine(outputs[1]!.stdout)) as { processes: number; steps: number; first_loss: number; last_loss: number; check_loss: number };
  assert.equal(ddp.processes, 2);
  assert.ok(Number.isFinite(ddp.last_loss) && ddp.last_loss !== ddp.first_loss, `the loss changes: ${ddp.first_loss} -> ${ddp.last_loss}`);
  assert.match(outputs[2]!.stdout, /^time,forecast,q0\.1,q0\.5,q0\.9\n/, 'recur forecast predict reads the trained ensemble');
  const check = await checkForecastDdp(out, 4, ddp.check_loss);
  // Every member moved: the gradients reached all of them through the one forward.
  const trained = await loadModel<SavedModule>(join(out, 'trained.safetensors'), { kind: 'any' });
  memberModels(trained.model).forEach((m, i) => {
    const [name, p] = [...m.namedParameters()][0]!;
    assert.ok(maxDiff(p.toArray() as unknown as Float32Array, [...memberModels(fm.model)[i]!.namedParameters()][0]![1].toArray() as unknown as number[], name) > 0, `member ${i} trained`);
  });
  // The README's Python, as written.
  const snippet = await run(python, ['-c', blocks(readFileSync(join(out, 'README.md'), 'utf8'), 'python')[0]!], { cwd: out });
  ok(snippet, 'the README\'s Python');
  assert.match(snippet.stdout, /^\{'sales': \[\[/);
  console.log(`# forecast ensemble of ${members}: max |forecast.py - recur| ${fdiff.toExponential(2)} (values up to ${scale.toFixed(1)}); DDP (2 processes, gloo) loss ${ddp.first_loss.toFixed(4)} -> ${ddp.last_loss.toFixed(4)}, ` +
    `the saved file on each member's first ${check.B} windows: recur ${check.loss.toFixed(6)} (before ${check.lossBefore.toFixed(6)}), Python ${ddp.check_loss.toFixed(6)}, |diff| ${check.diff.toExponential(2)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
});
