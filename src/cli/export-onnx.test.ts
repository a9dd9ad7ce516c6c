// `recur export onnx` of task runs, served by ONNX Runtime: a classifier trained with the
// defaults (max pooling) gives `classify predict`'s probabilities, and the README's Node snippet
// ("Serving with ONNX Runtime") runs as written on it; a multi-label classifier's probabilities
// are sigmoids; a forecasting ensemble exports one graph per member with a sidecar, and
// following the sidecar's rule on ONNX Runtime's outputs gives `forecast predict`'s forecast;
// the README's Python snippet runs where a Python with onnxruntime and numpy is importable
// (RECUR_PYTHON, the checkout's .venv-torch, or python3), and is skipped with the reason where not;
// a CRF tagger run exports its emissions (recur's within 1e-5) and transition scores, and the
// README's Node code for taggers (Viterbi outside the graph) prints `tag predict`'s tags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { tempDir } from '../testing/temp-dir.js';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import { classProbabilities, encodeTexts, loadClassifier } from '../tasks/classify/predict.js';
import { forecastAt, loadForecastModel, readModelData, seriesForModel } from '../tasks/forecast/predict.js';
import { forecastTask } from '../tasks/forecast/task.js';
import { runTask } from '../tasks/run-task.js';
import { memberModels } from '../tasks/forecast/ensemble.js';
import { decodeDirect, windowBatch } from '../tasks/forecast/forecaster.js';
import { toDataUnits } from '../tasks/forecast/pipeline.js';
import { averageForecasts } from '../tasks/forecast/scoring.js';
import type { ForecastEnsembleOnnxSidecar } from '../tasks/forecast/onnx.js';
import { loadModel } from '../io/model-file.js';
import { onnx } from '../io/onnx/proto.js';
import { Tape } from '../autograd/tape.js';
import type { RecurrentModel } from '../nn/recurrent-model.js';
import { IntTensor } from '../tensor/tensor.js';
import { maxAbsDiff } from '../testing/compare.js';
import { toyTaggedSentences, toyTsv } from '../testing/toy-tagged.js';
import { loadTagger, splitWords } from '../tasks/tag/predict.js';
import { makeTagBatch } from '../tasks/tag/batches.js';

const bin = fileURLToPath(new URL('./bin.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SENTIMENT = fileURLToPath(new URL('../../src/data/fixtures/sentiment-tiny.tsv', import.meta.url));
const RHYMES = fileURLToPath(new URL('../../src/tasks/char-lm/fixtures/rhymes.txt', import.meta.url));
const MONTHLY = fileURLToPath(new URL('../../src/tasks/forecast/fixtures/monthly-sales.csv', import.meta.url));
const dir = tempDir('recur-export-onnx-');
const recur = (args: string[], cwd = dir) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000, cwd });
const session = (path: string) => ort.InferenceSession.create(path, { logSeverityLevel: 3 });


/** The code of the README's fenced block in "Serving with ONNX Runtime" of language `lang`. */
function readmeSnippet(lang: 'js' | 'python'): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('### Serving with ONNX Runtime');
  assert.ok(start > 0, 'the README has the section');
  const end = readme.indexOf('\n## ', start);
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(readme.slice(start, end));
  assert.ok(m, `a ${lang} block in the section`);
  return m[1]!;
}

/** The commands of the section's ```sh block that runs `what`, as argument lists after `npx recur`. */
function readmeCommands(what: string): string[][] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('### Serving with ONNX Runtime');
  const section = readme.slice(start, readme.indexOf('\n## ', start));
  const block = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes(what));
  assert.ok(block, `a sh block with ${what}`);
  return block.trim().split('\n').map((l) => l.replace(/^npx recur /, '').split(/\s+/));
}

/** Ids [T, B] int64 (0 past each length) and lengths of token-id sequences, time-major. */
function padded(ids: Int32Array[]): { input: ort.Tensor; lens: ort.Tensor } {
  const B = ids.length, T = Math.max(...ids.map((x) => x.length));
  const input = new BigInt64Array(T * B);
  ids.forEach((x, b) => x.forEach((id, t) => { input[t * B + b] = BigInt(id); }));
  return { input: new ort.Tensor('int64', input, [T, B]), lens: new ort.Tensor('int32', Int32Array.from(ids, (x) => x.length), [B]) };
}

const TEXTS = ['a good film, i love it', 'awful acting', 'the story was bad and the acting was awful too', 'i love this great movie'];

test('recur export onnx of a classifier trained with the defaults (max pooling): ONNX Runtime gives classify predict\'s probabilities; the README\'s Node snippet runs as written', async (t) => {
  // The README's commands, with the fixture as data and a short run.
  const [train, exportCmd] = readmeCommands('classify train');
  assert.deepEqual(train!.slice(0, 2), ['classify', 'train']);
  const trained = recur([...train!.map((a) => (a === 'sentiment.tsv' ? SENTIMENT : a)), '--max-epochs', '3', '--threads', '1', '--json']);
  assert.equal(trained.status, 0, trained.stderr);
  const run = join(dir, 'sentiment');
  const exported = recur([...exportCmd!, '--json']);
  assert.equal(exported.status, 0, exported.stderr);
  const summary = JSON.parse(exported.stdout) as { model: string; files: { path: string }[] };
  const served = existsSync(join(run, 'best.safetensors')) ? join(run, 'best.safetensors') : join(run, 'model.safetensors');
  assert.equal(join(dir, summary.model), served, 'a classify run exports the file predict reads');
  assert.deepEqual(summary.files.map((f) => f.path), ['sentiment.onnx']);

  const c = await loadClassifier(served);
  assert.equal(c.model.config.pooling, 'max', 'classify train pools by max by default');
  assert.equal(c.meta.multiLabel, false);
  const backend = await WasmBackend.create({ threads: 1 });
  const ids = encodeTexts(c, TEXTS);
  const ours = classProbabilities(c, backend, ids);
  const s = await session(join(dir, 'sentiment.onnx'));
  assert.deepEqual(s.inputNames, ['input', 'sequence_lens', 'initial_h', 'initial_c']);
  const { input, lens } = padded(ids);
  const D = c.model.config.bidirectional ? 2 : 1;
  const empty = new ort.Tensor('float32', new Float32Array(0), [c.model.config.numLayers * D, 0, c.model.config.hiddenSize]);
  const r = await s.run({ input, sequence_lens: lens, initial_h: empty, initial_c: empty });
  const d = maxAbsDiff(ours, r.probabilities!.data as Float32Array);
  assert.ok(d <= 1e-5, `probabilities differ by ${d}`);
  // Each text alone gives the same probabilities as in the padded batch.
  const one = padded([ids[1]!]), C = c.meta.classes.length;
  const alone = await s.run({ input: one.input, sequence_lens: one.lens, initial_h: empty, initial_c: empty });
  assert.ok(maxAbsDiff((r.probabilities!.data as Float32Array).subarray(C, 2 * C), alone.probabilities!.data as Float32Array) <= 1e-6);

  // The README's snippet, unchanged, in a folder where 'recur-nn' and 'onnxruntime-node' resolve as in a user's project.
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules', 'recur-nn'), 'dir');
  symlinkSync(join(ROOT, 'node_modules', 'onnxruntime-node'), join(dir, 'node_modules', 'onnxruntime-node'), 'dir');
  writeFileSync(join(dir, 'serve.mjs'), readmeSnippet('js'));
  const out = spawnSync(process.execPath, ['serve.mjs'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(out.status, 0, out.stderr);
  const lines = out.stdout.trim().split('\n').map((l) => l.split('\t'));
  const texts = lines.map((l) => l[2]!);
  assert.ok(texts.length >= 2, out.stdout);
  const want = classProbabilities(c, backend, encodeTexts(c, texts));
  let worst = 0;
  lines.forEach(([label, p], n) => {
    const row = Array.from(want.subarray(n * C, (n + 1) * C));
    const k = row.indexOf(Math.max(...row));
    assert.equal(label, c.meta.classes[k], `${texts[n]}: the label classify predict gives`);
    worst = Math.max(worst, Math.abs(Number(p) - row[k]!));
  });
  assert.ok(worst <= 5e-5 + 1e-5, `the snippet's probabilities (4 decimals) differ by ${worst}`);
  t.diagnostic(`classifier (${c.model.config.cell}, ${c.model.config.bidirectional ? 'bidirectional, ' : ''}pooling ${c.model.config.pooling}): ONNX Runtime vs recur ${d.toExponential(2)}; README snippet ${lines.length} lines`);
});

test('recur export onnx of a multi-label classifier: probabilities are per-class sigmoids, as classify predict reads the logits', async (t) => {
  const rows: string[] = [];
  const words = { a: ['apple', 'apricot'], b: ['banana', 'blueberry'], c: ['cherry', 'coconut'] };
  for (let i = 0; i < 40; i++) {
    const set = (['a', 'b', 'c'] as const).filter((_, k) => (((i % 7) + 1) >> k) & 1);
    rows.push(`${set.map((k, j) => words[k][(i + j) % 2]).join(' ')} and more\t${set.join(',')}`);
  }
  writeFileSync(join(dir, 'multi.tsv'), `${rows.join('\n')}\n`);
  const trained = recur(['classify', 'train', '--data', 'multi.tsv', '--multi-label', '--out', 'multi', '--threads', '1', '--hidden-size', '16', '--max-epochs', '3', '--pooling', 'attention', '--json']);
  assert.equal(trained.status, 0, trained.stderr);
  const exported = recur(['export', 'onnx', '--model', 'multi', '--out', 'multi.onnx']);
  assert.equal(exported.status, 0, exported.stderr);
  const graph = onnx.ModelProto.decode(readFileSync(join(dir, 'multi.onnx'))).graph!;
  assert.ok(graph.node!.some((n) => n.opType === 'Sigmoid') && !graph.node!.some((n) => n.opType === 'Softmax' && n.output![0] === 'probabilities'));
  const served = existsSync(join(dir, 'multi', 'best.safetensors')) ? join(dir, 'multi', 'best.safetensors') : join(dir, 'multi', 'model.safetensors');
  const c = await loadClassifier(served);
  assert.equal(c.meta.multiLabel, true);
  const ids = encodeTexts(c, ['cherry apple and more', 'banana', 'coconut blueberry apricot and more']);
  const ours = classProbabilities(c, await WasmBackend.create({ threads: 1 }), ids);
  // The default export: Node feeds only `input` (all steps valid), so one sequence per run.
  const s = await session(join(dir, 'multi.onnx'));
  let worst = 0;
  for (let n = 0; n < ids.length; n++) {
    const r = await s.run({ input: padded([ids[n]!]).input });
    worst = Math.max(worst, maxAbsDiff(ours.subarray(n * 3, (n + 1) * 3), r.probabilities!.data as Float32Array));
    assert.ok(r.attention, 'attention pooling exports its weights');
  }
  assert.ok(worst <= 1e-5, `sigmoid probabilities differ by ${worst}`);
  t.diagnostic(`multi-label (pooling attention): ONNX Runtime vs recur ${worst.toExponential(2)}`);
});

test('recur export onnx of a forecasting ensemble: a graph per member and a sidecar; its rule on ONNX Runtime\'s outputs gives forecast predict\'s forecast', async (t) => {
  // An ensemble as `--model auto` trains one when hybrid and window validate alike.
  const backend = await WasmBackend.create({ threads: 1 });
  await runTask(forecastTask, { out: join(dir, 'ens'), backend, input: { dataPath: MONTHLY },
    config: { targets: ['sales'], horizon: 6, model: 'ensemble', maxSteps: 30, evalEvery: 0, checkpointEvery: 0 } });
  const exported = recur(['export', 'onnx', '--model', 'ens', '--out', join(dir, 'ens.onnx'), '--required-inputs', '--json']);
  assert.equal(exported.status, 0, exported.stderr);
  const summary = JSON.parse(exported.stdout) as { files: { path: string }[]; cell: string };
  const paths = ['ens.member-0.onnx', 'ens.member-1.onnx', 'ens.ensemble.json'].map((f) => join(dir, f));
  assert.deepEqual(summary.files.map((f) => f.path), paths);
  assert.ok(!existsSync(join(dir, 'ens.onnx')), 'no averaged graph');
  const sidecar = JSON.parse(readFileSync(paths[2]!, 'utf8')) as ForecastEnsembleOnnxSidecar;
  assert.equal(sidecar.format, 'recur-forecast-ensemble-onnx/1');
  assert.equal(sidecar.combine, 'mean');
  assert.deepEqual(sidecar.members.map((m) => m.file), ['ens.member-0.onnx', 'ens.member-1.onnx']);
  assert.deepEqual(sidecar.members.map((m) => m.model), ['hybrid', 'window']);

  const fm = await loadForecastModel(join(dir, 'ens', 'model.safetensors'));
  assert.deepEqual(sidecar.members.map((m) => m.pipeline), fm.meta.pipelines, 'the sidecar holds the fitted pipelines');
  assert.deepEqual(sidecar.data, fm.meta.data);
  const csv = await readModelData(fm.meta, { path: MONTHLY });
  const prepared = seriesForModel(fm.meta, csv);
  const n = csv.series[0]!.times.length;
  const origins = [{ series: 0, origin: n }, { series: 0, origin: n - 6 }, { series: 0, origin: n - 13 }];
  const want = forecastAt(fm, backend, csv, prepared, origins);

  // The sidecar's rule, with each member's graph in ONNX Runtime: encode, run, decode, to the data's units, then the mean.
  const models = memberModels(fm.model);
  let worstLogits = 0;
  const perMember = await Promise.all(sidecar.members.map(async (m, k) => {
    assert.equal(m.spec.layout, 'direct');
    const series = prepared[k]!;
    const items = origins.map((o) => ({ series: series[o.series]!.norm, norm: series[o.series]!.normalizer, origin: o.origin }));
    const x = windowBatch(m.spec, items);
    assert.deepEqual(x.shape, [m.input.lookback, origins.length, m.input.features]);
    const s = await session(join(dir, m.file));
    const mc = models[k]!.config;
    const empty = new ort.Tensor('float32', new Float32Array(0), [mc.numLayers * (mc.bidirectional ? 2 : 1), 0, mc.hiddenSize]);
    const feeds: Record<string, ort.Tensor> = { input: new ort.Tensor('float32', Float32Array.from(x.data), [...x.shape]), sequence_lens: new ort.Tensor('int32', new Int32Array(0), [0]), initial_h: empty };
    if (s.inputNames.includes('initial_c')) feeds.initial_c = empty;
    const logits = (await s.run(feeds))[m.output]!.data as Float32Array;
    const ours = (models[k] as RecurrentModel).forward(Tape.inference(backend), x).logits.data;
    worstLogits = Math.max(worstLogits, maxAbsDiff(ours, logits));
    return decodeDirect(m.spec, items, logits).map((f, j) => toDataUnits(series[origins[j]!.series]!, f));
  }));
  const got = averageForecasts(perMember);
  let worst = 0;
  origins.forEach((_, j) => want[j]!.values.forEach((v, k) => {
    const g = got[j]![k]!;
    for (let i = 0; i < v.length; i++) worst = Math.max(worst, Math.abs(v[i]! - g[i]!) / Math.max(1, Math.abs(v[i]!)));
  }));
  assert.ok(worstLogits <= 1e-5, `member outputs differ by ${worstLogits}`);
  assert.ok(worst <= 1e-4, `the combined forecast differs by ${worst} (relative)`);
  t.diagnostic(`ensemble (${summary.cell}): member logits vs recur ${worstLogits.toExponential(2)}, combined forecast relative ${worst.toExponential(2)}`);
});

test('recur export onnx of a single forecasting model: its graph (logits only: quantiles, not class scores) and a sidecar of one member', async () => {
  const backend = await WasmBackend.create({ threads: 1 });
  await runTask(forecastTask, { out: join(dir, 'win'), backend, input: { dataPath: MONTHLY },
    config: { targets: ['sales'], horizon: 6, model: 'window', maxSteps: 5, evalEvery: 0, checkpointEvery: 0 } });
  const exported = recur(['export', 'onnx', '--model', 'win', '--out', join(dir, 'win.onnx'), '--json']);
  assert.equal(exported.status, 0, exported.stderr);
  const summary = JSON.parse(exported.stdout) as { files: { path: string }[] };
  assert.deepEqual(summary.files.map((f) => f.path), [join(dir, 'win.onnx'), join(dir, 'win.forecast.json')]);
  const sidecar = JSON.parse(readFileSync(join(dir, 'win.forecast.json'), 'utf8')) as ForecastEnsembleOnnxSidecar;
  assert.deepEqual(sidecar.members.map((m) => [m.file, m.model]), [['win.onnx', 'window']]);
  const s = await session(join(dir, 'win.onnx'));
  assert.ok(s.outputNames.includes('logits') && !s.outputNames.includes('probabilities'), s.outputNames.join(', '));
});

/** A Python that imports onnxruntime and numpy, or why there is none. */
function findOrtPython(): { python: string } | { skip: string } {
  const candidates = [process.env.RECUR_PYTHON, join(ROOT, '.venv-torch', 'bin', 'python'), 'python3'].filter((p): p is string => !!p && (p === 'python3' || existsSync(p)));
  const tried: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import onnxruntime, numpy'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return { python };
    tried.push(`${python}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`)}`);
  }
  return { skip: `no Python that imports onnxruntime and numpy (set RECUR_PYTHON; tried ${tried.join('; ')})` };
}

test('the README\'s Python snippet serves a character language model in onnxruntime (Python), as recur predicts', async (t) => {
  const found = findOrtPython();
  if ('skip' in found) {
    t.skip(found.skip);
    return;
  }
  const [train, exportCmd] = readmeCommands('lm train');
  const trained = recur([...train!.map((a) => (a === 'rhymes.txt' ? RHYMES : a)), '--hidden-size', '32', '--batch-size', '4', '--seq-len', '16', '--max-steps', '30', '--threads', '1']);
  assert.equal(trained.status, 0, trained.stderr);
  const exported = recur(exportCmd!);
  assert.equal(exported.status, 0, exported.stderr);
  writeFileSync(join(dir, 'serve.py'), readmeSnippet('python'));
  const out = spawnSync(found.python, ['serve.py'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(out.status, 0, out.stderr);
  const { model, vocabulary } = await loadModel(join(dir, 'rhymes', 'model.safetensors'));
  model.eval();
  const backend = await WasmBackend.create({ threads: 1 });
  const lines = out.stdout.trim().split('\n');
  assert.equal(lines.length, 2, out.stdout);
  let worst = 0;
  for (const line of lines) {
    const m = /^(['"])(.*)\1 -> (['"])(.*)\3 (\d\.\d{4})$/.exec(line);
    assert.ok(m, line);
    const [prompt, next, p] = [m[2]!, m[4]!, m[5]!];
    const ids = IntTensor.from([...prompt].map((ch) => vocabulary!.indexOf(ch)), [prompt.length, 1]);
    const logits = model.forward(Tape.inference(backend), ids).logits.data;
    const V = vocabulary!.length, last = logits.subarray(logits.length - V);
    const probs = new Float32Array(V);
    backend.softmax(1, V, last, probs);
    const k = probs.indexOf(Math.max(...probs));
    assert.equal(next, vocabulary![k]!.replace(/\\/g, '\\\\').replace(/\n/g, '\\n'), line);
    worst = Math.max(worst, Math.abs(Number(p) - probs[k]!));
  }
  assert.ok(worst <= 5e-5 + 1e-5, `the Python snippet's probabilities (4 decimals) differ by ${worst}`);
  t.diagnostic(`Python ${found.python}: ${lines.join(' | ')}`);
});

test('recur export onnx of a CRF tagger run: the README\'s Node code (inputs from TagVocabulary and makeTagBatch, Viterbi on ONNX Runtime\'s outputs) prints tag predict\'s tags', async (t) => {
  const sub = join(dir, 'tagger');
  mkdirSync(join(sub, 'node_modules'), { recursive: true });
  symlinkSync(ROOT, join(sub, 'node_modules', 'recur-nn'), 'dir');
  symlinkSync(join(ROOT, 'node_modules', 'onnxruntime-node'), join(sub, 'node_modules', 'onnxruntime-node'), 'dir');
  writeFileSync(join(sub, 'train.tsv'), toyTsv(toyTaggedSentences(200, 1)));
  const trained = recur(['tag', 'train', '--data', 'train.tsv', '--out', 'pos', '--crf', '--max-steps', '40', '--eval-every', '20', '--threads', '1', '--json',
    '--hidden-size', '16', '--embedding-dim', '8', '--char-embedding-dim', '6', '--char-hidden-size', '8', '--batch-size', '16', '--lr', '0.01'], sub);
  assert.equal(trained.status, 0, trained.stderr);
  const exported = recur(['export', 'onnx', '--model', 'pos', '--out', 'pos.onnx', '--required-inputs', '--json'], sub);
  assert.equal(exported.status, 0, exported.stderr);
  const summary = JSON.parse(exported.stdout) as { model: string; files: { path: string }[] };
  const served = existsSync(join(sub, 'pos', 'best.safetensors')) ? join(sub, 'pos', 'best.safetensors') : join(sub, 'pos', 'model.safetensors');
  assert.equal(join(sub, summary.model), served, 'a tag run exports the file tag predict reads');
  assert.deepEqual(summary.files.map((f) => f.path), ['pos.onnx']);

  // The README's code, unchanged, against `recur tag predict` on its texts.
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Tagging every token');
  const block = /```js\n([\s\S]*?)```/.exec(readme.slice(start, readme.indexOf('\n## ', start + 3)));
  assert.ok(block, 'a js block in the tagging section');
  const texts = new Function(`return ${/const texts = (\[.*\]);/.exec(block[1]!)![1]}`)() as string[];
  writeFileSync(join(sub, 'tag.mjs'), block[1]!);
  const out = spawnSync(process.execPath, ['tag.mjs'], { cwd: sub, encoding: 'utf8', timeout: 60_000 });
  assert.equal(out.status, 0, out.stderr);
  const predicted = recur(['tag', 'predict', '--model', 'pos', ...texts], sub);
  assert.equal(predicted.status, 0, predicted.stderr);
  assert.equal(out.stdout, predicted.stdout);

  // The exported graph's emissions against the tagger's own on the same batch.
  const tagger = await loadTagger(served);
  assert.ok(tagger.model.config.crf && tagger.model.config.charVocabSize > 0);
  const sentences = texts.map(splitWords).map((words) => ({ words, tags: words.map(() => undefined), lines: words.map(() => 1) }));
  const batch = makeTagBatch(tagger.vocab.encode(sentences, false), sentences.map((_, b) => b));
  tagger.model.eval();
  const want = tagger.model.emissions(Tape.inference(await WasmBackend.create({ threads: 1 })), batch);
  const N = batch.forms.length, C = Math.max(...batch.forms.map((f) => f.length));
  const chars = new BigInt64Array(N * C);
  batch.forms.forEach((f, n) => f.forEach((id, i) => { chars[n * C + i] = BigInt(id); }));
  const i64 = (a: Int32Array, dims: readonly number[]) => new ort.Tensor('int64', BigInt64Array.from(a, (x) => BigInt(x)), dims);
  const r = await (await session(join(sub, 'pos.onnx'))).run({
    words: i64(batch.words.data, batch.words.shape), sequence_lens: new ort.Tensor('int32', batch.lengths, [batch.lengths.length]),
    chars: new ort.Tensor('int64', chars, [N, C]), char_lens: new ort.Tensor('int32', Int32Array.from(batch.forms, (f) => f.length), [N]), word_form: i64(batch.formIndex.data, batch.formIndex.shape),
  });
  const [T, B] = batch.words.shape as [number, number], K = tagger.model.config.tagCount;
  const got = r.emissions!.data as Float32Array;
  let worst = 0;
  for (let b = 0; b < B; b++) for (let i = 0; i < batch.lengths[b]! * K; i++) {
    const o = (Math.floor(i / K) * B + b) * K + (i % K);
    worst = Math.max(worst, Math.abs(got[o]! - want.data[o]!));
  }
  assert.ok(worst <= 1e-5, `emissions differ by ${worst}`);
  t.diagnostic(`CRF tagger (T ${T}, B ${B}, ${N} forms): ONNX Runtime vs recur emissions ${worst.toExponential(2)}; README code: ${out.stdout.trim().split('\n').join(' | ')}`);
});
