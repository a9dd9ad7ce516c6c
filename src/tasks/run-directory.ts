/**
 * The run directory on disk: checking and creating it with errors that say what is wrong (a file
 * in the way, a read-only or special file system, no permission), removing temporary files that
 * a killed checkpoint write left behind, and the `events.jsonl` log every run appends its events
 * to. No training logic: run-task.ts decides when each is used.
 */
import { closeSync, fstatSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
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
 * Removes temporary files of the run's own files (checkpoint, model, best model, events) whose writer is
 * no longer running: what a kill during a checkpoint write leaves. Returns their names.
 */
export async function removeStaleTempFiles(out: string): Promise<string[]> {
  const ours = new Set([CHECKPOINT_FILE_NAME, MODEL_FILE_NAME, BEST_MODEL_FILE_NAME, EVENTS_FILE_NAME]);
  const removed: string[] = [];
  for (const name of await readdir(out).catch(() => [] as string[])) {
    const m = TEMP_FILE.exec(name);
    if (!m || !ours.has(m[1]!) || processAlive(Number(m[2]))) continue;
    await unlink(join(out, name)).then(() => removed.push(name), () => {});
  }
  return removed;
}

/** The size events.jsonl is kept under unless a run says otherwise: 32 MiB, about 130,000 steps at full resolution. */
export const DEFAULT_EVENTS_MAX_BYTES = 32 * 1024 * 1024;

/** Events every session writes once, kept whatever the log's size. */
const KEPT_EVENTS = new Set(['start', 'end', 'divergence']);
/** The largest stride the log thins to (a run of 2^40 steps). */
const MAX_STRIDE = 2 ** 40;

/**
 * Appends one JSON line per event to `<out>/events.jsonl` (synchronously, so no event is lost on
 * exit), keeping the file under `maxBytes` however long the run: when a write takes it over, the
 * log is rewritten (atomically: a reader sees the old file or the new one) keeping the events of
 * a step that is a multiple of twice the stride it kept before, and from then on writes only
 * those. The start, end and divergence events of every session are always kept, so the file
 * still spans the whole run, at a coarser resolution, like TensorBoard's downsampled scalars.
 * A reader following the file by byte offset sees a new inode (or a smaller size) and reads it
 * again from the start (the dashboard does).
 */
export class EventsLog {
  private fd: number | null = null;
  readonly path: string;
  readonly maxBytes: number;
  /** Bytes in the file. */
  private size = 0;
  /** Events with a step that is not a multiple of this are not written (start, end and divergence events always are). */
  private stride = 1;

  /**
   * Opens the log: appended to when resuming (at the stride an earlier session thinned it to),
   * started afresh otherwise.
   */
  constructor(out: string, append: boolean, maxBytes = DEFAULT_EVENTS_MAX_BYTES) {
    if (!(maxBytes >= 1024)) throw new Error(`the events log needs at least 1 KB, got ${maxBytes} bytes`);
    this.path = join(out, EVENTS_FILE_NAME);
    this.maxBytes = maxBytes;
    try {
      this.fd = openSync(this.path, append ? 'a' : 'w');
      this.size = fstatSync(this.fd).size;
      if (this.size > 0) {
        const text = readFileSync(this.path, 'utf8');
        this.stride = strideOf(text);
        // A session killed in the middle of a line: the next event starts a line of its own.
        if (!text.endsWith('\n')) this.append('\n');
        if (this.size > maxBytes) this.compact(text);
      }
    } catch (e) {
      this.close();
      throw describeFsError('write to run directory', out, e);
    }
  }

  write(event: object): void {
    if (this.fd === null || !kept(event, this.stride)) return;
    try {
      this.append(`${JSON.stringify(event)}\n`);
      if (this.size > this.maxBytes) this.compact();
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

  private append(text: string): void {
    this.size += writeSync(this.fd!, text);
  }

  /** Doubles the stride until the kept events fill at most half the limit, and rewrites the file with them. */
  private compact(text = readFileSync(this.path, 'utf8')): void {
    const events = text.split('\n').flatMap((line) => {
      const event = parseEvent(line);
      return event ? [{ line: `${line}\n`, event }] : []; // lines that are not events (a line cut by a kill) go
    });
    let lines: string[];
    let bytes: number;
    do {
      this.stride *= 2;
      lines = events.filter((e) => kept(e.event, this.stride)).map((e) => e.line);
      bytes = lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
    } while (bytes > this.maxBytes / 2 && this.stride < MAX_STRIDE);
    const tmp = join(dirname(this.path), `.${EVENTS_FILE_NAME}.${process.pid}.${Date.now()}.tmp`);
    try {
      writeFileSync(tmp, lines.join(''));
      renameSync(tmp, this.path);
    } catch (e) {
      try { unlinkSync(tmp); } catch { /* not written */ }
      throw e;
    }
    closeSync(this.fd!);
    this.fd = openSync(this.path, 'a');
    this.size = bytes;
  }
}

/** A line of events.jsonl as an event (a JSON object with a string type), or null. */
function parseEvent(line: string): { type: string; step?: unknown } | null {
  if (line.trim() === '') return null;
  try {
    const value = JSON.parse(line) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { type?: unknown }).type === 'string') return value as { type: string };
  } catch { /* not JSON */ }
  return null;
}

/** Whether a log thinned to `stride` keeps `event`. */
function kept(event: object, stride: number): boolean {
  const { type, step } = event as { type?: unknown; step?: unknown };
  return typeof type === 'string' && KEPT_EVENTS.has(type) || typeof step !== 'number' || step % stride === 0;
}

/** The stride a log was thinned to: the largest power of two dividing the step of every step event (1 with fewer than two). */
function strideOf(text: string): number {
  let stride = MAX_STRIDE;
  let steps = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('{"type":"step"')) continue;
    const step = parseEvent(line)?.step;
    if (typeof step !== 'number' || !Number.isInteger(step)) continue;
    steps++;
    while (stride > 1 && step % stride !== 0) stride /= 2;
  }
  return steps >= 2 ? stride : 1;
}
