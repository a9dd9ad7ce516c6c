/**
 * A fuzzer for recur's model files as a whole (decodeModelFile, what loadModel runs on the bytes
 * it reads). The seeds are real files from encodeModelFile: every cell type, stacked,
 * bidirectional, token and dense input, with vocabulary and normalisation metadata, and a
 * PyTorch-style file without recur metadata that loads given its config. Mutations are the
 * safetensors fuzzer's (fuzz-mutations.ts) plus what a codec fuzzer cannot make
 * (fuzz-model-edits.ts, shared with tasks/model-kinds.fuzz.ts for the task kinds): recur.config
 * edits (huge, negative, fractional, wrong-typed, missing and unknown fields), vocabulary,
 * normalisation and version edits, headers of thousands of tensors, tensors dropped, renamed or
 * stored in another dtype (with or without their CRC-32 recomputed), bit flips in one tensor's
 * data, edited, missing and malformed checksums (`recur.crc32`), and configs passed alongside
 * that agree or disagree. The oracle recomputes every checksum of a loaded file. Every case must
 * end in a load the oracle agrees with or a one-line Error starting `decodeModelFile: `, in
 * under 100 ms, without memory growth. Run: node dist/io/model-file.fuzz.js --cases 100000
 */
import { pathToFileURL } from 'node:url';
import type { Rng } from '../random/rng.js';
import { RecurrentModel, type RecurrentModelConfig } from '../nn/recurrent-model.js';
import { type LoadedModel, type ModelExtras, decodeModelFile, encodeModelFile } from './model-file.js';
import { encodeSafetensors } from './safetensors.js';
import { type Base, baseFromBytes } from './fuzz-mutations.js';
import { type ModelBase, type ModelMutation, RECURRENT_PROFILE, modelDisagreement, mutateModel } from './fuzz-model-edits.js';
import { type FuzzOptions, type FuzzReport, parseFuzzArgs, printFuzzReport, runFuzzCases } from './fuzz-runner.js';

const SEEDS: { label: string; weight: number; config: Partial<RecurrentModelConfig> & Pick<RecurrentModelConfig, 'input' | 'outputSize'>; extras?: ModelExtras; pytorch?: boolean }[] = [
  { label: 'char-lstm-2', weight: 25, config: { input: { kind: 'embedding', vocabSize: 12, embeddingDim: 4 }, cell: 'lstm', hiddenSize: 8, numLayers: 2, outputSize: 12 },
    extras: { vocabulary: [...'abc\n "\\é😀€xy'], task: 'char-lm', extra: { 'recur.step': '120' } } },
  { label: 'bigru-dense-last', weight: 20, config: { input: { kind: 'dense', size: 3 }, cell: 'gru', hiddenSize: 5, bidirectional: true, outputSize: 2, output: 'last' },
    extras: { normalization: { mean: [0.5, -1.25, 3], std: [1, 2, 1e-3] } } },
  { label: 'rnn-relu-3-nobias', weight: 15, config: { input: { kind: 'one-hot', vocabSize: 6 }, cell: 'rnn-relu', hiddenSize: 4, numLayers: 3, bias: false, outputSize: 6 },
    extras: { vocabulary: [...'abcdef'], normalization: { scale: 2 } } },
  { label: 'birnn-tanh-2', weight: 15, config: { input: { kind: 'embedding', vocabSize: 5, embeddingDim: 3, paddingIdx: 0 }, cell: 'rnn-tanh', hiddenSize: 3, numLayers: 2, bidirectional: true, dropout: 0.25, outputSize: 4 },
    extras: { vocabulary: ['<pad>', 'a', 'b', 'c', 'd'] } },
  { label: 'bilstm-attention', weight: 10, config: { input: { kind: 'dense', size: 2 }, cell: 'lstm', hiddenSize: 3, bidirectional: true, outputSize: 3, output: 'last', pooling: 'attention' } },
  { label: 'rnn-sigmoid-dense', weight: 10, config: { input: { kind: 'dense', size: 2 }, cell: 'rnn-sigmoid', hiddenSize: 2, outputSize: 1 } },
  { label: 'pytorch-bilstm', weight: 15, pytorch: true, config: { input: { kind: 'one-hot', vocabSize: 4 }, cell: 'lstm', hiddenSize: 3, bidirectional: true, outputSize: 4 } },
];

function makeBases(rng: Rng): { base: Base; weight: number }[] {
  return SEEDS.map((s) => {
    const model = new RecurrentModel(s.config, { rng: rng.fork() });
    const bytes = s.pytorch ? encodeSafetensors(model.stateDict(), { format: 'pt' }) : encodeModelFile(model, s.extras);
    const base: ModelBase = { ...baseFromBytes(s.label, bytes), config: model.config, pytorch: !!s.pytorch, profile: RECURRENT_PROFILE };
    return { base, weight: s.weight };
  });
}

/** Decodes `cases` mutated model files (see the file comment); `npm run fuzz` runs 100,000. */
export function runModelFuzz(options: FuzzOptions): Promise<FuzzReport> {
  return runFuzzCases<ModelMutation, LoadedModel>({
    bases: makeBases,
    mutate: mutateModel,
    load: (m) => decodeModelFile(m.bytes, m.config ? { config: m.config } : {}),
    verify: modelDisagreement,
    errorPrefix: 'decodeModelFile: ',
    maxMessageLength: 1000,
  }, options);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { cases, seed } = parseFuzzArgs('model-file.fuzz', process.argv.slice(2));
  printFuzzReport('model file fuzz', seed, await runModelFuzz({ cases, seed }), 'a decodeModelFile error');
}
