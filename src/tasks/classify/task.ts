/**
 * Sequence classification as a task record: examples prepared by prepare.ts (read, split,
 * tokenized), the model a RecurrentModel with an embedding (text) or dense (vector sequences)
 * input, a pooled final stage and one output per class; softmax cross-entropy (optionally class
 * weighted) or, multi-label, sigmoid + binary cross-entropy; validation accuracy decides the best
 * model, macro-F1 beside it; each validation pass carries its confusion matrix (or, multi-label,
 * per-class scores) for the dashboard (eval-panels.ts).
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { SequenceBatcher, type SequenceBatch } from '../../data/sequence-batcher.js';
import { RecurrentModel, type RecurrentModelConfigInput } from '../../nn/recurrent-model.js';
import type { StartDetails } from '../../train/events.js';
import { METRIC_SPECS } from '../../train/metrics.js';
import { evaluateSequences, sequenceObjective } from '../../train/sequence-objectives.js';
import type { Prepared, Task } from '../task.js';
import { CLASSIFY_DEFAULTS, CLASSIFY_RUN_CONTROL, type ClassifyConfig, classifierArchitecture, normalizeClassifyConfig } from './config.js';
import { type ClassifyData, type ClassifyInput, type ClassifyMetadata, type RawExamples, detectFormat, prepareClassify, readExamples } from './prepare.js';
import { classifyEvalPanels } from './eval-panels.js';

/** The model-file metadata key of this task's settings (`ClassifyMetadata` as JSON). */
export const CLASSIFY_METADATA_KEY = 'recur.classify';

export interface ClassifyStartDetails extends StartDetails {
  classes: number;
}

/** The RecurrentModel config of a run. */
export function classifierConfig(config: ClassifyConfig, data: Pick<ClassifyData, 'tokenizer' | 'features' | 'classes' | 'embeddingDim'>): RecurrentModelConfigInput {
  const input = data.tokenizer
    ? { kind: 'embedding' as const, vocabSize: data.tokenizer.size, embeddingDim: data.embeddingDim, paddingIdx: 0 }
    : { kind: 'dense' as const, size: data.features! };
  const { cell, bidirectional, headDropout } = classifierArchitecture(config, data.tokenizer !== null);
  return {
    input, cell, bidirectional, hiddenSize: config.hiddenSize, numLayers: config.numLayers,
    dropout: config.dropout, outputSize: data.classes.length, output: 'last', pooling: config.pooling, headDropout,
  };
}

/** SHA-256 of examples as read (texts or vectors, and labels), for the resume check. */
function digest(raw: RawExamples): string {
  const h = createHash('sha256');
  if (raw.kind === 'text') for (const t of raw.texts) h.update(t).update('\0');
  else for (const x of raw.inputs) h.update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  h.update(JSON.stringify(raw.labels));
  return h.digest('hex');
}

function count(n: number, what: string): string {
  return `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;
}

export const classifyTask: Task<ClassifyConfig, ClassifyInput, ClassifyData, RecurrentModel, SequenceBatch, null, ClassifyStartDetails> = {
  name: 'classify',
  unit: 'sequences',
  lossUnit: 'nats/sequence',
  metrics: [METRIC_SPECS.accuracy, METRIC_SPECS['macro-f1']],
  monitor: { metric: 'accuracy', mode: 'max' },
  defaults: CLASSIFY_DEFAULTS,
  runControl: CLASSIFY_RUN_CONTROL,
  normalizeConfig: normalizeClassifyConfig,

  async prepare(config, input = {}, resumed) {
    const stored = resumed?.source.path ?? undefined;
    const saved = resumed?.extras.extra?.[CLASSIFY_METADATA_KEY];
    const savedMeta = saved ? JSON.parse(saved) as ClassifyMetadata & { labelsPath?: string; validationPath?: string; validationLabelsPath?: string } : undefined;
    const given = input.dataPath !== undefined || input.text !== undefined;
    const dataPath = given ? input.dataPath : stored;
    const labelsPath = given ? input.labelsPath : savedMeta?.labelsPath;
    const format = input.text !== undefined ? 'table' : await detectFormat(dataPath ?? '', config.format).catch((e: Error) => { if (!dataPath) return 'table'; throw e; });
    const raw = await readExamples(config, { path: dataPath, labelsPath, text: input.text });
    const source = {
      what: 'training data', flag: '--data',
      description: `${raw.source}, ${count(raw.labels.length, 'example')}`,
      path: input.text !== undefined ? null : resolve(dataPath!),
      sha256: digest(raw),
    };
    resumed?.checkSource(source);
    const validationPath = given ? input.validationPath : savedMeta?.validationPath;
    const validationLabelsPath = given ? input.validationLabelsPath : savedMeta?.validationLabelsPath;
    const valRaw = validationPath ? await readExamples(config, { path: validationPath, labelsPath: validationLabelsPath }, '--validation-data') : undefined;
    const data = await prepareClassify(config, raw, format, valRaw, savedMeta);
    const meta = {
      ...data.meta,
      labelsPath: labelsPath ? resolve(labelsPath) : undefined,
      validationPath: validationPath ? resolve(validationPath) : undefined,
      validationLabelsPath: validationLabelsPath ? resolve(validationLabelsPath) : undefined,
    };
    const prepared: Prepared<ClassifyData> = {
      data, source, extras: { extra: { [CLASSIFY_METADATA_KEY]: JSON.stringify(meta) } },
      trainItems: data.train.inputs.length, validationItems: data.validation.inputs.length,
    };
    return prepared;
  },

  modelConfig: (config, { data }) => classifierConfig(config, data),

  buildModel(config, { data }, rng) {
    const model = new RecurrentModel(classifierConfig(config, data), { rng });
    if (data.vectors) {
      const w = model.embedding!.weight;
      w.data.set(data.vectors.table);
      w.requiresGrad = !config.freezeVectors;
    }
    return model;
  },

  batches: (config, { data }, rng) => new SequenceBatcher(data.train, { batchSize: config.batchSize, rng }),

  objective: (model, config, { data }) => sequenceObjective(model, config.multiLabel ? 'targets' : 'sequence', { classWeights: data.classWeights, multiLabel: config.multiLabel }),

  evaluate(model, { data }, backend, config) {
    const r = evaluateSequences(model, backend, data.validation, { batchSize: 256, metrics: ['accuracy', 'macro-f1'], multiLabel: config.multiLabel });
    return { loss: r.loss, metrics: r.metrics, view: classifyEvalPanels(data.classes, data.validation, r.predictions, config.multiLabel) };
  },

  describe(config, { data }, model) {
    const c = model.config;
    const input = data.tokenizer ? `${data.tokenizer.options.level} embedding ${data.embeddingDim}` : `${data.features} features per step`;
    return {
      model: `${c.numLayers}×${c.hiddenSize} ${c.bidirectional ? 'bidirectional ' : ''}${c.cell}, ${input}, ${config.pooling} pooling`,
      data: data.raw.source,
      batch: String(config.batchSize),
      classes: data.classes.length,
      facts: [
        ['classes', `${data.classes.length}${config.multiLabel ? ' (multi-label)' : ''}: ${data.classes.slice(0, 8).join(', ')}${data.classes.length > 8 ? ', ...' : ''}`],
        ...(classifierArchitecture(config, data.tokenizer !== null).auto
          ? [['architecture', `${c.bidirectional ? 'bidirectional ' : 'forwards '}${c.cell}, head dropout ${c.headDropout}, chosen for ${data.tokenizer ? 'text' : 'sequences of vectors'} (--cell, --bidirectional or --no-bidirectional, --head-dropout to set)`] as [string, string]] : []),
        ...(data.tokenizer ? [['vocabulary', data.tokenizer.size] as [string, number]] : []),
        ...(data.classWeights ? [['class weights', `balanced, ${Math.min(...data.classWeights).toFixed(2)} to ${Math.max(...data.classWeights).toFixed(2)}`] as [string, string]] : []),
        ...data.facts,
      ],
    };
  },
};
