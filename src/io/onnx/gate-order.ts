/**
 * PyTorch and ONNX store the same recurrent weights in different gate orders: LSTM i,f,g,o
 * (PyTorch) vs i,o,f,c (ONNX); GRU r,z,n vs z,r,h. These functions re-order the G blocks of
 * H rows of a [G*H, *] weight or [G*H] bias. Elman has one gate and needs nothing.
 */
import type { RecurrentMode } from '../../autograd/ops/recurrent-layer.js';

/** For each ONNX gate slot, the PyTorch gate index that fills it. */
export function onnxGateSource(mode: RecurrentMode): number[] {
  if (mode === 'lstm') return [0, 3, 1, 2]; // i, o, f, c  <-  i, f, g, o
  if (mode === 'gru') return [1, 0, 2]; // z, r, h  <-  r, z, n
  return [0];
}

/** Re-orders a PyTorch [G*H, cols] buffer (row-major) into ONNX gate order. */
export function toOnnxGateOrder(mode: RecurrentMode, data: Float32Array, hidden: number, cols: number): Float32Array {
  const src = onnxGateSource(mode);
  const out = new Float32Array(data.length);
  const block = hidden * cols;
  src.forEach((from, to) => out.set(data.subarray(from * block, (from + 1) * block), to * block));
  return out;
}
