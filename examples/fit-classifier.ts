/**
 * Many-to-one classification with `fit`, the library's `model.fit`: no epoch loop, batching,
 * padding, argmax or accuracy written by hand. Each example is a sequence of 3..12 tokens over
 * {a, b, c, d}; the label says which of a, b, c occurs most often (d is noise). Sequences of
 * different lengths are padded per batch and their `lengths` tell the LSTM where each ends, so
 * padding never changes a prediction. The model reads the sequence with an embedding and an LSTM
 * and classifies its final state (`output: 'last'`).
 *
 * Run: `npm run build && node dist/examples/fit-classifier.js`.
 */
import { pathToFileURL } from 'node:url';
import { RecurrentModel, Rng, type SequenceDataset, createBackend, fit } from 'recur-nn';

export interface FitClassifierOptions { epochs?: number; seed?: number; verbose?: boolean }
export interface FitClassifierResult { accuracy: number; macroF1: number; majorityBaseline: number; epochs: number; seconds: number }

/** `n` sequences and the most frequent of tokens 0..2 in each (ties go to the smaller token). */
export function makeData(n: number, rng: Rng): SequenceDataset & { labels: number[] } {
  const inputs: number[][] = [], labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: 3 + rng.int(10) }, () => rng.int(4));
    const counts = [0, 1, 2].map((c) => x.filter((v) => v === c).length);
    inputs.push(x);
    labels.push(counts.indexOf(Math.max(...counts)));
  }
  return { inputs, labels };
}

export async function run(o: FitClassifierOptions = {}): Promise<FitClassifierResult> {
  const rng = new Rng(o.seed ?? 1);
  const train = makeData(2000, rng), validation = makeData(500, rng);
  const backend = await createBackend('wasm', { threads: 1 });
  const model = new RecurrentModel({
    input: { kind: 'embedding', vocabSize: 4, embeddingDim: 8 }, cell: 'lstm', hiddenSize: 32, outputSize: 3, output: 'last',
  }, { rng }).to(backend);
  const t0 = performance.now();
  const result = await fit(model, {
    data: train, validation, epochs: o.epochs ?? 12, batchSize: 32, lr: 1e-2, metrics: ['accuracy', 'macro-f1'],
    callbacks: { onEvaluation: (e) => { if (o.verbose) console.log(`step ${e.step}: validation loss ${e.valLoss.toFixed(4)}, accuracy ${(e.metrics.accuracy! * 100).toFixed(1)}%`); } },
  });
  const last = result.history.validation.at(-1)!;
  const majority = Math.max(...[0, 1, 2].map((c) => validation.labels.filter((y) => y === c).length)) / validation.labels.length;
  return { accuracy: last.metrics.accuracy!, macroF1: last.metrics['macro-f1']!, majorityBaseline: majority, epochs: o.epochs ?? 12, seconds: (performance.now() - t0) / 1000 };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await run({ verbose: true });
  console.log(`validation accuracy ${(r.accuracy * 100).toFixed(1)}% (macro-F1 ${r.macroF1.toFixed(3)}), ` +
    `always the most common class ${(r.majorityBaseline * 100).toFixed(1)}%; ${r.epochs} epochs, ${r.seconds.toFixed(1)} s`);
}
