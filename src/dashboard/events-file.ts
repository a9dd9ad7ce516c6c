/**
 * A run's events.jsonl as the dashboard reads it: by byte offset, complete lines only, at most
 * MAX_CHUNK_BYTES a read, a bad line reported by its number without stopping the read; and the
 * signature (size, inode, modification time) by which a poller sees a file grow or get replaced.
 * Not here: HTTP (server.ts), following the file live (events-feed.ts).
 */
import { open, stat } from 'node:fs/promises';

/** One reply of the events route (and one `events` message of the stream). */
export interface EventsChunk {
  /** Parsed lines: JSON objects with a string `type` (the training events of src/train/events.ts). */
  events: Record<string, unknown>[];
  /** Lines that are not events, by 1-based line number in the file; reading went on after them. */
  errors: { line: number; message: string }[];
  /** Byte offset after the last complete line read: the `from` of the next request. */
  next: number;
  /** Line number of the line that starts at `next`: the `line` of the next request. */
  nextLine: number;
  /** events.jsonl does not exist (yet). */
  missing?: true;
  /** `from` lay beyond the end of the file (it shrank or was replaced): read again from 0. */
  reset?: true;
  /** The reply stopped before the file's last complete line (MAX_CHUNK_BYTES, _LINES or _ERRORS): ask again from `next` at once. */
  more?: true;
}

/**
 * Most bytes of events.jsonl one reply carries; the client asks again from `next`. Decoding and
 * parsing a chunk blocks the server's one thread: a chunk of 8 MiB (one long line) took 70 to
 * 120 ms on a 2-core machine, 1 MiB takes about 10. recur's largest events (an eval with
 * MAX_PANEL_CELLS of panels) are a few hundred KB; a longer line is skipped as an error.
 */
export const MAX_CHUNK_BYTES = 1024 * 1024;

/**
 * Deepest nesting of arrays and objects an event line may have as written (recur's own go 4
 * deep). JSON.parse reads any depth, but JSON.stringify, String() and the page recurse: a line
 * nested 100,000 deep would make every reply that carries it throw, and the run's stream stop
 * at that line.
 */
export const MAX_EVENT_DEPTH = 64;

/**
 * Most lines one reply parses (events and error entries; blank lines are not counted), and most
 * error entries: a line that is not JSON costs a thrown SyntaxError (3 to 6 us here), and 1 MiB
 * of two-byte lines would be half a million of them, seconds of work and a reply 30 times the
 * file's size. The reply stops there with `more`, and the client asks again.
 */
export const MAX_CHUNK_LINES = 10_000;
export const MAX_CHUNK_ERRORS = 1_000;

export interface Signature {
  size: number;
  ino: number;
  mtimeMs: number;
}

/** Size, inode and modification time of `file`, or null when it does not exist. */
export async function signature(file: string): Promise<Signature | null> {
  try {
    const s = await stat(file);
    return { size: s.size, ino: s.ino, mtimeMs: s.mtimeMs };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  }
}

/**
 * Reads the complete lines of `file` from byte `from` (whose line number is `line`): at most
 * MAX_CHUNK_BYTES of them, MAX_CHUNK_LINES events and errors, MAX_CHUNK_ERRORS errors (`more`
 * says that complete lines were left). A truncated last line (no newline yet) is left for the
 * next call. A line that is not a JSON object with a string `type`, or nests deeper than
 * MAX_EVENT_DEPTH, becomes an error entry; blank lines are skipped.
 */
export async function readEventsChunk(file: string, from: number, line: number): Promise<EventsChunk> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { events: [], errors: [], next: 0, nextLine: 1, missing: true };
    throw e;
  }
  try {
    const { size } = await handle.stat();
    if (from > size) return { events: [], errors: [], next: 0, nextLine: 1, reset: true };
    const chunk: EventsChunk = { events: [], errors: [], next: from, nextLine: line };
    const length = Math.min(size - from, MAX_CHUNK_BYTES);
    if (length === 0) return chunk;
    const buf = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buf, 0, length, from);
    const end = buf.subarray(0, bytesRead).lastIndexOf(0x0a) + 1; // after the last newline
    if (end === 0) {
      // No complete line yet; or one line longer than a whole chunk, which is skipped as an error.
      if (bytesRead === MAX_CHUNK_BYTES) {
        const after = await findNewline(handle, from + bytesRead, size);
        if (after !== null) {
          chunk.errors.push({ line, message: `longer than ${MAX_CHUNK_BYTES} bytes, skipped` });
          chunk.next = after;
          chunk.nextLine = line + 1;
          if (after < size) chunk.more = true;
        }
      }
      return chunk;
    }
    // Line by line over the bytes: a blank line costs a few comparisons, not a string.
    let start = 0;
    for (let i = 0; i < end; i++) {
      if (buf[i] !== 0x0a) continue;
      const n = chunk.nextLine++;
      const text = blankBytes(buf, start, i) ? '' : buf.toString('utf8', start, i);
      start = i + 1;
      if (text.trim() === '') continue;
      const problem = readEvent(text, chunk.events);
      if (problem !== undefined) chunk.errors.push({ line: n, message: problem });
      if ((chunk.events.length + chunk.errors.length >= MAX_CHUNK_LINES || chunk.errors.length >= MAX_CHUNK_ERRORS) && start < end) {
        chunk.next = from + start;
        chunk.more = true;
        return chunk;
      }
    }
    chunk.next = from + end;
    if (from + length < size) chunk.more = true;
    return chunk;
  } finally {
    await handle.close();
  }
}

/** Parses one line into `events`; returns what is wrong with it instead, if anything. */
function readEvent(text: string, events: Record<string, unknown>[]): string | undefined {
  // Before parsing: JSON.parse takes 50 ms over 100,000 levels, the scan well under one.
  if (nestedDeeperThan(text, MAX_EVENT_DEPTH)) return `nested deeper than ${MAX_EVENT_DEPTH} levels, skipped`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return `not valid JSON (${clip((e as Error).message)})`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof (value as { type?: unknown }).type !== 'string') {
    return 'not an event (a JSON object with a string "type")';
  }
  events.push(value as Record<string, unknown>);
  return undefined;
}

/** Whether bytes [start, end) are all spaces, tabs and carriage returns. */
function blankBytes(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0x20 && buf[i] !== 0x09 && buf[i] !== 0x0d) return false;
  return true;
}

/** Whether the arrays and objects of a line nest deeper than `max` as written (brackets outside strings; a scan, no recursion). */
function nestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) { // a string: on to its closing quote
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** Offset just after the first newline at or after `pos`, or null if none before `size`. */
async function findNewline(handle: Awaited<ReturnType<typeof open>>, pos: number, size: number): Promise<number | null> {
  const buf = Buffer.alloc(1024 * 1024);
  while (pos < size) {
    const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, size - pos), pos);
    if (bytesRead === 0) return null;
    const i = buf.subarray(0, bytesRead).indexOf(0x0a);
    if (i >= 0) return pos + i + 1;
    pos += bytesRead;
  }
  return null;
}

/** A parser's message for an error entry: cut short, with the control characters it quotes from the line (CR, NUL ...) escaped. */
function clip(s: string): string {
  const cut = s.length > 200 ? `${s.slice(0, 200)}…` : s;
  return cut.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
