/**
 * How the wasm backend describes the arguments of one kernel call, so that one mechanism can
 * run any kernel whole or split into parts: plain numbers, buffers that advance with the part's
 * range, and markers for the range itself. Pure data and one pure function; the staging of
 * buffers and the threads are wasm-backend.ts's, the split sizes split.ts's.
 */

/**
 * A buffer argument: its byte offset in wasm memory, and how many float/int elements it
 * advances per item of the split range (0: every part gets the same pointer).
 */
export class Buf {
  constructor(readonly at: number, readonly stride: number) {}
}

/** The part's item count (hi - lo). */
export const COUNT = Symbol('count');
/** The part's first item. */
export const LO = Symbol('lo');
/** The part's end item (exclusive). */
export const HI = Symbol('hi');

/** A value computed per part from the thread index and the range (a GEMM's workspace). */
export type PerPart = (thread: number, lo: number, hi: number) => number;

export type Arg = number | Buf | typeof COUNT | typeof LO | typeof HI | PerPart;

/**
 * Calls `f` with the numbers of `a` as separate arguments: a call with a fixed argument count
 * reaches a wasm export faster than `f(...a)` (about 100 ns of a small GEMM's 500).
 */
export function invoke(f: (...args: number[]) => number, a: readonly number[]): number {
  switch (a.length) {
    case 2: return f(a[0]!, a[1]!);
    case 3: return f(a[0]!, a[1]!, a[2]!);
    case 4: return f(a[0]!, a[1]!, a[2]!, a[3]!);
    case 5: return f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!);
    case 6: return f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!);
    case 7: return f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!);
    case 8: return f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!);
    case 9: return f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!);
    case 10: return f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!);
    case 11: return f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!);
    case 12: return f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!);
    case 13: return f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, a[12]!);
    case 14: return f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, a[12]!, a[13]!);
    default: return f(...a);
  }
}

/** The numbers thread `thread` passes to the kernel for items [lo, hi). */
export function partArgs(args: readonly Arg[], thread: number, lo: number, hi: number): number[] {
  const out = new Array<number>(args.length);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    out[i] = typeof a === 'number' ? a
      : a instanceof Buf ? a.at + lo * a.stride * 4
        : a === COUNT ? hi - lo : a === LO ? lo : a === HI ? hi : a(thread, lo, hi);
  }
  return out;
}
