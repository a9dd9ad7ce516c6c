/**
 * Sequence to sequence as a task record: pairs prepared by prepare.ts, the model an
 * EncoderDecoder, the loss teacher-forced cross-entropy per target token (label smoothing,
 * scheduled teacher forcing), validation by the same loss plus greedy decoding scored by corpus
 * BLEU (which decides the best model) and exact match.
 */
import { resolve } from 'node:path';
import { Tape } from '../../autograd/tape.js';
import type { Backend } from '../../kernels/backend.js';
import { Tokenizer } from '../../data/tokenizer.js';
import { loadTextFile } from '../../data/text-file.js';
import type { MetricSpec, StartDetails } from '../../train/events.js';
import type { Prepared, Task } from '../task.js';
import { type PairBatch, PairBatcher, type PairSet, makePairBatch } from './batches.js';
import { corpusBleu } from './bleu.js';
import { SEQ2SEQ_DEFAULTS, SEQ2SEQ_RUN_CONTROL, type Seq2seqConfig, normalizeSeq2seqConfig, teacherForcingAt } from './config.js';
import { decode } from './decode.js';
import { EncoderDecoder, type EncoderDecoderConfigInput } from './model.js';
import { type RawPairs, type Seq2seqData, type Seq2seqMetadata, pairsDigest, parsePairs, prepareSeq2seq } from './prepare.js';

/** The model-file metadata key of this task's settings (`Seq2seqMetadata` as JSON). */
export const SEQ2SEQ_METADATA_KEY = 'recur.seq2seq';

export const SEQ2SEQ_METRICS: MetricSpec[] = [
  { name: 'bleu', label: 'BLEU', format: 'decimal', digits: 2, better: 'max' },
  { name: 'exact', label: 'exact match', format: 'percent', digits: 2, better: 'max' },
];

export interface Seq2seqInput {
  /** A TSV of source<TAB>target lines. */
  dataPath?: string;
  /** Validation pairs in the same layout instead of a split of the training data. */
  validationPath?: string;
  /** The TSV's text in memory (library and tests). */
  text?: string;
}

/** The EncoderDecoder config of a run. */
export function encoderDecoderConfig(c: Seq2seqConfig, data: Pick<Seq2seqData, 'sourceTokenizer' | 'targetTokenizer' | 'goId' | 'eosId' | 'maxSourceLength' | 'maxTargetLength'>): EncoderDecoderConfigInput {
  return {
    kind: 'encoder-decoder',
    sourceVocabSize: data.sourceTokenizer.size, targetVocabSize: data.targetTokenizer.size, embeddingDim: c.embeddingDim, cell: c.cell,
    encoderHiddenSize: c.bidirectional ? c.hiddenSize / 2 : c.hiddenSize, decoderHiddenSize: c.hiddenSize, numLayers: c.numLayers,
    bidirectional: c.bidirectional, reverseSource: c.reverseSource, attention: c.attention, inputFeeding: c.inputFeeding && c.attention !== 'none',
    dropout: c.dropout, goId: data.goId, eosId: data.eosId, maxSourceLength: data.maxSourceLength, maxTargetLength: data.maxTargetLength,
  };
}

/** Teacher-forced loss (nats per target token) and token count over a set of pairs. */
export function pairLoss(model: EncoderDecoder, backend: Backend, set: PairSet, goId: number, eosId: number, batchSize = 128): { loss: number; tokens: number } {
  const wasTraining = model.training;
  model.eval();
  const tape = Tape.inference(backend);
  let total = 0, tokens = 0;
  // By length, so that batches hold little padding (the sum does not depend on the order).
  const order = Array.from(set.sources.keys()).sort((a, b) => set.targets[a]!.length - set.targets[b]!.length || set.sources[a]!.length - set.sources[b]!.length);
  try {
    for (let lo = 0; lo < order.length; lo += batchSize) {
      const b = makePairBatch(set, order.slice(lo, lo + batchSize), goId, eosId);
      const enc = model.encode(tape, b.sources);
      const l = model.teacherLoss(tape, enc, b.decoderInputs, b.decoderTargets, { reduction: 'sum' });
      total += l.item();
      tokens += b.tokens;
      tape.reset();
    }
  } finally {
    model.train(wasTraining);
  }
  return { loss: total / Math.max(1, tokens), tokens };
}

/** Greedy translations of the validation sources, scored: BLEU and exact match against the references. */
export function greedyScore(model: EncoderDecoder, backend: Backend, data: Pick<Seq2seqData, 'validation' | 'validationTexts' | 'targetTokenizer'>): { bleu: number; exact: number; hypotheses: string[] } {
  const hyps = decode(model, backend, data.validation.sources, { method: 'greedy', batchSize: 256 }).map((list) => data.targetTokenizer.decode(list[0]!.tokens));
  const refs = data.validationTexts.targets;
  const exact = exactMatches(data.targetTokenizer, hyps, refs).filter(Boolean).length / hyps.length;
  return { bleu: corpusBleu(hyps, refs).score, exact, hypotheses: hyps };
}

/**
 * A reference in the form translations take: its tokens (lower-cased when the tokenizer
 * lower-cases) joined as `decode` joins them. Words outside the vocabulary stay as they are, so
 * an output of [UNK] never matches them.
 */
export function normalizeReference(target: Tokenizer, text: string): string {
  return target.tokenize(text).join(target.options.level === 'word' ? ' ' : '');
}

/** Whether each translation equals its reference (as `normalizeReference` writes it). */
export function exactMatches(target: Tokenizer, hypotheses: readonly string[], references: readonly string[]): boolean[] {
  return hypotheses.map((h, i) => h === normalizeReference(target, references[i]!));
}

export const seq2seqTask: Task<Seq2seqConfig, Seq2seqInput, Seq2seqData, EncoderDecoder, PairBatch, null, StartDetails> = {
  name: 'seq2seq',
  unit: 'tokens',
  lossUnit: 'nats/token',
  metrics: SEQ2SEQ_METRICS,
  monitor: { metric: 'bleu', mode: 'max' },
  defaults: SEQ2SEQ_DEFAULTS,
  runControl: SEQ2SEQ_RUN_CONTROL,
  normalizeConfig: normalizeSeq2seqConfig,

  async prepare(config, input = {}, resumed) {
    const saved = resumed?.extras.extra?.[SEQ2SEQ_METADATA_KEY];
    const savedMeta = saved ? JSON.parse(saved) as Seq2seqMetadata & { validationPath?: string } : undefined;
    const given = input.dataPath !== undefined || input.text !== undefined;
    const dataPath = given ? input.dataPath : resumed?.source.path ?? undefined;
    if (input.text === undefined && dataPath === undefined) throw new Error('seq2seq: give the training pairs (--data FILE, a TSV of source<TAB>target lines)');
    const text = input.text ?? await loadTextFile(dataPath!);
    const raw: RawPairs = parsePairs(text, dataPath ?? 'pairs', config);
    const source = {
      what: 'training data', flag: '--data',
      description: `${raw.source}, ${raw.sources.length.toLocaleString('en-US')} pairs`,
      path: input.text !== undefined ? null : resolve(dataPath!),
      sha256: pairsDigest(raw),
    };
    resumed?.checkSource(source);
    const validationPath = given ? input.validationPath : savedMeta?.validationPath;
    const valRaw = validationPath ? parsePairs(await loadTextFile(validationPath), validationPath, config) : undefined;
    const data = prepareSeq2seq(config, raw, savedMeta, valRaw);
    const meta = { ...data.meta, validationPath: validationPath ? resolve(validationPath) : undefined };
    const prepared: Prepared<Seq2seqData> = {
      data, source, extras: { extra: { [SEQ2SEQ_METADATA_KEY]: JSON.stringify(meta) } },
      trainItems: data.train.targets.reduce((n, t) => n + t.length + 1, 0),
      validationItems: data.validation.targets.reduce((n, t) => n + t.length + 1, 0),
    };
    return prepared;
  },

  modelConfig: (config, { data }) => encoderDecoderConfig(config, data),
  buildModel: (config, { data }, rng) => new EncoderDecoder(encoderDecoderConfig(config, data), { rng }),

  batches: (config, { data }, rng) => new PairBatcher(data.train, config.batchSize, data.goId, data.eosId, rng),

  objective(model, config, { data }, rng) {
    const total = config.maxSteps ?? (config.maxEpochs !== undefined ? config.maxEpochs * Math.ceil(data.train.sources.length / config.batchSize) : undefined);
    return ({ tape, batch, step }) => {
      const ratio = teacherForcingAt(config, step, total ?? 1);
      const enc = model.encode(tape, batch.sources);
      const loss = model.teacherLoss(tape, enc, batch.decoderInputs, batch.decoderTargets, { labelSmoothing: config.labelSmoothing, teacherForcing: ratio, rng });
      return { loss, items: batch.tokens };
    };
  },

  evaluate(model, { data }, backend) {
    const { loss } = pairLoss(model, backend, data.validation, data.goId, data.eosId);
    const { bleu, exact } = greedyScore(model, backend, data);
    return { loss, metrics: { bleu, exact } };
  },

  sample(model, { data }, backend) {
    const i = 0;
    const [h] = decode(model, backend, [data.validation.sources[i]!], { method: 'greedy' })[0]!;
    return `${data.validationTexts.sources[i]} -> ${data.targetTokenizer.decode(h!.tokens)}`;
  },

  describe(config, { data }, model) {
    const c = model.config;
    const enc = `${c.numLayers}×${c.encoderHiddenSize}${c.bidirectional ? ' bidirectional' : ''} ${c.cell}${c.reverseSource ? ' (reversed source)' : ''}`;
    const att = c.attention === 'none' ? 'no attention' : `${c.attention} attention${c.inputFeeding ? ', input feeding' : ''}`;
    return {
      model: `encoder ${enc} -> decoder ${c.numLayers}×${c.decoderHiddenSize} ${c.cell}, ${att}, embedding ${c.embeddingDim}`,
      data: data.raw.source,
      batch: String(config.batchSize),
      facts: [
        ['pairs', `${data.train.sources.length.toLocaleString('en-US')} training, ${data.validation.sources.length.toLocaleString('en-US')} validation (held out by source sentence)`],
        ['teacher forcing', config.teacherForcingEnd === undefined ? String(config.teacherForcing) : `${config.teacherForcing} -> ${config.teacherForcingEnd} (linear)`],
        ...(config.labelSmoothing > 0 ? [['label smoothing', String(config.labelSmoothing)] as [string, string]] : []),
        ...data.facts,
      ],
    };
  },
};
