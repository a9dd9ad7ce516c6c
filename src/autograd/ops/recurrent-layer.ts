/**
 * One direction of one recurrent layer over a whole sequence, as a single coarse op with a
 * hand-written backpropagation through time. Speed by design: the T steps are one
 * Backend.recurrentSequence call (per step the input projection, a recurrent product and the
 * fused gate math, W_hh packed once; the backend chooses whether to project all T steps in one
 * GEMM first, cuDNN's layout, or each step as it goes), saving what the
 * backward reads when the tape records; the backward is one recurrentSequenceBackward call
 * (cell backward and dh product per step), then the weight gradients are one GEMM each over
 * all steps. A single step on a tape that does not record (streaming) skips the packing.
 * Not here: stacking, bidirectional concatenation, dropout (see nn/recurrent).
 *
 * Variable lengths follow PyTorch's packed sequences / ONNX `sequence_lens`: sequence b is
 * active at time t iff t < lengths[b]. An inactive step leaves the state unchanged and
 * outputs zeros; the reverse direction therefore starts at each sequence's own last element.
 */
import type { Tape } from '../tape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { expectShape, formatShape } from '../../tensor/shape.js';
import type { RecurrentSaved } from '../../kernels/backend.js';
import { type CellKind, type CellKindInfo, cellKind } from '../../kernels/cell-kinds.js';

export interface RecurrentWeights {
  /** [G*H, I] */ weightIh: Tensor;
  /** [G*H, H] */ weightHh: Tensor;
  /** [G*H] */ biasIh?: Tensor;
  /** [G*H] */ biasHh?: Tensor;
}

export interface RecurrentLayerOptions {
  /** The cell (its row in the cell table gives the gates G and whether there is a cell state). */
  cell: CellKind;
  /** Process t = T-1 .. 0. */
  reverse?: boolean;
  /** [B] valid lengths in 1..T (right padding); all T when absent. */
  lengths?: Int32Array;
  /** [B, H] initial hidden state (zeros when absent). */
  h0?: Tensor;
  /** [B, H] initial cell state, for a kind with one (LSTM; zeros when absent). */
  c0?: Tensor;
}

export interface RecurrentLayerResult {
  /** [T, B, H] hidden state at every step (zeros past each sequence's length). */
  output: Tensor;
  /** [B, H] final hidden state (at each sequence's own last step). */
  h: Tensor;
  /** [B, H] final cell state (LSTM). */
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
  const kind = options.cell;
  const cell = cellKind(kind, where);
  const reverse = options.reverse ?? false;
  const G = cell.gates;
  if (x.rank !== 3) throw new Error(`${where}: x must be [T, B, I], got rank ${x.rank} ${x}`);
  const [T, B, I] = x.shape as [number, number, number];
  const GH = w.weightIh.shape[0]!;
  const H = GH / G;
  if (w.weightIh.rank !== 2 || !Number.isInteger(H) || H < 1) {
    throw new Error(`${where}: weightIh must have ${G} * hiddenSize rows (${kind}), got ${formatShape(w.weightIh.shape)}`);
  }
  expectShape(where, 'weightIh', w.weightIh.shape, [G * H, I]);
  expectShape(where, 'weightHh', w.weightHh.shape, [G * H, H]);
  if (w.biasIh) expectShape(where, 'biasIh', w.biasIh.shape, [G * H]);
  if (w.biasHh) expectShape(where, 'biasHh', w.biasHh.shape, [G * H]);
  if (options.h0) expectShape(where, 'h0', options.h0.shape, [B, H]);
  if (options.c0) {
    if (!cell.cellState) throw new Error(`${where}: c0 is only for LSTM (cell ${kind})`);
    expectShape(where, 'c0', options.c0.shape, [B, H]);
  }
  if (options.lengths) checkLengths(where, options.lengths, T, B);

  const k = tape.backend;
  const BH = B * H;

  // The input projection x W_ih^T + xBias, xBias = b_ih + b_hh (b_ih alone when the cell applies
  // b_hh: GRU's b_hn sits inside r * (.)), is recurrentSequence's to compute (a RecurrentInput):
  // the native backend projects each step as it goes, with no [T, B, G*H] buffer (26 MB at T 100,
  // B 64, LSTM 256) written and read back; xBias is added as each step's projection is read.
  const xBias = inputBias(tape, w, cell, G * H);

  // T = 1 without a tape (streaming inference, e.g. sampling): one product on the unpacked
  // weights and one cell, instead of packing W_hh for a single multiplication.
  if (!tape.recording && T === 1) {
    const xProj = tape.scratch([T, B, G * H]); // the GEMM below has beta = 0
    k.gemm(false, true, B, G * H, I, 1, x.data, I, w.weightIh.data, I, 0, xProj.data, G * H);
    if (xBias) k.addRowVector(B, G * H, xBias, xProj.data);
    const step = singleStep(tape, xProj, w, options, cell, B, H);
    if (step) return step;
  }

  // The whole sequence is one kernel call; a recording tape also saves what the backward reads.
  // Kernel outputs written in full (recurrentPack, recurrentSequence's out and saves): scratch.
  const packed = tape.scratch([k.recurrentPackedSize(G, H)]);
  k.recurrentPack(G, H, w.weightHh.data, packed.data);
  const h = tape.tensor([B, H]);
  if (options.h0) h.data.set(options.h0.data);
  const c = cell.cellState ? tape.tensor([B, H]) : undefined;
  if (c && options.c0) c.data.set(options.c0.data);
  const output = tape.scratch([T, B, H]);
  const save: RecurrentSaved | null = tape.recording ? {
    gates: tape.scratch([T, B, cell.savedGates * H]).data,
    hPrev: tape.scratch([T, B, H]).data,
    ...(cell.cellState ? { cPrev: tape.scratch([T, B, H]).data, c: tape.scratch([T, B, H]).data } : {}),
  } : null;
  const lengths = options.lengths ?? null;
  k.recurrentSequence(kind, T, B, H, { x: x.data, size: I, weightIh: w.weightIh.data }, packed.data,
    cell.hiddenBiasInCell ? w.biasHh?.data ?? null : null, lengths, reverse, h.data, c ? c.data : null, output.data, save, xBias);

  const outputs: Record<string, Tensor> = c ? { output, h, c } : { output, h };
  tape.record(`recurrentLayer(${kind}${reverse ? ', reverse' : ''})`,
    { x, weightIh: w.weightIh, weightHh: w.weightHh, biasIh: w.biasIh, biasHh: w.biasHh, h0: options.h0, c0: options.c0 },
    outputs, () => {
      const dh = tape.tensor([B, H]).data;
      const dhN = tape.gradIfAny(h);
      if (dhN) dh.set(dhN.data);
      const dc = c ? tape.tensor([B, H]).data : null;
      const dcN = c ? tape.gradIfAny(c) : undefined;
      if (dc && dcN) dc.set(dcN.data);
      // Overwritten in full by recurrentSequenceBackward (zero past each sequence's length).
      const dxProj = tape.scratch([T, B, G * H]);
      const dhProj = cell.hiddenBiasInCell ? tape.scratch([T, B, G * H]) : dxProj;
      // W_hh is the B operand of every step's dh product: packed once for the backward pass.
      const packedT = tape.scratch([k.gemmPackedSize(G * H, H)]).data;
      k.gemmPackB(false, G * H, H, w.weightHh.data, H, packedT);
      k.recurrentSequenceBackward(kind, T, B, H, packedT, lengths, reverse, save!, tape.gradIfAny(output)?.data ?? null,
        dh, dc, dxProj.data, cell.hiddenBiasInCell ? dhProj.data : null);

      // Weight gradients: one GEMM each over all T*B rows.
      if (tape.needsGrad(w.weightIh)) k.gemm(true, false, G * H, I, T * B, 1, dxProj.data, G * H, x.data, I, 1, tape.grad(w.weightIh).data, I);
      if (tape.needsGrad(w.weightHh)) k.gemm(true, false, G * H, H, T * B, 1, dhProj.data, G * H, save!.hPrev, H, 1, tape.grad(w.weightHh).data, H);
      const needIh = w.biasIh !== undefined && tape.needsGrad(w.biasIh), needHh = w.biasHh !== undefined && tape.needsGrad(w.biasHh);
      if (needIh && needHh && dhProj === dxProj) {
        // b_ih and b_hh get the same gradient (all but GRU): one pass over the T*B rows, not two.
        const sum = tape.tensor([G * H]).data;
        k.sumRows(T * B, G * H, dxProj.data, sum);
        k.axpy(G * H, 1, sum, tape.grad(w.biasIh!).data);
        k.axpy(G * H, 1, sum, tape.grad(w.biasHh!).data);
      } else {
        if (needIh) k.sumRows(T * B, G * H, dxProj.data, tape.grad(w.biasIh!).data);
        if (needHh) k.sumRows(T * B, G * H, dhProj.data, tape.grad(w.biasHh!).data);
      }
      if (tape.needsGrad(x)) k.gemm(false, false, T * B, I, G * H, 1, dxProj.data, G * H, w.weightIh.data, I, 1, tape.grad(x).data, I);
      if (options.h0 && tape.needsGrad(options.h0)) k.axpy(BH, 1, dh, tape.grad(options.h0).data);
      if (options.c0 && tape.needsGrad(options.c0)) k.axpy(BH, 1, dc!, tape.grad(options.c0).data);
    });
  return c ? { output, h, c } : { output, h };
}

/**
 * One step without a backward (T = 1 on a tape that does not record): the product on W_hh as
 * stored and the cell's step kernel, or undefined for a kind without one (the caller then runs
 * the whole-sequence kernel on one step).
 */
function singleStep(tape: Tape, xProj: Tensor, w: RecurrentWeights, options: RecurrentLayerOptions, cell: CellKindInfo,
  B: number, H: number): RecurrentLayerResult | undefined {
  const k = tape.backend;
  const G = cell.gates;
  const hPrev = options.h0 ? options.h0.data : tape.tensor([B, H]).data;
  const h = tape.tensor([B, H]);
  let c: Tensor | undefined;
  if (cell.nonlinearity) {
    k.gemm(false, true, B, H, H, 1, hPrev, H, w.weightHh.data, H, 1, xProj.data, H);
    k.activationForward(cell.nonlinearity, B * H, xProj.data, h.data);
  } else if (cell.name === 'lstm') {
    const gates = xProj.data; // a fresh tensor of this op: the cell may overwrite it
    k.gemm(false, true, B, G * H, H, 1, hPrev, H, w.weightHh.data, H, 1, gates, G * H);
    c = tape.tensor([B, H]);
    k.lstmCellForward(B, H, gates, options.c0 ? options.c0.data : tape.tensor([B, H]).data, c.data, h.data);
  } else if (cell.name === 'gru') {
    const hProj = tape.tensor([B, G * H]).data;
    if (w.biasHh) for (let b = 0; b < B; b++) hProj.set(w.biasHh.data, b * G * H);
    k.gemm(false, true, B, G * H, H, 1, hPrev, H, w.weightHh.data, H, w.biasHh ? 1 : 0, hProj, G * H);
    k.gruCellForward(B, H, xProj.data, hProj, hPrev, tape.tensor([B, 4 * H]).data, h.data);
  } else {
    return undefined;
  }
  const output = tape.tensor([1, B, H]);
  output.data.set(h.data); // lengths are all 1 here: every sequence is active
  const outputs: Record<string, Tensor> = c ? { output, h, c } : { output, h };
  tape.record(`recurrentLayer(${cell.name})`, {}, outputs, () => {});
  return c ? { output, h, c } : { output, h };
}

/** The bias added to every row of the input projection: b_ih + b_hh, one of them, or null. */
function inputBias(tape: Tape, w: RecurrentWeights, cell: CellKindInfo, n: number): Float32Array | null {
  const hh = cell.hiddenBiasInCell ? undefined : w.biasHh;
  if (w.biasIh && hh) {
    const sum = tape.scratch([n]).data;
    tape.backend.add(n, w.biasIh.data, hh.data, sum);
    return sum;
  }
  return (w.biasIh ?? hh)?.data ?? null;
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
