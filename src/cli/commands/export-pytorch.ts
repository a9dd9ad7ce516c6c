/**
 * `recur export pytorch --model M --out DIR`: writes the small Python package of a recurrent
 * model (io/pytorch: model.py, load.py, vocab.py or forecast.py, run.py, train_ddp.py, README.md)
 * and the model file beside it, for language models, classifiers, single forecasters,
 * encoder-decoders (recur seq2seq), taggers (recur tag) and forecast ensembles (forecast.py
 * averages the members' forecasts in the data's units), each with train_ddp.py. A run directory gives
 * the model its task's predict command reads (a classifier's best.safetensors), as export onnx
 * does. train_ddp.py starts from the run's training settings when a checkpoint of the same model
 * lies beside the model file, else from the task's defaults. Never writes over the model it
 * reads; an existing non-empty DIR only with --force.
 */
import { open, mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { encodeModelFile, loadModel } from '../../io/model-file.js';
import { type PytorchTraining, isDdpTask, pytorchPackage, pytorchTaskOf } from '../../io/pytorch/package.js';
import type { DdpTask } from '../../io/pytorch/train-ddp-py.js';
import type { SavedModule } from '../../nn/model-kinds.js';
import { RecurrentModel } from '../../nn/recurrent-model.js';
import { WORD_LM_METADATA_KEY } from '../../tasks/char-lm/vocab.js';
import { CHAR_LM_DEFAULTS, WORD_LM_DEFAULTS } from '../../tasks/char-lm/config.js';
import { CLASSIFY_DEFAULTS } from '../../tasks/classify/config.js';
import { CLASSIFY_METADATA_KEY } from '../../tasks/classify/task.js';
import { FORECAST_DEFAULTS } from '../../tasks/forecast/config.js';
import { ForecastEnsemble } from '../../tasks/forecast/ensemble.js';
import { FORECAST_METADATA_KEY } from '../../tasks/forecast/task.js';
import { EncoderDecoder } from '../../tasks/seq2seq/model.js';
import { SEQ2SEQ_DEFAULTS } from '../../tasks/seq2seq/config.js';
import { SEQ2SEQ_METADATA_KEY } from '../../tasks/seq2seq/task.js';
import { TAG_DEFAULTS } from '../../tasks/tag/config.js';
import { Tagger } from '../../tasks/tag/model.js';
import { TAG_METADATA_KEY } from '../../tasks/tag/prepare.js';
import { CHECKPOINT_FILE_NAME } from '../../train/checkpoint.js';
import { checkOutFile } from '../check-out-file.js';
import { modelLoadOptions } from '../model-path.js';
import { exportedModelPath } from '../onnx-files.js';
import { stdout } from '../output.js';

export interface ExportPytorchOptions {
  model: string;
  config?: string;
  out: string;
  force?: boolean;
  json?: boolean;
}

/** The model file's name inside the package. */
const MODEL_FILE = 'model.safetensors';

export async function exportPytorch(opts: ExportPytorchOptions): Promise<void> {
  const modelPath = await exportedModelPath(opts.model); // a run directory: the model its task's predict command reads
  const loaded = await loadModel<SavedModule>(modelPath, { kind: 'any', ...(await modelLoadOptions(opts.config)) });
  const model = loaded.model;
  if (!(model instanceof RecurrentModel || model instanceof EncoderDecoder || model instanceof Tagger || model instanceof ForecastEnsemble)) {
    throw new Error(`${modelPath}: a '${model.config.kind}' model cannot be exported to PyTorch yet (not yet: issue 18)`);
  }
  const ensemble = model instanceof ForecastEnsemble;
  await checkOutDirectory(opts.out, modelPath, opts.force === true);

  const task = pytorchTaskOf(loaded.task);
  const kindOk = task === 'seq2seq' ? model instanceof EncoderDecoder : task === 'tag' ? model instanceof Tagger
    : task === 'forecast' ? model instanceof RecurrentModel || model instanceof ForecastEnsemble : model instanceof RecurrentModel;
  const training = isDdpTask(task) && kindOk ? await trainingSettings(modelPath, task, model) : undefined;
  const files = pytorchPackage({
    config: model.config, task: loaded.task, training, modelFile: MODEL_FILE,
    metadataKeys: { words: WORD_LM_METADATA_KEY, classify: CLASSIFY_METADATA_KEY, forecast: FORECAST_METADATA_KEY, seq2seq: SEQ2SEQ_METADATA_KEY, tag: TAG_METADATA_KEY },
  });
  // The model file, re-encoded with its metadata (a file given --config gets that metadata, as Python's load needs it).
  const bytes = encodeModelFile(model, { task: loaded.task, vocabulary: loaded.vocabulary, normalization: loaded.normalization, extra: loaded.extra });
  const all = [...files.map((f) => ({ name: f.name, bytes: new TextEncoder().encode(f.text) })), { name: MODEL_FILE, bytes }];
  await mkdir(opts.out, { recursive: true }).catch((e: NodeJS.ErrnoException) => { throw new Error(`--out ${opts.out} cannot be made (${e.code ?? e.message})`); });
  for (const f of all) await checkOutFile(join(opts.out, f.name), { inputs: [{ path: modelPath, name: 'model' }], force: true });
  for (const f of all) {
    try {
      await writeFileAtomic(join(opts.out, f.name), f.bytes);
    } catch (e) {
      throw new Error(`--out ${join(opts.out, f.name)} cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  const notes = [
    ...(task === 'forecast' ? ['train_ddp.py trains on complete series only (no --fill) with the pipeline as recur fitted it'] : []),
    ...(ensemble && task === 'forecast' ? [`a forecast ensemble of ${model.config.members.length}: forecast.py averages its members' forecasts in the data's units; train_ddp.py trains the members together on their own windows with the summed loss, as recur does`] : []),
    ...(task === undefined ? [`the file has ${loaded.task ? `task '${loaded.task}', which the package does not read` : 'no task'}: model.py, load.py and run.py (on zeros) only`] : []),
  ];
  const cell = ensemble ? [...new Set(model.config.members.map((m) => m.cell))].join(' + ') : model.config.cell;
  const summary = { model: modelPath, out: opts.out, task: loaded.task ?? null, kind: 'kind' in model.config ? model.config.kind : 'recurrent', cell, files: all.map((f) => f.name), training: training ?? null, notes };
  if (opts.json) {
    stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const t = training ? `; train_ddp.py defaults (${training.from}): lr ${training.lr}, batch size ${training.batchSize}${training.seqLen ? `, seq-len ${training.seqLen}` : ''}${training.labelSmoothing !== undefined ? `, label smoothing ${training.labelSmoothing}` : ''}, clip-norm ${training.clipNorm}` : '';
  stdout.write(`wrote ${opts.out}: ${all.map((f) => f.name).join(', ')} (${loaded.task ?? 'no task'}, ${ensemble ? `ensemble of ${model.config.members.length}, ` : ''}${cell}${t})\n${notes.map((n) => `note: ${n}\n`).join('')}`);
}

/** --out must be a directory that is absent or empty (any with --force), and not the one holding the model. */
async function checkOutDirectory(out: string, modelPath: string, force: boolean): Promise<void> {
  const s = await stat(out).catch(() => null);
  if (!s) return;
  if (!s.isDirectory()) throw new Error(`--out ${out} is a file; give a directory for the package`);
  if (resolve(dirname(modelPath)) === resolve(out)) throw new Error(`--out ${out} holds the model ${modelPath}; give another directory (the package carries its own copy of the model)`);
  if (!force && (await readdir(out)).length > 0) throw new Error(`--out ${out} is not empty; add --force to write the package into it`);
}

/**
 * train_ddp.py's defaults: the run's own (the `recur.training` config of a checkpoint of the
 * same model beside the model file), else the task's defaults.
 */
async function trainingSettings(modelPath: string, task: DdpTask, model: SavedModule): Promise<PytorchTraining> {
  const d = { 'char-lm': CHAR_LM_DEFAULTS, 'word-lm': WORD_LM_DEFAULTS, classify: CLASSIFY_DEFAULTS, forecast: FORECAST_DEFAULTS, seq2seq: SEQ2SEQ_DEFAULTS, tag: TAG_DEFAULTS }[task];
  const fallback: PytorchTraining = { lr: d.lr, batchSize: d.batchSize, clipNorm: d.clipNorm ?? 0, from: `recur's default for ${task}` };
  if (task === 'char-lm' || task === 'word-lm') fallback.seqLen = (task === 'char-lm' ? CHAR_LM_DEFAULTS : WORD_LM_DEFAULTS).seqLen;
  if (task === 'seq2seq') fallback.labelSmoothing = SEQ2SEQ_DEFAULTS.labelSmoothing;
  const checkpoint = join(dirname(modelPath), CHECKPOINT_FILE_NAME);
  const meta = await headerMetadata(checkpoint);
  if (!meta || meta['recur.config'] !== JSON.stringify(model.config) || meta['recur.task'] !== task) return fallback;
  try {
    const c = (JSON.parse(meta['recur.training'] ?? '') as { config?: Record<string, unknown> }).config ?? {};
    const num = (v: unknown, ok: (n: number) => boolean): number | undefined => (typeof v === 'number' && ok(v) ? v : undefined);
    const out: PytorchTraining = {
      lr: num(c.lr, (n) => n > 0) ?? fallback.lr,
      batchSize: num(c.batchSize, (n) => Number.isInteger(n) && n > 0) ?? fallback.batchSize,
      clipNorm: num(c.clipNorm, (n) => n >= 0) ?? fallback.clipNorm,
      from: `from the run's ${CHECKPOINT_FILE_NAME}`,
    };
    if (fallback.seqLen !== undefined) out.seqLen = num(c.seqLen, (n) => Number.isInteger(n) && n > 0) ?? fallback.seqLen;
    if (fallback.labelSmoothing !== undefined) out.labelSmoothing = num(c.labelSmoothing, (n) => n >= 0 && n < 1) ?? fallback.labelSmoothing;
    return out;
  } catch {
    return fallback;
  }
}

/** The `__metadata__` of a safetensors file's header, read without its data; undefined when absent or unreadable. */
async function headerMetadata(path: string): Promise<Record<string, string> | undefined> {
  const f = await open(path, 'r').catch(() => null);
  if (!f) return undefined;
  try {
    const head = Buffer.alloc(8);
    if ((await f.read(head, 0, 8, 0)).bytesRead !== 8) return undefined;
    const n = Number(head.readBigUInt64LE(0));
    if (n > 64 * 1024 * 1024) return undefined;
    const text = Buffer.alloc(n);
    if ((await f.read(text, 0, n, 8)).bytesRead !== n) return undefined;
    const meta = (JSON.parse(text.toString('utf8')) as { __metadata__?: Record<string, string> }).__metadata__;
    return meta && typeof meta === 'object' ? meta : undefined;
  } catch {
    return undefined;
  } finally {
    await f.close();
  }
}
