/**
 * recur's side of the benchmark workloads: a char-LM training step (RecurrentModel with one-hot
 * input -> recurrent stack -> Linear head, softmax cross-entropy, Adam, tape reset per step) and
 * an LSTM inference pass (Lstm on an inference tape), on the wasm or the native backend. `wrap` lets the profiler put a timing
 * Backend between the model and the kernels.
 */
import { Tape } from '../autograd/tape.js';
import { crossEntropy, reshape } from '../autograd/ops/index.js';
import type { Backend } from '../kernels/backend.js';
import { NativeBackend } from '../kernels/native/native-backend.js';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import { Lstm } from '../nn/recurrent.js';
import { RecurrentModel } from '../nn/recurrent-model.js';
import { Adam } from '../optim/adam.js';
import { Rng } from '../random/rng.js';
import { IntTensor, Tensor } from '../tensor/tensor.js';
import type { InferenceWorkload, Runner, TrainingWorkload, Workload } from './workloads.js';

export interface RecurRunnerOptions {
  threads: number;
  /** The kernels: wasm (default) or the native addon. */
  backend?: 'wasm' | 'native';
  /** Wraps the backend the model runs on (profiling). */
  wrap?: (backend: Backend) => Backend;
}

export async function recurRunner(w: Workload, o: RecurRunnerOptions): Promise<Runner & { backend: WasmBackend | NativeBackend }> {
  const backend = o.backend === 'native' ? await NativeBackend.create({ threads: o.threads }) : await WasmBackend.create({ threads: o.threads });
  const be = o.wrap ? o.wrap(backend) : backend;
  const step = w.kind === 'train' ? trainingStep(w, be) : inferenceStep(w, be);
  return { description: backend.description, backend, step };
}

/** Synthetic character data: a few fixed batches of ids [T, B] and next-id targets [T*B]. */
function charBatches(w: TrainingWorkload, rng: Rng, count: number): { x: IntTensor; y: IntTensor }[] {
  const { seqLen: T, batch: B, vocab: V } = w;
  return Array.from({ length: count }, () => {
    const ids = Int32Array.from({ length: (T + 1) * B }, () => rng.int(V));
    return { x: new IntTensor(ids.slice(0, T * B), [T, B]), y: new IntTensor(ids.slice(B), [T * B]) };
  });
}

function trainingStep(w: TrainingWorkload, be: Backend): () => void {
  const rng = new Rng(1);
  const model = new RecurrentModel({
    input: { kind: 'one-hot', vocabSize: w.vocab }, cell: w.cell, hiddenSize: w.hidden, numLayers: w.layers,
    outputSize: w.vocab, output: 'sequence',
  }, { rng }).to(be);
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const tape = new Tape(be);
  const batches = charBatches(w, rng, 4);
  let i = 0;
  return () => {
    const { x, y } = batches[i++ % batches.length]!;
    tape.reset();
    opt.zeroGrad();
    const { logits } = model.forward(tape, x);
    const loss = crossEntropy(tape, reshape(tape, logits, [w.seqLen * w.batch, w.vocab]), y);
    tape.backward(loss);
    opt.step();
  };
}

function inferenceStep(w: InferenceWorkload, be: Backend): () => void {
  const rng = new Rng(2);
  const lstm = new Lstm({ inputSize: w.input, hiddenSize: w.hidden, rng }).to(be);
  const x = new Tensor(Float32Array.from({ length: w.seqLen * w.batch * w.input }, () => rng.uniform(-1, 1)), [w.seqLen, w.batch, w.input]);
  const tape = Tape.inference(be);
  return () => {
    tape.reset();
    lstm.forward(tape, tape.copy(x));
  };
}
