/**
 * Seeded, forkable pseudo-random numbers (xoshiro128** seeded through splitmix32).
 * Every random choice in recur (initialisers, dropout, shuffling, sampling) takes an `Rng`;
 * library code never calls `Math.random`. Not cryptographic.
 */

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A serialisable snapshot of an `Rng` (four 32-bit words), e.g. for checkpoints. */
export type RngState = [number, number, number, number];

export class Rng {
  /**
   * The four state words. A typed array, not four number fields: words above 2^30 in object
   * fields are boxed doubles in V8, which made every draw allocate (50 ns a draw; 3 ns now).
   */
  private readonly s = new Uint32Array(4);
  /** Seeds from any integer (only the low 32 bits of its two halves matter). */
  constructor(seed: number = 0) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    const hi = Math.floor(seed / 4294967296);
    const mix = splitmix32((seed >>> 0) ^ Math.imul(hi >>> 0, 0x27d4eb2d));
    const s = this.s;
    s[0] = mix(); s[1] = mix(); s[2] = mix(); s[3] = mix();
    if ((s[0]! | s[1]! | s[2]! | s[3]!) === 0) s[0] = 1;
  }

  static fromState(state: RngState): Rng {
    if (!Array.isArray(state) || state.length !== 4 || state.some((w) => !Number.isInteger(w))) {
      throw new Error(`Rng.fromState: expected 4 integer words, got ${JSON.stringify(state)}`);
    }
    const r = new Rng(0);
    r.s.set(state.map((w) => w >>> 0));
    if ((r.s[0]! | r.s[1]! | r.s[2]! | r.s[3]!) === 0) throw new Error('Rng.fromState: the all-zero state is invalid');
    return r;
  }

  state(): RngState {
    return [this.s[0]!, this.s[1]!, this.s[2]!, this.s[3]!];
  }

  /** An independent generator derived from this one (advances this one by four draws). */
  fork(): Rng {
    const r = new Rng(0);
    const mix = splitmix32(this.nextU32() ^ 0x5bd1e995);
    const s = r.s;
    s[0] = mix() ^ this.nextU32(); s[1] = mix() ^ this.nextU32();
    s[2] = mix() ^ this.nextU32(); s[3] = mix();
    if ((s[0]! | s[1]! | s[2]! | s[3]!) === 0) s[0] = 1;
    return r;
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const s0 = s[0]!, s1 = s[1]!;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const s2 = s[2]! ^ s0, s3 = s[3]! ^ s1;
    s[0] = s0 ^ s3;
    s[1] = s1 ^ s2;
    s[2] = s2 ^ (s1 << 9);
    s[3] = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  /** Uniform in [0, 1) with 53 bits of randomness. */
  next(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(Number.isInteger(n) && n > 0)) throw new Error(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /**
   * Normal deviate (Box-Muller). The second deviate is discarded so that `state()` alone
   * captures the generator (checkpoints resume bit-exactly).
   */
  normal(mean = 0, std = 1): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(items: T[] | Int32Array | Float32Array): typeof items {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
