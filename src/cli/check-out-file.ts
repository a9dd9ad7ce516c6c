/**
 * The check a command makes before it writes the file named by `--out`: never over one of its
 * own inputs (whatever path, symlink or hard link leads there), never over an existing file
 * without `--force`, never into a directory that is not there. It writes nothing itself.
 */
import { lstat, stat } from 'node:fs/promises';
import { dirname, extname } from 'node:path';

export interface OutFileCheck {
  /** Files the command reads, each named for the message (`model`); `--out` may be none of them, even with `--force`. */
  inputs: { path: string; name: string }[];
  /** `--force` was given: an existing file other than an input may be replaced. */
  force: boolean;
}

const code = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** Throws a one-line error naming `--out` and the problem, or returns when `out` may be written. */
export async function checkOutFile(out: string, check: OutFileCheck): Promise<void> {
  let link;
  try {
    link = await lstat(out);
  } catch (e) {
    if (code(e) !== 'ENOENT') throw new Error(`--out ${out} cannot be written (${code(e)})`);
    const parent = await stat(dirname(out)).catch(() => null);
    if (!parent?.isDirectory()) throw new Error(`--out ${out}: the directory ${dirname(out)} does not exist`);
    return;
  }
  const target = link.isSymbolicLink() ? await stat(out).catch(() => null) : link; // null: a dangling symlink
  if (target?.isDirectory()) throw new Error(`--out ${out} is a directory; give the path of a file to write`);
  if (target) {
    for (const input of check.inputs) {
      const s = await stat(input.path).catch(() => null);
      if (s && s.dev === target.dev && s.ino === target.ino) {
        throw new Error(`--out ${out} is the input ${input.name} ${input.path}; write to another file`);
      }
    }
  }
  if (!check.force) throw new Error(`--out ${out} already exists; add --force to overwrite it`);
}

/** `checkOutFile` for a chart: `flag` (e.g. '--plot') must name a file ending in .svg. */
export async function checkSvgOutFile(flag: string, out: string, check: OutFileCheck): Promise<void> {
  if (extname(out).toLowerCase() !== '.svg') throw new Error(`${flag} writes SVG: give a file name ending in .svg, got ${out}`);
  await checkOutFile(out, check);
}
