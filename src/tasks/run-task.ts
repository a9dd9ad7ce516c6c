/**
 * `runTask`: trains any task in a run directory, written once for all of them. It owns the
 * directory: a new run vs `resume` vs `force`, every input checked before the first file is
 * written, atomic checkpoints (model file + complete training state), bit-exact resume (weights,
 * Adam, schedule, data position, carried state and every RNG), the best model by the monitored
 * validation figure, early stopping, divergence (stop keeping the last checkpoint, or roll back to
 * it), stale temporary files, and `events.jsonl`. Training itself
 * is `fit`; what is specific to a task comes from its record (task.ts). Signals are the caller's:
 * abort `signal` (the CLI does on Ctrl-C) to stop after the current step with a checkpoint.
 */
import { readFile, stat } from 'node:fs/promises';
import { decodeSafetensors } from '../io/safetensors.js';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { type ModelExtras, encodeModelFile } from '../io/model-file.js';
import { configDifferences, joinProblems } from '../io/model-file-checks.js';
import { type Backend, createBackend } from '../kernels/index.js';
import { releaseFreedMemory } from '../kernels/native/load.js';
import { type SavedModule, normalizeAnyModelConfig } from '../nn/model-kinds.js';
import { Adam } from '../optim/adam.js';
import { WarmupCosineLR, type WarmupCosineStateDict } from '../optim/warmup-cosine.js';
import { RestorableRng } from '../random/restorable-rng.js';
import type { RngState } from '../random/rng.js';
import { CHECKPOINT_FILE_NAME, MODEL_FILE_NAME, type DecodedCheckpoint, encodeCheckpoint, readCheckpointFile, writeCheckpointFiles } from '../train/checkpoint.js';
import type { StartDetails, TrainEvent } from '../train/events.js';
import { fit } from '../train/fit.js';
import type { LoopProgress, TrainLoopResult } from '../train/train-loop.js';
import { BEST_MODEL_FILE_NAME, EventsLog, checkRunDirectory, makeRunDirectory, removeStaleTempFiles } from './run-directory.js';
import { checkInitFile, freezeParameters, initFileProblems, loadInitWeights, readInitFile } from './init-from.js';
import type { Prepared, SourceRecord, Task } from './task.js';
import { SHARED_RUN_CONTROL, STOPPING_FIELDS, type TrainConfig, cadenceSteps } from './train-config.js';

/** How often a training run hands its allocator's free pages back to the system (releaseFreedMemory). */
const RELEASE_MEMORY_EVERY_MS = 1000;

export interface RunTaskOptions<C extends TrainConfig, In> {
  /** The task's inputs (files, in-memory data); when resuming, absent parts come from the checkpoint's record. */
  input?: In;
  /** Run directory for the model, checkpoint, best model and events.jsonl; without it nothing is written. */
  out?: string;
  /** Settings; unset fields take the task's defaults (or, when resuming, the checkpoint's values). */
  config?: Partial<C>;
  /** Continue the run in `out` from its checkpoint. */
  resume?: boolean;
  /** Start a new run in an `out` that already holds one (default false: that is an error). */
  force?: boolean;
  /**
   * Default: a wasm backend with `threads` threads, created once the inputs are checked. Its name
   * is recorded in the checkpoint; a resume on another backend goes on with a note in the start
   * event (the losses are not bit-identical to a run that never stopped).
   */
  backend?: Backend;
  threads?: number;
  /** Aborting stops the run after the current step, writing a checkpoint. */
  signal?: AbortSignal;
  onEvent?: (event: TrainEvent) => void;
  /** Keep every step's loss in the result (default true; see TrainLoopOptions.keepLosses). */
  keepLosses?: boolean;
  /** The size events.jsonl is kept under by thinning its per-step events (default DEFAULT_EVENTS_MAX_BYTES, 32 MiB). */
  eventsMaxBytes?: number;
  /** How files are written (default: atomically); tests inject failures here. */
  writeFile?: (path: string, data: Uint8Array) => Promise<void>;
}

export interface RunTaskResult<C, D, M, S> extends TrainLoopResult<S> {
  model: M;
  config: C;
  prepared: Prepared<D>;
}

/** What `recur.training` in a checkpoint written by runTask holds (JSON): the loop's progress (its carried state is in tensors) and the rest. */
interface RunState<C> extends Omit<LoopProgress, 'carried'> {
  task: string;
  position: unknown;
  rng: { model: RngState; sample: RngState; data: RngState; objective: RngState };
  schedule: WarmupCosineStateDict;
  config: C;
  source: SourceRecord;
  /** The backend that wrote this checkpoint (`Backend.name`); absent in checkpoints written before it was recorded. */
  backend?: string;
}

const RUN_STATE_FIELDS = ['task', 'step', 'items', 'elapsedMs', 'position', 'rng', 'schedule', 'config', 'source'] as const;

/** The stored config with the given fields applied; only run-control fields may differ. */
function mergeResumeConfig<C extends TrainConfig>(task: Task<C, unknown, unknown, SavedModule, unknown, unknown>, stored: C, given: Partial<C>): C {
  const runControl = new Set<keyof C>([...SHARED_RUN_CONTROL as (keyof C)[], ...task.runControl]);
  const merged = { ...stored };
  for (const [k, v] of Object.entries(given) as [keyof C, unknown][]) {
    if (v === undefined) continue;
    if (!runControl.has(k) && JSON.stringify(v) !== JSON.stringify(stored[k])) {
      throw new Error(`cannot change ${String(k)} when resuming: the checkpoint was trained with ${JSON.stringify(stored[k])}, got ${JSON.stringify(v)}`);
    }
    (merged as Record<keyof C, unknown>)[k] = v;
  }
  // A new stopping rule replaces the old ones rather than adding to them.
  if (STOPPING_FIELDS.some((f) => given[f as keyof C] !== undefined)) {
    for (const f of STOPPING_FIELDS) if (given[f as keyof C] === undefined) delete (merged as Partial<TrainConfig>)[f];
  }
  return task.normalizeConfig(merged);
}

/** Reads the checkpoint of a run to resume and checks that it belongs to `task`. */
async function readRun<C>(task: { name: string }, out: string): Promise<{ ckpt: DecodedCheckpoint; stored: RunState<C> }> {
  const ckpt = await readCheckpointFile(out);
  const stored = ckpt.training as unknown as RunState<C>;
  const path = join(out, CHECKPOINT_FILE_NAME);
  if (typeof stored.task === 'string' && stored.task !== task.name) throw new Error(`${path} is a checkpoint of a '${stored.task}' run, not of '${task.name}'`);
  const missing = RUN_STATE_FIELDS.filter((f) => stored[f] === undefined || stored[f] === null);
  if (missing.length) throw new Error(`${path} is not a ${task.name} training checkpoint (its training state lacks ${missing.join(', ')})`);
  return { ckpt, stored };
}

/** Trains (or resumes) `task`. Rejects before writing anything when an input is bad. */
export async function runTask<C extends TrainConfig, In, D, M extends SavedModule, B, S, Details extends StartDetails>(
  task: Task<C, In, D, M, B, S, Details>, options: RunTaskOptions<C, In> = {},
): Promise<RunTaskResult<C, D, M, S>> {
  const { out } = options;
  let resume = options.resume ?? false;
  if (resume && options.force) throw new Error('resume and force cannot be used together (--resume continues a run, --force starts it over)');
  if (resume && !out) throw new Error('resume needs the run directory (out) holding checkpoint.safetensors');
  if (resume && options.config?.initFrom !== undefined) {
    throw new Error('--init-from starts a new run from a model file and --resume continues the run in --out from its checkpoint: give one of them');
  }

  // 1. Everything that can fail on bad input, before any file is touched.
  const outExists = out ? await checkRunDirectory(out) : false;
  // A run stopped before its first checkpoint (killed while it loaded its data, say) resumes by
  // starting over, as Keras's BackupAndRestore and Lightning's "last" do, so that rerunning the
  // same command with --resume always finishes. Only when the command names its data: without a
  // checkpoint nothing recorded the first run's flags, so a bare `--resume --out DIR` stays an
  // error (it would start a run of defaults). The directory holds at most the events log and a
  // model file; both are replaced.
  let startOverNote: string | undefined;
  const namesData = Object.values(options.input ?? {}).some((v) => v !== undefined);
  if (resume && namesData && !(outExists && await stat(join(out!, CHECKPOINT_FILE_NAME)).then(() => true, () => false))) {
    resume = false;
    startOverNote = `no checkpoint in ${out} yet (the run stopped before its first one): starting it from step 0`;
  }
  let run: { ckpt: DecodedCheckpoint; stored: RunState<C> } | undefined;
  let modelStale = false;
  if (resume) {
    run = await readRun<C>(task, out!);
    modelStale = await checkModelFile(out!, run.ckpt);
  } else if (out && outExists && !options.force && !startOverNote) {
    for (const f of [CHECKPOINT_FILE_NAME, MODEL_FILE_NAME]) {
      if (await stat(join(out, f)).then(() => true, () => false)) {
        throw new Error(`${out} already holds a training run (${f}); continue it with --resume or start over with --force`);
      }
    }
  }
  let config = run ? mergeResumeConfig(task as never, run.stored.config, options.config ?? {}) : task.normalizeConfig(options.config ?? {});
  const checkSource = (s: SourceRecord) => {
    if (run && s.sha256 !== run.stored.source.sha256) {
      throw new Error(`the ${s.what} (${s.description}) is not the one this run was trained on (${run.stored.source.description}); resume with the same ${s.flag}`);
    }
  };
  // --init-from: a recur file's vocabulary, tokenizer and classes are kept, as a resumed run keeps its own.
  const init = !run && config.initFrom !== undefined ? await readInitFile(config.initFrom, task.name) : undefined;
  if (init) config = { ...config, initFrom: resolve(init.path) };
  const keep = run ? { source: run.stored.source, extras: checkpointExtras(run.ckpt), checkSource }
    : init?.extras ? { source: { what: '', flag: '', description: '', path: null, sha256: '' }, extras: init.extras, checkSource: () => {} } : undefined;
  let prepared = await task.prepare(config, options.input, keep);
  checkSource(prepared.source);

  // 2. Model, optimizer, schedule, data, RNGs: fresh (settings left to the task settled first) or restored.
  const backend = options.backend ?? await createBackend('wasm', options.threads === undefined ? {} : { threads: options.threads });
  let notes: string[] = [];
  if (!run && task.select) {
    const initFrom = init && { path: init.path, metadata: init.header.metadata, fits: (c: object) => initFileProblems(init, normalizeAnyModelConfig(c).config).length === 0 };
    ({ config, prepared, notes } = await task.select(config, prepared, backend, initFrom ? { initFrom } : {}));
  }
  // The stored or given weights are checked against the model's config before it is built.
  const { config: modelConfig } = normalizeAnyModelConfig(task.modelConfig(config, prepared));
  if (run) {
    const diff = configDifferences(modelConfig, run.ckpt.config);
    if (diff.length) throw new Error(`${join(out!, CHECKPOINT_FILE_NAME)} holds a model that this run's settings do not build (built vs stored): ${joinProblems(diff)}`);
  }
  if (init) checkInitFile(init, modelConfig);
  const modelRng = new RestorableRng(config.seed);
  const sampleRng = new RestorableRng(config.seed + 1);
  const dataRng = new RestorableRng(config.seed + 2);
  const objectiveRng = new RestorableRng(config.seed + 3);
  const model = task.buildModel(config, prepared, modelRng);
  const built = configDifferences(model.config, modelConfig);
  if (built.length) throw new Error(`${task.name}: buildModel built a model other than modelConfig describes: ${joinProblems(built)}`);
  if (run) model.loadStateDict(run.ckpt.weights);
  if (init) {
    loadInitWeights(init, model);
    notes = [...notes, `weights from ${init.path}${init.extras ? ` (a ${init.task ?? 'recur'} model${init.header.metadata['recur.step'] ? ` at step ${init.header.metadata['recur.step']}` : ''}; its vocabulary kept)` : ' (no recur metadata: its vocabulary could not be checked against this run\'s)'}`];
  }
  const backendNote = run ? resumeBackendNote(run.stored.backend, backend.name) : undefined;
  if (backendNote) notes = [...notes, backendNote];
  if (startOverNote) notes = [...notes, startOverNote];
  if (config.freeze?.length) notes = [...notes, `frozen: ${freezeParameters(model, config.freeze).join(', ')}`];
  model.to(backend);
  const optimizer = new Adam(model.parameters(), { lr: config.lr });
  const schedule = new WarmupCosineLR(optimizer, { warmupSteps: config.warmupSteps, minLr: config.minLrRatio * config.lr });
  const batches = task.batches(config, prepared, dataRng);
  const rngStates = () => ({ model: modelRng.state(), sample: sampleRng.state(), data: dataRng.state(), objective: objectiveRng.state() });
  const restoreRngs = (r: RunState<C>['rng']) => {
    modelRng.restore(r.model);
    sampleRng.restore(r.sample);
    dataRng.restore(r.data);
    objectiveRng.restore(r.objective);
  };
  let resumeFrom: LoopProgress<S> | undefined;
  let savedStep: number | null = null;
  if (run) {
    const { ckpt, stored } = run;
    optimizer.loadStateDict(ckpt.optimizer);
    schedule.loadStateDict(stored.schedule);
    batches.seek(stored.position);
    restoreRngs(stored.rng);
    resumeFrom = {
      step: stored.step, items: stored.items, elapsedMs: stored.elapsedMs, lastEval: stored.lastEval ?? null,
      best: stored.best ?? null, staleEvals: stored.staleEvals ?? 0, lrScale: stored.lrScale ?? 1, carried: (ckpt.carried as S | null) ?? null,
      lossWatch: stored.lossWatch ?? null, rollbacks: stored.rollbacks ?? 0,
    };
    savedStep = stored.step;
  }

  // 3. The run directory: created, cleaned of what killed writes left, events appended.
  let log: EventsLog | undefined;
  if (out) {
    await makeRunDirectory(out);
    await removeStaleTempFiles(out);
    log = new EventsLog(out, resume, options.eventsMaxBytes);
  }
  const write = options.writeFile ?? writeFileAtomic;
  const extrasAt = (p: LoopProgress<S>): ModelExtras => {
    const extra: Record<string, string> = { ...prepared.extras.extra, 'recur.step': String(p.step) };
    if (p.lastEval) extra['recur.val_loss'] = String(p.lastEval.loss);
    return { ...prepared.extras, task: task.name, extra };
  };
  const checkpoint = async (p: LoopProgress<S>): Promise<string> => {
    const training: RunState<C> = {
      task: task.name, step: p.step, items: p.items, elapsedMs: p.elapsedMs, lastEval: p.lastEval, best: p.best, staleEvals: p.staleEvals, lrScale: p.lrScale ?? 1,
      lossWatch: p.lossWatch ?? null, rollbacks: p.rollbacks ?? 0, position: batches.position(), rng: rngStates(),
      schedule: schedule.stateDict(), config, source: prepared.source, backend: backend.name,
    };
    const extras = extrasAt(p);
    try {
      await writeCheckpointFiles(out!, {
        checkpoint: encodeCheckpoint({ model, extras, optimizer, carried: p.carried as object | null, training: training as unknown as Record<string, unknown> }),
        model: encodeModelFile(model, extras),
      }, { writeFile: write });
    } catch (e) {
      const kept = savedStep === null ? 'no checkpoint of this run had been written yet' : `the previous checkpoint (step ${savedStep}) is intact`;
      const err = new Error(`${(e as Error).message}; ${kept}`) as NodeJS.ErrnoException;
      err.code = (e as NodeJS.ErrnoException).code;
      throw err;
    }
    savedStep = p.step;
    return out!;
  };
  const saveBest = async (p: LoopProgress<S>): Promise<string> => {
    const path = join(out!, BEST_MODEL_FILE_NAME);
    const extras = extrasAt(p);
    await write(path, encodeModelFile(model, extras));
    return path;
  };

  const description = task.describe(config, prepared, model);
  const details = {
    ...description, trainItems: prepared.trainItems, validationItems: prepared.validationItems,
    lr: config.lr, backend: backend.description, out: out ?? null, lossUnit: task.lossUnit, ...(notes.length ? { notes } : {}),
  } as unknown as Details;
  // Free pages back to the system every few seconds while it trains (load.ts): a run's resident
  // memory then stays where its working set is instead of where its allocator's peak was.
  const trim = setInterval(releaseFreedMemory, RELEASE_MEMORY_EVERY_MS);
  trim.unref?.();
  try {
    const result = await fit(model, {
      data: batches, objective: task.objective(model, config, prepared, objectiveRng), backend, optimizer, schedule,
      unit: task.unit, task: task.name, details, clipNorm: config.clipNorm, accumulate: config.accumulate,
      maxSteps: config.maxSteps, epochs: config.maxEpochs, maxTimeMs: config.maxTimeMs,
      evalEvery: cadenceSteps(config.evalEvery, batches.batchesPerEpoch, config.accumulate),
      checkpointEvery: cadenceSteps(config.checkpointEvery, batches.batchesPerEpoch, config.accumulate),
      validation: task.evaluate ? () => task.evaluate!(model, prepared, backend, config) : undefined,
      metrics: task.metrics ?? [], monitor: task.monitor, patience: config.patience,
      reduceLrOnPlateau: config.reduceLrPatience ? { factor: 0.5, patience: config.reduceLrPatience } : undefined,
      sample: task.sample ? () => task.sample!(model, prepared, backend, sampleRng, config) : undefined,
      checkpoint: out ? checkpoint : undefined, saveBest: out && task.evaluate ? saveBest : undefined,
      signal: options.signal, resumeFrom, checkpointAtEnd: modelStale, keepLosses: options.keepLosses,
      // A rollback restores the RNGs with the rest of the checkpoint's state, as a resume does.
      divergence: { factor: config.divergenceFactor, action: config.onDivergence },
      callerState: { save: rngStates, restore: (r) => restoreRngs(r as RunState<C>['rng']) },
      onEvent: (e) => { log?.write(e); options.onEvent?.(e); },
    });
    return { ...result, model, config, prepared };
  } finally {
    clearInterval(trim);
    log?.close();
  }
}

/**
 * The note for a run resumed on another backend than the one that wrote its checkpoint
 * (undefined when they are the same, or the checkpoint predates the record): training goes on,
 * but the kernels round differently, so the losses drift from an uninterrupted run's.
 */
export function resumeBackendNote(stored: unknown, current: string): string | undefined {
  if (typeof stored !== 'string' || stored === current) return undefined;
  return `note: trained on the ${stored} backend, resumed on ${current}: the losses will not be bit-identical to an uninterrupted run on ${stored}`;
}

/**
 * Refuses to resume when the run's model.safetensors was replaced after its checkpoint (weights
 * trained elsewhere, say): resuming would silently continue from the checkpoint and lose them.
 * The loop writes the model file just after the checkpoint with the same weights, so a newer
 * file with equal weights is the run's own.
 */
/** The first way the model file at `modelPath` differs from the checkpoint's weights, or null when it holds them. */
async function modelDiffers(modelPath: string, ckpt: DecodedCheckpoint): Promise<string | null> {
  try {
    const { tensors } = decodeSafetensors(await readFile(modelPath));
    return [...ckpt.weights].find(([name, t]) => {
      const other = tensors.get(name);
      return !other || other.data.length !== t.data.length || !Buffer.from(other.data.buffer, other.data.byteOffset, other.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    })?.[0] ?? (tensors.size !== ckpt.weights.size ? '(the set of tensors)' : null);
  } catch (e) {
    return `(it cannot be read: ${(e as Error).message})`;
  }
}

/**
 * Refuses a replaced model file (above); returns whether the model file lacks the checkpoint's
 * weights otherwise: older (the checkpoint is written first, so a kill between the two writes
 * leaves the one before) or missing. Such a run rewrites it at the end even with nothing left to
 * train. The model file is read once.
 */
async function checkModelFile(out: string, ckpt: DecodedCheckpoint): Promise<boolean> {
  const modelPath = join(out, MODEL_FILE_NAME);
  const [m, c] = await Promise.all([stat(modelPath).catch(() => null), stat(join(out, CHECKPOINT_FILE_NAME))]);
  const differs = await modelDiffers(modelPath, ckpt);
  if (differs !== null && m !== null && m.mtimeMs > c.mtimeMs) {
    throw new Error(`${modelPath} was replaced after the run's last checkpoint (it is newer than ${CHECKPOINT_FILE_NAME} and its weights differ: ${differs}); ` +
      `--resume would continue from the checkpoint and lose those weights. To train from them, start a new run: --init-from ${modelPath} --out NEW_DIR; ` +
      `to continue the checkpoint, move ${MODEL_FILE_NAME} away first`);
  }
  return differs !== null;
}

/** The extras a checkpoint saved beside the weights (vocabulary, normalisation, task, other keys). */
function checkpointExtras(ckpt: DecodedCheckpoint): ModelExtras {
  const extras: ModelExtras = {};
  if (ckpt.vocabulary) extras.vocabulary = ckpt.vocabulary;
  if (ckpt.normalization) extras.normalization = ckpt.normalization;
  if (ckpt.task !== undefined) extras.task = ckpt.task;
  if (ckpt.extra) extras.extra = ckpt.extra;
  return extras;
}
