// Fused SIMD LSTM and GRU cell kernels: all gate math of one step in a single pass over [B, H]
// (semantics and equations: src/kernels/backend.ts, src/kernels/reference/cells.ts). Each body
// is written once for k lanes: k = 4 in the main loop, 1..3 for the tail of a row.
import { ld, madd, nmadd, st, vsigmoid, vtanh } from './simd';

// @ts-ignore: decorator
@inline export function lstmFwdK(k: i32, g: usize, gh: usize, cp: usize, c: usize, h: usize): void {
  const i = vsigmoid(ld(g, k));
  const f = vsigmoid(ld(g + gh, k));
  const gg = vtanh(ld(g + 2 * gh, k));
  const o = vsigmoid(ld(g + 3 * gh, k));
  st(g, i, k);
  st(g + gh, f, k);
  st(g + 2 * gh, gg, k);
  st(g + 3 * gh, o, k);
  const ct = madd(f, ld(cp, k), f32x4.mul(i, gg));
  st(c, ct, k);
  st(h, f32x4.mul(o, vtanh(ct)), k);
}

export function lstmCellForward(batch: i32, hidden: i32, gates: usize, cPrev: usize, c: usize, h: usize): void {
  const gh = <usize>hidden << 2; // bytes between gate blocks
  for (let b = 0; b < batch; b++) {
    const gRow = gates + <usize>b * 4 * gh;
    const row = <usize>b * gh;
    let j = 0;
    for (; j + 4 <= hidden; j += 4) {
      const o = <usize>j << 2;
      lstmFwdK(4, gRow + o, gh, cPrev + row + o, c + row + o, h + row + o);
    }
    if (j < hidden) {
      const o = <usize>j << 2;
      lstmFwdK(hidden - j, gRow + o, gh, cPrev + row + o, c + row + o, h + row + o);
    }
  }
}

// @ts-ignore: decorator
@inline export function lstmBwdK(k: i32, g: usize, gh: usize, cp: usize, c: usize, dh: usize, dc: usize, dg: usize, dcp: usize): void {
  const one = f32x4.splat(1);
  const i = ld(g, k);
  const f = ld(g + gh, k);
  const gg = ld(g + 2 * gh, k);
  const o = ld(g + 3 * gh, k);
  const tc = vtanh(ld(c, k));
  const dhv = ld(dh, k);
  const dct = madd(f32x4.mul(dhv, o), nmadd(tc, tc, one), ld(dc, k)); // dc + dh o (1 - tc^2)
  st(dg, f32x4.mul(f32x4.mul(dct, gg), f32x4.mul(i, f32x4.sub(one, i))), k);
  st(dg + gh, f32x4.mul(f32x4.mul(dct, ld(cp, k)), f32x4.mul(f, f32x4.sub(one, f))), k);
  st(dg + 2 * gh, f32x4.mul(f32x4.mul(dct, i), nmadd(gg, gg, one)), k);
  st(dg + 3 * gh, f32x4.mul(f32x4.mul(dhv, tc), f32x4.mul(o, f32x4.sub(one, o))), k);
  st(dcp, f32x4.mul(dct, f), k); // after the read of dc: dcPrev may alias dc
}

export function lstmCellBackward(batch: i32, hidden: i32, gates: usize, cPrev: usize, c: usize, dh: usize, dc: usize,
  dGates: usize, dcPrev: usize): void {
  const gh = <usize>hidden << 2;
  for (let b = 0; b < batch; b++) {
    const gOff = <usize>b * 4 * gh;
    const row = <usize>b * gh;
    let j = 0;
    for (; j + 4 <= hidden; j += 4) {
      const o = <usize>j << 2;
      const r = row + o;
      lstmBwdK(4, gates + gOff + o, gh, cPrev + r, c + r, dh + r, dc + r, dGates + gOff + o, dcPrev + r);
    }
    if (j < hidden) {
      const o = <usize>j << 2;
      const r = row + o;
      lstmBwdK(hidden - j, gates + gOff + o, gh, cPrev + r, c + r, dh + r, dc + r, dGates + gOff + o, dcPrev + r);
    }
  }
}

// @ts-ignore: decorator
@inline export function gruFwdK(k: i32, x: usize, xs: usize, hp: usize, hs: usize, hPrev: usize, s: usize, ss: usize, h: usize): void {
  // xs, hs, ss: bytes between the gates of x, hp and s (the hidden size here; 32 in recurrent.ts's blocks)
  const r = vsigmoid(f32x4.add(ld(x, k), ld(hp, k)));
  const z = vsigmoid(f32x4.add(ld(x + xs, k), ld(hp + hs, k)));
  const hn = ld(hp + 2 * hs, k);
  const n = vtanh(madd(r, hn, ld(x + 2 * xs, k)));
  st(s, r, k);
  st(s + ss, z, k);
  st(s + 2 * ss, n, k);
  st(s + 3 * ss, hn, k);
  st(h, madd(z, f32x4.sub(ld(hPrev, k), n), n), k); // (1 - z) n + z hPrev = n + z (hPrev - n)
}

export function gruCellForward(batch: i32, hidden: i32, xProj: usize, hProj: usize, hPrev: usize, saved: usize, h: usize): void {
  const gh = <usize>hidden << 2;
  for (let b = 0; b < batch; b++) {
    const pOff = <usize>b * 3 * gh;
    const sOff = <usize>b * 4 * gh;
    const row = <usize>b * gh;
    let j = 0;
    for (; j + 4 <= hidden; j += 4) {
      const o = <usize>j << 2;
      gruFwdK(4, xProj + pOff + o, gh, hProj + pOff + o, gh, hPrev + row + o, saved + sOff + o, gh, h + row + o);
    }
    if (j < hidden) {
      const o = <usize>j << 2;
      gruFwdK(hidden - j, xProj + pOff + o, gh, hProj + pOff + o, gh, hPrev + row + o, saved + sOff + o, gh, h + row + o);
    }
  }
}

// @ts-ignore: decorator
@inline export function gruBwdK(k: i32, s: usize, gh: usize, hPrev: usize, dh: usize, dx: usize, dhp: usize, dhPrev: usize): void {
  const one = f32x4.splat(1);
  const r = ld(s, k);
  const z = ld(s + gh, k);
  const n = ld(s + 2 * gh, k);
  const hn = ld(s + 3 * gh, k);
  const dhv = ld(dh, k);
  const an = f32x4.mul(f32x4.mul(dhv, f32x4.sub(one, z)), nmadd(n, n, one));
  const ar = f32x4.mul(f32x4.mul(an, hn), f32x4.mul(r, f32x4.sub(one, r)));
  const az = f32x4.mul(f32x4.mul(dhv, f32x4.sub(ld(hPrev, k), n)), f32x4.mul(z, f32x4.sub(one, z)));
  st(dx, ar, k);
  st(dx + gh, az, k);
  st(dx + 2 * gh, an, k);
  st(dhp, ar, k);
  st(dhp + gh, az, k);
  st(dhp + 2 * gh, f32x4.mul(an, r), k);
  st(dhPrev, f32x4.mul(dhv, z), k);
}

export function gruCellBackward(batch: i32, hidden: i32, saved: usize, hPrev: usize, dh: usize, dxProj: usize, dhProj: usize,
  dhPrev: usize): void {
  const gh = <usize>hidden << 2;
  for (let b = 0; b < batch; b++) {
    const pOff = <usize>b * 3 * gh;
    const sOff = <usize>b * 4 * gh;
    const row = <usize>b * gh;
    let j = 0;
    for (; j + 4 <= hidden; j += 4) {
      const o = <usize>j << 2;
      const q = row + o;
      gruBwdK(4, saved + sOff + o, gh, hPrev + q, dh + q, dxProj + pOff + o, dhProj + pOff + o, dhPrev + q);
    }
    if (j < hidden) {
      const o = <usize>j << 2;
      const q = row + o;
      gruBwdK(hidden - j, saved + sOff + o, gh, hPrev + q, dh + q, dxProj + pOff + o, dhProj + pOff + o, dhPrev + q);
    }
  }
}
