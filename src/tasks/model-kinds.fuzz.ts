/**
 * A fuzzer for the model files of the task kinds: the encoder-decoder (seq2seq), the tagger and
 * the forecaster (a recurrent model or an ensemble of them), each read as its task's commands
 * read it: decodeModelFile with kind 'any' (what loadModel runs), then the task's reader of the
 * result (translatorOf, taggerOf, forecastModelOf), which parses the task's metadata. The seeds
 * are real files: each task prepares tiny data (tokenizers, tag sets, fitted pipelines), builds
 * its model for a few configs (cells, bidirectional, stacked, attention kinds, character
 * features, a CRF, ensembles) and encodeModelFile writes it with the extras a training run
 * saves. Mutations: the codec's (io/fuzz-mutations.ts), the model file's with each kind's config
 * profile (io/fuzz-model-edits.ts), and edits of the task's metadata (`recur.task` and the JSON of
 * `recur.seq2seq`, `recur.tag`, `recur.forecast`: any field deleted, retyped, emptied, grown,
 * shuffled or duplicated). The oracle is the model file's plus the reader's result checked
 * against that JSON read independently. Every case must end in a load the oracle agrees with or
 * a one-line Error naming the file, in under 100 ms, without memory growth.
 * Run: node dist/tasks/model-kinds.fuzz.js --cases 100000
 */
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import type { Rng } from '../random/rng.js';
import { RecurrentModel } from '../nn/recurrent-model.js';
import type { SavedModule } from '../nn/model-kinds.js';
import { type LoadedModel, decodeModelFile, encodeModelFile } from '../io/model-file.js';
import { decodeSafetensors } from '../io/safetensors.js';
import { type Base, baseFromBytes, deep, pick } from '../io/fuzz-mutations.js';
import {
  BAD_CONFIG_TEXTS, type ConfigProfile, HOSTILE_VALUES, type ModelBase, ModelFileEdit, type ModelMutation, RECURRENT_PROFILE, type Verdict, modelDisagreement, mutateModel,
} from '../io/fuzz-model-edits.js';
import { type FuzzOptions, type FuzzReport, parseFuzzArgs, printFuzzReport, runFuzzCases } from '../io/fuzz-runner.js';
import type { AnyTask, Prepared } from './task.js';
import { seq2seqTask } from './seq2seq/task.js';
import { generateDatePairs, writeDatePairsTsv } from './seq2seq/dates.js';
import { translatorOf } from './seq2seq/translate.js';
import { EncoderDecoder } from './seq2seq/model.js';
import { tagTask } from './tag/task.js';
import { taggerOf } from './tag/predict.js';
import { Tagger } from './tag/model.js';
import { forecastTask } from './forecast/task.js';
import { forecastModelOf } from './forecast/predict.js';
import { ForecastEnsemble, memberModels } from './forecast/ensemble.js';
import { toyConllu, toyTaggedSentences } from '../testing/toy-tagged.js';
import './all-model-kinds.js';

/** The name errors give the file: every rejection starts `decodeModelFile: model.safetensors`. */
const SOURCE = 'model.safetensors';
const PREFIX = `decodeModelFile: ${SOURCE}`;

type TaskName = 'seq2seq' | 'tag' | 'forecast';

/** What a task's reader returns (a translator, a tagger with its vocabularies, a forecasting model with its metadata). */
type Reading = { model: SavedModule } & Record<string, unknown>;

const READERS: Record<TaskName, (loaded: LoadedModel<SavedModule>, source: string) => Reading> = {
  seq2seq: (l, s) => translatorOf(l, s) as unknown as Reading,
  tag: (l, s) => taggerOf(l, s) as unknown as Reading,
  forecast: (l, s) => forecastModelOf(l, s) as unknown as Reading,
};

const METADATA_KEYS: Record<TaskName, string> = { seq2seq: 'recur.seq2seq', tag: 'recur.tag', forecast: 'recur.forecast' };

interface Seed {
  label: string;
  weight: number;
  task: TaskName;
  config: object;
  /** The training data, as text. */
  text: () => string;
}

const common = { maxSteps: 1, seed: 1 };
const datePairs = () => writeDatePairsTsv(generateDatePairs(60, 1));
const tagged = () => toyConllu(toyTaggedSentences(40, 2));

/** Two series (north, south) of 60 days with a weekly season and a covariate. */
function visits(): string {
  const rows = ['store,day,visits,promo'];
  for (const [store, level] of [['north', 50], ['south', 80]] as const) {
    for (let t = 0; t < 60; t++) {
      const day = new Date(Date.UTC(2021, 0, 1 + t)).toISOString().slice(0, 10);
      rows.push(`${store},${day},${(level + 10 * Math.sin((2 * Math.PI * t) / 7) + (t % 5)).toFixed(2)},${t % 3 === 0 ? 1 : 0}`);
    }
  }
  return `${rows.join('\n')}\n`;
}

const SEEDS: Seed[] = [
  { label: 's2s-bigru-general-feeding', weight: 10, task: 'seq2seq', text: datePairs, config: { ...common, cell: 'gru', embeddingDim: 4, hiddenSize: 6, bidirectional: true, attention: 'general', inputFeeding: true } },
  { label: 's2s-lstm-2-additive-char-reversed', weight: 10, task: 'seq2seq', text: datePairs,
    config: { ...common, cell: 'lstm', embeddingDim: 3, hiddenSize: 4, numLayers: 2, bidirectional: false, reverseSource: true, attention: 'additive', sourceTokenizer: 'char', targetTokenizer: 'char', dropout: 0.2 } },
  { label: 's2s-rnn-dot-shared', weight: 8, task: 'seq2seq', text: datePairs,
    config: { ...common, cell: 'rnn-tanh', embeddingDim: 3, hiddenSize: 4, bidirectional: false, attention: 'dot', inputFeeding: false, sharedVocabulary: true, lowercase: true } },
  { label: 's2s-gru-no-attention', weight: 6, task: 'seq2seq', text: datePairs, config: { ...common, cell: 'gru', embeddingDim: 3, hiddenSize: 4, attention: 'none', inputFeeding: false } },
  { label: 'tag-bilstm-chars-crf', weight: 12, task: 'tag', text: tagged, config: { ...common, cell: 'lstm', embeddingDim: 4, hiddenSize: 4, charEmbeddingDim: 3, charHiddenSize: 2, crf: true } },
  { label: 'tag-gru-2-words', weight: 8, task: 'tag', text: tagged, config: { ...common, cell: 'gru', embeddingDim: 4, hiddenSize: 3, numLayers: 2, charEmbeddingDim: 0, charHiddenSize: 0, dropout: 0.1 } },
  { label: 'tag-rnn-forward-chars', weight: 6, task: 'tag', text: tagged, config: { ...common, cell: 'rnn-relu', embeddingDim: 3, hiddenSize: 3, bidirectional: false, charEmbeddingDim: 2, charHiddenSize: 2, lowercase: false } },
  { label: 'forecast-window-lstm-covariate', weight: 12, task: 'forecast', text: visits,
    config: { ...common, targets: ['visits'], covariates: ['promo'], seriesColumn: 'store', timeColumn: 'day', horizon: 3, lookback: 7, season: 7, model: 'window', transform: 'log', hiddenSize: 4 } },
  { label: 'forecast-ensemble-hybrid-window', weight: 16, task: 'forecast', text: visits,
    config: { ...common, targets: ['visits'], seriesColumn: 'store', timeColumn: 'day', horizon: 2, lookback: 7, season: 7, model: 'ensemble', members: ['hybrid', 'window'], cell: 'gru', hiddenSize: 3, head: 'gaussian', transform: 'none' } },
  { label: 'forecast-seq2seq-point', weight: 6, task: 'forecast', text: visits,
    config: { ...common, targets: ['visits'], seriesColumn: 'store', timeColumn: 'day', horizon: 2, lookback: 5, season: 7, model: 'seq2seq', cell: 'rnn-tanh', hiddenSize: 2, head: 'point', transform: 'none', numLayers: 2 } },
];

const TASKS: Record<TaskName, AnyTask> = { seq2seq: seq2seqTask, tag: tagTask, forecast: forecastTask };

// ---------------------------------------------------------------------------------------------
// The kinds' configs as the model edits see them.

const ENCODER_DECODER_PROFILE: ConfigProfile = {
  shapeFields: ['sourceVocabSize', 'targetVocabSize', 'embeddingDim', 'encoderHiddenSize', 'decoderHiddenSize', 'numLayers'],
  otherFields: ['kind', 'cell', 'bidirectional', 'reverseSource', 'attention', 'attentionSize', 'inputFeeding', 'dropout', 'goId', 'eosId', 'maxSourceLength', 'maxTargetLength'],
  requiredFields: ['sourceVocabSize', 'targetVocabSize', 'embeddingDim', 'cell', 'encoderHiddenSize', 'decoderHiddenSize', 'goId', 'eosId', 'maxSourceLength', 'maxTargetLength'],
  hostileValues: [...HOSTILE_VALUES, 'none', 'additive', 'general', 'dot', 65_536, 65_537, 64, 65, 1 << 22],
  hugeConfigs: [
    { sourceVocabSize: 1 << 22, embeddingDim: 65_536 }, { numLayers: 64, encoderHiddenSize: 65_536 }, { numLayers: 65 }, { targetVocabSize: 2 ** 31 },
    { decoderHiddenSize: 65_536, attention: 'additive', attentionSize: 65_536 }, { encoderHiddenSize: 1e9 }, { targetVocabSize: 1 << 22, decoderHiddenSize: 65_536 },
  ],
  unknownFields: () => ['hiddenSize', 'input', 'encoder_hidden_size', 'constructor', 'members', 'wordVocabSize'],
  badConfigTexts: [...BAD_CONFIG_TEXTS, '{"kind":"encoder-decoder"}', '{"kind":"encoder-decoder","sourceVocabSize":3}', '{"kind":"tagger"}'],
  passPaths: ['cell', 'attention', 'goId', 'maxSourceLength', 'bidirectional', 'encoderHiddenSize', 'dropout', 'inputFeeding'],
  passValues: [1, 2, 0.5, 'gru', 'dot', 'none', true, false],
};

const TAGGER_PROFILE: ConfigProfile = {
  shapeFields: ['wordVocabSize', 'wordEmbeddingDim', 'charVocabSize', 'charEmbeddingDim', 'charHiddenSize', 'hiddenSize', 'numLayers', 'tagCount'],
  otherFields: ['kind', 'cell', 'bidirectional', 'dropout', 'crf'],
  requiredFields: ['wordVocabSize', 'wordEmbeddingDim', 'cell', 'hiddenSize', 'tagCount'],
  hostileValues: [...HOSTILE_VALUES, 65_536, 65_537, 64, 65, 1 << 22],
  hugeConfigs: [
    { wordVocabSize: 1 << 22, wordEmbeddingDim: 65_536 }, { numLayers: 64, hiddenSize: 65_536 }, { tagCount: 65_536, crf: true },
    { charVocabSize: 1 << 22, charEmbeddingDim: 65_536, charHiddenSize: 65_536 }, { numLayers: 1000 }, { wordVocabSize: 2 ** 31 },
  ],
  unknownFields: () => ['input', 'tags', 'char_vocab_size', 'constructor', 'encoderHiddenSize', 'members'],
  badConfigTexts: [...BAD_CONFIG_TEXTS, '{"kind":"tagger"}', '{"kind":"tagger","wordVocabSize":5,"charVocabSize":1}', '{"kind":"encoder-decoder"}'],
  passPaths: ['cell', 'crf', 'tagCount', 'hiddenSize', 'bidirectional', 'dropout', 'charVocabSize'],
  passValues: [1, 2, 0.5, 'gru', 'lstm', true, false, 0],
};

const member = (i: number, path: string) => `members.${i}.${path}`;
const ENSEMBLE_PROFILE: ConfigProfile = {
  shapeFields: [0, 1].flatMap((i) => ['hiddenSize', 'numLayers', 'outputSize', 'input.size'].map((p) => member(i, p))),
  otherFields: ['kind', 'members', ...[0, 1].flatMap((i) => ['cell', 'output', 'bidirectional', 'dropout', 'kind', 'input.kind', 'pooling'].map((p) => member(i, p)))],
  requiredFields: ['members', 'members.0', 'members.1', 'members.0.input', 'members.1.outputSize', 'members.0.input.size'],
  hostileValues: RECURRENT_PROFILE.hostileValues,
  hugeConfigs: [
    { 'members.0.hiddenSize': 100_000, 'members.0.numLayers': 100_000 }, { 'members.1.numLayers': 256, 'members.1.hiddenSize': 600 }, { 'members.1.input.size': 1e9 },
    { members: Array.from({ length: 9 }, () => ({ input: { kind: 'dense', size: 1 }, outputSize: 1 })) }, { 'members.0.outputSize': 2 ** 31 - 1 },
  ],
  unknownFields: () => ['member', 'constructor', 'input', 'hiddenSize', 'members.0.hidden_size', 'members.1.extra'],
  badConfigTexts: [...BAD_CONFIG_TEXTS, '{"kind":"forecast-ensemble"}', '{"kind":"forecast-ensemble","members":[]}', '{"kind":"forecast-ensemble","members":{"0":{}}}'],
  passPaths: ['members.0.hiddenSize', 'members.1.cell', 'members.0.output', 'members', 'members.1.dropout'],
  passValues: [1, 2, 0.5, 'gru', 'last', 'sequence', [], true],
};

const PROFILES: Record<string, ConfigProfile> = { 'encoder-decoder': ENCODER_DECODER_PROFILE, tagger: TAGGER_PROFILE, 'forecast-ensemble': ENSEMBLE_PROFILE, recurrent: RECURRENT_PROFILE };

interface TaskBase extends ModelBase {
  task: TaskName;
}

/** Each seed's data prepared by its task (async, so before the run); the models are built from the run's Rng. */
async function prepareSeeds(): Promise<{ seed: Seed; config: object; prepared: Prepared<unknown> }[]> {
  return Promise.all(SEEDS.map(async (seed) => {
    const task = TASKS[seed.task];
    const config = task.normalizeConfig(seed.config);
    return { seed, config, prepared: await task.prepare(config, { text: seed.text() }) };
  }));
}

function makeBases(rng: Rng, prepared: Awaited<ReturnType<typeof prepareSeeds>>): { base: Base; weight: number }[] {
  return prepared.map(({ seed, config, prepared: p }) => {
    const task = TASKS[seed.task];
    const model = task.buildModel(config, p, rng.fork()) as SavedModule;
    // What runTask writes: the task's extras, its name and the step.
    const bytes = encodeModelFile(model, { ...p.extras, task: task.name, extra: { ...p.extras.extra, 'recur.step': '1' } });
    const base: TaskBase = { ...baseFromBytes(seed.label, bytes), config: model.config, pytorch: false, profile: PROFILES[model.config.kind]!, task: seed.task };
    return { base, weight: seed.weight };
  });
}

// ---------------------------------------------------------------------------------------------
// Task metadata edits.

/** Paths into a JSON value, walking down a random child at each level (stopping early at times). */
function randomPath(rng: Rng, value: unknown): string[] {
  const path: string[] = [];
  let v = value;
  while (v !== null && typeof v === 'object' && (path.length === 0 || rng.next() < 0.7)) {
    const keys = Object.keys(v);
    if (!keys.length) break;
    const k = pick(rng, keys);
    path.push(k);
    v = (v as Record<string, unknown>)[k];
  }
  return path;
}

const META_VALUES: unknown[] = [null, 0, -1, 1.5, 1e308, 2 ** 53, '', 'x', 'x'.repeat(100_000), true, [], {}, [null], ['a', 'a'], { a: 1 }, '[PAD]', '[GO]', '[EOS]', 'é', '😀', '\u0000',
  'word', 'char', 'quantile', 'gaussian', 'point', 'direct', 'next', 'shifted', 'none', 'log', 'box-cox', 'hybrid', 'window', 'seq2seq', '__proto__', 'constructor', { kind: 'none' }];

function taskEdit(rng: Rng, base: TaskBase): ModelMutation {
  const f = new ModelFileEdit(base);
  const key = METADATA_KEYS[base.task];
  const text = f.getMeta(key)!;
  const meta = JSON.parse(text) as Record<string, unknown>;
  /** The value at `path`'s parent and its key. */
  const at = (path: string[]) => {
    const parent = path.slice(0, -1).reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, meta);
    return { parent, k: path[path.length - 1]! };
  };
  const edits: Record<string, () => Verdict> = {
    name: () => {
      const v = pick(rng, [undefined, '', 'char-lm', 'classify', 'seq2seq', 'tag', 'forecast', 'Tag', ' forecast', 'x'.repeat(1000)]);
      f.setMeta('recur.task', v);
      return v === base.task ? { mustLoad: true } : { mustReject: true };
    },
    text: () => {
      f.setMeta(key, pick(rng, [undefined, '', 'null', '1', '"x"', '[]', 'true', '{', '{}', deep(10_000, '['), deep(10_000, '{"a":', '}'), `${text}x`, text.slice(0, -1)]));
      return { mustReject: true };
    },
    'same-json': () => {
      // Another spelling of the same JSON: keys reordered, whitespace; it loads.
      const reorder = (v: unknown): unknown => (Array.isArray(v) ? v.map(reorder) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reorder(x)])) : v);
      f.setMeta(key, JSON.stringify(reorder(meta), null, rng.next() < 0.5 ? 1 : undefined));
      return { mustLoad: true };
    },
    'extra-field': () => {
      // recur's readers ignore fields they do not know (a later recur may add some).
      meta[pick(rng, ['note', 'validationPath', 'version', '__proto__'])] = pick(rng, META_VALUES);
      f.setMeta(key, JSON.stringify(meta));
    },
    delete: () => {
      const path = randomPath(rng, meta);
      if (!path.length) return;
      const { parent, k } = at(path);
      if (Array.isArray(parent)) parent.splice(Number(k), 1);
      else delete parent[k];
      f.setMeta(key, JSON.stringify(meta));
    },
    replace: () => {
      const path = randomPath(rng, meta);
      if (!path.length) return;
      const { parent, k } = at(path);
      Object.defineProperty(parent, k, { value: pick(rng, META_VALUES), enumerable: true, writable: true, configurable: true });
      f.setMeta(key, JSON.stringify(meta));
    },
    'array-edit': () => {
      // An array somewhere (a vocabulary, the tags, the pipelines, quantiles ...): duplicate, append, swap, empty or grow it.
      const path = randomPath(rng, meta);
      let v: unknown = meta;
      let arr: unknown[] | undefined;
      for (const k of path) {
        v = (v as Record<string, unknown>)[k];
        if (Array.isArray(v)) arr = v;
      }
      if (!arr) return;
      const i = rng.int(Math.max(1, arr.length)), j = rng.int(Math.max(1, arr.length));
      const how = pick(rng, ['duplicate', 'append', 'swap', 'empty', 'grow', 'reverse']);
      if (how === 'duplicate' && arr.length) arr.splice(i, 0, structuredClone(arr[i]));
      if (how === 'append') arr.push(pick(rng, META_VALUES));
      if (how === 'swap') [arr[i], arr[j]] = [arr[j], arr[i]];
      if (how === 'empty') arr.length = 0;
      if (how === 'grow') {
        // To about 100 KB, 1 MB or 5 MB of JSON (the header limit is 4 MB).
        const size = JSON.stringify(arr[0] ?? 0).length + 1;
        const n = Math.min(20_000, Math.ceil(pick(rng, [1e5, 1e6, 5e6]) / size));
        for (let k = 0, len = arr.length; k < n; k++) arr.push(len ? arr[k % len] : k); // the same entries again (JSON writes each copy)
      }
      if (how === 'reverse') arr.reverse();
      f.setMeta(key, JSON.stringify(meta));
    },
  };
  const name = pick(rng, Object.keys(edits));
  const verdict = edits[name]!() ?? {};
  return { bytes: f.bytes(), label: `task-${name}`, mustReject: verdict.mustReject, mustLoad: verdict.mustLoad };
}

function mutate(rng: Rng, b: Base): ModelMutation {
  return rng.next() < 0.3 ? taskEdit(rng, b as TaskBase) : mutateModel(rng, b);
}

// ---------------------------------------------------------------------------------------------
// The oracle of the task readers: what each must have read, from the file's metadata.

interface Loaded {
  loaded: LoadedModel<SavedModule>;
  reading: Reading;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A tokenizer as read against its JSON: the same vocabulary and level. */
function tokenizerDisagreement(what: string, got: { vocabulary: readonly string[]; options: { level: string } } | null, json: unknown): string | undefined {
  if (!got) return `no ${what} tokenizer read`;
  if (!isObject(json) || !isDeepStrictEqual([...got.vocabulary], json.vocabulary) || got.options.level !== json.level) return `the ${what} tokenizer differs from the metadata`;
  return undefined;
}

function readingDisagreement(task: TaskName, got: Loaded, metadata: Record<string, string>): string | undefined {
  const { loaded, reading } = got;
  if (metadata['recur.task'] !== task) return `a file of task ${JSON.stringify(metadata['recur.task'])} read as a ${task} model`;
  const meta = JSON.parse(metadata[METADATA_KEYS[task]]!) as unknown;
  if (!isObject(meta)) return `metadata ${METADATA_KEYS[task]} that is not an object was read`;
  if (reading.model !== loaded.model) return 'the reader returned another model';
  if (task === 'seq2seq') {
    const m = loaded.model, r = reading as unknown as { source: { size: number; vocabulary: string[]; options: { level: string } }; target: { size: number; vocabulary: string[]; options: { level: string } } };
    if (!(m instanceof EncoderDecoder)) return `a ${m.config.kind} read as an encoder-decoder`;
    const problem = tokenizerDisagreement('source', r.source, meta.source) ?? tokenizerDisagreement('target', r.target, meta.target);
    if (problem) return problem;
    const c = m.config;
    if (r.source.size !== c.sourceVocabSize || r.target.size !== c.targetVocabSize) return 'vocabularies read that do not fit the model';
    if (r.target.vocabulary[c.goId] !== '[GO]' || r.target.vocabulary[c.eosId] !== '[EOS]') return 'goId or eosId do not name [GO] and [EOS]';
  }
  if (task === 'tag') {
    const m = loaded.model, r = reading as unknown as { vocab: { words: { size: number; vocabulary: string[]; options: { level: string } }; chars: { size: number; vocabulary: string[]; options: { level: string } } | null; tags: unknown[] } };
    if (!(m instanceof Tagger)) return `a ${m.config.kind} read as a tagger`;
    const problem = tokenizerDisagreement('word', r.vocab.words, meta.words) ?? (meta.chars ? tokenizerDisagreement('character', r.vocab.chars, meta.chars) : r.vocab.chars ? 'characters read from no character vocabulary' : undefined);
    if (problem) return problem;
    const c = m.config, tags = r.vocab.tags;
    if (r.vocab.words.size !== c.wordVocabSize || (r.vocab.chars?.size ?? 0) !== c.charVocabSize) return 'vocabularies read that do not fit the model';
    if (!isDeepStrictEqual(tags, meta.tags) || tags.length !== c.tagCount) return `tags ${JSON.stringify(tags).slice(0, 80)} read for ${c.tagCount}`;
    if (!tags.every((t) => typeof t === 'string') || new Set(tags).size !== tags.length) return `tags that are not distinct strings read: ${JSON.stringify(tags).slice(0, 80)}`;
  }
  if (task === 'forecast') {
    const m = loaded.model;
    if (!(m instanceof RecurrentModel || m instanceof ForecastEnsemble)) return `a ${m.config.kind} read as a forecasting model`;
    const pipelines = meta.pipelines;
    if (!Array.isArray(pipelines) || pipelines.length !== memberModels(m).length) return 'pipelines read that do not fit the members';
    if (!pipelines.every((p) => isObject(p) && isObject(p.spec) && Array.isArray(p.series))) return 'a pipeline without a spec or series read';
    if (!isObject(meta.data) || !meta.data.targets) return 'no data settings read';
  }
  return undefined;
}

/** Decodes `cases` mutated model files of the task kinds (see the file comment); `npm run fuzz` runs 100,000. */
export async function runModelKindsFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const prepared = await prepareSeeds();
  return runFuzzCases<ModelMutation & { task?: TaskName }, Loaded>({
    bases: (rng) => makeBases(rng, prepared),
    mutate: (rng, b) => ({ ...mutate(rng, b), task: (b as TaskBase).task }),
    load: (m) => {
      const loaded = decodeModelFile<SavedModule>(m.bytes, { kind: 'any', source: SOURCE, ...(m.config ? { config: m.config } : {}) });
      return { loaded, reading: READERS[m.task!](loaded, PREFIX) };
    },
    verify: (m, got) => modelDisagreement(m, got.loaded) ?? readingDisagreement(m.task!, got, decodeSafetensors(m.bytes).metadata),
    errorPrefix: PREFIX,
    maxMessageLength: 1000,
  }, options);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { cases, seed } = parseFuzzArgs('model-kinds.fuzz', process.argv.slice(2));
  printFuzzReport('model kinds fuzz', seed, await runModelKindsFuzz({ cases, seed }), `a '${PREFIX}' error`);
}
