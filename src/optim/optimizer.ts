/**
 * The `Optimizer` base: the trainable parameters, cut into contiguous runs of their flat
 * buffers so that a step is ONE kernel call per run, plus zeroGrad, the learning rate and
 * checkpoints of the state. The update rules themselves are the backend's optimizer kernels;
 * the subclasses only validate hyperparameters and compute step-dependent scalars.
 */
import { type Parameter, packOf, packParameters } from '../autograd/parameter.js';
import type { Backend, F32 } from '../kernels/backend.js';
import { formatShape } from '../tensor/shape.js';
import { type Run, contiguousRuns, runIsCurrent } from './runs.js';

export interface OptimizerOptions {
  /** Learning rate (>= 0). */
  lr?: number;
  /**
   * Where to pack parameters that are not packed yet (`Module.to(backend)` packs a model).
   * Parameters already packed stay where they are.
   */
  backend?: Backend;
}

/** A checkpoint of an optimizer: plain numbers and Float32Arrays, independent of packing. */
export interface OptimizerStateDict {
  /** The optimizer class, checked on load. */
  type: string;
  /** Number of `step()` calls so far (PyTorch's `state['step']`). */
  step: number;
  lr: number;
  /** Hyperparameters at save time, for reference (the constructor's values are kept on load). */
  options: Record<string, number | boolean>;
  /** Element count of each parameter, in optimizer order. */
  sizes: number[];
  /** Each state buffer (e.g. `expAvg`) as one array per parameter, in optimizer order. */
  state: Record<string, Float32Array[]>;
}

export function checkHyper(fn: string, name: string, v: number, { min = 0, max = Infinity, maxOpen = false } = {}): number {
  const ok = typeof v === 'number' && Number.isFinite(v) && v >= min && (maxOpen ? v < max : v <= max);
  if (!ok) {
    const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}${maxOpen ? ')' : ']'}`;
    throw new Error(`${fn}: ${name} must be a finite number ${range}, got ${String(v)}`);
  }
  return v;
}

/**
 * Base class of the optimizers. The reference loop (PyTorch's order):
 *
 * ```ts
 * const model = new Sequential(...).to(backend);      // pack first: optimizers hold views
 * const opt = new Adam(model.parameters(), { lr: 1e-3 });
 * const tape = new Tape(backend);
 * for (const batch of batches) {
 *   tape.reset();
 *   opt.zeroGrad();
 *   const loss = crossEntropy(tape, model.forward(tape, batch.x), batch.y);
 *   tape.backward(loss);
 *   clipGradNorm(model.parameters(), 1.0);             // optional
 *   opt.step();
 *   schedule?.step();                                  // optional
 * }
 * ```
 */
export abstract class Optimizer {
  /** The parameters this optimizer updates (those with `requiresGrad` at construction). */
  readonly params: readonly Parameter[];
  /** Contiguous runs of the parameters' flat buffers; one kernel call each. */
  protected readonly runs: readonly (Run & { backend: Backend })[];
  private readonly buffers = new Map<string, F32[]>();
  private readonly empties = new Map<Backend, F32>();
  private lrValue: number;
  private stepCount = 0;

  /**
   * Keeps the parameters of `params` with `requiresGrad` (duplicates once). Unpacked ones are
   * packed on `options.backend`; without one they are an error. The set is fixed here: a
   * parameter frozen later is still updated (momentum keeps moving it), so create a new
   * optimizer after freezing or unfreezing.
   */
  constructor(params: Iterable<Parameter>, lr: number, backend?: Backend) {
    const fn = this.constructor.name;
    if (params === null || typeof (params as Iterable<Parameter>)?.[Symbol.iterator] !== 'function') {
      throw new Error(`${fn}: params must be an iterable of Parameters (e.g. model.parameters()), got ${String(params)}`);
    }
    const all = [...new Set(params)];
    if (all.length === 0) throw new Error(`${fn}: got an empty parameter list`);
    const trainable = all.filter((p) => p.requiresGrad);
    if (trainable.length === 0) throw new Error(`${fn}: none of the ${all.length} parameters requires a gradient (all are frozen)`);
    this.lrValue = checkHyper(fn, 'lr', lr);
    const unpacked = trainable.filter((p) => !packOf(p));
    if (unpacked.length > 0) {
      if (!backend) {
        throw new Error(`${fn}: ${unpacked.length} of ${trainable.length} parameters are not packed (first: ${formatShape(unpacked[0]!.shape)}); ` +
          'call model.to(backend) before creating the optimizer, or pass { backend }');
      }
      packParameters(backend, unpacked);
    }
    this.params = trainable;
    this.runs = contiguousRuns(trainable) as (Run & { backend: Backend })[];
  }

  /** The learning rate used by the next `step()` (schedules set it). */
  get lr(): number {
    return this.lrValue;
  }

  set lr(value: number) {
    this.lrValue = checkHyper(`${this.constructor.name}.lr`, 'lr', value);
  }

  /** Number of `step()` calls so far. */
  get steps(): number {
    return this.stepCount;
  }

  /** Hyperparameters other than lr (for checkpoints and display). */
  abstract get options(): Record<string, number | boolean>;

  /** Updates one run; `step` counts from 1 at the first update. */
  protected abstract update(run: Run & { backend: Backend }, runIndex: number, step: number): void;

  /**
   * Allocates a state buffer per run with the run's backend, filled with `init`. Subclasses
   * call it from their constructor for each buffer their rule needs.
   */
  protected allocState(name: string, init = 0): F32[] {
    const bufs = this.runs.map((r) => {
      const b = r.backend.allocFloats(r.length);
      if (init !== 0) r.backend.fill(r.length, init, b);
      return b;
    });
    this.buffers.set(name, bufs);
    return bufs;
  }

  /** A zero-length buffer of `backend`, passed for state a kernel does not use. */
  protected empty(backend: Backend): F32 {
    let e = this.empties.get(backend);
    if (!e) this.empties.set(backend, (e = backend.allocFloats(0)));
    return e;
  }

  private checkCurrent(where: string): void {
    for (const r of this.runs) {
      if (!runIsCurrent(r)) {
        throw new Error(`${this.constructor.name}.${where}: the parameters were re-packed (e.g. by Module.to) after this optimizer was created; ` +
          'create the optimizer after moving the model');
      }
    }
  }

  /** One update of every parameter from its current gradient. */
  step(): void {
    this.checkCurrent('step');
    this.stepCount++;
    this.runs.forEach((r, i) => this.update(r, i, this.stepCount));
  }

  /** Sets every gradient to zero (one `fill` per run). */
  zeroGrad(): void {
    this.checkCurrent('zeroGrad');
    for (const r of this.runs) r.backend.fill(r.length, 0, r.grads);
  }

  /** A copy of the step count, lr and state buffers (one Float32Array per parameter each). */
  stateDict(): OptimizerStateDict {
    const state: Record<string, Float32Array[]> = {};
    for (const [name, bufs] of this.buffers) {
      const perParam: Float32Array[] = [];
      this.runs.forEach((r, i) => r.params.forEach((p, j) => {
        const o = r.offsets[j]!;
        perParam.push(Float32Array.from(bufs[i]!.subarray(o, o + p.size)));
      }));
      state[name] = this.inOptimizerOrder(perParam);
    }
    return { type: this.constructor.name, step: this.stepCount, lr: this.lrValue, options: { ...this.options }, sizes: this.params.map((p) => p.size), state };
  }

  /**
   * Restores the step count, lr and state buffers from `stateDict()` of an optimizer of the same
   * class over parameters of the same sizes. Everything is validated before anything changes;
   * all problems are reported together.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const fn = `${this.constructor.name}.loadStateDict`;
    if (dict === null || typeof dict !== 'object') throw new Error(`${fn}: expected a state dict object, got ${String(dict)}`);
    const problems: string[] = [];
    if (dict.type !== this.constructor.name) problems.push(`type must be '${this.constructor.name}', got '${String(dict.type)}'`);
    if (!(Number.isInteger(dict.step) && dict.step >= 0)) problems.push(`step must be a non-negative integer, got ${String(dict.step)}`);
    if (!(typeof dict.lr === 'number' && Number.isFinite(dict.lr) && dict.lr >= 0)) problems.push(`lr must be a finite number >= 0, got ${String(dict.lr)}`);
    const sizes = this.params.map((p) => p.size);
    if (!Array.isArray(dict.sizes) || dict.sizes.length !== sizes.length || dict.sizes.some((s, i) => s !== sizes[i])) {
      problems.push(`parameter sizes must be [${sizes.join(', ')}], got ${Array.isArray(dict.sizes) ? `[${dict.sizes.join(', ')}]` : String(dict.sizes)}`);
    }
    const state = dict.state ?? {};
    for (const name of this.buffers.keys()) {
      const arrays = state[name];
      if (!Array.isArray(arrays)) { problems.push(`missing state buffer '${name}'`); continue; }
      if (arrays.length !== sizes.length) { problems.push(`state buffer '${name}' must hold ${sizes.length} arrays, got ${arrays.length}`); continue; }
      arrays.forEach((a: unknown, k) => {
        const typed = a instanceof Float32Array || a instanceof Float64Array;
        if (!typed || a.length !== sizes[k]) {
          problems.push(`state buffer '${name}'[${k}] must be a Float32Array of ${sizes[k]} elements, got ${typed ? a.length : String(a)}`);
        }
      });
    }
    for (const name of Object.keys(state)) if (!this.buffers.has(name)) problems.push(`unexpected state buffer '${name}'`);
    if (problems.length) throw new Error(`${fn}: ${problems.length} problem${problems.length > 1 ? 's' : ''}:\n  ${problems.join('\n  ')}`);

    const index = new Map(this.params.map((p, k) => [p, k]));
    for (const [name, bufs] of this.buffers) {
      const arrays = state[name]!;
      this.runs.forEach((r, i) => r.params.forEach((p, j) => bufs[i]!.set(arrays[index.get(p)!]!, r.offsets[j]!)));
    }
    this.stepCount = dict.step;
    this.lrValue = dict.lr;
  }

  /** Reorders per-parameter arrays from run order to `params` order. */
  private inOptimizerOrder(runOrder: Float32Array[]): Float32Array[] {
    const flatParams = this.runs.flatMap((r) => r.params);
    const byParam = new Map(flatParams.map((p, k) => [p, runOrder[k]!]));
    return this.params.map((p) => byParam.get(p)!);
  }
}
