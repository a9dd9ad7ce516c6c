/**
 * One run's events.jsonl followed live for every server-sent-events stream that shows it: a
 * single poller per run, so that 200 open pages cost one stat a poll and one read, parse and
 * serialization per distinct offset (streams that are caught up share one), and the same bytes
 * are written to each of them. A stream whose connection is full (a slow reader) sits out the
 * polls until it drains, keeping its own offset. Not here: the HTTP routes (server.ts), reading
 * the file (events-file.ts).
 */
import type { ServerResponse } from 'node:http';

import { type EventsChunk, type Signature, readEventsChunk, signature } from './events-file.js';

/** How long a poller waits after a stream joins, so that streams opened together are served by one read. */
const JOIN_MS = 100;

interface Follower {
  res: ServerResponse;
  /** The run's id, added to each message (the all-runs stream), or undefined. */
  tag: number | undefined;
  from: number;
  line: number;
  /** The file at this stream's last poll; null: missing; undefined: not polled yet. */
  seen: Signature | null | undefined;
  /** Its first poll: an `events` message is sent even when there is nothing yet. */
  first: boolean;
  /** More than one chunk was waiting: read again at once. */
  pending: boolean;
  /** Its connection is full: left out of the polls until it drains. */
  blocked: boolean;
  closed: boolean;
}

export class EventsFeed {
  private readonly followers = new Set<Follower>();
  private readonly reads = new Map<string, Promise<EventsChunk>>();
  private timer: NodeJS.Timeout | undefined;
  private due = 0;
  private polling = false;
  /** A wake-up asked for during a poll: the earliest time, or Infinity. */
  private wanted = Infinity;

  constructor(readonly file: string, private readonly pollMs: number) {}

  /** readEventsChunk of the file; asks for the same offset while a read of it is under way share that read. */
  read(from: number, line: number): Promise<EventsChunk> {
    const key = `${from}:${line}`;
    let p = this.reads.get(key);
    if (!p) {
      p = readEventsChunk(this.file, from, line).finally(() => this.reads.delete(key));
      this.reads.set(key, p);
    }
    return p;
  }

  /**
   * Sends `res` the file's lines from byte `from` (line number `line`) as `events` messages,
   * within JOIN_MS and then as they arrive; `reset` when the file shrank or was replaced (the
   * client starts again from 0), `problem` when it cannot be read (tried again). `tag` adds
   * `run` to each message. Returns the function that stops it.
   */
  follow(res: ServerResponse, from: number, line: number, tag: number | undefined): () => void {
    const f: Follower = { res, tag, from, line, seen: undefined, first: true, pending: false, blocked: false, closed: false };
    this.followers.add(f);
    this.wake(Math.min(JOIN_MS, this.pollMs));
    return () => {
      f.closed = true;
      this.followers.delete(f);
      if (this.followers.size === 0) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** Polls within `ms` (sooner if already due sooner). */
  private wake(ms: number): void {
    const at = Date.now() + ms;
    if (this.polling) {
      this.wanted = Math.min(this.wanted, at);
      return;
    }
    if (this.timer !== undefined && this.due <= at) return;
    clearTimeout(this.timer);
    this.due = at;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (this.followers.size === 0) return;
    this.polling = true;
    let next = this.pollMs;
    try {
      next = await this.poll();
    } catch (e) {
      // Not expected (poll answers read errors itself), but a poller must not take the server down.
      for (const f of this.followers) this.problem(f, e as Error);
    }
    this.polling = false;
    const wanted = this.wanted;
    this.wanted = Infinity;
    if (this.followers.size === 0) return;
    const at = Math.min(Date.now() + next, wanted);
    this.wake(Math.max(0, at - Date.now()));
  }

  /** One look at the file for every stream not waiting for its connection; resolves with the delay to the next. */
  private async poll(): Promise<number> {
    const active = [...this.followers].filter((f) => !f.blocked);
    let now: Signature | null;
    try {
      now = await signature(this.file);
    } catch (e) {
      for (const f of active) this.problem(f, e as Error);
      return this.pollMs;
    }
    // The streams that need a read, by the offset they read from.
    const groups = new Map<string, Follower[]>();
    for (const f of active) {
      if (f.closed) continue;
      let changed = f.first || f.pending || (f.seen === null) !== (now === null);
      if (now === null) {
        if (f.seen !== null && f.from > 0) this.reset(f); // gone (or never there) while the client had read some
      } else if (f.seen) {
        if (now.ino !== f.seen.ino || now.size < f.from) {
          this.reset(f);
          changed = true;
        } else if (now.size !== f.seen.size || now.mtimeMs !== f.seen.mtimeMs) changed = true;
      }
      f.seen = now;
      f.pending = false;
      if (!changed) continue;
      const key = `${f.from}:${f.line}`;
      const group = groups.get(key);
      if (group) group.push(f);
      else groups.set(key, [f]);
    }
    let again = false;
    for (const group of groups.values()) {
      const { from, line } = group[0]!;
      let chunk: EventsChunk;
      try {
        chunk = await this.read(from, line);
      } catch (e) {
        for (const f of group) this.problem(f, e as Error);
        continue;
      }
      const news = chunk.events.length > 0 || chunk.errors.length > 0 || chunk.next !== from || chunk.missing === true;
      const message = sharedMessage('events', chunk);
      for (const f of group) {
        if (f.closed) continue;
        if (chunk.reset) {
          this.reset(f);
          f.pending = again = true;
          continue;
        }
        if (f.first || news) f.res.write(message(f.tag));
        f.first = false;
        f.from = chunk.next;
        f.line = chunk.nextLine;
        f.pending = chunk.more === true;
        if (f.pending) again = true;
        if (f.res.writableNeedDrain) this.block(f);
      }
    }
    return again ? 0 : this.pollMs;
  }

  /** Shrunk, removed or replaced: the client drops what it has and reads from the start. */
  private reset(f: Follower): void {
    f.res.write(sharedMessage('reset', {})(f.tag));
    f.from = 0;
    f.line = 1;
  }

  private problem(f: Follower, e: Error): void {
    // Not 'error': EventSource treats that name as a broken connection.
    if (!f.closed) f.res.write(sharedMessage('problem', { error: e.message })(f.tag));
  }

  /** A slow reader: out of the polls until its connection has taken what was sent. */
  private block(f: Follower): void {
    f.blocked = true;
    const go = (): void => {
      f.res.off('drain', go);
      f.res.off('close', go);
      f.blocked = false;
    };
    f.res.on('drain', go);
    f.res.on('close', go);
  }
}

/**
 * One server-sent-events message, serialized at most once and encoded at most once per tag: the message for
 * `tag` adds `run: tag` before the data's own fields (as `{ run: tag, ...data }` would).
 */
function sharedMessage(event: string, data: object): (tag: number | undefined) => Buffer {
  let json: string | undefined; // made on first use: most polls send nothing
  const made = new Map<number | undefined, Buffer>();
  return (tag) => {
    let bytes = made.get(tag);
    if (!bytes) {
      json ??= JSON.stringify(data);
      const text = tag === undefined ? json : json === '{}' ? `{"run":${tag}}` : `{"run":${tag},${json.slice(1)}`;
      bytes = Buffer.from(`event: ${event}\ndata: ${text}\n\n`);
      made.set(tag, bytes);
    }
    return bytes;
  };
}
