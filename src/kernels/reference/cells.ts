/**
 * Reference fused LSTM and GRU cell kernels: the elementwise gate math that follows the matrix
 * products, written out one hidden unit at a time. Not here: the products themselves (GEMM).
 */
import type { F32 } from '../backend.js';
import { sigmoid } from './elementwise.js';

/**
 * LSTM cell, PyTorch gate order i, f, g, o.
 *   gates: [B, 4H] pre-activations, overwritten with sigma(i), sigma(f), tanh(g), sigma(o).
 *   cPrev, c, h: [B, H].  c = f * cPrev + i * g;  h = o * tanh(c)
 */
export function lstmCellForward(batch: number, hidden: number, gates: F32, cPrev: F32, c: F32, h: F32): void {
  const H = hidden;
  for (let b = 0; b < batch; b++) {
    const gRow = b * 4 * H;
    const row = b * H;
    for (let j = 0; j < H; j++) {
      const i = sigmoid(gates[gRow + j]);
      const f = sigmoid(gates[gRow + H + j]);
      const g = Math.tanh(gates[gRow + 2 * H + j]);
      const o = sigmoid(gates[gRow + 3 * H + j]);
      gates[gRow + j] = i;
      gates[gRow + H + j] = f;
      gates[gRow + 2 * H + j] = g;
      gates[gRow + 3 * H + j] = o;
      const ct = f * cPrev[row + j] + i * g;
      c[row + j] = ct;
      h[row + j] = o * Math.tanh(ct);
    }
  }
}

/**
 * Backward of lstmCellForward. With tc = tanh(c) and dct = dc + dh * o * (1 - tc^2):
 *   di = dct * g * i(1-i);  df = dct * cPrev * f(1-f);  dg = dct * i * (1-g^2);
 *   do = dh * tc * o(1-o);  dcPrev = dct * f.
 *   gates: [B, 4H] saved activations; cPrev, c, dh, dc: [B, H]; dGates: [B, 4H] (overwritten);
 *   dcPrev: [B, H] (overwritten, may alias dc).
 */
export function lstmCellBackward(batch: number, hidden: number, gates: F32, cPrev: F32, c: F32,
  dh: F32, dc: F32, dGates: F32, dcPrev: F32): void {
  const H = hidden;
  for (let b = 0; b < batch; b++) {
    const gRow = b * 4 * H;
    const row = b * H;
    for (let j = 0; j < H; j++) {
      const i = gates[gRow + j];
      const f = gates[gRow + H + j];
      const g = gates[gRow + 2 * H + j];
      const o = gates[gRow + 3 * H + j];
      const tc = Math.tanh(c[row + j]);
      const dhj = dh[row + j];
      const dct = dc[row + j] + dhj * o * (1 - tc * tc);
      dGates[gRow + j] = dct * g * i * (1 - i);
      dGates[gRow + H + j] = dct * cPrev[row + j] * f * (1 - f);
      dGates[gRow + 2 * H + j] = dct * i * (1 - g * g);
      dGates[gRow + 3 * H + j] = dhj * tc * o * (1 - o);
      dcPrev[row + j] = dct * f;
    }
  }
}

/**
 * GRU cell, PyTorch's variant (gate order r, z, n; reset gate applied to W_hn h + b_hn):
 *   r = sigma(xr + hr); z = sigma(xz + hz); n = tanh(xn + r * hn); h = (1 - z) * n + z * hPrev
 *   xProj, hProj: [B, 3H]; hPrev, h: [B, H]; saved: [B, 4H] holds r, z, n, hn.
 */
export function gruCellForward(batch: number, hidden: number, xProj: F32, hProj: F32, hPrev: F32, saved: F32, h: F32): void {
  const H = hidden;
  for (let b = 0; b < batch; b++) {
    const pRow = b * 3 * H;
    const sRow = b * 4 * H;
    const row = b * H;
    for (let j = 0; j < H; j++) {
      const r = sigmoid(xProj[pRow + j] + hProj[pRow + j]);
      const z = sigmoid(xProj[pRow + H + j] + hProj[pRow + H + j]);
      const hn = hProj[pRow + 2 * H + j];
      const n = Math.tanh(xProj[pRow + 2 * H + j] + r * hn);
      saved[sRow + j] = r;
      saved[sRow + H + j] = z;
      saved[sRow + 2 * H + j] = n;
      saved[sRow + 3 * H + j] = hn;
      h[row + j] = (1 - z) * n + z * hPrev[row + j];
    }
  }
}

/**
 * Backward of gruCellForward. With an = dh (1 - z)(1 - n^2) the gradient of n's pre-activation:
 *   dxn = an;  dhn = an * r;  dr = an * hn * r(1-r);  dz = dh (hPrev - n) z(1-z);  dhPrev = dh * z.
 *   dxProj = [dr, dz, dxn], dhProj = [dr, dz, dhn] ([B, 3H], overwritten); dhPrev: [B, H] (overwritten).
 */
export function gruCellBackward(batch: number, hidden: number, saved: F32, hPrev: F32, dh: F32,
  dxProj: F32, dhProj: F32, dhPrev: F32): void {
  const H = hidden;
  for (let b = 0; b < batch; b++) {
    const pRow = b * 3 * H;
    const sRow = b * 4 * H;
    const row = b * H;
    for (let j = 0; j < H; j++) {
      const r = saved[sRow + j];
      const z = saved[sRow + H + j];
      const n = saved[sRow + 2 * H + j];
      const hn = saved[sRow + 3 * H + j];
      const dhj = dh[row + j];
      const an = dhj * (1 - z) * (1 - n * n);
      const ar = an * hn * r * (1 - r);
      const az = dhj * (hPrev[row + j] - n) * z * (1 - z);
      dxProj[pRow + j] = ar;
      dxProj[pRow + H + j] = az;
      dxProj[pRow + 2 * H + j] = an;
      dhProj[pRow + j] = ar;
      dhProj[pRow + H + j] = az;
      dhProj[pRow + 2 * H + j] = an * r;
      dhPrev[row + j] = dhj * z;
    }
  }
}
