/**
 * A toy task built only from the task framework, to show (and test) that a task is one small
 * record: copy the input tokens back with a delay of `delay` steps. The data is generated from
 * the seed, so the "source" is the generator's settings and a hash of what it made.
 */
import { createHash } from 'node:crypto';
import { type SequenceBatch, type SequenceDataset, SequenceBatcher } from '../../data/sequence-batcher.js';
import { RecurrentModel } from '../../nn/recurrent-model.js';
import { Rng } from '../../random/rng.js';
import type { Task } from '../../tasks/task.js';
import { type TrainConfig, checkTrainConfig, fieldChecks } from '../../tasks/train-config.js';
import { evaluateSequences, sequenceObjective } from '../../train/sequence-objectives.js';

export interface CopyConfig extends TrainConfig { delay: number; length: number; vocabSize: number; hiddenSize: number; examples: number }

const DEFAULTS: CopyConfig = {
  delay: 2, length: 12, vocabSize: 6, hiddenSize: 24, examples: 400,
  lr: 1e-2, minLrRatio: 0.1, warmupSteps: 5, clipNorm: 1, batchSize: 16, accumulate: 1, seed: 1, evalEvery: 10, checkpointEvery: 10,
};

/** `n` sequences of random tokens and, per step, the token `delay` steps earlier (0 before that). */
function generate(c: CopyConfig, n: number, rng: Rng): SequenceDataset {
  const inputs: Int32Array[] = [], labels: Int32Array[] = [];
  for (let i = 0; i < n; i++) {
    const x = Int32Array.from({ length: c.length }, () => rng.int(c.vocabSize));
    inputs.push(x);
    labels.push(Int32Array.from(x, (_, t) => (t >= c.delay ? x[t - c.delay]! : 0)));
  }
  return { inputs, labels };
}

const copyModelConfig = (c: CopyConfig) => ({ input: { kind: 'one-hot' as const, vocabSize: c.vocabSize }, cell: 'gru' as const, hiddenSize: c.hiddenSize, outputSize: c.vocabSize });

export const copyTask: Task<CopyConfig, undefined, { train: SequenceDataset; validation: SequenceDataset }, RecurrentModel, SequenceBatch> = {
  name: 'copy', unit: 'tokens', lossUnit: 'nats/token',
  metrics: [{ name: 'accuracy', label: 'accuracy', format: 'percent', digits: 1, better: 'max' }],
  defaults: DEFAULTS, runControl: [],
  normalizeConfig(partial) {
    const c = { ...DEFAULTS, ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) } as CopyConfig;
    for (const k of ['delay', 'length', 'vocabSize', 'hiddenSize', 'examples'] as const) fieldChecks(c, 'copy config').int(k, 1);
    return checkTrainConfig(c, 'copy config', 60_000);
  },
  async prepare(c) {
    const rng = new Rng(c.seed + 100);
    const [train, validation] = [generate(c, c.examples, rng), generate(c, 64, rng)];
    const sha256 = createHash('sha256').update(JSON.stringify([train, validation].map((d) => d.inputs.map((x) => Array.from(x))))).digest('hex');
    return {
      data: { train, validation }, extras: {}, trainItems: c.examples, validationItems: 64,
      source: { what: 'generated data', flag: '--seed', description: `${c.examples} sequences of ${c.length}`, path: null, sha256 },
    };
  },
  modelConfig: (c) => copyModelConfig(c),
  buildModel: (c, _p, rng) => new RecurrentModel(copyModelConfig(c), { rng }),
  batches: (c, { data }, rng) => new SequenceBatcher(data.train, { batchSize: c.batchSize, rng }),
  objective: (model) => sequenceObjective(model, 'step'),
  evaluate: (model, { data }, backend) => evaluateSequences(model, backend, data.validation, { metrics: ['accuracy'] }),
  describe: (c) => ({ model: `1×${c.hiddenSize} gru`, data: `copy with a delay of ${c.delay}`, batch: String(c.batchSize), facts: [] }),
};
