/**
 * TensorFlow.js (4.22, tfjs-layers, `cpu` or `wasm` backend in Node; never tfjs-node) running the
 * benchmark workloads the way a TF.js user would write them: a one-hot char-LM with stacked
 * lstm/gru/simpleRNN layers returning sequences, a dense head, softmax cross-entropy and Adam
 * (optimizer.minimize), and LSTM inference with model.predict. Initialisers are uniform (the
 * orthogonal default needs tfjs's chained ops, which tfjs-core's Node bundle does not register);
 * they do not change the speed. Dev-only: tfjs is imported dynamically.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';
import type { InferenceWorkload, Runner, TrainingWorkload, Workload } from '../workloads.js';
import { cellKind } from '../../kernels/cell-kinds.js';

type Tf = typeof TfCore;
type Layers = typeof TfLayers;

async function load(backend: 'cpu' | 'wasm'): Promise<{ tf: Tf; tfl: Layers; threads: number }> {
  const tf = await import('@tensorflow/tfjs-core');
  const tfl = await import('@tensorflow/tfjs-layers');
  let threads = 1;
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend failed to initialise');
    threads = wasm.getThreadsCount();
  } else {
    await import('@tensorflow/tfjs-backend-cpu');
    if (!(await tf.setBackend('cpu'))) throw new Error('tfjs: the cpu backend failed to initialise');
  }
  await tf.ready();
  return { tf, tfl, threads };
}

function rnnLayer(tfl: Layers, cell: Workload['cell'], units: number, seed: number, inputShape?: number[]) {
  const init = (i: number) => tfl.initializers.randomUniform({ minval: -1 / Math.sqrt(units), maxval: 1 / Math.sqrt(units), seed: seed + i });
  const common = {
    units, returnSequences: true, kernelInitializer: init(0), recurrentInitializer: init(1), biasInitializer: init(2),
    ...(inputShape ? { inputShape } : {}),
  };
  if (cell === 'lstm') return tfl.layers.lstm({ ...common, recurrentActivation: 'sigmoid' });
  if (cell === 'gru') return tfl.layers.gru({ ...common, recurrentActivation: 'sigmoid' });
  const activation = cellKind(cell).nonlinearity;
  if (!activation) throw new Error(`tfjs peer: no TF.js layer for the cell kind '${cell}'`);
  return tfl.layers.simpleRNN({ ...common, activation });
}

export async function tfjsRunner(w: Workload, backend: 'cpu' | 'wasm'): Promise<Runner & { threads: number }> {
  const { tf, tfl, threads } = await load(backend);
  const description = `tfjs ${tf.version_core} ${backend} (${threads} thread${threads === 1 ? '' : 's'})`;
  const step = w.kind === 'train' ? trainingStep(tf, tfl, w) : inferenceStep(tf, tfl, w);
  return { description, threads, step, dispose: () => tf.disposeVariables() };
}

function trainingStep(tf: Tf, tfl: Layers, w: TrainingWorkload): () => void {
  const { batch: B, seqLen: T, vocab: V } = w;
  const model = tfl.sequential();
  for (let l = 0; l < w.layers; l++) model.add(rnnLayer(tfl, w.cell, w.hidden, 10 * l, l === 0 ? [T, V] : undefined));
  model.add(tfl.layers.dense({ units: V }));
  const optimizer = tf.train.adam(1e-3);
  // Four fixed batches of synthetic ids, batch-major [B, T] (tfjs-layers' layout).
  const batches = Array.from({ length: 4 }, (_, s) => {
    const ids = Int32Array.from({ length: B * (T + 1) }, (_, i) => (i * 7919 + s * 104729) % V);
    const x = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor2d(ids.subarray(0, B * T), [B, T], 'int32'), V), 'float32'));
    const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor2d(ids.subarray(B, B * (T + 1)), [B, T], 'int32'), V), 'float32'));
    return { x, y };
  });
  let i = 0;
  return () => {
    const { x, y } = batches[i++ % batches.length]!;
    const cost = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as TfCore.Tensor) as TfCore.Scalar, true);
    cost!.dataSync();
    cost!.dispose();
  };
}

function inferenceStep(tf: Tf, tfl: Layers, w: InferenceWorkload): () => void {
  const model = tfl.sequential();
  model.add(rnnLayer(tfl, 'lstm', w.hidden, 1, [w.seqLen, w.input]));
  const x = tf.randomUniform([w.batch, w.seqLen, w.input], -1, 1, 'float32', 3);
  return () => {
    const y = model.predict(x) as TfCore.Tensor;
    y.dataSync();
    y.dispose();
  };
}
