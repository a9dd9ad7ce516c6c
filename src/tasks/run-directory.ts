/**
 * The run directory on disk: checking and creating it with errors that say what is wrong (a file
 * in the way, a read-only or special file system, no permission), removing temporary files that
 * a killed checkpoint write left behind, and the `events.jsonl` log every run appends its events
 * to. No training logic: run-task.ts decides when each is used.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { describeFsError } from '../io/fs-errors.js';
import { CHECKPOINT_FILE_NAME, MODEL_FILE_NAME } from '../train/checkpoint.js';

/** The events of every session of a run, one JSON object per line. */
export const EVENTS_FILE_NAME = 'events.jsonl';
/** The model of the best validation so far. */
export const BEST_MODEL_FILE_NAME = 'best.safetensors';

/** A path's stats, or null where nothing is (a path through a file, ENOTDIR, is nothing too). */
async function statOrNull(path: string) {
  return stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
    throw describeFsError('read', path, e);
  });
}

/** The directories of `out` that do not exist yet, outermost first; throws if a file stands where one must go. */
async function missingDirectories(out: string): Promise<string[]> {
  const missing: string[] = [];
  let p = resolve(out);
  for (;;) {
    const s = await statOrNull(p);
    if (s) {
      if (!s.isDirectory()) {
        throw new Error(missing.length ? `cannot create run directory ${out}: ${p} is a file, not a directory` : `--out ${out} is a file, not a directory`);
      }
      return missing;
    }
    missing.unshift(p);
    const up = dirname(p);
    if (up === p) return missing;
    p = up;
  }
}

/** Throws if `out` cannot be a run directory (a file in the way); returns whether it exists. Writes nothing. */
export async function checkRunDirectory(out: string): Promise<boolean> {
  return (await missingDirectories(out)).length === 0;
}

/**
 * Creates `out` (and its missing parents) one level at a time: Node's recursive mkdir loops
 * forever on file systems that refuse directories without saying so (/proc), and names the
 * wrong error on a read-only one.
 */
export async function makeRunDirectory(out: string): Promise<void> {
  for (const dir of await missingDirectories(out)) {
    try {
      await mkdir(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code === 'ENOENT') throw new Error(`cannot create run directory ${out}: the file system at ${dirname(dir)} does not allow creating ${dir} (ENOENT)`);
      throw describeFsError('create run directory', dir, e);
    }
  }
}

/** Matches the temporary files of io/atomic-write.ts: `.<name>.<pid>.<time>.tmp`. */
const TEMP_FILE = /^\.(.+)\.(\d+)\.\d+\.tmp$/;

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temporary files of the run's own files (checkpoint, model, best model) whose writer is
 * no longer running: what a kill during a checkpoint write leaves. Returns their names.
 */
export async function removeStaleTempFiles(out: string): Promise<string[]> {
  const ours = new Set([CHECKPOINT_FILE_NAME, MODEL_FILE_NAME, BEST_MODEL_FILE_NAME]);
  const removed: string[] = [];
  for (const name of await readdir(out).catch(() => [] as string[])) {
    const m = TEMP_FILE.exec(name);
    if (!m || !ours.has(m[1]!) || processAlive(Number(m[2]))) continue;
    await unlink(join(out, name)).then(() => removed.push(name), () => {});
  }
  return removed;
}

/** Appends one JSON line per event to `<out>/events.jsonl` (synchronously, so no event is lost on exit). */
export class EventsLog {
  private fd: number | null;
  readonly path: string;

  /** Opens the log: appended to when resuming, started afresh otherwise. */
  constructor(out: string, append: boolean) {
    this.path = join(out, EVENTS_FILE_NAME);
    try {
      this.fd = openSync(this.path, append ? 'a' : 'w');
    } catch (e) {
      throw describeFsError('write to run directory', out, e);
    }
  }

  write(event: object): void {
    if (this.fd === null) return;
    try {
      writeSync(this.fd, `${JSON.stringify(event)}\n`);
    } catch (e) {
      // A full disk must not stop training here: the checkpoint write reports it.
      this.close();
      if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw describeFsError('write', this.path, e);
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
