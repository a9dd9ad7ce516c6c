/**
 * `Module`, the base of every layer: parameters and child modules registered by name, dotted
 * names exactly as PyTorch spells them (`0.weight`, `encoder.weight_ih_l0`), state dicts, the
 * train/eval flag, and `to(backend)` which packs all parameters into one flat buffer.
 * A module is not a forward function: each layer defines its own `forward` (see `Layer`).
 */
import type { Tape } from '../autograd/tape.js';
import { type Parameter, packParameters } from '../autograd/parameter.js';
import type { Backend } from '../kernels/backend.js';
import { type IntTensor, Tensor } from '../tensor/tensor.js';
import { formatShape, shapeEquals } from '../tensor/shape.js';

/**
 * Something that maps one tensor to one tensor on a tape: Linear, Dropout, activations,
 * TimeDistributed, Sequential. `Embedding` is a `Layer<IntTensor>` (it takes token ids).
 */
export interface Layer<In extends Tensor | IntTensor = Tensor> {
  forward(tape: Tape, x: In): Tensor;
}

/** A state dict: parameter values by dotted name (a `Map`, or a plain object for JSON-like use). */
export type StateDict = Map<string, Tensor> | Record<string, Tensor>;

export interface LoadStateDictOptions {
  /**
   * Require the keys of the dict to match `stateDict()` exactly (default true). With
   * `strict: false`, missing and unexpected keys are returned instead of thrown; a shape
   * mismatch is an error either way (as in PyTorch).
   */
  strict?: boolean;
}

/** What `loadStateDict` did not match (PyTorch's `_IncompatibleKeys`). */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

const NAME = /^[^.]+$/;

/**
 * Parameters of layers made without an `rng`: they hold zeros until `loadStateDict` fills them,
 * and a forward before that throws (`checkParametersSet`). The count lets the check cost one
 * comparison when no such parameter exists (it only overcounts if one is dropped unloaded).
 */
const unset = new WeakSet<Parameter>();
let unsetCount = 0;

/**
 * Initialises `p` with `init(rng)` when an `rng` is given; without one, leaves `p` unset
 * (zeros, waiting for `loadStateDict`). Randomness stays an argument: nothing is drawn from a
 * hidden generator.
 */
export function initOrLeaveUnset<R>(p: Parameter, rng: R | undefined, init: (rng: R) => void): void {
  if (rng !== undefined) init(rng);
  else if (!unset.has(p)) {
    unset.add(p);
    unsetCount++;
  }
}

/**
 * Throws, naming `where` and the fix, if a parameter of `module` (or of its descendants) is
 * still unset: the module was made without `options.rng` and no weights were loaded into it.
 */
export function checkParametersSet(module: Module, where: string): void {
  if (unsetCount === 0) return;
  const names = module.unsetParameters();
  if (names.length === 0) return;
  const shown = names.slice(0, 3).map((n) => `'${n}'`).join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '');
  throw new Error(`${where}: ${names.length} parameter${names.length > 1 ? 's have' : ' has'} no value yet (${shown}): ` +
    `the ${module.constructor.name} was made without an Rng; pass options.rng or load weights with loadStateDict`);
}

/**
 * Base class of layers and models. A subclass registers what it owns in its constructor:
 *
 * ```ts
 * class Classifier extends Module {
 *   readonly embed: Embedding;
 *   readonly head: Linear;
 *   constructor(rng: Rng) {
 *     super();
 *     this.embed = this.registerModule('embed', new Embedding(100, 16, { rng }));
 *     this.head = this.registerModule('head', new Linear(16, 4, { rng }));
 *   }
 *   forward(tape: Tape, ids: IntTensor): Tensor {
 *     return this.head.forward(tape, this.embed.forward(tape, ids));
 *   }
 * }
 * const model = new Classifier(new Rng(0)).to(backend); // names: embed.weight, head.weight, head.bias
 * ```
 */
export class Module {
  private readonly ownParameters = new Map<string, Parameter>();
  private readonly childModules = new Map<string, Module>();
  private trainingFlag = true;

  /** True in training mode (the default); `eval()` clears it for this module and all children. */
  get training(): boolean {
    return this.trainingFlag;
  }

  /**
   * Registers `p` under `name` (no dots) and returns it, so a subclass writes
   * `this.weight = this.registerParameter('weight', Parameter.zeros([out, in]))`.
   */
  protected registerParameter<P extends Parameter>(name: string, p: P): P {
    this.checkName('registerParameter', name);
    this.ownParameters.set(name, p);
    return p;
  }

  /** Registers a child module under `name` (no dots) and returns it. */
  protected registerModule<M extends Module>(name: string, m: M): M {
    this.checkName('registerModule', name);
    if (!(m instanceof Module)) throw new Error(`${this.constructor.name}.registerModule: '${name}' must be a Module, got ${describe(m)}`);
    if ((m as Module) === this || [...m.modules()].includes(this)) {
      throw new Error(`${this.constructor.name}.registerModule: '${name}' would make a cycle of modules`);
    }
    this.childModules.set(name, m);
    return m;
  }

  private checkName(where: string, name: string): void {
    const fn = `${this.constructor.name}.${where}`;
    if (typeof name !== 'string' || !NAME.test(name)) throw new Error(`${fn}: name must be a non-empty string without '.', got '${String(name)}'`);
    if (this.ownParameters.has(name) || this.childModules.has(name)) throw new Error(`${fn}: '${name}' is already registered`);
  }

  /** Direct children with their names, in registration order. */
  *namedChildren(): IterableIterator<[string, Module]> {
    yield* this.childModules;
  }

  /** Direct children, in registration order. */
  *children(): IterableIterator<Module> {
    yield* this.childModules.values();
  }

  /** This module and all descendants, depth first, with dotted names ('' for this module). */
  *namedModules(prefix = ''): IterableIterator<[string, Module]> {
    yield [prefix, this];
    for (const [name, child] of this.childModules) yield* child.namedModules(prefix ? `${prefix}.${name}` : name);
  }

  /** This module and all descendants, depth first. */
  *modules(): IterableIterator<Module> {
    for (const [, m] of this.namedModules()) yield m;
  }

  /**
   * Every parameter with its dotted name, as PyTorch orders them: a module's own parameters
   * (in registration order), then each child's, depth first. A parameter shared by two
   * modules is yielded once, under its first name.
   */
  *namedParameters(): IterableIterator<[string, Parameter]> {
    const seen = new Set<Parameter>();
    for (const [name, p] of this.allNamedParameters()) {
      if (seen.has(p)) continue;
      seen.add(p);
      yield [name, p];
    }
  }

  /** All parameters (shared ones once), in `namedParameters` order. */
  parameters(): Parameter[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }

  /** Every (name, parameter) pair, duplicates included (state dicts keep tied weights under each name). */
  private *allNamedParameters(): IterableIterator<[string, Parameter]> {
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, p] of m.ownParameters) yield [prefix ? `${prefix}.${name}` : name, p];
    }
  }

  /**
   * Names of the parameters that have no value yet: those of layers made without `options.rng`
   * that `loadStateDict` has not filled. Empty once the weights are initialised or loaded.
   */
  unsetParameters(): string[] {
    if (unsetCount === 0) return [];
    return [...this.namedParameters()].filter(([, p]) => unset.has(p)).map(([n]) => n);
  }

  /**
   * Number of scalar parameters (each shared parameter counted once); with `trainableOnly`,
   * only those with `requiresGrad` (PyTorch's `sum(p.numel() for p in m.parameters() if p.requires_grad)`).
   */
  numParameters(options: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!options.trainableOnly || p.requiresGrad) n += p.size;
    return n;
  }

  /**
   * The parameter values by dotted name, in `namedParameters` order (tied weights appear under
   * each name). Unlike PyTorch, which returns tensors sharing storage, the values are copies
   * on the JavaScript heap: parameters may live in WebAssembly memory, and a snapshot should
   * not change when training continues.
   */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [name, p] of this.allNamedParameters()) out.set(name, new Tensor(Float32Array.from(p.data), p.shape));
    return out;
  }

  /**
   * Copies values from `dict` into the parameters of the same names (which gives a layer made
   * without `options.rng` its weights). Everything is checked
   * before anything is written, and all problems are reported in one error: missing keys and
   * unexpected keys (when `strict`), and shape mismatches (always). Returns the keys that did
   * not match (empty lists under `strict`).
   */
  loadStateDict(dict: StateDict, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const fn = `${this.constructor.name}.loadStateDict`;
    const strict = options.strict ?? true;
    if (dict === null || typeof dict !== 'object') throw new Error(`${fn}: dict must be a Map or an object of tensors, got ${describe(dict)}`);
    const entries = dict instanceof Map ? [...dict.entries()] : Object.entries(dict);
    const given = new Map<string, Tensor>(entries);
    const own = [...this.allNamedParameters()];
    const ownNames = new Set(own.map(([n]) => n));
    const missingKeys = own.map(([n]) => n).filter((n) => !given.has(n));
    const unexpectedKeys = [...given.keys()].filter((n) => !ownNames.has(n));
    const badTensors: string[] = [];
    for (const [name, p] of own) {
      const t = given.get(name);
      if (t === undefined) continue;
      if (!(t instanceof Tensor)) badTensors.push(`'${name}' must be a Tensor, got ${describe(t)}`);
      else if (!shapeEquals(t.shape, p.shape) || t.data.length !== p.size) {
        badTensors.push(`size mismatch for '${name}': expected ${formatShape(p.shape)}, got ${formatShape(t.shape)}`);
      }
    }
    // The count is of tensors (missing and unexpected keys share a line each), not of lines.
    const count = (strict ? missingKeys.length + unexpectedKeys.length : 0) + badTensors.length;
    if (count) {
      const lines: string[] = [];
      if (strict && missingKeys.length) lines.push(`missing keys: ${missingKeys.map((k) => `'${k}'`).join(', ')}`);
      if (strict && unexpectedKeys.length) lines.push(`unexpected keys: ${unexpectedKeys.map((k) => `'${k}'`).join(', ')}`);
      throw new Error(`${fn}: ${count} problem${count > 1 ? 's' : ''}:\n  ${[...lines, ...badTensors].join('\n  ')}`);
    }
    for (const [name, p] of own) {
      const t = given.get(name);
      if (!t) continue;
      p.data.set(t.data);
      if (unset.delete(p)) unsetCount--;
    }
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Packs every parameter into one flat value buffer and one flat gradient buffer of `backend`
   * (trainable parameters first, so that an optimizer steps them with a single kernel call),
   * keeping values and gradients. Returns this module. Create optimizers after calling `to`:
   * packing moves the parameters.
   */
  to(backend: Backend): this {
    const params = this.parameters();
    if (params.length === 0) return this;
    packParameters(backend, [...params.filter((p) => p.requiresGrad), ...params.filter((p) => !p.requiresGrad)]);
    return this;
  }

  /** Sets training mode (`mode = true`) or evaluation mode on this module and all descendants. */
  train(mode = true): this {
    for (const m of this.modules()) m.trainingFlag = mode;
    return this;
  }

  /** Evaluation mode: `train(false)`. Dropout becomes the identity. */
  eval(): this {
    return this.train(false);
  }

  /**
   * PyTorch-style description: `Name(extra)` for a leaf, else the children one per line,
   * e.g. `Sequential(\n  (0): Linear(inFeatures=8, outFeatures=16, bias=true)\n)`.
   */
  toString(): string {
    const extra = this.extraRepr();
    const kids = [...this.childModules].map(([n, m]) => `  (${n}): ${String(m).replace(/\n/g, '\n  ')}`);
    if (kids.length === 0) return `${this.constructor.name}(${extra})`;
    return `${this.constructor.name}(\n${extra ? `  ${extra}\n` : ''}${kids.join('\n')}\n)`;
  }

  /** The module's own settings for `toString` (PyTorch's `extra_repr`). */
  protected extraRepr(): string {
    return '';
  }

  /** Sets the gradient of every parameter to zero (optimizers' `zeroGrad` does this in one pass). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad.data.fill(0);
  }
}

/** A short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return `${typeof v} ${String(v)}`;
}
