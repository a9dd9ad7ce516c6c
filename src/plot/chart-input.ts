/**
 * What every chart builder shares: checks of its input arrays (errors name the function, the
 * field and the index), the cleaning of text shown on a chart, and the base Vega-Lite config.
 * Not a renderer (render-svg.ts) and not a chart.
 */

/**
 * Text as a chart shows it: characters that XML 1.0 forbids or that break Vega-Lite's
 * expressions (control characters, line and paragraph separators) become spaces; lone
 * surrogates and U+FFFE/U+FFFF become U+FFFD. Escaping `<`, `&` and quotes is the SVG
 * writer's job and is done there; this keeps the text a well-formed document can hold.
 */
export function plainText(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[\ufffe\uffff]/g, '\ufffd');
}

/** A title or label, cleaned, or `null` (no title) when absent. */
export function optionalText(text: string | undefined): string | null {
  return text === undefined ? null : plainText(text);
}

/**
 * Checks that `values` is an array of finite numbers (of `length` items when given) and returns
 * it as a plain array; `where` names it in errors (`forecastChart: forecast.values`).
 */
export function finiteNumbers(values: ArrayLike<number>, where: string, length?: number): number[] {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new Error(`${where} must be an array of numbers, got ${values === null ? 'null' : typeof values}`);
  }
  if (length !== undefined && values.length !== length) {
    throw new Error(`${where} must have ${length} values, got ${values.length}`);
  }
  const out = Array.from(values);
  for (let i = 0; i < out.length; i++) {
    if (typeof out[i] !== 'number' || !Number.isFinite(out[i])) throw new Error(`${where}[${i}] must be a finite number, got ${String(out[i])}`);
  }
  return out;
}

/** Checks a list of names (series, rows, columns): strings, none repeated unless `allowRepeats`. */
export function names(list: readonly string[], where: string, allowRepeats = false): string[] {
  if (!Array.isArray(list)) throw new Error(`${where} must be an array of strings`);
  const seen = new Map<string, number>();
  list.forEach((name, i) => {
    if (typeof name !== 'string') throw new Error(`${where}[${i}] must be a string, got ${typeof name}`);
    const before = seen.get(name);
    if (before !== undefined && !allowRepeats) throw new Error(`${where}[${i}] repeats ${JSON.stringify(name)} (also at ${before})`);
    seen.set(name, i);
  });
  return list.map(plainText);
}

/** Colours (Tableau 10, Vega's default) and the base config every chart starts from. */
export const COLORS = { blue: '#4c78a8', orange: '#f58518', red: '#e45756', teal: '#72b7b2', green: '#54a24b', ink: '#222222', grey: '#9d9d9d' } as const;

/**
 * `aria: false` turns off the per-mark descriptions Vega-Lite writes as expressions built from
 * axis titles: it escapes quotes but not backslashes there, so a title like `a\"b` breaks (or
 * rewrites) the expression. A static SVG file gains nothing from them.
 */
export const BASE_CONFIG = {
  aria: false,
  background: 'white',
  font: 'sans-serif',
  title: { fontSize: 14, anchor: 'start', offset: 10 },
  axis: { labelFontSize: 10, titleFontSize: 11, titleFontWeight: 'normal', labelLimit: 160 },
  legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 240 },
  view: { stroke: '#dddddd' },
} as const;
