/**
 * `pytorchPackage`: the files of the small Python package `recur export pytorch` writes for a
 * `RecurrentModel` (language models, classifiers, single forecasters), a forecast ensemble
 * (RecurForecastEnsemble), an encoder-decoder (seq2seq) or a tagger: model.py (the nn.Module), load.py (model files in and out, with recur's
 * metadata), vocab.py or forecast.py (what the task reads), run.py, train_ddp.py (every task
 * it knows) and README.md, each from its template beside this file. Pure: a spec in, file names and texts out; the CLI writes them and
 * copies the model file. Knows no task module: the task's metadata keys come in the spec.
 */
import type { RecurrentModelConfig } from '../../nn/recurrent-model.js';
import { forecastPy } from './forecast-py.js';
import { loadPy } from './load-py.js';
import { ensembleModelPy, modelPy } from './model-py.js';
import { readmeMd } from './readme-md.js';
import { runPy } from './run-py.js';
import { seq2seqModelPy, seq2seqVocabPy, tagVocabPy, taggerModelPy } from './sequence-py.js';
import { DDP_TASKS, type DdpTask, trainDdpPy } from './train-ddp-py.js';
import { vocabPy } from './vocab-py.js';

/** The tasks whose data the package reads (a model of another task gets model.py, load.py and run.py only). */
export type PytorchTask = 'char-lm' | 'word-lm' | 'classify' | 'forecast' | 'seq2seq' | 'tag';
export const PYTORCH_TASKS: readonly PytorchTask[] = ['char-lm', 'word-lm', 'classify', 'forecast', 'seq2seq', 'tag'];

/**
 * The config of an encoder-decoder or a tagger as the package reads it (the task modules own
 * the full types: tasks/seq2seq/model.ts, tasks/tag/model.ts).
 */
export interface SequenceModelConfig {
  kind: 'encoder-decoder' | 'tagger';
  cell: string;
  numLayers: number;
  bidirectional: boolean;
}

/** The config of a forecast ensemble as the package reads it (tasks/forecast/ensemble.ts owns the type). */
export interface EnsembleModelConfig {
  kind: 'forecast-ensemble';
  members: RecurrentModelConfig[];
}

/** The config of any model the package serves. */
export type PytorchModelConfig = RecurrentModelConfig | SequenceModelConfig | EnsembleModelConfig;

/** Whether a config is a forecast ensemble's. */
export function isEnsembleConfig(c: PytorchModelConfig): c is EnsembleModelConfig {
  return (c as { kind?: unknown }).kind === 'forecast-ensemble';
}

/** Whether a config is an encoder-decoder's or a tagger's. */
export function isSequenceModelConfig(c: PytorchModelConfig): c is SequenceModelConfig {
  const kind = (c as { kind?: unknown }).kind;
  return kind === 'encoder-decoder' || kind === 'tagger';
}

/** The settings train_ddp.py starts from, and where they came from (said in its --help). */
export interface PytorchTraining {
  lr: number;
  batchSize: number;
  /** Window length of a language model. */
  seqLen?: number;
  /** Label smoothing of an encoder-decoder's training loss. */
  labelSmoothing?: number;
  clipNorm: number;
  /** Where they come from, as --help says it: "from the run's checkpoint.safetensors" or "recur's default for char-lm". */
  from: string;
}

export interface PytorchPackageSpec {
  config: PytorchModelConfig;
  /** The file's `recur.task`: a `PytorchTask`, or anything else (undefined: none). */
  task?: string;
  /** The metadata keys of the tasks' own entries (the task modules' constants). */
  metadataKeys: { words: string; classify: string; forecast: string; seq2seq: string; tag: string };
  /** train_ddp.py's defaults (needed for every task the package knows). */
  training?: PytorchTraining;
  /** The model file's name in the package (default model.safetensors). */
  modelFile?: string;
}

export interface PytorchFile {
  name: string;
  text: string;
}

/** The task the package serves, or undefined for a model of no task it knows. */
export function pytorchTaskOf(task: string | undefined): PytorchTask | undefined {
  return PYTORCH_TASKS.find((t) => t === task);
}

/** Whether the package of a task gets train_ddp.py (every task it knows). */
export function isDdpTask(task: PytorchTask | undefined): task is DdpTask {
  return DDP_TASKS.some((t) => t === task);
}

/** The package's files (model.py, load.py, ..., README.md); the model file itself is the caller's to copy. */
export function pytorchPackage(spec: PytorchPackageSpec): PytorchFile[] {
  const c = spec.config;
  const kind = isSequenceModelConfig(c) || isEnsembleConfig(c) ? c.kind : 'recurrent';
  let task = pytorchTaskOf(spec.task);
  // A task's files only for the model kind it trains (a file may claim a task its model is not).
  if ((task === 'seq2seq') !== (kind === 'encoder-decoder') || (task === 'tag') !== (kind === 'tagger')) task = undefined;
  if (kind === 'forecast-ensemble' && task !== 'forecast') task = undefined;
  const modelFile = spec.modelFile ?? 'model.safetensors';
  const sections = kind === 'encoder-decoder' ? [seq2seqModelPy()] : kind === 'tagger' ? [taggerModelPy()] : kind === 'forecast-ensemble' ? [ensembleModelPy()] : [];
  const files: PytorchFile[] = [
    { name: 'model.py', text: modelPy(sections) },
    { name: 'load.py', text: loadPy() },
  ];
  if (task === 'char-lm' || task === 'word-lm' || task === 'classify') files.push({ name: 'vocab.py', text: vocabPy(spec.metadataKeys) });
  if (task === 'seq2seq') files.push({ name: 'vocab.py', text: vocabPy(spec.metadataKeys, [seq2seqVocabPy(spec.metadataKeys.seq2seq)]) });
  if (task === 'tag') files.push({ name: 'vocab.py', text: vocabPy(spec.metadataKeys, [tagVocabPy(spec.metadataKeys.tag)]) });
  if (task === 'forecast') files.push({ name: 'forecast.py', text: forecastPy(spec.metadataKeys.forecast) });
  files.push({ name: 'run.py', text: runPy(task, kind) });
  if (isDdpTask(task)) {
    if (!spec.training) throw new Error(`pytorchPackage: a ${task} model needs spec.training (train_ddp.py's defaults)`);
    files.push({ name: 'train_ddp.py', text: trainDdpPy(task, spec.training) });
  }
  files.push({ name: 'README.md', text: readmeMd({ task, config: c, modelFile, files: [...files.map((f) => f.name), 'README.md', modelFile] }) });
  return files;
}
