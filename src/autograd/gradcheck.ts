/**
 * The finite-difference gradient checker: it runs a function of tensors in float64 on the
 * reference backend and compares the tape's analytic gradients with central differences.
 * Not a benchmark and not for float32 or wasm: it validates backward formulas, not kernels.
 */
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { Rng } from '../random/rng.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { Parameter } from './parameter.js';
import { Tape } from './tape.js';

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Relative tolerance against |numeric| (default 1e-6). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8). */
  atol?: number;
  /** Seed of the projection direction and of the element subsets (default 0). */
  seed?: number;
  /** Elements checked per input; larger inputs are checked on a seeded random subset (default 200). */
  maxElements?: number;
  /** Names of the inputs for error messages (default `input 0`, `input 1`, ...). */
  names?: readonly string[];
}

export interface GradcheckInputReport {
  name: string;
  shape: readonly number[];
  /** Elements compared (all of them, or the random subset). */
  checked: number;
  /** False for a frozen Parameter (requiresGrad false), which is not checked. */
  requiresGrad: boolean;
  maxAbsError: number;
  /** Largest |analytic| over checked elements: 0 means the check proved nothing for this input. */
  maxAbsGradient: number;
  /** Largest |analytic - numeric| / max(|analytic|, |numeric|) over checked elements (0 where both are 0). */
  maxRelError: number;
  /** Largest |analytic - numeric| / tolerance: at most 1 when the check passes (the margin left). */
  worstRatio: number;
}

export interface GradcheckReport {
  inputs: GradcheckInputReport[];
  /** The largest `maxRelError` over all inputs. */
  maxRelError: number;
}

/**
 * Rounding error allowed in a central difference, in units of eps_machine * sum|out * r| / eps:
 * the forward's own float64 rounding, divided by the step. Without it a check of a large sum
 * (|S| ~ 1e5) fails on noise alone. Measured on linear, crossEntropy, bce, lstm, gru and a
 * 2000-element mse, the observed error is 0.2-0.5 of these units: 16 leaves a 30x margin, and a
 * wrong formula still misses by orders of magnitude.
 */
const ROUNDING_FACTOR = 16;

/** Copies `t` into float64 memory of `backend`, keeping Parameter-ness and requiresGrad. */
function toFloat64(backend: ReferenceBackend, t: Tensor): Tensor {
  const data = backend.allocFloats(t.size);
  data.set(t.data);
  if (t instanceof Parameter) {
    const p = new Parameter(data, t.shape, t.requiresGrad);
    p.grad = new Tensor(backend.allocFloats(t.size), t.shape);
    return p;
  }
  return new Tensor(data, t.shape);
}

/** Indices to check: all of them, or `max` distinct ones drawn with `rng`, sorted. */
function chooseIndices(n: number, max: number, rng: Rng): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= max) return all;
  rng.shuffle(all);
  return all.slice(0, max).sort((a, b) => a - b);
}

/**
 * Checks the backward of `fn` at `inputs` by central differences.
 *
 * Inputs are copied into float64 tensors on a `ReferenceBackend({ precision: 'f64' })`;
 * Parameters stay Parameters (a frozen one is passed through unchecked), other tensors are
 * `watch`ed. The output is projected onto a fixed random direction r (seeded), so the checked
 * scalar is S = sum(out * r) and every element of out is exercised. The analytic gradient
 * comes from `Tape.backward(out, r)`; the numeric one is (S(x + eps) - S(x - eps)) / (2 eps)
 * per element. An element fails when |analytic - numeric| > atol + rtol * |numeric| + rounding,
 * where rounding = 16 eps_machine sum|out * r| / eps bounds the float64 noise of the difference.
 *
 * `fn` must be deterministic (create any `Rng` inside it); integer inputs such as ids and
 * targets are captured by the closure, not passed as inputs.
 *
 * @returns the largest errors per input; throws naming the input, element, and both values
 *   for the worst failing element.
 */
export function gradcheck(fn: (tape: Tape, inputs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions = {}): GradcheckReport {
  const eps = options.eps ?? 1e-6;
  const rtol = options.rtol ?? 1e-6;
  const atol = options.atol ?? 1e-8;
  const maxElements = options.maxElements ?? 200;
  const rng = new Rng(options.seed ?? 0);
  const names = inputs.map((t, i) => options.names?.[i] ?? `input ${i}`);
  if (options.names && options.names.length !== inputs.length) {
    throw new Error(`gradcheck: names has ${options.names.length} entries for ${inputs.length} inputs`);
  }

  const backend = new ReferenceBackend({ precision: 'f64' });
  const xs = inputs.map((t) => toFloat64(backend, t));

  // Analytic gradients.
  const tape = new Tape(backend);
  for (const x of xs) if (!(x instanceof Parameter)) tape.watch(x);
  const out = fn(tape, xs);
  const direction = new Tensor(backend.allocFloats(out.size), out.shape);
  for (let i = 0; i < direction.size; i++) direction.data[i] = rng.uniform(-1, 1);
  const base = Float64Array.from(out.data);
  tape.backward(out, direction);
  const analytic = xs.map((x) => {
    const g = x instanceof Parameter ? x.grad : tape.gradIfAny(x);
    return g ? Float64Array.from(g.data) : new Float64Array(x.size);
  });

  // S(x) on a tape that records nothing, and sum |out * r|, the scale of its rounding error.
  const probe = Tape.inference(backend);
  const project = (): { s: number; magnitude: number } => {
    probe.reset();
    const y = fn(probe, xs);
    if (y.size !== direction.size) throw new Error(`gradcheck: fn returned ${formatShape(y.shape)} on one call and ${formatShape(out.shape)} on another`);
    let s = 0;
    let magnitude = 0;
    for (let i = 0; i < y.size; i++) {
      const term = y.data[i]! * direction.data[i]!;
      s += term;
      magnitude += Math.abs(term);
    }
    return { s, magnitude };
  };

  // A function that is not deterministic would make every difference meaningless.
  probe.reset();
  const again = fn(probe, xs);
  for (let i = 0; i < base.length; i++) {
    if (!Object.is(again.data[i], base[i])) {
      throw new Error(`gradcheck: fn is not deterministic (output element ${i} was ${base[i]}, then ${again.data[i]}); create any Rng inside fn`);
    }
  }

  const report: GradcheckReport = { inputs: [], maxRelError: 0 };
  xs.forEach((x, k) => {
    const requiresGrad = !(x instanceof Parameter) || x.requiresGrad;
    const entry: GradcheckInputReport = { name: names[k]!, shape: x.shape, checked: 0, requiresGrad, maxAbsError: 0, maxAbsGradient: 0, maxRelError: 0, worstRatio: 0 };
    report.inputs.push(entry);
    if (!requiresGrad) return;
    let worst: { index: number; analytic: number; numeric: number; tolerance: number; noise: number; ratio: number } | undefined;
    let failures = 0;
    for (const i of chooseIndices(x.size, maxElements, rng)) {
      const v = x.data[i]!;
      x.data[i] = v + eps;
      const plus = project();
      x.data[i] = v - eps;
      const minus = project();
      x.data[i] = v;
      const numeric = (plus.s - minus.s) / (2 * eps);
      const noise = ROUNDING_FACTOR * Number.EPSILON * Math.max(plus.magnitude, minus.magnitude) / eps;
      const tolerance = atol + rtol * Math.abs(numeric) + noise;
      const a = analytic[k]![i]!;
      const abs = Math.abs(a - numeric);
      const scale = Math.max(Math.abs(a), Math.abs(numeric));
      const ratio = abs / tolerance;
      entry.checked++;
      entry.maxAbsError = Math.max(entry.maxAbsError, abs);
      entry.maxAbsGradient = Math.max(entry.maxAbsGradient, Math.abs(a));
      entry.maxRelError = Math.max(entry.maxRelError, scale === 0 ? 0 : abs / scale);
      if (!(ratio <= entry.worstRatio) && !Number.isNaN(entry.worstRatio)) entry.worstRatio = ratio; // a NaN sticks
      if (!(ratio <= 1)) {
        failures++;
        if (!worst || !(ratio <= worst.ratio)) worst = { index: i, analytic: a, numeric, tolerance, noise, ratio };
      }
    }
    report.maxRelError = Math.max(report.maxRelError, entry.maxRelError);
    if (worst) {
      throw new Error(
        `gradcheck: gradient of ${entry.name} ${formatShape(x.shape)} is wrong at flat index ${worst.index}: ` +
        `analytic ${worst.analytic} vs numeric ${worst.numeric} (|diff| ${Math.abs(worst.analytic - worst.numeric)} > ` +
        `tolerance ${worst.tolerance} = atol ${atol} + rtol ${rtol} * |numeric| + rounding ${worst.noise}; ` +
        `${failures} of ${entry.checked} checked elements fail)`);
    }
  });
  return report;
}
