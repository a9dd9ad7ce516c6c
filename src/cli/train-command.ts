/**
 * The one `train` command every task's CLI uses: the shared flags (run directory, resume, force,
 * limits, evaluation and checkpoint cadence, seed, threads, JSON, learning rate, batch size,
 * clipping, patience, gradient accumulation, divergence, backend), the progress or JSON rendering, Ctrl-C (a
 * checkpoint, then exit code 130; a second Ctrl-C quits at once), a closed stdout pipe (a
 * checkpoint, then a quiet exit) and errors as JSON events under --json. A task's command adds
 * only its own flags and how they map to its config and inputs.
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { SavedModule } from '../nn/model-kinds.js';
import { runTask } from '../tasks/run-task.js';
import { DEFAULT_EVENTS_MAX_BYTES } from '../tasks/run-directory.js';
import type { Task } from '../tasks/task.js';
import type { Cadence, TrainConfig } from '../tasks/train-config.js';
import type { StartDetails, TrainEvent } from '../train/events.js';
import { type BackendChoice, type BackendKind, BACKEND_HELP, THREADS_HELP, chooseBackend, createKind, parseBackendFlag } from './backend-option.js';
import { DEFAULT_DIVERGENCE_FACTOR, DEFAULT_MAX_ROLLBACKS, DIVERGENCE_ACTIONS, type DivergenceAction } from '../train/divergence.js';
import { cadenceFlag, choiceFlag, durationFlag, integerFlag, numberFlag, numberOrOffFlag } from './flag-parsers.js';
import { stdout } from './output.js';
import { type Dashboard, startDashboard } from '../dashboard/server.js';
import { createTrainRenderer } from './train-progress.js';

/** The flags every train command has, as commander parses them. */
export interface SharedTrainFlags {
  out: string;
  resume?: boolean;
  force?: boolean;
  maxSteps?: number;
  maxEpochs?: number;
  maxTime?: number;
  evalEvery?: Cadence;
  checkpointEvery?: Cadence;
  seed?: number;
  threads?: number;
  backend?: BackendChoice;
  json?: boolean;
  lr?: number;
  batchSize?: number;
  clipNorm?: number;
  patience?: number;
  reduceLrPatience?: number;
  accumulate?: number;
  dashboard?: boolean;
  initFrom?: string;
  freeze?: string[];
  divergenceFactor?: number;
  onDivergence?: DivergenceAction;
  eventsMaxMb?: number;
}

export interface TrainCommandSpec<C extends TrainConfig, In, F> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  task: Task<C, In, any, any, any, any, any>;
  description: string;
  /** The run directory when --out is not given. */
  defaultOut: string;
  /** Adds the task's own flags (added before the shared ones, so they lead in --help). */
  flags(cmd: Command): void;
  /** The task's part of the config from its flags; checks flag combinations (no flag accepted and then ignored). */
  config(flags: F & SharedTrainFlags): Partial<C>;
  /** The task's inputs from its flags (undefined: none given; a resume then uses the run's own). */
  input(flags: F & SharedTrainFlags): In | undefined;
  /** Help for shared flags whose meaning the task words differently (e.g. what --batch-size counts). */
  help?: Partial<Record<'batchSize' | 'evalEvery' | 'lr', string>>;
  /** Added after the options in --help. */
  helpAfter?: string;
  /**
   * The task to run when flags choose among several (e.g. `lm train --tokens word`); `spec.task`
   * (whose defaults --help shows) otherwise. May read the run directory when resuming.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  taskFor?(flags: F & SharedTrainFlags): Promise<Task<C, In, any, any, any, any, any>>;
}

/** The shared flags' part of a config. */
function sharedConfig(f: SharedTrainFlags): Partial<TrainConfig> {
  return {
    lr: f.lr, batchSize: f.batchSize, clipNorm: f.clipNorm, accumulate: f.accumulate, seed: f.seed, patience: f.patience, reduceLrPatience: f.reduceLrPatience,
    maxSteps: f.maxSteps, maxEpochs: f.maxEpochs, maxTimeMs: f.maxTime, evalEvery: f.evalEvery, checkpointEvery: f.checkpointEvery,
    initFrom: f.initFrom, freeze: f.freeze, divergenceFactor: f.divergenceFactor, onDivergence: f.onDivergence,
  };
}

/** Registers `train` under `parent` (e.g. `recur lm train`). */
export function registerTrainCommand<C extends TrainConfig, In, F>(parent: Command, spec: TrainCommandSpec<C, In, F>): Command {
  const D = spec.task.defaults;
  const cmd = parent.command('train').description(spec.description);
  spec.flags(cmd);
  cmd
    .option('--out <dir>', 'run directory: model.safetensors, checkpoint.safetensors, best.safetensors (best validation) and events.jsonl', spec.defaultOut)
    .option('--resume', 'continue the run in --out from its checkpoint (same losses as a run that never stopped); a run stopped before its first checkpoint starts over')
    .option('--force', 'start a new run in an --out that already holds one, overwriting it')
    .option('--init-from <file>', 'start the new run from the weights of a model file or run directory (recur\'s, whose vocabulary is kept, or a safetensors file saved by PyTorch under the same names), checked against this run\'s model first; the model flags must build the same model')
    .option('--freeze <names>', 'parameters that training leaves as they are, comma-separated: full names (embedding.weight) or prefixes (embedding, rnn, head)', (v: string) => {
      const names = v.split(',').map((n) => n.trim());
      if (names.some((n) => n === '')) throw new InvalidArgumentError(`--freeze takes parameter names separated by commas, got '${v}'`);
      return names;
    })
    .option('--max-steps <n>', 'stop after this many steps in total (the learning-rate decay ends here)', integerFlag('--max-steps', 1))
    .option('--max-epochs <n>', 'stop after this many passes over the training data', integerFlag('--max-epochs', 1))
    .option('--max-time <duration>', 'stop after this much training time in total, e.g. 30m, 1h30m, 90s (the default limit when no other is given)', durationFlag('--max-time'))
    .option('--eval-every <n>', spec.help?.evalEvery ?? `validate every n steps, or once an epoch with "epoch"; 0 = only at the end (default ${D.evalEvery})`, cadenceFlag('--eval-every'))
    .option('--checkpoint-every <n>', `write a checkpoint every n steps, or once an epoch with "epoch"; 0 = only at the end (default ${D.checkpointEvery})`, cadenceFlag('--checkpoint-every'))
    .option('--patience <n>', `stop early after n validations in a row without improvement (default ${D.patience ?? 'never'})`, integerFlag('--patience', 1))
    .option('--reduce-lr-patience <n>', `halve the learning rate after n validations in a row without improvement (default ${D.reduceLrPatience ?? 'never'})`, integerFlag('--reduce-lr-patience', 1))
    .option('--lr <rate>', spec.help?.lr ?? `peak learning rate of Adam (default ${D.lr}; warm-up, then cosine decay to ${D.minLrRatio} of it)`, numberFlag('--lr', 0, Infinity, { loOpen: true }))
    .option('--batch-size <n>', spec.help?.batchSize ?? `sequences per batch (default ${D.batchSize})`, integerFlag('--batch-size', 1))
    .option('--accumulate <n>', `batches whose gradients add up to one optimizer step (default ${D.accumulate})`, integerFlag('--accumulate', 1))
    .option('--clip-norm <n>', `global gradient-norm clipping threshold (default ${D.clipNorm ?? 'none'})`, numberFlag('--clip-norm', 0, Infinity, { loOpen: true }))
    .option('--divergence-factor <x>', 'the run has diverged when its smoothed training loss (an EMA) rises above x times its best; a NaN or Inf loss or gradient always counts, ' +
      `and the diverged step is never applied or checkpointed; 0 or off: only those (default ${D.divergenceFactor ?? DEFAULT_DIVERGENCE_FACTOR})`, numberOrOffFlag('--divergence-factor', 1))
    .option('--on-divergence <action>', 'stop: end with a diagnosis (the first op that made NaN or Inf, recent gradient norms) and exit code 1, keeping the last checkpoint; ' +
      `rollback: reload the last good checkpoint (the last before the loss began to climb) and go on at half the learning rate, at most ${DEFAULT_MAX_ROLLBACKS} times (default ${D.onDivergence ?? 'stop'})`,
    choiceFlag('--on-divergence', DIVERGENCE_ACTIONS))
    .option('--seed <n>', `seed of initialisation, dropout, shuffling and samples (default ${D.seed})`, integerFlag('--seed', 0))
    .option('--backend <name>', `${BACKEND_HELP}; a run resumed on another backend goes on, but its losses are not bit-identical to an uninterrupted run`, parseBackendFlag)
    .option('--threads <n>', THREADS_HELP, integerFlag('--threads', 1))
    .option('--json', 'print one JSON object per event (start, step, eval, sample, checkpoint, divergence, end; error on failure)')
    .option('--events-max-mb <n>', `keep events.jsonl under n MB however long the run: past it, the log is thinned to every 2nd, then 4th, ... step (start, end and divergence events stay) (default ${DEFAULT_EVENTS_MAX_BYTES / 2 ** 20})`,
      numberFlag('--events-max-mb', 0.001, Infinity))
    .option('--dashboard', 'serve the live page of `recur dashboard` for this run while it trains (127.0.0.1 only, a token in the printed URL)')
    .addHelpText('after', `\nCtrl-C writes a checkpoint and stops (exit code 130); a second Ctrl-C quits at once.\n` +
      'When resuming, model and optimisation flags must match the checkpoint; --max-steps, --max-epochs, --max-time, --eval-every, ' +
      `--checkpoint-every, --patience, --reduce-lr-patience, --divergence-factor and --on-divergence may change. --init-from starts a new run from another run's weights (fine-tuning); --resume refuses a run whose model.safetensors was replaced after its checkpoint.${spec.helpAfter ? `\n${spec.helpAfter}` : ''}`)
    .action((flags: F & SharedTrainFlags) => runTrainCommand(spec, flags));
  return cmd;
}

async function runTrainCommand<C extends TrainConfig, In, F>(spec: TrainCommandSpec<C, In, F>, f: F & SharedTrainFlags): Promise<void> {
  if (f.resume && f.force) throw new Error('--resume and --force cannot be used together');
  const config = { ...sharedConfig(f), ...spec.config(f) } as Partial<C>;
  const input = spec.input(f);
  const renderer = createTrainRenderer({ json: f.json });
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) {
      renderer.stop(); // restores the cursor
      process.exit(130);
    }
    controller.abort();
    renderer.note('interrupted: writing a checkpoint after this step (Ctrl-C again to quit without it)');
  };
  // A reader that went away (`recur ... train --json | head -2`): stop after a checkpoint, quietly.
  const onPipeClosed = () => controller.abort();
  stdout.closedSignal.addEventListener('abort', onPipeClosed);
  process.on('SIGINT', onSigint);
  // --dashboard: the page of `recur dashboard OUT`, served from the start event (the run
  // directory exists by then) until training ends.
  let dashboard: Promise<Dashboard | undefined> | undefined;
  let chosen: BackendKind = 'wasm';
  const onEvent = (e: TrainEvent) => {
    if (!stdout.closed) renderer.onEvent(e);
    if (f.dashboard && e.type === 'start' && dashboard === undefined) {
      // The page's models get a one-thread backend of the same kind, apart from training's memory.
      dashboard = startDashboard({ runs: [f.out], modelBackend: () => createKind(chosen, 1) }).then((d) => {
        if (!stdout.closed) renderer.note(`dashboard: ${d.url} (while this run trains; \`recur dashboard ${f.out}\` serves it afterwards)`);
        return d;
      }, (err: Error) => {
        if (!stdout.closed) renderer.note(`dashboard: could not start (${err.message}); training goes on`);
        return undefined;
      });
    }
  };
  let result;
  try {
    // Before anything is written: a bad RECUR_BACKEND or an unavailable native backend is one line.
    const choice = await chooseBackend(f.backend, { threads: f.threads });
    chosen = choice.chosen;
    result = await runTask(spec.taskFor ? await spec.taskFor(f) : spec.task, {
      input, out: f.out, config, resume: f.resume, force: f.force, backend: choice.backend, signal: controller.signal, onEvent,
      eventsMaxBytes: f.eventsMaxMb === undefined ? undefined : Math.round(f.eventsMaxMb * 2 ** 20), keepLosses: false,
    });
  } catch (e) {
    if (f.json && !stdout.closed) renderer.error((e as Error).message);
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    stdout.closedSignal.removeEventListener('abort', onPipeClosed);
    if (!stdout.closed) renderer.stop();
    await (await dashboard)?.close();
  }
  if (result.reason === 'interrupted' && !stdout.closed) process.exitCode = 130;
}
