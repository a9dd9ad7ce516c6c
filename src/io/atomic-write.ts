/**
 * Atomic file writes: write to a temporary file beside the target, flush it, then rename over
 * the target. A crash or Ctrl-C leaves either the old file or the new one, never half of one
 * (a kill can leave the temporary file, `.<name>.<pid>.<time>.tmp`, which a later run removes).
 * Failures name the target file and the reason in words.
 */
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describeFsError } from './fs-errors.js';

export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  try {
    await writeViaTemp(path, data);
  } catch (e) {
    throw describeFsError('write', path, e);
  }
}

async function writeViaTemp(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}
