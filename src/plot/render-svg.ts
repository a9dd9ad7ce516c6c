/**
 * `renderSvg`: turns a Vega-Lite spec into a standalone SVG document with Vega's headless SVG
 * writer (no DOM, no canvas, no browser). Vega and Vega-Lite are loaded on the first call only,
 * so importing recur does not pay for them (about half a second). Not a chart: the builders
 * beside it make the specs, which a browser page can equally hand to Vega.
 */
import type { TopLevelSpec } from 'vega-lite';

/** A Vega-Lite spec (https://vega.github.io/vega-lite/docs/spec.html), as the chart builders return it. */
export type ChartSpec = TopLevelSpec;

export interface RenderSvgOptions {
  /**
   * Called with each warning of Vega-Lite's compiler or of Vega (an encoding dropped, an empty
   * scale ...). Without it warnings are dropped, so that a command's output stays clean.
   */
  onWarning?: (message: string) => void;
}

type Libraries = [typeof import('vega'), typeof import('vega-lite')];
let libraries: Promise<Libraries> | undefined;

function load(): Promise<Libraries> {
  libraries ??= Promise.all([import('vega'), import('vega-lite')]);
  return libraries;
}

/** Vega's and Vega-Lite's logger interface: errors throw, warnings go to `onWarning`, the rest is dropped. */
function logger(onWarning: ((message: string) => void) | undefined) {
  let level = 0;
  const text = (args: unknown[]) => args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
  const self = {
    level(value?: number) {
      if (value === undefined) return level as never;
      level = value;
      return self as never;
    },
    error(...args: unknown[]): never {
      throw new Error(`renderSvg: ${text(args)}`);
    },
    warn(...args: unknown[]) {
      onWarning?.(text(args));
      return self as never;
    },
    info() {
      return self as never;
    },
    debug() {
      return self as never;
    },
  };
  return self;
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * The SVG document of `spec`: the same spec gives the same bytes on every call and in every time
 * zone (time scales are UTC). Text is escaped by Vega's SVG writer; the builders also clean out
 * characters XML cannot hold. Sizes are in pixels, with a white background.
 */
export function renderSvg(spec: ChartSpec, options: RenderSvgOptions = {}): Promise<string> {
  // Vega numbers gradients and clip paths with counters shared by every view; renders run one
  // at a time, each from zero, so that ids (and so bytes) do not depend on what ran before.
  const result = queue.then(() => render(spec, options));
  queue = result.catch(() => undefined);
  return result;
}

async function render(spec: ChartSpec, options: RenderSvgOptions): Promise<string> {
  const [vega, vl] = await load();
  const log = logger(options.onWarning);
  const compiled = vl.compile(spec, { logger: log }).spec;
  vega.resetSVGDefIds();
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger: log as never, logLevel: vega.Warn });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
