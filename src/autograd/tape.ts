/**
 * The explicit autograd tape (recurrentjs/micrograd style): ops run eagerly, and when the tape
 * records they push a closure that replays their backward pass. Calling a cell once per time
 * step on the same tape is backpropagation through time. There is no global engine state: a
 * tape that does not record is how inference runs.
 *
 * Memory: every tensor an op creates comes from the tape's arena and stays valid until
 * `reset()`. A training loop resets its tape once per step, so memory stays flat without any
 * `dispose` call; `Tensor.clone()` copies a result that must outlive the step. Each reset starts
 * a new arena generation: reading an older tensor (`item()`, `toArray()`, `clone()`, views)
 * throws instead of returning a later step's numbers.
 */
import type { Arena, Backend } from '../kernels/backend.js';
import { type ArenaGeneration, IntTensor, Tensor, bindToArena } from '../tensor/tensor.js';
import { type Shape, formatShape, shapeSize } from '../tensor/shape.js';
import { Parameter } from './parameter.js';

export interface TapeOptions {
  /** Record ops for `backward()` (default true). A tape that does not record is for inference. */
  record?: boolean;
  /**
   * Check every op's outputs (forward) and the gradients it produces (backward) for NaN/Inf,
   * and throw naming the op and tensor. Default: the environment variable RECUR_DEBUG_NAN=1.
   */
  checkFinite?: boolean;
  /**
   * Also check direct `.data` reads of this tape's tensors after a `reset()` (each tensor gets
   * an accessor: slower, for debugging). Reads through `item()`, `toArray()`, `clone()` and
   * views are always checked. Default: the environment variable RECUR_DEBUG is set (not '0').
   */
  checkStaleData?: boolean;
}

interface Entry {
  op: string;
  inputs: Record<string, Tensor | undefined>;
  backward: () => void;
}

function env(name: string): string | undefined {
  return typeof process !== 'undefined' ? process.env?.[name] : undefined;
}

function debugFromEnv(): boolean {
  return env('RECUR_DEBUG_NAN') === '1';
}

function staleDataCheckFromEnv(): boolean {
  const v = env('RECUR_DEBUG');
  return v !== undefined && v !== '' && v !== '0';
}

/**
 * Records ops for backpropagation and lends their outputs memory from an arena.
 *
 * ```ts
 * const tape = new Tape(backend);             // or Tape.inference(backend): records nothing
 * for (const batch of batches) {
 *   tape.reset();                             // frees the previous step's tensors
 *   const loss = crossEntropy(tape, model.forward(tape, batch.x).logits, batch.y); // loss: []
 *   tape.backward(loss);                      // gradients into Parameter.grad
 *   losses.push(loss.item());                 // read (or clone) before the next reset
 * }
 * ```
 */
export class Tape {
  readonly backend: Backend;
  readonly recording: boolean;
  /**
   * Checks every op's outputs and input gradients for NaN/Inf (see `TapeOptions`). May be
   * switched on for a while, e.g. to replay one diverged step (the training loop does); off, it
   * costs one test per op.
   */
  checkFinite: boolean;
  readonly checkStaleData: boolean;
  private readonly arena: Arena;
  /** The arena generation tensors made now belong to; `reset()` ends it and starts another. */
  private generation: ArenaGeneration;
  private entries: Entry[] = [];
  /** Tensors produced by recorded ops or watched: they carry gradients. */
  private tracked = new Set<Tensor>();
  private grads = new Map<Tensor, Tensor>();
  /** Tensors the caller asked gradients of with `watch()`: their gradients are never lent out. */
  private watched = new Set<Tensor>();

  constructor(backend: Backend, options: TapeOptions = {}) {
    this.backend = backend;
    this.recording = options.record ?? true;
    this.checkFinite = options.checkFinite ?? debugFromEnv();
    this.checkStaleData = options.checkStaleData ?? staleDataCheckFromEnv();
    this.arena = backend.createArena();
    this.generation = { live: true, guardData: this.checkStaleData };
  }

  /** A tape for inference: records nothing, keeps no gradients. */
  static inference(backend: Backend, options: Omit<TapeOptions, 'record'> = {}): Tape {
    return new Tape(backend, { ...options, record: false });
  }

  /** Number of recorded ops (for tests and profiling). */
  get size(): number {
    return this.entries.length;
  }

  /** Bytes held by the tape's arena. */
  get reservedBytes(): number {
    return this.arena.reservedBytes;
  }

  /** A zeroed tensor from the arena, valid until `reset()`. */
  tensor(shape: Shape): Tensor {
    return bindToArena(new Tensor(this.arena.floats(shapeSize(shape)), shape), this.generation);
  }

  /**
   * A tensor from the arena whose contents are undefined, valid until `reset()`: only for an
   * output that the next kernel overwrites entirely (a GEMM with beta = 0, a packing).
   */
  scratch(shape: Shape): Tensor {
    return bindToArena(new Tensor(this.arena.scratch(shapeSize(shape)), shape), this.generation);
  }

  /** A zeroed integer tensor from the arena, valid until `reset()`. */
  ints(shape: Shape): IntTensor {
    return bindToArena(new IntTensor(this.arena.ints(shapeSize(shape)), shape), this.generation);
  }

  /** A copy of `t` in the arena (e.g. to move user data into backend memory once). */
  copy(t: Tensor): Tensor {
    const out = this.tensor(t.shape);
    out.data.set(t.data);
    return out;
  }

  /** Asks for dLoss/dt of a tensor that no parameter produced (an input, say). */
  watch(t: Tensor): Tensor {
    if (this.recording) { this.tracked.add(t); this.watched.add(t); }
    return t;
  }

  /** True if gradients must flow into `t`. */
  needsGrad(t: Tensor | undefined): boolean {
    if (!this.recording || t === undefined) return false;
    if (t instanceof Parameter) return t.requiresGrad;
    return this.tracked.has(t);
  }

  /**
   * Records an op. `backward` runs during `Tape.backward()`; it reads the gradients of
   * `outputs` with `grad()` and adds into the gradients of the inputs that `needsGrad`.
   * Outputs are checked for NaN/Inf when `checkFinite` is on.
   */
  record(op: string, inputs: Record<string, Tensor | undefined>, outputs: Record<string, Tensor>, backward: () => void): void {
    if (this.checkFinite) {
      for (const [name, t] of Object.entries(outputs)) assertFinite(t, `forward of '${op}'`, `output '${name}'`);
    }
    if (!this.recording) return;
    let any = false;
    for (const t of Object.values(inputs)) if (this.needsGrad(t)) { any = true; break; }
    if (!any) return;
    for (const t of Object.values(outputs)) this.tracked.add(t);
    this.entries.push({ op, inputs, backward });
  }

  /**
   * The gradient buffer of `t` (zeroed on first request): a parameter's own `grad`, or an
   * arena tensor for intermediate values.
   */
  grad(t: Tensor): Tensor {
    if (t instanceof Parameter) return t.grad;
    let g = this.grads.get(t);
    if (!g) {
      g = this.tensor(t.shape);
      this.grads.set(t, g);
    }
    return g;
  }

  /**
   * dLoss/dto += dLoss/dfrom, for an op whose output `from` is a view of `to` with the same
   * elements in the same order (reshape). When `to` has no gradient yet, `from`'s gradient
   * buffer becomes `to`'s (no copy): `from`'s consumers have all run by then, so nothing reads it
   * as `from`'s again, unless the caller watched `from`, which keeps its own.
   */
  passGrad(from: Tensor, to: Tensor): void {
    const g = this.gradIfAny(from);
    if (!g || !this.needsGrad(to)) return;
    if (!(to instanceof Parameter) && !(from instanceof Parameter) && !this.grads.has(to) && !this.watched.has(from)) {
      this.grads.set(to, g.reshape(to.shape));
      return;
    }
    this.backend.axpy(to.size, 1, g.data, this.grad(to).data);
  }

  /** The gradient of `t` if one has been created, else undefined (no allocation). */
  gradIfAny(t: Tensor): Tensor | undefined {
    return t instanceof Parameter ? t.grad : this.grads.get(t);
  }

  /**
   * Backpropagates from `loss` (any shape): seeds dLoss/dloss with `seed` (default ones) and
   * replays recorded ops in reverse. Parameter gradients accumulate into `Parameter.grad`
   * (zero them between steps with the optimizer's `zeroGrad`).
   */
  backward(loss: Tensor, seed?: Tensor): void {
    if (!this.recording) throw new Error('Tape.backward: this tape does not record (created for inference)');
    if (!this.needsGrad(loss)) throw new Error(`Tape.backward: ${loss} does not depend on any parameter or watched tensor on this tape`);
    // Intermediate gradients belong to one backward pass; only parameters accumulate across calls.
    this.grads = new Map();
    const g = this.grad(loss);
    if (seed) {
      if (seed.size !== loss.size) throw new Error(`Tape.backward: seed must be ${formatShape(loss.shape)}, got ${formatShape(seed.shape)}`);
      this.backend.axpy(seed.size, 1, seed.data, g.data);
    } else {
      for (let i = 0; i < g.size; i++) g.data[i]! += 1;
    }
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      e.backward();
      if (this.checkFinite) {
        for (const [name, t] of Object.entries(e.inputs)) {
          if (t && this.needsGrad(t)) assertFinite(this.grad(t), `backward of '${e.op}'`, `gradient of input '${name}'`);
        }
      }
    }
  }

  /**
   * Forgets all ops and gradients and releases the arena: earlier arena tensors become invalid
   * (their memory is reused), and reading them through `item()`, `toArray()`, `clone()` or a
   * view throws. Clone what must outlive the step first.
   */
  reset(): void {
    this.generation.live = false;
    this.generation = { live: true, guardData: this.checkStaleData };
    this.entries = [];
    this.tracked = new Set();
    this.watched = new Set();
    this.grads = new Map();
    this.arena.reset();
  }
}

/** Throws naming `where` and `what` if `t` holds NaN or Inf. */
export function assertFinite(t: Tensor, where: string, what: string): void {
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v - v !== 0) {
      throw new Error(`${Number.isNaN(v) ? 'NaN' : 'Inf'} in ${where}: ${what} ${formatShape(t.shape)} has ${v} at flat index ${i}`);
    }
  }
}
