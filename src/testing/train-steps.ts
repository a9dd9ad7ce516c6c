/**
 * A few steps of real training for determinism tests (Node and browser): a one-hot char model
 * with `numLayers` recurrent layers, cross-entropy on random ids, Adam. Returns the losses and
 * the gradients and weights after the last step. Browser-safe (no node: imports).
 */
import { Tape } from '../autograd/tape.js';
import { crossEntropy, reshape } from '../autograd/ops/index.js';
import type { Backend } from '../kernels/backend.js';
import { RecurrentModel } from '../nn/recurrent-model.js';
import type { CellKind } from '../kernels/cell-kinds.js';
import { Adam } from '../optim/adam.js';
import { Rng } from '../random/rng.js';
import { IntTensor } from '../tensor/tensor.js';

export interface TrainStepsOptions { cell: CellKind; T: number; B: number; vocab: number; hidden: number; numLayers: number; steps: number; seed: number }

export function trainSteps(backend: Backend, o: TrainStepsOptions): { losses: number[]; grads: Float32Array[]; params: Float32Array[] } {
  const { T, B, vocab: V } = o;
  const rng = new Rng(o.seed);
  const model = new RecurrentModel({ input: { kind: 'one-hot', vocabSize: V }, cell: o.cell, hiddenSize: o.hidden, numLayers: o.numLayers, outputSize: V }, { rng }).to(backend);
  const opt = new Adam(model.parameters(), { lr: 1e-2 });
  const tape = new Tape(backend);
  const losses: number[] = [];
  let grads: Float32Array[] = [];
  for (let step = 0; step < o.steps; step++) {
    const ids = Int32Array.from({ length: (T + 1) * B }, () => rng.int(V));
    tape.reset();
    opt.zeroGrad();
    const { logits } = model.forward(tape, new IntTensor(ids.slice(0, T * B), [T, B]));
    const loss = crossEntropy(tape, reshape(tape, logits, [T * B, V]), new IntTensor(ids.slice(B), [T * B]));
    tape.backward(loss);
    losses.push(loss.data[0]!);
    grads = model.parameters().map((p) => p.grad!.data.slice());
    opt.step();
  }
  return { losses, grads, params: model.parameters().map((p) => p.data.slice()) };
}
