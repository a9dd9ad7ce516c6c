/**
 * The flags every quality run takes (`npm run quality:<task> -- ...`): `--data DIR` (default
 * ../shared/data beside the checkout), `--only a,b` (a subset of the run's parts), `--json`,
 * `--keep DIR` (keep the runs' files there), `--threads N`, and the run's own boolean flags; errors
 * name the flag.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** ../shared/data beside the checkout (dist/bench -> ../../../shared/data). */
const SHARED_DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

export interface QualityArgs<K extends string> {
  dataDir: string;
  only: K[];
  json: boolean;
  keep?: string;
  threads?: number;
  /** Prints a line unless --json. */
  log: (s: string) => void;
  /** The run's own boolean flags (`options.flags`) that were given. */
  flags: Set<string>;
}

/** `keys`: the run's parts; `dataSubdir`: the default --data inside ../shared/data (e.g. 'timeseries'). */
export function qualityArgs<K extends string>(keys: readonly K[], options: { dataSubdir?: string; argv?: string[]; flags?: readonly string[] } = {}): QualityArgs<K> {
  const own = options.flags ?? [];
  const { values: f } = parseArgs({
    args: options.argv ?? process.argv.slice(2),
    options: {
      data: { type: 'string' }, only: { type: 'string' }, json: { type: 'boolean' }, keep: { type: 'string' }, threads: { type: 'string' },
      ...Object.fromEntries(own.map((name) => [name, { type: 'boolean' as const }])),
    },
    strict: true, allowPositionals: false,
  }) as { values: Record<string, string | boolean | undefined> & { data?: string; only?: string; json?: boolean; keep?: string; threads?: string } };
  const only = f.only === undefined ? [...keys] : f.only.split(',').map((k) => k.trim());
  const unknown = only.find((k) => !keys.includes(k as K));
  if (unknown !== undefined) throw new Error(`--only takes ${keys.join(', ')} (comma-separated), got '${unknown}'`);
  const threads = f.threads === undefined ? undefined : Number(f.threads);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) throw new Error(`--threads must be an integer >= 1, got '${f.threads}'`);
  const json = f.json === true;
  return { dataDir: resolve(f.data ?? resolve(SHARED_DATA, options.dataSubdir ?? '.')), only: only as K[], json, keep: f.keep ? resolve(f.keep) : undefined, threads, log: (s) => { if (!json) console.log(s); }, flags: new Set(own.filter((name) => f[name] === true)) };
}
