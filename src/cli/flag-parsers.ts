/**
 * Parsers for command-line values: each checks one flag's value and throws a one-line error
 * naming the flag, what it must be and what came (`--seq-len must be an integer >= 1, got '0'`).
 */

export function integerFlag(flag: string, min: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\s*[-+]?\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min) throw new Error(`${flag} must be an integer >= ${min}, got '${v}'`);
    return n;
  };
}

/** Every n steps (an integer >= 0) or once an epoch ('epoch'). */
export function cadenceFlag(flag: string): (v: string) => number | 'epoch' {
  const steps = integerFlag(flag, 0);
  return (v) => {
    if (v.trim() === 'epoch') return 'epoch';
    try {
      return steps(v);
    } catch {
      throw new Error(`${flag} must be an integer >= 0 or 'epoch', got '${v}'`);
    }
  };
}

/** A finite number in the range (`lo`, `hi`) with the given openness. */
export function numberFlag(flag: string, lo: number, hi: number, { loOpen = false, hiOpen = false } = {}): (v: string) => number {
  return (v) => {
    const n = Number(v);
    const ok = v.trim() !== '' && Number.isFinite(n) && (loOpen ? n > lo : n >= lo) && (hiOpen ? n < hi : n <= hi);
    if (!ok) {
      const range = hi === Infinity ? `${loOpen ? '>' : '>='} ${lo}` : `in ${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}`;
      throw new Error(`${flag} must be a number ${range}, got '${v}'`);
    }
    return n;
  };
}

/** A number > `lo`, or 0 / 'off' (0) to turn off what it sets. */
export function numberOrOffFlag(flag: string, lo: number): (v: string) => number {
  return (v) => {
    const t = v.trim();
    const n = Number(t);
    if (t === 'off' || (t !== '' && n === 0)) return 0;
    if (t === '' || !Number.isFinite(n) || !(n > lo)) throw new Error(`${flag} must be a number > ${lo}, or 0 or 'off' to turn it off, got '${v}'`);
    return n;
  };
}

export function choiceFlag<T extends string>(flag: string, choices: readonly T[], aliases: Record<string, T> = {}): (v: string) => T {
  return (v) => {
    const c = aliases[v] ?? v;
    if (!(choices as readonly string[]).includes(c)) throw new Error(`${flag} must be one of ${[...choices, ...Object.keys(aliases)].join(', ')}, got '${v}'`);
    return c as T;
  };
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000 };

/** `30m`, `1h30m`, `1.5h`, `90s`, or a bare number of seconds -> milliseconds (> 0). */
export function durationFlag(flag: string): (v: string) => number {
  return (v) => {
    const t = v.trim();
    let ms: number;
    if (/^\d+(\.\d+)?$/.test(t)) ms = Number(t) * 1000;
    else if (/^(\d+(\.\d+)?[hms])+$/.test(t)) ms = [...t.matchAll(/(\d+(?:\.\d+)?)([hms])/g)].reduce((a, m) => a + Number(m[1]) * UNIT_MS[m[2]!]!, 0);
    else throw new Error(`${flag} must be a duration such as 30m, 1h30m, 90s or a number of seconds, got '${v}'`);
    if (!(ms > 0)) throw new Error(`${flag} must be longer than 0, got '${v}'`);
    return ms;
  };
}
