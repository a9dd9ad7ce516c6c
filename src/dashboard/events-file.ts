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
}

/** Most bytes of events.jsonl one reply carries; the client asks again from `next`. */
export const MAX_CHUNK_BYTES = 8 * 1024 * 1024;

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
 * Reads the complete lines of `file` from byte `from` (whose line number is `line`), at most
 * MAX_CHUNK_BYTES of them. A truncated last line (no newline yet) is left for the next call.
 * A line that is not a JSON object with a string `type` becomes an error entry; blank lines
 * are skipped.
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
        }
      }
      return chunk;
    }
    const lines = buf.toString('utf8', 0, end).split('\n');
    lines.pop(); // the empty string after the final newline
    for (const text of lines) {
      const n = chunk.nextLine++;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        chunk.errors.push({ line: n, message: `not valid JSON (${clip((e as Error).message)})` });
        continue;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof (value as { type?: unknown }).type !== 'string') {
        chunk.errors.push({ line: n, message: 'not an event (a JSON object with a string "type")' });
        continue;
      }
      chunk.events.push(value as Record<string, unknown>);
    }
    chunk.next = from + end;
    return chunk;
  } finally {
    await handle.close();
  }
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

function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

