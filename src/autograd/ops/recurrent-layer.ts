/**
 * One direction of one recurrent layer over a whole sequence, as a single coarse op with a
 * hand-written backpropagation through time. Speed by design (cuDNN's layout): the input
 * projection of all T steps is one GEMM before the loop; each step runs one recurrent GEMM and
 * one fused gate kernel; the backward pass forms the weight gradients with one GEMM each over
 * all steps; W_hh is packed once per pass for the per-step GEMMs (Backend.gemmPackB).
 * On a tape that does not record, a sequence of more than one step is one
 * Backend.recurrentSequence call instead (same numbers bit for bit, nothing saved).
 * Not here: stacking, bidirectional concatenation, dropout (see nn/recurrent).
 *
 * Variable lengths follow PyTorch's packed sequences / ONNX `sequence_lens`: sequence b is
 * active at time t iff t < lengths[b]. An inactive step leaves the state unchanged and
 * outputs zeros; the reverse direction therefore starts at each sequence's own last element.
 */
import type { Tape } from '../tape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { expectShape, formatShape } from '../../tensor/shape.js';
import type { RecurrentKind } from '../../kernels/backend.js';

export type RecurrentMode = RecurrentKind;

/** Gates per mode: LSTM i,f,g,o; GRU r,z,n; Elman one. */
export function gateCount(mode: RecurrentMode): number {
  return mode === 'lstm' ? 4 : mode === 'gru' ? 3 : 1;
}

export interface RecurrentWeights {
  /** [G*H, I] */ weightIh: Tensor;
  /** [G*H, H] */ weightHh: Tensor;
  /** [G*H] */ biasIh?: Tensor;
  /** [G*H] */ biasHh?: Tensor;
}

export interface RecurrentLayerOptions {
  mode: RecurrentMode;
  /** Process t = T-1 .. 0. */
  reverse?: boolean;
  /** [B] valid lengths in 1..T (right padding); all T when absent. */
  lengths?: Int32Array;
  /** [B, H] initial hidden state (zeros when absent). */
  h0?: Tensor;
  /** [B, H] initial cell state, LSTM only (zeros when absent). */
  c0?: Tensor;
}

export interface RecurrentLayerResult {
  /** [T, B, H] hidden state at every step (zeros past each sequence's length). */
  output: Tensor;
  /** [B, H] final hidden state (at each sequence's own last step). */
  h: Tensor;
  /** [B, H] final cell state (LSTM only). */
  c?: Tensor;
}

/**
 * Runs one direction of a recurrent layer. Equations per step (W = weights, PyTorch layout):
 *   Elman: h_t = f(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
 *   LSTM:  [i f g o] = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh;  c_t = σf c + σi tanh g;  h_t = σo tanh c_t
 *   GRU:   r, z = σ(x W_i{r,z}^T + b + h W_h{r,z}^T + b);  n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn));
 *          h_t = (1 - z) n + z h_{t-1}
 */
export function recurrentLayer(tape: Tape, x: Tensor, w: RecurrentWeights, options: RecurrentLayerOptions): RecurrentLayerResult {
  const where = 'recurrentLayer';
  const { mode } = options;
  const reverse = options.reverse ?? false;
  const G = gateCount(mode);
  if (x.rank !== 3) throw new Error(`${where}: x must be [T, B, I], got rank ${x.rank} ${x}`);
  const [T, B, I] = x.shape as [number, number, number];
  const GH = w.weightIh.shape[0]!;
  const H = GH / G;
  if (w.weightIh.rank !== 2 || !Number.isInteger(H) || H < 1) {
    throw new Error(`${where}: weightIh must have ${G} * hiddenSize rows (${mode}), got ${formatShape(w.weightIh.shape)}`);
  }
  expectShape(where, 'weightIh', w.weightIh.shape, [G * H, I]);
  expectShape(where, 'weightHh', w.weightHh.shape, [G * H, H]);
  if (w.biasIh) expectShape(where, 'biasIh', w.biasIh.shape, [G * H]);
  if (w.biasHh) expectShape(where, 'biasHh', w.biasHh.shape, [G * H]);
  if (options.h0) expectShape(where, 'h0', options.h0.shape, [B, H]);
  if (options.c0) {
    if (mode !== 'lstm') throw new Error(`${where}: c0 is only for LSTM (mode ${mode})`);
    expectShape(where, 'c0', options.c0.shape, [B, H]);
  }
  const lengths = options.lengths;
  if (lengths) checkLengths(where, lengths, T, B);

  const k = tape.backend;
  const BH = B * H;
  const BG = B * G * H;
  const active = (t: number, b: number): boolean => !lengths || t < lengths[b]!;
  const order = (s: number): number => (reverse ? T - 1 - s : s);

  // xProj: [T, B, G*H] = x W_ih^T + b_ih (+ b_hh unless GRU, whose b_hn sits inside r * (.))
  const xProj = tape.tensor([T, B, G * H]);
  k.gemm(false, true, T * B, G * H, I, 1, x.data, I, w.weightIh.data, I, 0, xProj.data, G * H);
  if (w.biasIh) k.addRowVector(T * B, G * H, w.biasIh.data, xProj.data);
  if (w.biasHh && mode !== 'gru') k.addRowVector(T * B, G * H, w.biasHh.data, xProj.data);

  // Inference: the whole sequence is one kernel call (same numbers, nothing kept for backward).
  if (!tape.recording && T > 1) return sequenceForward(tape, xProj, w, options, T, B, H, G);

  // Saved for backward, all indexed by time t: state before and after each step.
  const hPrevAll = tape.tensor([T, B, H]);
  const hAll = tape.tensor([T, B, H]);
  const cPrevAll = mode === 'lstm' ? tape.tensor([T, B, H]) : undefined;
  const cAll = mode === 'lstm' ? tape.tensor([T, B, H]) : undefined;
  // LSTM/Elman: activated gates per step; GRU: r, z, n, hn per step plus hProj.
  const saved = tape.tensor([T, B, mode === 'gru' ? 4 * H : G * H]);
  const hProj = mode === 'gru' ? tape.tensor([T, B, 3 * H]) : undefined;

  // W_hh^T is the B operand of every step's GEMM: pack it once for the whole sequence (a single
  // step, as in streaming, multiplies it once and packs nothing).
  const packedHh = T > 1 ? tape.tensor([k.gemmPackedSize(H, G * H)]).data : undefined;
  if (packedHh) k.gemmPackB(true, H, G * H, w.weightHh.data, H, packedHh);
  const recurrentGemm = (hPrev: Float32Array, beta: number, out: Float32Array): void => {
    if (packedHh) k.gemmPacked(false, B, G * H, H, 1, hPrev, H, packedHh, beta, out, G * H);
    else k.gemm(false, true, B, G * H, H, 1, hPrev, H, w.weightHh.data, H, beta, out, G * H);
  };

  let h = options.h0 ? options.h0.data : tape.tensor([B, H]).data;
  let c = mode === 'lstm' ? (options.c0 ? options.c0.data : tape.tensor([B, H]).data) : undefined;
  const rowsH = (a: Float32Array, t: number) => a.subarray(t * BH, (t + 1) * BH);

  for (let s = 0; s < T; s++) {
    const t = order(s);
    const hp = rowsH(hPrevAll.data, t);
    hp.set(h);
    const hOut = rowsH(hAll.data, t);
    if (mode === 'lstm') {
      const gates = saved.data.subarray(t * BG, (t + 1) * BG);
      gates.set(xProj.data.subarray(t * BG, (t + 1) * BG));
      recurrentGemm(h, 1, gates);
      const cp = rowsH(cPrevAll!.data, t);
      cp.set(c!);
      const cOut = rowsH(cAll!.data, t);
      k.lstmCellForward(B, H, gates, cp, cOut, hOut);
      c = cOut;
    } else if (mode === 'gru') {
      const hpj = hProj!.data.subarray(t * BG, (t + 1) * BG);
      if (w.biasHh) for (let b = 0; b < B; b++) hpj.set(w.biasHh.data, b * G * H);
      recurrentGemm(h, w.biasHh ? 1 : 0, hpj);
      k.gruCellForward(B, H, xProj.data.subarray(t * BG, (t + 1) * BG), hpj, hp,
        saved.data.subarray(t * 4 * BH, (t + 1) * 4 * BH), hOut);
    } else {
      const pre = saved.data.subarray(t * BH, (t + 1) * BH);
      pre.set(xProj.data.subarray(t * BH, (t + 1) * BH));
      recurrentGemm(h, 1, pre);
      k.activationForward(mode, BH, pre, hOut);
      pre.set(hOut); // the backward of f reads the output
    }
    if (lengths) {
      for (let b = 0; b < B; b++) {
        if (active(t, b)) continue;
        hOut.set(hp.subarray(b * H, (b + 1) * H), b * H);
        if (c) c.set(rowsH(cPrevAll!.data, t).subarray(b * H, (b + 1) * H), b * H);
      }
    }
    h = hOut;
  }

  // Output: the carried states, with inactive steps zeroed.
  let output = hAll;
  if (lengths) {
    output = tape.tensor([T, B, H]);
    output.data.set(hAll.data);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) if (!active(t, b)) output.data.fill(0, (t * B + b) * H, (t * B + b + 1) * H);
  }
  const hN = tape.tensor([B, H]);
  hN.data.set(h);
  const cN = c ? tape.tensor([B, H]) : undefined;
  if (cN) cN.data.set(c!);

  const outputs: Record<string, Tensor> = cN ? { output, h: hN, c: cN } : { output, h: hN };
  tape.record(`recurrentLayer(${mode}${reverse ? ', reverse' : ''})`,
    { x, weightIh: w.weightIh, weightHh: w.weightHh, biasIh: w.biasIh, biasHh: w.biasHh, h0: options.h0, c0: options.c0 },
    outputs, () => {
      const dOut = tape.gradIfAny(output);
      const dh = tape.tensor([B, H]).data;
      const dhN = tape.gradIfAny(hN);
      if (dhN) dh.set(dhN.data);
      const dc = mode === 'lstm' ? tape.tensor([B, H]).data : undefined;
      const dcN = cN ? tape.gradIfAny(cN) : undefined;
      if (dc && dcN) dc.set(dcN.data);
      // Gradients of the projections, by time: LSTM/Elman share one buffer; GRU needs two.
      const dxProj = tape.tensor([T, B, G * H]);
      const dhProj = mode === 'gru' ? tape.tensor([T, B, G * H]) : dxProj;
      const dhPrev = tape.tensor([B, H]).data;
      const dcPrev = dc ? tape.tensor([B, H]).data : undefined;
      // W_hh is the B operand of every step's dh GEMM: packed once for the backward pass.
      const packedHhT = T > 1 ? tape.tensor([k.gemmPackedSize(G * H, H)]).data : undefined;
      if (packedHhT) k.gemmPackB(false, G * H, H, w.weightHh.data, H, packedHhT);

      for (let s = T - 1; s >= 0; s--) {
        const t = order(s);
        if (dOut) {
          const go = rowsH(dOut.data, t);
          if (lengths) {
            for (let b = 0; b < B; b++) if (active(t, b)) for (let j = b * H; j < (b + 1) * H; j++) dh[j]! += go[j]!;
          } else {
            k.axpy(BH, 1, go, dh);
          }
        }
        const dgx = dxProj.data.subarray(t * BG, (t + 1) * BG);
        const dgh = dhProj.data.subarray(t * BG, (t + 1) * BG);
        if (mode === 'lstm') {
          k.lstmCellBackward(B, H, saved.data.subarray(t * BG, (t + 1) * BG), rowsH(cPrevAll!.data, t), rowsH(cAll!.data, t),
            dh, dc!, dgx, dcPrev!);
        } else if (mode === 'gru') {
          k.gruCellBackward(B, H, saved.data.subarray(t * 4 * BH, (t + 1) * 4 * BH), rowsH(hPrevAll.data, t), dh, dgx, dgh, dhPrev);
        } else {
          k.activationBackward(mode, BH, saved.data.subarray(t * BH, (t + 1) * BH), dh, dgx, false);
        }
        if (lengths) {
          for (let b = 0; b < B; b++) {
            if (active(t, b)) continue;
            dgx.fill(0, b * G * H, (b + 1) * G * H);
            if (dgh !== dgx) dgh.fill(0, b * G * H, (b + 1) * G * H);
          }
        }
        // dh_{t-1} = dGates_h W_hh (+ the direct GRU term already in dhPrev)
        if (packedHhT) k.gemmPacked(false, B, H, G * H, 1, dgh, G * H, packedHhT, mode === 'gru' ? 1 : 0, dhPrev, H);
        else k.gemm(false, false, B, H, G * H, 1, dgh, G * H, w.weightHh.data, H, mode === 'gru' ? 1 : 0, dhPrev, H);
        if (lengths) {
          for (let b = 0; b < B; b++) {
            if (active(t, b)) continue;
            dhPrev.set(dh.subarray(b * H, (b + 1) * H), b * H);
            if (dc) dcPrev!.set(dc.subarray(b * H, (b + 1) * H), b * H);
          }
        }
        dh.set(dhPrev);
        if (dc) dc.set(dcPrev!);
      }

      // Weight gradients: one GEMM each over all T*B rows.
      if (tape.needsGrad(w.weightIh)) k.gemm(true, false, G * H, I, T * B, 1, dxProj.data, G * H, x.data, I, 1, tape.grad(w.weightIh).data, I);
      if (tape.needsGrad(w.weightHh)) k.gemm(true, false, G * H, H, T * B, 1, dhProj.data, G * H, hPrevAll.data, H, 1, tape.grad(w.weightHh).data, H);
      if (w.biasIh && tape.needsGrad(w.biasIh)) k.sumRows(T * B, G * H, dxProj.data, tape.grad(w.biasIh).data);
      if (w.biasHh && tape.needsGrad(w.biasHh)) k.sumRows(T * B, G * H, dhProj.data, tape.grad(w.biasHh).data);
      if (tape.needsGrad(x)) k.gemm(false, false, T * B, I, G * H, 1, dxProj.data, G * H, w.weightIh.data, I, 1, tape.grad(x).data, I);
      if (options.h0 && tape.needsGrad(options.h0)) k.axpy(BH, 1, dh, tape.grad(options.h0).data);
      if (options.c0 && tape.needsGrad(options.c0)) k.axpy(BH, 1, dc!, tape.grad(options.c0).data);
    });
  return cN ? { output, h: hN, c: cN } : { output, h: hN };
}

/** The forward of recurrentLayer without a backward: Backend.recurrentSequence on packed W_hh. */
function sequenceForward(tape: Tape, xProj: Tensor, w: RecurrentWeights, options: RecurrentLayerOptions,
  T: number, B: number, H: number, G: number): RecurrentLayerResult {
  const k = tape.backend;
  const { mode } = options;
  const packed = tape.tensor([k.recurrentPackedSize(G, H)]);
  k.recurrentPack(G, H, w.weightHh.data, packed.data);
  const h = tape.tensor([B, H]);
  if (options.h0) h.data.set(options.h0.data);
  const c = mode === 'lstm' ? tape.tensor([B, H]) : undefined;
  if (c && options.c0) c.data.set(options.c0.data);
  const output = tape.tensor([T, B, H]);
  k.recurrentSequence(mode, T, B, H, xProj.data, packed.data, mode === 'gru' ? w.biasHh?.data ?? null : null,
    options.lengths ?? null, options.reverse ?? false, h.data, c ? c.data : null, output.data);
  const outputs: Record<string, Tensor> = c ? { output, h, c } : { output, h };
  tape.record(`recurrentLayer(${mode}${options.reverse ? ', reverse' : ''})`, {}, outputs, () => {});
  return c ? { output, h, c } : { output, h };
}

function checkLengths(where: string, lengths: Int32Array, T: number, B: number): void {
  if (lengths.length !== B) throw new Error(`${where}: lengths must have one entry per batch element (${B}), got ${lengths.length}`);
  for (let b = 0; b < B; b++) {
    const L = lengths[b]!;
    if (!Number.isInteger(L) || L < 1 || L > T) {
      throw new Error(`${where}: lengths[${b}] = ${L} must be between 1 and the sequence length T = ${T}`);
    }
  }
}
