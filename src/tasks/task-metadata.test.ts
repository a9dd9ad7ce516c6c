// The task readers of model files (translate, tag, forecast, classify, lm) on damaged task
// metadata: one short line naming the file and the field, never a TypeError. Each case is one the
// model kinds fuzzer (model-kinds.fuzz.ts) found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type LoadedModel, decodeModelFile, encodeModelFile } from '../io/model-file.js';
import type { SavedModule } from '../nn/model-kinds.js';
import { Rng } from '../random/rng.js';
import type { AnyTask } from './task.js';
import { seq2seqTask } from './seq2seq/task.js';
import { generateDatePairs, writeDatePairsTsv } from './seq2seq/dates.js';
import { translatorOf } from './seq2seq/translate.js';
import { tagTask } from './tag/task.js';
import { taggerOf } from './tag/predict.js';
import { forecastTask } from './forecast/task.js';
import { forecastModelOf } from './forecast/predict.js';
import { classifierOf } from './classify/predict.js';
import { lmOf } from './char-lm/evaluate.js';
import { toyConllu, toyTaggedSentences } from '../testing/toy-tagged.js';
import './all-model-kinds.js';

/** A model file of `task` as a training run writes it, loaded as the task's commands load it. */
async function loadedFile(task: AnyTask, config: object, text: string): Promise<LoadedModel<SavedModule>> {
  const c = task.normalizeConfig({ maxSteps: 1, ...config });
  const prepared = await task.prepare(c, { text });
  const model = task.buildModel(c, prepared, new Rng(1)) as SavedModule;
  return decodeModelFile(encodeModelFile(model, { ...prepared.extras, task: task.name }), { kind: 'any' });
}

/** `loaded` with its task metadata `key` edited (or its task set to `task`). */
function edited(loaded: LoadedModel<SavedModule>, key: string, edit: (meta: Record<string, unknown>) => unknown, task = loaded.task): LoadedModel<SavedModule> {
  const meta = JSON.parse(loaded.extra![key]!) as Record<string, unknown>;
  const text = JSON.stringify(edit(meta) ?? meta);
  return { ...loaded, task, extra: { ...loaded.extra, [key]: text } };
}

const visits = ['store,day,visits', ...['north', 'south'].flatMap((s, k) => Array.from({ length: 40 }, (_, t) => `${s},${new Date(Date.UTC(2021, 0, 1 + t)).toISOString().slice(0, 10)},${50 + 30 * k + (t % 7)}`))].join('\n');
const forecastConfig = { targets: ['visits'], seriesColumn: 'store', timeColumn: 'day', horizon: 2, lookback: 7, season: 7, hiddenSize: 3, transform: 'none' };

test('task readers: metadata that is JSON but not an object is named, not a TypeError', async () => {
  const s2s = await loadedFile(seq2seqTask, { embeddingDim: 3, hiddenSize: 4 }, writeDatePairsTsv(generateDatePairs(30, 1)));
  assert.ok(translatorOf(s2s, 'm.safetensors').source.size > 4);
  for (const text of ['null', '[]', '1', '"x"']) {
    assert.throws(() => translatorOf({ ...s2s, extra: { ...s2s.extra, 'recur.seq2seq': text } }, 'm.safetensors'),
      { message: `m.safetensors: its seq2seq metadata ('recur.seq2seq') must be a JSON object, got ${text === 'null' || text === '1' ? text : text === '[]' ? 'an array of 0' : '"x"'}` });
  }
  const fm = await loadedFile(forecastTask, { ...forecastConfig, model: 'window' }, visits);
  assert.throws(() => forecastModelOf({ ...fm, extra: { ...fm.extra, 'recur.forecast': 'null' } }, 'f'), { message: "f: its forecasting metadata ('recur.forecast') must be a JSON object, got null" });
});

test('task readers: a long task name is cut short in the message', async () => {
  const tag = await loadedFile(tagTask, { hiddenSize: 3, embeddingDim: 3, charEmbeddingDim: 0, charHiddenSize: 0 }, toyConllu(toyTaggedSentences(20, 1)));
  const other = { ...tag, task: 'x'.repeat(1000) };
  const message = new RegExp(`^m is a 'x{64}…' model, not (a tagger|an encoder-decoder|a forecasting model|a classifier|a language model \\(recur lm train\\))$`);
  for (const read of [taggerOf, translatorOf, forecastModelOf, classifierOf]) assert.throws(() => read(other, 'm'), { message });
  assert.throws(() => lmOf(other as LoadedModel, 'm'), { message });
});

test('taggerOf: tags must be distinct names the tagged formats can write', async () => {
  const tag = await loadedFile(tagTask, { hiddenSize: 3, embeddingDim: 3, charEmbeddingDim: 2, charHiddenSize: 2 }, toyConllu(toyTaggedSentences(20, 1)));
  const tags = taggerOf(tag, 'm').vocab.tags;
  const withTags = (edit: (t: unknown[]) => unknown) => edited(tag, 'recur.tag', (m) => { m.tags = edit([...(m.tags as unknown[])]); });
  assert.throws(() => taggerOf(withTags(() => undefined), 'm'), { message: 'm: its tags must be a non-empty list of distinct tag names without tabs or line breaks; got undefined' });
  assert.throws(() => taggerOf(withTags((t) => { t[2] = t[0]; return t; }), 'm'), { message: `m: its tags must be a non-empty list of distinct tag names without tabs or line breaks; entry 2 is "${tags[0]}"` });
  assert.throws(() => taggerOf(withTags((t) => { t[1] = [null]; return t; }), 'm'), /; entry 1 is an array of 1$/);
  assert.throws(() => taggerOf(withTags((t) => { t[0] = 'A\tB'; return t; }), 'm'), /; entry 0 is "A\\tB"$/);
  assert.deepEqual(taggerOf(withTags((t) => t.reverse()), 'm').vocab.tags, [...tags].reverse(), 'another order of the same tags is a valid file');
});

test('forecastModelOf: the spec must describe the model, and the series states must be whole', async () => {
  const fm = await loadedFile(forecastTask, { ...forecastConfig, model: 'ensemble', members: ['hybrid', 'window'], covariates: [] }, visits);
  assert.equal(forecastModelOf(fm, 'f').meta.pipelines.length, 2);
  const fails = (edit: (m: Record<string, unknown>) => void, message: string | RegExp) =>
    assert.throws(() => forecastModelOf(edited(fm, 'recur.forecast', (m) => { edit(m); }), 'f'), typeof message === 'string' ? { message } : message);
  type Pipeline = { spec: Record<string, unknown>; series: Record<string, unknown>[] };
  const pipeline = (m: Record<string, unknown>, i: number) => (m.pipelines as Pipeline[])[i]!;
  fails((m) => { pipeline(m, 1).spec.horizon = 3; }, "f: its forecasting metadata: pipelines[1].spec needs a model of 1 inputs and 9 outputs (last), but model 1 has 1 inputs and 6 outputs (last)");
  fails((m) => { pipeline(m, 0).spec = 1 as never; }, 'f: its forecasting metadata: pipelines[0].spec must be an object, got 1');
  fails((m) => { pipeline(m, 0).spec.quantiles = [0.9, 0.1]; }, 'f: its forecasting metadata: pipelines[0].spec.quantiles must be increasing levels in (0, 1), got an array of 2');
  fails((m) => { pipeline(m, 0).series[0]!.normalizer = []; }, 'f: its forecasting metadata: pipelines[0].series[0].normalizer must be a list of 1 (per target, then per covariate), got an array of 0');
  fails((m) => { (pipeline(m, 0).series[0]!.normalizer as Record<string, unknown>[])[0]!.kind = 'scale'; }, "f: its forecasting metadata: pipelines[0].series[0].normalizer[0].kind must be 'smoothing', got \"scale\"");
  fails((m) => { (pipeline(m, 1).series[1]!.normalizer as Record<string, unknown>[])[0]!.spread = 0; }, 'f: its forecasting metadata: pipelines[1].series[1].normalizer[0].spread must be a finite number > 0, got 0');
  fails((m) => { pipeline(m, 1).series[1]!.id = 'north'; }, 'f: its forecasting metadata: pipelines[1].series[1].id must be a series id of its own, got "north"');
  fails((m) => { (m.pipelines as unknown[]).pop(); }, 'f: its forecasting metadata: pipelines must be a list of 2 (one per model), got an array of 1');
  fails((m) => { (m.data as Record<string, unknown>).targets = []; }, 'f: its forecasting metadata: data.targets must be a list of at least one distinct column names, got an array of 0');
  fails((m) => { (m.data as Record<string, unknown>).frequency = { unit: 'fortnight', every: 1 }; }, /data\.frequency\.unit must be one of second, minute, .*, got "fortnight"$/);
  // A model of another kind with the forecast task's name: named, with the file.
  const tag = await loadedFile(tagTask, { hiddenSize: 3, embeddingDim: 3, charEmbeddingDim: 0, charHiddenSize: 0 }, toyConllu(toyTaggedSentences(20, 1)));
  assert.throws(() => forecastModelOf({ ...tag, task: 'forecast', extra: { ...tag.extra, 'recur.forecast': fm.extra!['recur.forecast']! } }, 'f'),
    { message: "f: a forecasting model is a recurrent model or an ensemble of them, this file holds a 'tagger'" });
});
