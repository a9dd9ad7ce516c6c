/**
 * Fashion-MNIST read row by row: each 28×28 image is a sequence of 28 steps of 28 pixels, a GRU
 * reads it and a Linear on its final state picks one of 10 kinds of clothing (the seed lesson's
 * MNIST-rows model). The library reads the gzipped IDX files (`loadIdxImageSequences`, pixels
 * / 255), and `fit` batches, shuffles and trains; one epoch, then accuracy on the official
 * 10,000 test images, which training never sees.
 *
 * Run: `npm run build && node dist/examples/fashion-mnist-rows.js [DIR]`, DIR holding
 * train-/t10k-images-idx3-ubyte.gz and -labels-idx1-ubyte.gz (default ../shared/data/fashion-mnist).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RecurrentModel, Rng, createBackend, evaluateSequences, fit, loadIdxImageSequences } from 'recur-nn';

export interface IdxPair { images: string; labels: string }
export interface FashionOptions { train: IdxPair; test: IdxPair; epochs?: number; hiddenSize?: number; batchSize?: number; lr?: number; verbose?: boolean }
export interface FashionResult { accuracy: number; trainImages: number; testImages: number; seconds: number }

export async function run(o: FashionOptions): Promise<FashionResult> {
  const train = await loadIdxImageSequences(o.train.images, o.train.labels);
  const test = await loadIdxImageSequences(o.test.images, o.test.labels);
  const backend = await createBackend('wasm', { threads: 1 });
  const model = new RecurrentModel({
    input: { kind: 'dense', size: train.features }, cell: 'gru', hiddenSize: o.hiddenSize ?? 128, outputSize: Math.max(...train.labels) + 1, output: 'last',
  }, { rng: new Rng(1) }).to(backend);
  const t0 = performance.now();
  await fit(model, {
    data: train, epochs: o.epochs ?? 1, batchSize: o.batchSize ?? 64, lr: o.lr ?? 3e-3, seed: 1,
    callbacks: { onStep: (e) => { if (o.verbose && e.step % 100 === 0) console.log(`step ${e.step}: loss ${e.loss.toFixed(4)}`); } },
  });
  const seconds = (performance.now() - t0) / 1000;
  const accuracy = evaluateSequences(model, backend, test, { batchSize: 500, metrics: ['accuracy'] }).metrics.accuracy!;
  return { accuracy, trainImages: train.inputs.length, testImages: test.inputs.length, seconds };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2] ?? fileURLToPath(new URL('../../../shared/data/fashion-mnist', import.meta.url));
  const pair = (part: string) => ({ images: join(dir, `${part}-images-idx3-ubyte.gz`), labels: join(dir, `${part}-labels-idx1-ubyte.gz`) });
  if (!existsSync(pair('train').images)) console.log(`no Fashion-MNIST in ${dir}: give the directory of its four .gz files as the argument`);
  else {
    const r = await run({ train: pair('train'), test: pair('t10k'), verbose: true });
    console.log(`test accuracy ${(100 * r.accuracy).toFixed(2)}% on ${r.testImages} images after one epoch over ${r.trainImages} (${r.seconds.toFixed(1)} s)`);
  }
}
