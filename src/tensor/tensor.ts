/**
 * A minimal dense tensor: a row-major Float32Array (or Int32Array for indices) plus a shape.
 * Views along the first axis share memory (zero-copy). A tensor lent by an arena remembers the
 * arena's generation and refuses reads once the arena has been reset. There is no broadcasting
 * and no autograd here; autograd lives in `autograd/` and keeps gradients beside tensors.
 */
import { type Shape, checkShape, formatShape, shapeSize } from './shape.js';

/**
 * One generation of an arena (a tape's memory between two `reset()` calls). Tensors made from
 * the arena hold it; `reset()` sets `live` to false and starts a new generation, so a tensor
 * read afterwards (its memory now holds a later step's numbers) is detected. With `guardData`,
 * direct `.data` reads are checked too (debug mode).
 */
export interface ArenaGeneration {
  live: boolean;
  readonly guardData: boolean;
}

/** What `Tensor` and `IntTensor` share: the elements, the shape, arena liveness, first-axis views. */
export abstract class DenseTensor<A extends Float32Array | Int32Array> {
  /**
   * The elements, row-major. Writable so that a parameter can be re-pointed into a flat
   * buffer (see `autograd/parameter.ts`); ordinary code treats it as fixed. For a tensor made
   * on a tape, valid until that tape's `reset()` (`item()`, `toArray()`, `clone()` and views
   * check; `.data` itself is checked only in debug mode, `RECUR_DEBUG`).
   */
  data: A;
  readonly shape: Shape;
  /**
   * The arena generation this tensor's memory was lent in; undefined for a tensor that owns
   * its memory (user-made, `clone()` results, parameters), which never goes stale.
   * @internal
   */
  generation: ArenaGeneration | undefined = undefined;

  constructor(data: A, shape: Shape) {
    checkShape(shape, this.constructor.name);
    const n = shapeSize(shape);
    if (data.length !== n) {
      throw new Error(`${this.constructor.name}: data has ${data.length} elements but shape ${formatShape(shape)} needs ${n}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
  }

  /** False once the tape that made this tensor has been reset (its memory reused); always true for other tensors. */
  get live(): boolean {
    return this.generation === undefined || this.generation.live;
  }

  /** Throws, naming `where`, if this tensor's arena has been reset since it was made. */
  protected checkLive(where: string): void {
    if (this.generation !== undefined && !this.generation.live) throw staleError(where, this);
  }

  /** A view of this tensor's memory shares its generation (and its debug guard). */
  protected adopt<T extends DenseTensor<A>>(view: T): T {
    if (this.generation !== undefined) bindToArena(view, this.generation);
    return view;
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Elements per index of the first axis. */
  protected rowSize(where: string): number {
    if (this.shape.length === 0) throw new Error(`${where}: a scalar has no first axis`);
    return shapeSize(this.shape.slice(1));
  }

  protected checkRange(where: string, start: number, end: number): void {
    const n = this.shape[0]!;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > n || start > end) {
      throw new Error(`${where}: range [${start}, ${end}) is outside the first axis of ${formatShape(this.shape)}`);
    }
  }

  toString(): string {
    return `${this.constructor.name}${formatShape(this.shape)}`;
  }
}

/**
 * A float32 tensor: `data` (row-major Float32Array) and `shape` (e.g. [T, B, I] for a time-major
 * batch of sequences, [B, I] for one step, [] for a scalar loss). No broadcasting, no autograd:
 * ops take a `Tape` and record gradients beside tensors.
 *
 * ```ts
 * const x = Tensor.from([1, 2, 3, 4, 5, 6], [3, 2]);   // [T=3, I=2]
 * x.at(1).toArray();                                    // [3, 4]: a view of row 1
 * ```
 *
 * A tensor made by an op lives in its tape's arena until `tape.reset()`; `clone()` copies one
 * that must outlive the step (reading it after the reset throws).
 */
export class Tensor extends DenseTensor<Float32Array> {
  static zeros(shape: Shape): Tensor {
    checkShape(shape, 'Tensor.zeros'); // before allocating: new Float32Array(-2) throws a bare RangeError
    return new Tensor(new Float32Array(shapeSize(shape)), shape);
  }

  static full(shape: Shape, value: number): Tensor {
    checkShape(shape, 'Tensor.full');
    return new Tensor(new Float32Array(shapeSize(shape)).fill(value), shape);
  }

  /** Copies `values` (flat, row-major) into a new tensor of `shape`. */
  static from(values: ArrayLike<number>, shape?: Shape): Tensor {
    return new Tensor(Float32Array.from(values), shape ?? [values.length]);
  }

  /** Zero-copy view of index `i` along the first axis (shape drops the first dimension). */
  at(i: number): Tensor {
    const n = this.shape[0] ?? 0;
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new Error(`Tensor.at: index ${i} is outside the first axis of ${formatShape(this.shape)}`);
    this.checkLive('Tensor.at');
    const r = this.rowSize('Tensor.at');
    return this.adopt(new Tensor(this.data.subarray(i * r, (i + 1) * r) as Float32Array, this.shape.slice(1)));
  }

  /** Zero-copy view of rows [start, end) along the first axis. */
  slice(start: number, end: number): Tensor {
    this.checkRange('Tensor.slice', start, end);
    this.checkLive('Tensor.slice');
    const r = this.rowSize('Tensor.slice');
    return this.adopt(new Tensor(this.data.subarray(start * r, end * r) as Float32Array, [end - start, ...this.shape.slice(1)]));
  }

  /** Zero-copy view with another shape of the same size. */
  reshape(shape: Shape): Tensor {
    if (shapeSize(shape) !== this.size) throw new Error(`Tensor.reshape: cannot view ${formatShape(this.shape)} as ${formatShape(shape)}`);
    this.checkLive('Tensor.reshape');
    return this.adopt(new Tensor(this.data, shape));
  }

  /** A copy on the JavaScript heap, independent of any arena or wasm memory. */
  clone(): Tensor {
    this.checkLive('Tensor.clone');
    return new Tensor(Float32Array.from(this.data), this.shape);
  }

  /** The elements as a plain array (flat, row-major). */
  toArray(): number[] {
    this.checkLive('Tensor.toArray');
    return Array.from(this.data);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`Tensor.item: tensor must have one element, got ${formatShape(this.shape)}`);
    this.checkLive('Tensor.item');
    return this.data[0]!;
  }
}

/**
 * An int32 tensor for token ids ([T, B] for a time-major batch), class labels ([N] targets of
 * `crossEntropy`) and lengths ([B]). `IntTensor.from` rejects non-integers.
 */
export class IntTensor extends DenseTensor<Int32Array> {
  static zeros(shape: Shape): IntTensor {
    checkShape(shape, 'IntTensor.zeros');
    return new IntTensor(new Int32Array(shapeSize(shape)), shape);
  }

  static from(values: ArrayLike<number>, shape?: Shape): IntTensor {
    for (let i = 0; i < values.length; i++) {
      if (!Number.isInteger(values[i])) throw new Error(`IntTensor.from: element ${i} is not an integer (${values[i]})`);
    }
    return new IntTensor(Int32Array.from(values), shape ?? [values.length]);
  }

  at(i: number): IntTensor {
    const n = this.shape[0] ?? 0;
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new Error(`IntTensor.at: index ${i} is outside the first axis of ${formatShape(this.shape)}`);
    this.checkLive('IntTensor.at');
    const r = this.rowSize('IntTensor.at');
    return this.adopt(new IntTensor(this.data.subarray(i * r, (i + 1) * r) as Int32Array, this.shape.slice(1)));
  }

  slice(start: number, end: number): IntTensor {
    this.checkRange('IntTensor.slice', start, end);
    this.checkLive('IntTensor.slice');
    const r = this.rowSize('IntTensor.slice');
    return this.adopt(new IntTensor(this.data.subarray(start * r, end * r) as Int32Array, [end - start, ...this.shape.slice(1)]));
  }

  reshape(shape: Shape): IntTensor {
    if (shapeSize(shape) !== this.size) throw new Error(`IntTensor.reshape: cannot view ${formatShape(this.shape)} as ${formatShape(shape)}`);
    this.checkLive('IntTensor.reshape');
    return this.adopt(new IntTensor(this.data, shape));
  }

  /** A copy on the JavaScript heap, independent of any arena or wasm memory. */
  clone(): IntTensor {
    this.checkLive('IntTensor.clone');
    return new IntTensor(Int32Array.from(this.data), this.shape);
  }

  toArray(): number[] {
    this.checkLive('IntTensor.toArray');
    return Array.from(this.data);
  }
}

function staleError(where: string, t: DenseTensor<Float32Array | Int32Array>): Error {
  return new Error(`${where}: ${t.constructor.name} ${formatShape(t.shape)} was made on a tape that has been reset since; clone() it before tape.reset() to keep it`);
}

/**
 * Marks `t` as lent by an arena in `generation` (the tape does this for every tensor it makes).
 * With `generation.guardData`, `t.data` becomes an accessor that throws once the generation has
 * ended: slower, for debugging only, so the hot path of ordinary runs is unchanged.
 */
export function bindToArena<T extends DenseTensor<Float32Array | Int32Array>>(t: T, generation: ArenaGeneration): T {
  t.generation = generation;
  if (generation.guardData) {
    (t as unknown as Record<symbol, unknown>)[RAW_DATA] = t.data;
    Object.defineProperty(t, 'data', GUARDED_DATA);
  }
  return t;
}

/** Where a guarded tensor keeps its elements; one shared accessor reads them through a check. */
const RAW_DATA = Symbol('data');
const GUARDED_DATA: PropertyDescriptor = {
  get(this: DenseTensor<Float32Array | Int32Array> & Record<symbol, unknown>) {
    if (this.generation !== undefined && !this.generation.live) throw staleError(`${this.constructor.name}.data`, this);
    return this[RAW_DATA];
  },
  set(this: Record<symbol, unknown>, v: unknown) {
    this[RAW_DATA] = v;
  },
  enumerable: true,
  configurable: true,
};
