import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lstm, Rnn } from './recurrent.js';
import { inputGradientNorms } from './gradient-flow.js';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';

test('vanishing gradients: dLoss/dx_t decays far faster through an Elman RNN than through an LSTM', (t) => {
  const backend = new ReferenceBackend();
  const T = 60, B = 4, I = 8, H = 64;
  const rng = new Rng(1);
  const x = new Tensor(Float32Array.from({ length: T * B * I }, () => rng.normal()), [T, B, I]);
  const retained = (norms: number[]) => norms[0]! / norms[T - 1]!;
  const rnn = inputGradientNorms(backend, new Rnn({ inputSize: I, hiddenSize: H, rng: new Rng(2) }), x);
  const lstm = inputGradientNorms(backend, new Lstm({ inputSize: I, hiddenSize: H, rng: new Rng(2) }), x);
  const lstmFb = inputGradientNorms(backend, new Lstm({ inputSize: I, hiddenSize: H, rng: new Rng(2), forgetBias: 1 }), x);
  assert.equal(rnn.length, T);
  for (const n of [rnn, lstm, lstmFb]) assert.ok(n.every((v) => Number.isFinite(v) && v > 0));
  t.diagnostic(`|dL/dx_0| / |dL/dx_${T - 1}|: Elman ${retained(rnn).toExponential(2)}, LSTM ${retained(lstm).toExponential(2)}, LSTM forgetBias=1 ${retained(lstmFb).toExponential(2)}`);
  assert.ok(retained(rnn) < 1e-12, 'the Elman gradient has vanished over 60 steps');
  assert.ok(retained(lstm) > 100 * retained(rnn), 'LSTM (PyTorch init) keeps orders of magnitude more');
  assert.ok(retained(lstmFb) > 1e6 * retained(rnn), 'LSTM with forget bias 1 keeps the gradient alive');
  assert.ok(retained(lstmFb) > 1e-7);
});
