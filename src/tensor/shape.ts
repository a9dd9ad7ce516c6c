/** Shape helpers shared by every layer: sizes, equality and the error text for mismatches. */

export type Shape = readonly number[];

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeEquals(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function checkShape(shape: Shape, where: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${where}: shape must hold non-negative integers, got ${formatShape(shape)}`);
  }
}

/**
 * Throws `where: name must be [..], got [..]` unless `actual` matches `expected`.
 * A `null` in `expected` matches any size (written `*` in the message).
 */
export function expectShape(where: string, name: string, actual: Shape, expected: readonly (number | null)[]): void {
  let ok = actual.length === expected.length;
  for (let i = 0; ok && i < expected.length; i++) if (expected[i] !== null && expected[i] !== actual[i]) ok = false;
  if (!ok) {
    const want = `[${expected.map((d) => (d === null ? '*' : String(d))).join(', ')}]`;
    throw new Error(`${where}: ${name} must be ${want}, got ${formatShape(actual)}`);
  }
}
