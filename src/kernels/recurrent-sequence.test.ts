/**
 * Backend.recurrentSequence and recurrentSequenceBackward, the whole-sequence kernels: wasm and
 * native (when its addon is built; on every instruction set the CPU runs) against the reference loops (every cell kind, lengths, reverse, odd and even step counts,
 * hidden sizes that are not multiples of the 8-unit blocks, with and without saving for the
 * backward), bit-identical results for 1, 2 and 3 threads and with workers that start late,
 * and argument errors that name the argument. The reference backward is gradient-checked
 * through the layers (nn/recurrent.gradcheck.test.ts); layer-level: nn/recurrent-inference.test.ts.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend, RecurrentInput } from './backend.js';
import { CELL_KINDS, type CellKind, cellKind } from './cell-kinds.js';
import { ReferenceBackend } from './reference/reference-backend.js';
import { WasmBackend } from './wasm/wasm-backend.js';
import { sequenceParts } from './wasm/split.js';
import { Rng } from '../random/rng.js';
import { assertClose, copyToBackend, randomFloats } from '../testing/compare.js';
import { maybeNative, noteNativeSkipped } from '../testing/native-backends.js';
import type { NativeBackend } from './native/native-backend.js';

const ref = new ReferenceBackend();
const backends: WasmBackend[] = [];
async function wasm(threads: number, spinMs?: number): Promise<WasmBackend> {
  const b = await WasmBackend.create({ threads, spinMs });
  backends.push(b);
  return b;
}
const natives = new Map<number, NativeBackend | undefined>();
/** A native backend of `threads` threads (one per count, shared), undefined when the addon is not built. */
async function native(threads: number): Promise<NativeBackend | undefined> {
  if (!natives.has(threads)) natives.set(threads, await maybeNative({ threads }));
  return natives.get(threads);
}
/** The optimised backends of `threads` threads: wasm, and native when built. */
async function optimised(threads: number): Promise<Backend[]> {
  const n = await native(threads);
  return n ? [await wasm(threads), n] : [await wasm(threads)];
}
after(() => { backends.length = 0; natives.clear(); });
noteNativeSkipped();

/** input: the projection is x [T, B, input] W_ih^T (computed by the backend's gemm or by recurrentSequence) instead of random. */
interface Case {
  kind: CellKind; T: number; B: number; H: number; lengths?: number[]; reverse?: boolean; bias?: boolean; xBias?: boolean; input?: number;
}

function inputs(c: Case, seed: number) {
  const rng = new Rng(seed);
  const { gates: G, hiddenBiasInCell, cellState } = cellKind(c.kind);
  return {
    xProj: randomFloats(rng, c.T * c.B * G * c.H, -1.5, 1.5),
    w: randomFloats(rng, G * c.H * c.H, -0.6, 0.6),
    hBias: hiddenBiasInCell && c.bias !== false ? randomFloats(rng, G * c.H) : null,
    h0: randomFloats(rng, c.B * c.H),
    c0: cellState ? randomFloats(rng, c.B * c.H, -2, 2) : null,
    xBias: c.xBias ? randomFloats(rng, G * c.H) : null,
    x: c.input ? randomFloats(rng, c.T * c.B * c.input) : null,
    wIh: c.input ? randomFloats(rng, G * c.H * c.input, -0.4, 0.4) : null,
  };
}

interface Result { out: Float32Array; h: Float32Array; c: Float32Array | null; saved?: Float32Array[]; grads?: Float32Array[] }

/**
 * Forward (saving when `train`), then with `train` the backward from random dOut, dh, dc. A case
 * with xBias passes it to the kernel, or with `preAdd` adds it to xProj first (addRowVector). A
 * case with an input size gives the kernel x and W_ih (a RecurrentInput) with `viaInput`, or
 * else xProj = x W_ih^T from the backend's gemm.
 */
function run(be: Backend, c: Case, seed = 1, train = false, preAdd = false, viaInput = false): Result {
  const { gates: G, savedGates: S, hiddenBiasInCell, cellState } = cellKind(c.kind);
  const d = inputs(c, seed);
  const { T, B, H } = c;
  const packed = be.allocFloats(be.recurrentPackedSize(G, H));
  const w = copyToBackend(be, d.w);
  be.recurrentPack(G, H, w, packed);
  const h = copyToBackend(be, d.h0);
  const cs = d.c0 ? copyToBackend(be, d.c0) : null;
  const out = be.allocFloats(T * B * H);
  const lengths = c.lengths ? Int32Array.from(c.lengths) : null;
  const save = train ? {
    gates: be.allocFloats(T * B * S * H), hPrev: be.allocFloats(T * B * H),
    ...(cellState ? { cPrev: be.allocFloats(T * B * H), c: be.allocFloats(T * B * H) } : {}),
  } : null;
  let xProj = copyToBackend(be, d.xProj);
  let input: RecurrentInput | null = null;
  if (c.input) {
    const [x, wIh, I] = [copyToBackend(be, d.x!), copyToBackend(be, d.wIh!), c.input];
    if (viaInput) input = { x, size: I, weightIh: wIh };
    else be.gemm(false, true, T * B, G * H, I, 1, x, I, wIh, I, 0, xProj = be.allocFloats(T * B * G * H), G * H);
  }
  const xBias = d.xBias ? copyToBackend(be, d.xBias) : null;
  if (xBias && preAdd) be.addRowVector(T * B, G * H, xBias, xProj);
  be.recurrentSequence(c.kind, T, B, H, input ?? xProj, packed, d.hBias ? copyToBackend(be, d.hBias) : null,
    lengths, c.reverse ?? false, h, cs, out, save, preAdd ? null : xBias);
  const result: Result = { out: Float32Array.from(out), h: Float32Array.from(h), c: cs ? Float32Array.from(cs) : null };
  if (!save) return result;
  result.saved = [save.gates, save.hPrev, ...(save.cPrev ? [save.cPrev, save.c!] : [])].map((a) => Float32Array.from(a));
  const rng = new Rng(seed + 100);
  const packedT = be.allocFloats(be.gemmPackedSize(G * H, H));
  be.gemmPackB(false, G * H, H, w, H, packedT);
  const dOut = copyToBackend(be, randomFloats(rng, T * B * H));
  const dh = copyToBackend(be, randomFloats(rng, B * H));
  const dc = cs ? copyToBackend(be, randomFloats(rng, B * H)) : null;
  const dx = be.allocFloats(T * B * G * H);
  const dhProj = hiddenBiasInCell ? be.allocFloats(T * B * G * H) : null;
  be.recurrentSequenceBackward(c.kind, T, B, H, packedT, lengths, c.reverse ?? false, save, seed % 2 ? dOut : null, dh, dc, dx, dhProj);
  result.grads = [dh, dx, ...(dc ? [dc] : []), ...(dhProj ? [dhProj] : [])].map((a) => Float32Array.from(a));
  return result;
}

const name = (c: Case) => `${c.kind} T=${c.T} B=${c.B} H=${c.H}${c.lengths ? ` lengths=[${c.lengths}]` : ''}${c.reverse ? ' reverse' : ''}${c.bias === false ? ' no bias' : ''}${c.xBias ? ' xBias' : ''}`;

/** Every output of `got` against the reference's `expected`, to the kernels' tolerances. */
function compare(got: Result, expected: Result, train: boolean, what: string): void {
  const tol = { rtol: 1e-4, atol: 1e-5 }; // exp/tanh/sigmoid approximations, over several steps
  assertClose(got.out, expected.out, tol, `out ${what}`);
  assertClose(got.h, expected.h, tol, `h ${what}`);
  if (expected.c) assertClose(got.c!, expected.c!, tol, `c ${what}`);
  if (!train) return;
  got.saved!.forEach((a, i) => assertClose(a, expected.saved![i]!, tol, `saved[${i}] ${what}`));
  got.grads!.forEach((a, i) => assertClose(a, expected.grads![i]!, { rtol: 1e-3, atol: 1e-4 }, `gradient ${['dh', 'dxProj', 'dc/dhProj', 'dhProj'][i]} ${what}`));
}

/** Cases with the input bias passed to the kernel (xBias): a tail block (H 17), a row split (B 19), GRU. */
const X_BIAS_CASES: Case[] = [
  { kind: 'lstm', T: 4, B: 3, H: 17, xBias: true },
  { kind: 'lstm', T: 3, B: 19, H: 40, lengths: [3, 1, 2, 3, 3, 2, 1, 3, 3, 2, 3, 1, 3, 3, 2, 3, 3, 1, 2], xBias: true },
  { kind: 'gru', T: 3, B: 5, H: 33, reverse: true, xBias: true },
  { kind: 'rnn-sigmoid', T: 3, B: 2, H: 20, xBias: true },
];

/** The reference-loop cases: every kind, tails of the 8- and 16-unit blocks, lengths, reverse. */
function referenceCases(): Case[] {
  const cases: Case[] = [];
  for (const kind of CELL_KINDS) {
    cases.push({ kind, T: 5, B: 1, H: 17 });
    cases.push({ kind, T: 4, B: 3, H: 8, reverse: true });
    cases.push({ kind, T: 3, B: 6, H: 33, lengths: [3, 1, 2, 3, 2, 1] });
    cases.push({ kind, T: 6, B: 2, H: 64, lengths: [6, 4], reverse: true });
    cases.push({ kind, T: 2, B: 5, H: 3 });
  }
  cases.push({ kind: 'gru', T: 4, B: 2, H: 12, bias: false });
  // Batches of 16 rows and more: native on 2 threads splits them by rows (8-row groups, a tail).
  // (recurrent.cc: also 64k multiply-adds per part over the sequence).
  cases.push({ kind: 'lstm', T: 3, B: 19, H: 40, lengths: [3, 1, 2, 3, 3, 2, 1, 3, 3, 2, 3, 1, 3, 3, 2, 3, 3, 1, 2] });
  cases.push({ kind: 'gru', T: 3, B: 17, H: 33, reverse: true });
  cases.push({ kind: 'rnn-relu', T: 4, B: 24, H: 40 });
  cases.push(...X_BIAS_CASES);
  return cases;
}

describe('recurrentSequence: wasm and native against the reference loop', () => {
  for (const c of referenceCases()) {
    test(name(c), async () => {
      for (const seed of [1, 2]) { // odd seeds pass dOut to the backward, even ones do not
        const expected = run(ref, c, seed, true);
        for (const threads of [1, 2]) {
          for (const be of await optimised(threads)) {
            for (const train of [false, true]) {
              compare(run(be, c, seed, train), expected, train, `(${be.description}, ${train ? 'saving' : 'inference'}, seed ${seed})`);
            }
          }
        }
      }
      // Inactive steps output exactly zero.
      if (c.lengths) {
        for (const be of await optimised(1)) {
          const got = run(be, c, 1, true);
          for (let t = 0; t < c.T; t++) for (let b = 0; b < c.B; b++) {
            if (t < c.lengths[b]!) continue;
            assert.ok(got.out.subarray((t * c.B + b) * c.H, (t * c.B + b + 1) * c.H).every((v) => v === 0), `${be.name}: out[${t}, ${b}] is zero`);
          }
        }
      }
    });
  }
});

describe('recurrentSequence: xBias', () => {
  test('adds the input bias exactly as addRowVector on xProj first would (every backend, 1 and 2 threads)', async () => {
    for (const c of X_BIAS_CASES) {
      for (const be of [ref, ...await optimised(1), ...await optimised(2)]) {
        assert.deepEqual(run(be, c, 1, true), run(be, c, 1, true, true), `${name(c)} on ${be.description}`);
      }
    }
  });
  test('an xBias of the wrong length is refused, naming it', async () => {
    for (const be of [ref, ...await optimised(1)]) {
      const packed = be.allocFloats(be.recurrentPackedSize(4, 4));
      assert.throws(() => be.recurrentSequence('lstm', 3, 2, 4, be.allocFloats(96), packed, null, null, false, be.allocFloats(8),
        be.allocFloats(8), be.allocFloats(24), null, be.allocFloats(15)), /recurrentSequence: xBias must hold \[16\] = 16 elements, got 15/);
    }
  });
});

describe('recurrentSequence: the input projection computed by the kernel (RecurrentInput)', () => {
  // Against x W_ih^T from the same backend's gemm, added to by addRowVector: the same bits. Native
  // projects each step chunk by chunk from 8 rows per part (B 19, 24, 27: split by rows on 2 and 3
  // threads), all steps in one GEMM first below that (B 1 to 5, also split by units: B 1, H 384
  // and B 3, H 520); input sizes of 1, tails of the 16-unit blocks, and 300 (two K blocks of the
  // GEMM). B 12, H 384 is projected step by step by parts that split the units.
  const cases: Case[] = [
    { kind: 'lstm', T: 4, B: 3, H: 17, input: 5, xBias: true },
    { kind: 'lstm', T: 3, B: 19, H: 40, input: 300, lengths: [3, 1, 2, 3, 3, 2, 1, 3, 3, 2, 3, 1, 3, 3, 2, 3, 3, 1, 2], xBias: true },
    { kind: 'lstm', T: 3, B: 1, H: 384, input: 33, xBias: true },
    { kind: 'lstm', T: 3, B: 12, H: 384, input: 17, xBias: true, lengths: [3, 2, 1, 3, 3, 3, 2, 2, 1, 3, 3, 1] },
    { kind: 'gru', T: 3, B: 9, H: 272, input: 10, xBias: true },
    { kind: 'lstm', T: 2, B: 27, H: 40, input: 1, reverse: true },
    { kind: 'gru', T: 3, B: 5, H: 33, input: 7, reverse: true, xBias: true },
    { kind: 'gru', T: 4, B: 2, H: 260, input: 20, lengths: [4, 2], xBias: true },
    { kind: 'gru', T: 3, B: 19, H: 48, input: 9, bias: false },
    { kind: 'rnn-tanh', T: 4, B: 3, H: 520, input: 64, xBias: true },
    { kind: 'rnn-relu', T: 4, B: 24, H: 40, input: 16, lengths: Array.from({ length: 24 }, (_, b) => 1 + (b % 4)) },
    { kind: 'rnn-sigmoid', T: 3, B: 2, H: 20, input: 3, xBias: true },
  ];
  test('gives the bits of gemm then addRowVector, saving or not (every backend, 1, 2 and 3 threads)', async () => {
    const backends: Backend[] = [ref, ...await optimised(1), ...await optimised(2), ...await optimised(3)];
    for (const c of cases) {
      for (const be of backends) {
        for (const train of [false, true]) {
          assert.deepEqual(run(be, c, 1, train, false, true), run(be, c, 1, train, true), `${name(c)} input ${c.input} on ${be.description}`);
        }
      }
      compare(run(ref, c, 2, true, false, true), run(ref, c, 2, true, true), true, `${name(c)} (reference)`);
    }
  });
  test('native: the same bits on every instruction set this CPU runs, as the wasm and reference values', async (t) => {
    const be = await native(2);
    if (!be) { t.skip('native addon not built'); return; }
    const best = be.info.isaBest;
    try {
      for (const isa of ['portable', 'avx2', 'avx512'] as const) {
        if (!be.setIsa(isa)) continue;
        for (const c of cases) {
          assert.deepEqual(run(be, c, 1, true, false, true), run(be, c, 1, true, true), `${name(c)} input ${c.input} (${isa})`);
          // Against the reference where rounding differences stay small: the wide cases' random
          // W_hh (gain about 8 per step) amplifies them past the tolerance in a few steps.
          if (c.H <= 64) compare(run(be, c, 1, false, false, true), run(ref, c, 1, false, true), false, `${name(c)} input ${c.input} (${isa})`);
        }
      }
    } finally {
      be.setIsa(best);
    }
  });
  test('an input that does not fit is refused, naming it', async () => {
    for (const be of [ref, await wasm(1), ...[await native(1)].filter((n) => n !== undefined)]) {
      const packed = be.allocFloats(be.recurrentPackedSize(4, 4));
      const call = (x: number, size: number, w: number) => () => be.recurrentSequence('lstm', 3, 2, 4,
        { x: be.allocFloats(x), size, weightIh: be.allocFloats(w) }, packed, null, null, false, be.allocFloats(8), be.allocFloats(8),
        be.allocFloats(24));
      assert.throws(call(30, 5, 80 - 1), /recurrentSequence: input weightIh must hold \[16, 5\] = 80 elements, got 79/);
      assert.throws(call(29, 5, 80), /recurrentSequence: input x must hold \[3, 2, 5\] = 30 elements, got 29/);
      assert.throws(call(0, 0, 0), /recurrentSequence: input size must be a positive integer, got 0/);
      assert.doesNotThrow(call(30, 5, 80));
    }
  });
});

describe('recurrentSequence: native on every instruction set this CPU runs', () => {
  // The portable path (4-lane vectors, no FMA) and avx2 run here whatever the best path is;
  // avx512 only on a CPU that has it. The best path is restored afterwards.
  for (const isa of ['portable', 'avx2', 'avx512'] as const) {
    test(isa, async (t) => {
      const be = await native(2);
      if (!be) { t.skip('native addon not built'); return; }
      const best = be.info.isaBest;
      if (!be.setIsa(isa)) { assert.notEqual(isa, 'portable'); t.skip(`this CPU cannot run ${isa}`); return; }
      try {
        for (const c of referenceCases()) {
          const expected = run(ref, c, 1, true);
          const one = run((await native(1))!, c, 1, true);
          compare(one, expected, true, `${name(c)} (${isa}, 1 thread)`);
          assert.deepEqual(run(be, c, 1, true), one, `${name(c)} (${isa}): 2 threads differ from 1`);
          compare(run(be, c, 1, false), expected, false, `${name(c)} (${isa}, inference)`);
        }
      } finally {
        be.setIsa(best);
      }
      assert.equal(be.info.isaActive, best, 'the best path is restored');
    });
  }
});

describe('recurrentSequence: threads', () => {
  // Big enough for 2 and 3 parts (sequenceParts: SEQUENCE_MIN_MACS_PER_PART per part and step).
  const cases: Case[] = [
    { kind: 'lstm', T: 7, B: 1, H: 128 },
    { kind: 'gru', T: 6, B: 2, H: 116, lengths: [6, 3], reverse: true },
    { kind: 'rnn-tanh', T: 5, B: 4, H: 136 },
    { kind: 'lstm', T: 4, B: 9, H: 72, lengths: [4, 4, 1, 2, 3, 4, 2, 1, 4] },
  ];
  test('the last case splits in 3 parts on 3 threads', () => assert.equal(sequenceParts(9, 4, 72, 3), 3));
  test('a step must hold 2k multiply-adds per part (LSTM batch 1: H = 16 stays on one thread, H = 32 splits)', () => {
    assert.equal(sequenceParts(1, 4, 16, 2), 1);
    assert.equal(sequenceParts(1, 4, 32, 2), 2);
    assert.equal(sequenceParts(64, 4, 256, 8), 8);
    assert.equal(sequenceParts(1, 1, 8, 4), 1, 'one 8-unit block cannot be split');
  });
  // The native kernels split a step's units only from 128 hidden units and 256 gate columns per
  // part (recurrent.cc: below that, fetching h_{t-1} from the other cores costs more than it
  // saves), so their cases are wider: 2 parts on 2 threads, 3 on 3 where G H allows.
  const nativeCases: Case[] = [
    { kind: 'lstm', T: 5, B: 1, H: 384 },
    { kind: 'gru', T: 4, B: 2, H: 260, lengths: [4, 2], reverse: true },
    { kind: 'rnn-tanh', T: 4, B: 3, H: 520 },
    { kind: 'lstm', T: 3, B: 9, H: 400, lengths: [3, 3, 1, 2, 3, 3, 2, 1, 3] },
    // From 16 batch rows the parts split the batch instead (8-row groups: 2 parts of B 19 on 2 and
    // on 3 threads, 3 parts of B 27 on 3 threads, one with a 3-row tail).
    { kind: 'lstm', T: 4, B: 27, H: 40, lengths: Array.from({ length: 27 }, (_, b) => 1 + (b * 5) % 4) },
    { kind: 'gru', T: 3, B: 19, H: 48, lengths: Array.from({ length: 19 }, (_, b) => 1 + (b % 3)), reverse: true },
    { kind: 'rnn-tanh', T: 4, B: 16, H: 64 },
  ];
  for (const c of nativeCases) {
    test(`${name(c)}: native bit-identical on 1, 2 and 3 threads, and with sleeping workers`, async (t) => {
      const n1 = await native(1);
      if (!n1) { t.skip('native addon not built'); return; }
      const one = run(n1, c, 1, true);
      for (const [threads, sleep] of [[2, false], [3, false], [2, true]] as const) {
        const be = (await native(threads))!;
        // sleep: the native workers spin for 2 ms after a job, then park on a futex; a pause of
        // 5 ms before each call lets them fall asleep, so the calling thread starts alone and
        // runs their chunks until they wake (a chunk run twice or skipped would change bits).
        for (let round = 0; round < (sleep ? 12 : 3); round++) {
          if (sleep) await new Promise((r) => setTimeout(r, 5));
          const got = run(be, c, 1, true);
          assert.deepEqual(got, one, `native ${threads} threads${sleep ? ', workers asleep' : ''}, round ${round}`);
        }
      }
    });
  }
  for (const c of cases) {
    test(`${name(c)}: bit-identical on 1, 2 and 3 threads, and with sleeping workers`, async () => {
      const one = run(await wasm(1), c, 1, true);
      for (const [threads, spinMs] of [[2, undefined], [3, undefined], [2, 0]] as const) {
        const be = await wasm(threads, spinMs);
        // spinMs 0: workers sleep between jobs and wake tens of microseconds late, so the
        // calling thread runs their chunks of the first steps (a chunk run twice would update
        // the LSTM cell state twice, and one skipped would leave a stale state: both change bits).
        for (let round = 0; round < (spinMs === 0 ? 20 : 3); round++) {
          const got = run(be, c, 1, true);
          assert.deepEqual(got, one, `${threads} threads${spinMs === 0 ? ', workers asleep' : ''}, round ${round}`);
        }
        assert.ok(sequenceParts(c.B, cellKind(c.kind).gates, c.H, threads) >= 2, `${threads} threads: the job is split`);
        assert.ok(be.threadStats.posted > 0, `${threads} threads: parts went to workers`);
        if (spinMs === 0) assert.ok(be.threadStats.chunksTakenOver > 0, 'the calling thread took over chunks of sleeping workers');
      }
    });
  }
});

describe('recurrentSequence: arguments', () => {
  test('sizes and buffers that do not fit are refused, naming the argument', async () => {
    for (const be of [ref, await wasm(1), ...[await native(1)].filter((n) => n !== undefined)]) {
      const c: Case = { kind: 'lstm', T: 3, B: 2, H: 4 };
      const packed = be.allocFloats(be.recurrentPackedSize(4, 4));
      const f = (over: Partial<Record<'kind' | 'xProj' | 'h' | 'c' | 'out' | 'lengths' | 'hBias', unknown>>) => () =>
        be.recurrentSequence((over.kind ?? c.kind) as CellKind, c.T, c.B, c.H,
          (over.xProj ?? be.allocFloats(3 * 2 * 16)) as Float32Array, packed, (over.hBias ?? null) as Float32Array | null,
          (over.lengths ?? null) as Int32Array | null, false, (over.h ?? be.allocFloats(8)) as Float32Array,
          (over.c === undefined ? be.allocFloats(8) : over.c) as Float32Array | null, (over.out ?? be.allocFloats(24)) as Float32Array);
      assert.throws(f({ kind: 'lstmx' }), /recurrentSequence: kind must be one of lstm, gru, rnn-tanh, rnn-relu, rnn-sigmoid, got 'lstmx'/);
      assert.throws(f({ xProj: be.allocFloats(95) }), /recurrentSequence: xProj must hold \[3, 2, 16\] = 96 elements, got 95/);
      assert.throws(f({ h: be.allocFloats(7) }), /recurrentSequence: h must hold \[2, 4\] = 8 elements, got 7/);
      assert.throws(f({ c: null }), /recurrentSequence: c must hold \[2, 4\] = 8 elements, got none/);
      assert.throws(f({ out: be.allocFloats(23) }), /recurrentSequence: out must hold \[3, 2, 4\] = 24 elements, got 23/);
      assert.throws(f({ lengths: Int32Array.from([3, 4]) }), /recurrentSequence: lengths\[1\] = 4 must be between 1 and steps = 3/);
      assert.throws(f({ hBias: be.allocFloats(16) }), /recurrentSequence: hBias is for GRU only/);
      assert.throws(() => be.recurrentSequence('lstm', 0, 2, 4, be.allocFloats(1), packed, null, null, false, be.allocFloats(8),
        be.allocFloats(8), be.allocFloats(1)), /recurrentSequence: steps must be a positive integer, got 0/);
      assert.throws(() => be.recurrentPack(4, 4, be.allocFloats(63), packed), /recurrentPack: weightHh must hold \[4 \* 4, 4\] = 64 elements, got 63/);
      const packedT = be.allocFloats(be.gemmPackedSize(16, 4));
      const saved = { gates: be.allocFloats(3 * 2 * 16), hPrev: be.allocFloats(24), cPrev: be.allocFloats(24), c: be.allocFloats(24) };
      const back = (over: { saved?: typeof saved; dhProj?: Float32Array; dx?: Float32Array }) => () =>
        be.recurrentSequenceBackward('lstm', 3, 2, 4, packedT, null, false, over.saved ?? saved, null, be.allocFloats(8), be.allocFloats(8),
          over.dx ?? be.allocFloats(96), over.dhProj ?? null);
      assert.doesNotThrow(back({}));
      assert.throws(back({ saved: { ...saved, c: be.allocFloats(23) } }), /recurrentSequenceBackward: saved\.c must hold \[3, 2, 4\] = 24 elements, got 23/);
      assert.throws(back({ dhProj: be.allocFloats(96) }), /recurrentSequenceBackward: dhProj is for GRU only/);
      assert.throws(() => be.recurrentSequence('gru', 3, 2, 4, be.allocFloats(72), be.allocFloats(be.recurrentPackedSize(3, 4)), null, null,
        false, be.allocFloats(8), null, be.allocFloats(24), { gates: be.allocFloats(96), hPrev: be.allocFloats(24), cPrev: be.allocFloats(1) }),
      /recurrentSequence: save\.cPrev and save\.c are the LSTM cell states, got one for 'gru'/);
      assert.throws(back({ dx: be.allocFloats(95) }), /recurrentSequenceBackward: dxProj must hold \[3, 2, 16\] = 96 elements, got 95/);
    }
  });
});
