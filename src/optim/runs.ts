/**
 * Contiguous runs of parameters inside their packs: the unit over which optimizers and
 * clipping call one kernel. Internal to optim; not a public API.
 */
import { Parameter, type ParameterPack, packOf } from '../autograd/parameter.js';
import type { Backend, F32 } from '../kernels/backend.js';

/** Parameters that sit back to back in one pack (or one unpacked parameter). */
export interface Run {
  /** The pack the run lives in; undefined for a parameter that is not packed. */
  readonly pack: ParameterPack | undefined;
  readonly backend: Backend | undefined;
  /** Element offset of the run inside the pack's buffers (0 when unpacked). */
  readonly start: number;
  readonly length: number;
  /** Views of the run's values and gradients. */
  readonly values: F32;
  readonly grads: F32;
  /** The parameters of the run, in buffer order, and each one's offset inside the run. */
  readonly params: readonly Parameter[];
  readonly offsets: readonly number[];
}

/**
 * Splits `params` (duplicates ignored) into maximal runs of parameters adjacent in the same
 * pack. Runs come in order of each pack's first parameter in `params`, then buffer order.
 */
export function contiguousRuns(params: readonly Parameter[]): Run[] {
  const byPack = new Map<ParameterPack | Parameter, { offset: number; p: Parameter }[]>();
  for (const p of new Set(params)) {
    const pack = packOf(p);
    const key = pack ?? p;
    let list = byPack.get(key);
    if (!list) byPack.set(key, (list = []));
    list.push({ offset: pack ? pack.offsets[pack.params.indexOf(p)]! : 0, p });
  }
  const runs: Run[] = [];
  for (const [key, list] of byPack) {
    if (key instanceof Parameter) {
      const p = key;
      runs.push({ pack: undefined, backend: undefined, start: 0, length: p.size, values: p.data, grads: p.grad.data, params: [p], offsets: [0] });
      continue;
    }
    const pack = key;
    list.sort((a, b) => a.offset - b.offset);
    let i = 0;
    while (i < list.length) {
      const start = list[i]!.offset;
      let end = start;
      const members: Parameter[] = [];
      const offsets: number[] = [];
      while (i < list.length && list[i]!.offset === end) {
        members.push(list[i]!.p);
        offsets.push(end - start);
        end += list[i]!.p.size;
        i++;
      }
      runs.push({
        pack, backend: pack.backend, start, length: end - start,
        values: pack.values.subarray(start, end), grads: pack.grads.subarray(start, end), params: members, offsets,
      });
    }
  }
  return runs;
}

/** True while every parameter of `run` still lives in the run's pack (Module.to re-packs). */
export function runIsCurrent(run: Run): boolean {
  if (!run.pack) return packOf(run.params[0]!) === undefined && run.params[0]!.data === run.values;
  for (const p of run.params) if (packOf(p) !== run.pack) return false;
  return true;
}
