/**
 * Backend conformance: every non-GEMM kernel of the optimised backends (wasm, both builds; native
 * when its addon is built) against the reference oracle, on odd and edge sizes, with buffers from
 * the backend (`allocFloats`: wasm memory) and on the JavaScript heap (which the wasm glue copies
 * in and back). GEMM has its own test.
 *
 * Tolerances: kernels without transcendentals must agree within 1e-5 relative (atol 1e-6).
 * Kernels that use the vectorised exp / tanh / sigmoid approximations (measured max errors
 * 1.2e-7 relative, 3.6e-7 absolute, 2.1e-7 relative; see assembly/simd.ts) are held to 1e-4
 * relative: tanh and sigmoid activations, LSTM/GRU forward and backward, softmax, cross-entropy.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Activation, Backend, F32, I32 } from './backend.js';
import { ReferenceBackend } from './reference/reference-backend.js';
import { WasmBackend } from './wasm/wasm-backend.js';
import { Rng } from '../random/rng.js';
import { assertClose, randomFloats, type Tolerance } from '../testing/compare.js';
import { maybeNative, noteNativeSkipped } from '../testing/native-backends.js';

const EXACT: Tolerance = { rtol: 1e-5, atol: 1e-6 };
const APPROX: Tolerance = { rtol: 1e-4, atol: 1e-6 };
const SIZES = [1, 3, 17, 65, 257];
const ROWS = [1, 3, 17, 65];
const IGNORE = -100;

type Buffers = Record<string, F32 | I32>;
/** Where an optimised run keeps its buffers: from the backend (wasm memory), or on the JS heap (copied per call). */
type Placement = 'alloc' | 'heap';

const ref = new ReferenceBackend();
/** The backends under test: both wasm builds, and native when built. */
const optimised: Backend[] = [];

before(async () => {
  optimised.push(await WasmBackend.create(), await WasmBackend.create({ flavour: 'simd' }));
  const native = await maybeNative();
  if (native) optimised.push(native);
});
after(() => { optimised.length = 0; });
noteNativeSkipped();

function place(be: Backend, bufs: Buffers, where: Placement): Buffers {
  const out: Buffers = {};
  for (const [name, src] of Object.entries(bufs)) {
    if (where === 'heap') { out[name] = src.slice(); continue; }
    const dst = src instanceof Int32Array ? be.allocInts(src.length) : be.allocFloats(src.length);
    dst.set(src as never);
    out[name] = dst;
  }
  return out;
}

/**
 * Runs `run` on the reference and on each optimised backend (both placements) from copies of
 * the same inputs, and compares the named outputs and the return value.
 */
function conform(label: string, inputs: Buffers, outputs: string[], tol: Tolerance,
  run: (be: Backend, b: Buffers) => number | void): void {
  const expected = place(ref, inputs, 'heap');
  const expectedResult = run(ref, expected);
  assert.ok(optimised.length >= 2, 'wasm backends not created');
  for (const be of optimised) {
    for (const where of ['alloc', 'heap'] as const) {
      const got = place(be, inputs, where);
      const result = run(be, got);
      const tag = `${label} [${be.description}, ${where}]`;
      if (typeof expectedResult === 'number') close([result as number], [expectedResult], tol, `${tag} result`);
      for (const name of outputs) {
        const a = got[name]!;
        for (let i = 0; i < a.length; i++) assert.ok(!Number.isNaN(a[i]) || Number.isNaN(expected[name]![i]), `${tag} ${name}[${i}] is NaN`);
        close(a, expected[name]!, tol, `${tag} ${name}`);
      }
    }
  }
}

/** assertClose that also accepts equal infinities (whose difference is NaN). */
function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, label: string): void {
  const a = Float64Array.from(actual);
  const e = Float64Array.from(expected);
  for (let i = 0; i < e.length; i++) if (a[i] === e[i]) a[i] = e[i] = 0;
  assertClose(a, e, tol, label);
}

const floats = (rng: Rng, n: number, lo = -1, hi = 1): F32 => randomFloats(rng, n, lo, hi);
function ints(rng: Rng, n: number, hi: number): I32 {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.int(hi);
  return a;
}

/** Runs `fn` on every backend and returns the error messages (undefined where none was thrown). */
function errorsOf(fn: (be: Backend, b: Buffers) => void, inputs: Buffers): (string | undefined)[] {
  const msgs: (string | undefined)[] = [];
  for (const be of [ref, ...optimised]) {
    for (const where of ['alloc', 'heap'] as const) {
      try { fn(be, place(be, inputs, where)); msgs.push(undefined); } catch (e) { msgs.push((e as Error).message); }
    }
  }
  return msgs;
}

describe('elementwise kernels', () => {
  test('fill, axpy, scale, clamp on odd sizes', () => {
    const rng = new Rng(1);
    for (const n of SIZES) {
      conform(`fill n=${n}`, { x: floats(rng, n) }, ['x'], EXACT, (be, b) => be.fill(n, 0.37, b.x as F32));
      conform(`axpy n=${n}`, { x: floats(rng, n), y: floats(rng, n) }, ['y'], EXACT,
        (be, b) => be.axpy(n, -0.7, b.x as F32, b.y as F32));
      conform(`scale n=${n}`, { x: floats(rng, n) }, ['x'], EXACT, (be, b) => be.scale(n, 1.3, b.x as F32));
      conform(`clamp n=${n}`, { x: floats(rng, n) }, ['x'], EXACT, (be, b) => be.clamp(n, -0.3, 0.5, b.x as F32));
    }
  });

  test('mul and add, including out aliasing a or b', () => {
    const rng = new Rng(2);
    for (const n of SIZES) {
      for (const op of ['mul', 'add'] as const) {
        const inputs = () => ({ a: floats(rng, n), b: floats(rng, n), out: floats(rng, n) });
        conform(`${op} n=${n}`, inputs(), ['out'], EXACT, (be, b) => be[op](n, b.a as F32, b.b as F32, b.out as F32));
        conform(`${op} out=a n=${n}`, inputs(), ['a'], EXACT, (be, b) => be[op](n, b.a as F32, b.b as F32, b.a as F32));
        conform(`${op} out=b n=${n}`, inputs(), ['b'], EXACT, (be, b) => be[op](n, b.a as F32, b.b as F32, b.b as F32));
      }
    }
  });

  test('addRowVector and sumRows (accumulating) on [rows, cols] combinations', () => {
    const rng = new Rng(3);
    for (const rows of ROWS) {
      for (const cols of SIZES) {
        conform(`addRowVector ${rows}x${cols}`, { bias: floats(rng, cols), x: floats(rng, rows * cols) }, ['x'], EXACT,
          (be, b) => be.addRowVector(rows, cols, b.bias as F32, b.x as F32));
        conform(`sumRows ${rows}x${cols}`, { x: floats(rng, rows * cols), out: floats(rng, cols) }, ['out'], EXACT,
          (be, b) => be.sumRows(rows, cols, b.x as F32, b.out as F32));
      }
    }
  });

  test('sum and sumSquares, up to a million elements', () => {
    const rng = new Rng(4);
    for (const n of [...SIZES, 1000, (1 << 20) + 3]) {
      const x = floats(rng, n, -1, 1.1);
      conform(`sum n=${n}`, { x }, [], EXACT, (be, b) => be.sum(n, b.x as F32));
      conform(`sumSquares n=${n}`, { x }, [], EXACT, (be, b) => be.sumSquares(n, b.x as F32));
    }
  });

  test('activationForward, including y === x and large magnitudes', () => {
    const rng = new Rng(5);
    const special = [0, -0, 1e-30, -1e-30, 20, -20, 50, -50, 100, -100, 1e30, -1e30, Infinity, -Infinity];
    for (const kind of ['tanh', 'relu', 'sigmoid'] as Activation[]) {
      const tol = kind === 'relu' ? EXACT : APPROX;
      for (const n of [...SIZES, special.length]) {
        const x = n === special.length ? Float32Array.from(special) : floats(rng, n, -8, 8);
        conform(`${kind} n=${n}`, { x, y: floats(rng, n) }, ['y'], tol, (be, b) => be.activationForward(kind, n, b.x as F32, b.y as F32));
        conform(`${kind} y=x n=${n}`, { x }, ['x'], tol, (be, b) => be.activationForward(kind, n, b.x as F32, b.x as F32));
      }
    }
    // Saturation, checked directly on each optimised backend's output.
    for (const be of optimised) {
      const x = Float32Array.from([1e30, -1e30, 100, -100, Infinity, -Infinity]);
      const t = new Float32Array(6);
      const s = new Float32Array(6);
      be.activationForward('tanh', 6, x, t);
      be.activationForward('sigmoid', 6, x, s);
      // The plain build reaches +-1 exactly; with fused multiply-add the rational stops 2.4e-7 short.
      t.forEach((v, i) => assert.ok(Math.abs(v - Math.sign(x[i]!)) <= 3e-7 && Math.abs(v) <= 1, `tanh(${x[i]}) = ${v}`));
      assert.deepEqual([s[0], s[2], s[4]], [1, 1, 1]);
      for (const i of [1, 3, 5]) assert.ok(s[i]! >= 0 && s[i]! < 1e-37, `sigmoid(${x[i]}) = ${s[i]}`);
    }
  });

  test('activationBackward, overwriting and accumulating', () => {
    const rng = new Rng(6);
    for (const kind of ['tanh', 'relu', 'sigmoid'] as Activation[]) {
      for (const n of SIZES) {
        // y is a plausible forward output for each kind (relu: some exact zeros).
        const y = kind === 'tanh' ? floats(rng, n, -1, 1) : kind === 'sigmoid' ? floats(rng, n, 0, 1)
          : floats(rng, n, -1, 1).map((v) => Math.max(v, 0));
        for (const accumulate of [false, true]) {
          conform(`${kind} backward acc=${accumulate} n=${n}`, { y, dy: floats(rng, n), dx: floats(rng, n) }, ['dx'], EXACT,
            (be, b) => be.activationBackward(kind, n, b.y as F32, b.dy as F32, b.dx as F32, accumulate));
        }
      }
    }
  });
});

describe('fused recurrent cells', () => {
  /** Saved LSTM activations and state from a reference forward pass. */
  function lstmState(rng: Rng, batch: number, hidden: number) {
    const gates = floats(rng, batch * 4 * hidden, -4, 4);
    const cPrev = floats(rng, batch * hidden, -2, 2);
    const c = new Float32Array(batch * hidden);
    ref.lstmCellForward(batch, hidden, gates, cPrev, c, new Float32Array(batch * hidden));
    return { gates, cPrev, c };
  }

  test('lstmCellForward', () => {
    const rng = new Rng(7);
    for (const batch of [1, 3, 17]) {
      for (const hidden of SIZES) {
        const n = batch * hidden;
        conform(`lstm fwd B=${batch} H=${hidden}`,
          { gates: floats(rng, 4 * n, -4, 4), cPrev: floats(rng, n, -2, 2), c: floats(rng, n), h: floats(rng, n) },
          ['gates', 'c', 'h'], APPROX,
          (be, b) => be.lstmCellForward(batch, hidden, b.gates as F32, b.cPrev as F32, b.c as F32, b.h as F32));
      }
    }
  });

  test('lstmCellBackward, including dcPrev === dc', () => {
    const rng = new Rng(8);
    for (const batch of [1, 3, 17]) {
      for (const hidden of SIZES) {
        const n = batch * hidden;
        const inputs = { ...lstmState(rng, batch, hidden), dh: floats(rng, n), dc: floats(rng, n),
          dGates: floats(rng, 4 * n), dcPrev: floats(rng, n) };
        conform(`lstm bwd B=${batch} H=${hidden}`, inputs, ['dGates', 'dcPrev'], APPROX, (be, b) =>
          be.lstmCellBackward(batch, hidden, b.gates as F32, b.cPrev as F32, b.c as F32, b.dh as F32, b.dc as F32,
            b.dGates as F32, b.dcPrev as F32));
        conform(`lstm bwd dcPrev=dc B=${batch} H=${hidden}`, inputs, ['dGates', 'dc'], APPROX, (be, b) =>
          be.lstmCellBackward(batch, hidden, b.gates as F32, b.cPrev as F32, b.c as F32, b.dh as F32, b.dc as F32,
            b.dGates as F32, b.dc as F32));
      }
    }
  });

  test('gruCellForward and gruCellBackward', () => {
    const rng = new Rng(9);
    for (const batch of [1, 3, 17]) {
      for (const hidden of SIZES) {
        const n = batch * hidden;
        const xProj = floats(rng, 3 * n, -3, 3);
        const hProj = floats(rng, 3 * n, -3, 3);
        const hPrev = floats(rng, n);
        conform(`gru fwd B=${batch} H=${hidden}`, { xProj, hProj, hPrev, saved: floats(rng, 4 * n), h: floats(rng, n) },
          ['saved', 'h'], APPROX,
          (be, b) => be.gruCellForward(batch, hidden, b.xProj as F32, b.hProj as F32, b.hPrev as F32, b.saved as F32, b.h as F32));
        const saved = new Float32Array(4 * n);
        ref.gruCellForward(batch, hidden, xProj, hProj, hPrev, saved, new Float32Array(n));
        conform(`gru bwd B=${batch} H=${hidden}`,
          { saved, hPrev, dh: floats(rng, n), dxProj: floats(rng, 3 * n), dhProj: floats(rng, 3 * n), dhPrev: floats(rng, n) },
          ['dxProj', 'dhProj', 'dhPrev'], APPROX, (be, b) =>
            be.gruCellBackward(batch, hidden, b.saved as F32, b.hPrev as F32, b.dh as F32, b.dxProj as F32, b.dhProj as F32,
              b.dhPrev as F32));
      }
    }
  });
});

describe('losses', () => {
  /** Targets in [0, classes) with every third row ignored. */
  function targetsFor(rng: Rng, rows: number, classes: number): I32 {
    const t = ints(rng, rows, classes);
    for (let r = 1; r < rows; r += 3) t[r] = IGNORE;
    return t;
  }

  test('softmax, including y === x and large logits', () => {
    const rng = new Rng(10);
    for (const rows of ROWS) {
      for (const cols of SIZES) {
        const x = floats(rng, rows * cols, -5, 5);
        conform(`softmax ${rows}x${cols}`, { x, y: floats(rng, rows * cols) }, ['y'], APPROX,
          (be, b) => be.softmax(rows, cols, b.x as F32, b.y as F32));
        conform(`softmax y=x ${rows}x${cols}`, { x: x.map((v) => v * 1e4) }, ['x'], APPROX,
          (be, b) => be.softmax(rows, cols, b.x as F32, b.x as F32));
      }
    }
  });

  test('softmaxCrossEntropyForward with ignored rows and large logits', () => {
    const rng = new Rng(11);
    for (const rows of ROWS) {
      for (const classes of SIZES) {
        for (const magnitude of [5, 3e4]) {
          const n = rows * classes;
          const targets = targetsFor(rng, rows, classes);
          const inputs = { logits: floats(rng, n, -magnitude, magnitude), targets, probs: floats(rng, n), losses: floats(rng, rows) };
          conform(`xent fwd ${rows}x${classes} |x|<${magnitude}`, inputs, ['probs', 'losses'], APPROX, (be, b) =>
            be.softmaxCrossEntropyForward(rows, classes, b.logits as F32, b.targets as I32, IGNORE, b.probs as F32, b.losses as F32));
          for (const be of optimised) {
            const losses = new Float32Array(rows);
            be.softmaxCrossEntropyForward(rows, classes, inputs.logits, targets, IGNORE, new Float32Array(n), losses);
            for (let r = 0; r < rows; r++) {
              if (targets[r] === IGNORE) assert.equal(losses[r], 0);
              else assert.ok(Number.isFinite(losses[r]) && losses[r]! >= 0, `loss[${r}] = ${losses[r]}`);
            }
          }
        }
      }
    }
  });

  test('softmax and cross-entropy over vocabulary-wide rows, with -Infinity, +Infinity and NaN logits', () => {
    // Rows around the native vector path's 1024-element sum blocks (AVX-512), and special values:
    // a -Infinity logit gets probability 0 (the reference and native exactly; wasm's clamped exp
    // leaves about 2e-39); a row with NaN or +Infinity, or all -Infinity, comes out as the
    // reference's (NaN where it has NaN).
    const rng = new Rng(14);
    for (const classes of [1023, 1024, 1025, 4099]) {
      const rows = 3, n = rows * classes;
      const logits = floats(rng, n, -20, 20);
      const targets = Int32Array.from({ length: rows }, (_, r) => (r * 977) % classes);
      conform(`xent fwd ${rows}x${classes}`, { logits, targets, probs: floats(rng, n), losses: floats(rng, rows) }, ['probs', 'losses'],
        APPROX, (be, b) => be.softmaxCrossEntropyForward(rows, classes, b.logits as F32, b.targets as I32, IGNORE, b.probs as F32, b.losses as F32));
      conform(`softmax ${rows}x${classes}`, { x: logits, y: floats(rng, n) }, ['y'], APPROX, (be, b) => be.softmax(rows, classes, b.x as F32, b.y as F32));
    }
    const classes = 40;
    const special: number[][] = [
      Array.from({ length: classes }, (_, c) => (c % 3 === 0 ? -Infinity : c / 7)), // masked classes
      Array.from({ length: classes }, (_, c) => (c === 5 ? NaN : c / 7)),
      Array.from({ length: classes }, (_, c) => (c === 9 ? Infinity : c / 7)),
      Array.from({ length: classes }, () => -Infinity),
    ];
    const x = Float32Array.from(special.flat());
    const expected = new Float32Array(x.length);
    ref.softmax(special.length, classes, x, expected);
    for (const be of optimised) {
      const y = new Float32Array(x.length);
      be.softmax(special.length, classes, x, y);
      for (let i = 0; i < x.length; i++) {
        const what = `${be.description}: softmax row ${Math.floor(i / classes)}, class ${i % classes}`;
        if (Number.isNaN(expected[i])) assert.ok(Number.isNaN(y[i]), `${what} is NaN as the reference's, got ${y[i]}`);
        else if (expected[i] === 0 && be.name === 'native') assert.equal(y[i], 0, `${what} is exactly 0`);
        else if (expected[i] === 0) assert.ok(y[i]! >= 0 && y[i]! < 1e-37, `${what} is 0, got ${y[i]}`);
        else close([y[i]!], [expected[i]!], APPROX, what);
      }
    }
    assert.ok(expected.subarray(0, classes).some((v, c) => c % 3 === 0 && v === 0), 'the reference gives masked classes 0');
  });

  test('softmaxCrossEntropyBackward with ignored rows, including dLogits === probs', () => {
    const rng = new Rng(12);
    for (const rows of ROWS) {
      for (const classes of SIZES) {
        const n = rows * classes;
        const targets = targetsFor(rng, rows, classes);
        const probs = new Float32Array(n);
        ref.softmaxCrossEntropyForward(rows, classes, floats(rng, n, -5, 5), targets, IGNORE, probs, new Float32Array(rows));
        const inputs = { probs, targets, rowScale: floats(rng, rows, 0.1, 2), dLogits: floats(rng, n) };
        conform(`xent bwd ${rows}x${classes}`, inputs, ['dLogits'], EXACT, (be, b) =>
          be.softmaxCrossEntropyBackward(rows, classes, b.probs as F32, b.targets as I32, IGNORE, b.rowScale as F32, b.dLogits as F32));
        conform(`xent bwd dLogits=probs ${rows}x${classes}`, inputs, ['probs'], EXACT, (be, b) =>
          be.softmaxCrossEntropyBackward(rows, classes, b.probs as F32, b.targets as I32, IGNORE, b.rowScale as F32, b.probs as F32));
        for (const be of optimised) {
          const d = floats(rng, n);
          be.softmaxCrossEntropyBackward(rows, classes, probs, targets, IGNORE, inputs.rowScale, d);
          for (let r = 1; r < rows; r += 3) assert.ok(d.subarray(r * classes, (r + 1) * classes).every((v) => v === 0));
        }
      }
    }
  });

  test('an invalid target throws the same clear error on every backend', () => {
    const run = (be: Backend, b: Buffers) =>
      be.softmaxCrossEntropyForward(4, 5, b.logits as F32, b.targets as I32, IGNORE, b.probs as F32, b.losses as F32);
    const inputs = (t: number[]) => ({ logits: new Float32Array(20), targets: Int32Array.from(t), probs: new Float32Array(20),
      losses: new Float32Array(4) });
    for (const msg of errorsOf(run, inputs([0, IGNORE, 5, 7]))) assert.equal(msg, 'softmaxCrossEntropy: target 5 at row 2 is outside [0, 5)');
    for (const msg of errorsOf(run, inputs([0, -1, 4, 1]))) assert.equal(msg, 'softmaxCrossEntropy: target -1 at row 1 is outside [0, 5)');
    for (const msg of errorsOf(run, inputs([0, IGNORE, 4, 1]))) assert.equal(msg, undefined);
  });
});

describe('embeddings', () => {
  test('embeddingForward', () => {
    const rng = new Rng(13);
    for (const rows of ROWS) {
      for (const dim of SIZES) {
        const vocab = 7;
        conform(`embedding fwd ${rows}x${dim}`, { ids: ints(rng, rows, vocab), table: floats(rng, vocab * dim), out: floats(rng, rows * dim) },
          ['out'], EXACT, (be, b) => be.embeddingForward(rows, dim, vocab, b.ids as I32, b.table as F32, b.out as F32));
      }
    }
  });

  test('embeddingBackward accumulates repeated ids and skips paddingIdx', () => {
    const rng = new Rng(14);
    for (const rows of ROWS) {
      for (const dim of SIZES) {
        const vocab = 5; // few ids, so rows repeat them
        for (const paddingIdx of [-1, 2]) {
          conform(`embedding bwd ${rows}x${dim} pad=${paddingIdx}`,
            { ids: ints(rng, rows, vocab), dOut: floats(rng, rows * dim), dTable: floats(rng, vocab * dim) }, ['dTable'], EXACT,
            (be, b) => be.embeddingBackward(rows, dim, vocab, b.ids as I32, b.dOut as F32, b.dTable as F32, paddingIdx));
        }
      }
    }
    // Spelled out: ids [1, 1, 2, 1] with padding 2 add rows 0, 1 and 3 into table row 1.
    for (const be of [ref, ...optimised]) {
      const dTable = new Float32Array(6);
      be.embeddingBackward(4, 2, 3, Int32Array.from([1, 1, 2, 1]), Float32Array.from([1, 2, 10, 20, 100, 200, 1000, 2000]), dTable, 2);
      assert.deepEqual([...dTable], [0, 0, 1011, 2022, 0, 0], be.description);
    }
  });

  test('an invalid id throws the same clear error on every backend', () => {
    const run = (be: Backend, b: Buffers) => be.embeddingForward(3, 2, 4, b.ids as I32, b.table as F32, b.out as F32);
    const inputs = (ids: number[]) => ({ ids: Int32Array.from(ids), table: new Float32Array(8), out: new Float32Array(6) });
    for (const msg of errorsOf(run, inputs([0, 4, 9]))) assert.equal(msg, 'embedding: id 4 at position 1 is outside [0, 4)');
    for (const msg of errorsOf(run, inputs([-1, 0, 0]))) assert.equal(msg, 'embedding: id -1 at position 0 is outside [0, 4)');
  });
});

describe('optimizers: several steps in a row', () => {
  const STEPS = 5;
  const OPT_SIZES = [1, 3, 17, 65, 257, 1000];

  /** Runs STEPS updates with fresh gradients each step; checks the gradients stay untouched. */
  function steps(label: string, state: string[], tol: Tolerance, step: (be: Backend, b: Buffers, t: number) => void): void {
    const rng = new Rng(label.length * 7919);
    for (const n of OPT_SIZES) {
      const inputs: Buffers = { params: floats(rng, n) };
      for (let t = 0; t < STEPS; t++) inputs[`g${t}`] = floats(rng, n);
      for (const s of state) inputs[s] = new Float32Array(n);
      conform(`${label} n=${n}`, inputs, ['params', ...state, 'g0'], tol, (be, b) => {
        const g0 = (b.g0 as F32).slice();
        for (let t = 0; t < STEPS; t++) step(be, b, t);
        assert.deepEqual(b.g0, g0, `${label}: gradients were modified`);
      });
    }
  }
  const f = (b: Buffers, name: string) => b[name] as F32;

  test('sgd: plain, momentum with dampening, nesterov, weight decay', () => {
    for (const [momentum, dampening, nesterov, weightDecay] of [[0, 0, false, 0], [0, 0, false, 0.1], [0.9, 0.1, false, 0.01],
      [0.9, 0, true, 0], [0.5, 0, true, 0.05]] as const) {
      const o = { lr: 0.1, momentum, dampening, nesterov, weightDecay };
      steps(`sgd ${JSON.stringify(o)}`, ['buf'], EXACT, (be, b, t) =>
        be.sgdStep(b.params!.length, f(b, 'params'), f(b, `g${t}`), f(b, 'buf'), o, t === 0));
    }
  });

  test('adagrad', () => {
    for (const weightDecay of [0, 0.1]) {
      const o = { lr: 0.05, eps: 1e-10, weightDecay };
      steps(`adagrad wd=${weightDecay}`, ['sum'], EXACT, (be, b, t) =>
        be.adagradStep(b.params!.length, f(b, 'params'), f(b, `g${t}`), f(b, 'sum'), o));
    }
  });

  test('rmsprop: plain, centered, momentum, weight decay', () => {
    for (const [centered, momentum, weightDecay] of [[false, 0, 0], [true, 0, 0], [false, 0.9, 0.01], [true, 0.9, 0.1]] as const) {
      const o = { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay, momentum, centered };
      // With alpha = 0.99 the first steps divide by avg ~ 0.1 |g|, so g / avg terms reach ~10 and
      // cancel in the momentum buffer: float32 rounding of those terms needs atol 1e-4.
      steps(`rmsprop ${JSON.stringify(o)}`, ['sq', 'ga', 'buf'], { rtol: 1e-5, atol: 1e-4 }, (be, b, t) =>
        be.rmspropStep(b.params!.length, f(b, 'params'), f(b, `g${t}`), f(b, 'sq'), f(b, 'ga'), f(b, 'buf'), o));
    }
  });

  test('adam and adamw', () => {
    for (const [decoupled, weightDecay] of [[false, 0], [false, 0.1], [true, 0.01]] as const) {
      const beta1 = 0.9, beta2 = 0.999;
      steps(`adam decoupled=${decoupled} wd=${weightDecay}`, ['m', 'v'], EXACT, (be, b, t) => {
        const o = { lr: 1e-2, beta1, beta2, eps: 1e-8, weightDecay, decoupled,
          biasCorrection1: 1 - beta1 ** (t + 1), biasCorrection2: 1 - beta2 ** (t + 1) };
        be.adamStep(b.params!.length, f(b, 'params'), f(b, `g${t}`), f(b, 'm'), f(b, 'v'), o);
      });
    }
  });
});
