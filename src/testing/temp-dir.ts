/**
 * Temporary directories for tests that are removed when the test process exits, so that
 * `npm test` leaves nothing behind in the system's temporary folder. Not part of the public API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dirs = new Set<string>();
let hooked = false;

/** A new empty directory `<tmp>/<prefix>XXXXXX`, deleted with its contents at process exit. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}
