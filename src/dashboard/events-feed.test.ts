import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../testing/temp-dir.js';
import { EventsFeed } from './events-feed.js';

const dir = tempDir('recur-feed-');
const ev = (o: object): string => `${JSON.stringify(o)}\n`;

/** What a stream's response is to the feed: written bytes, a full buffer to fake a slow reader. */
class FakeResponse extends EventEmitter {
  writes: Buffer[] = [];
  writableNeedDrain = false;
  write(b: Buffer): boolean {
    this.writes.push(b);
    return true;
  }
  messages(): { event: string; data: unknown }[] {
    return this.writes.map((b) => {
      const m = /^event: (.*)\ndata: (.*)\n\n$/.exec(b.toString())!;
      return { event: m[1]!, data: JSON.parse(m[2]!) };
    });
  }
}
const asRes = (r: FakeResponse) => r as unknown as ServerResponse;

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 10));
  }
}

test('streams that follow one run share one poll: the same bytes, serialized once, reach every stream at the same offset', async (t) => {
  const file = join(dir, 'shared.jsonl');
  writeFileSync(file, ev({ type: 'start', step: 0 }));
  const feed = new EventsFeed(file, 30);
  const plain = Array.from({ length: 20 }, () => new FakeResponse());
  const tagged = Array.from({ length: 5 }, () => new FakeResponse());
  const stops = [...plain.map((r) => feed.follow(asRes(r), 0, 1, undefined)), ...tagged.map((r) => feed.follow(asRes(r), 0, 1, 3))];
  t.after(() => { for (const stop of stops) stop(); });
  await waitFor(() => [...plain, ...tagged].every((r) => r.writes.length >= 1), 2000, 'the first message of every stream');
  appendFileSync(file, ev({ type: 'step', step: 1, loss: 2 }));
  await waitFor(() => [...plain, ...tagged].every((r) => r.writes.length >= 2), 2000, 'the appended line');
  for (const n of [0, 1]) {
    for (const r of plain) assert.equal(r.writes[n], plain[0]!.writes[n], 'one Buffer for every untagged stream');
    for (const r of tagged) assert.equal(r.writes[n], tagged[0]!.writes[n], 'one Buffer for every stream of the same tag');
  }
  const next = Buffer.byteLength(ev({ type: 'start', step: 0 }) + ev({ type: 'step', step: 1, loss: 2 }));
  assert.deepEqual(plain[0]!.messages()[1], { event: 'events', data: { events: [{ type: 'step', step: 1, loss: 2 }], errors: [], next, nextLine: 3 } });
  assert.deepEqual(tagged[0]!.messages()[1], { event: 'events', data: { run: 3, events: [{ type: 'step', step: 1, loss: 2 }], errors: [], next, nextLine: 3 } });
});

test('a stream that joins late starts from its own offset; the others are not sent its lines twice', async (t) => {
  const file = join(dir, 'late.jsonl');
  writeFileSync(file, ev({ type: 'start', step: 0 }) + ev({ type: 'step', step: 1, loss: 2 }));
  const feed = new EventsFeed(file, 30);
  const early = new FakeResponse();
  const stopEarly = feed.follow(asRes(early), 0, 1, undefined);
  t.after(stopEarly);
  await waitFor(() => early.writes.length >= 1, 2000, 'the early stream');
  const late = new FakeResponse();
  const stopLate = feed.follow(asRes(late), Buffer.byteLength(ev({ type: 'start', step: 0 })), 2, undefined); // after the first line
  t.after(stopLate);
  await waitFor(() => late.writes.length >= 1, 2000, 'the late stream');
  await new Promise((ok) => setTimeout(ok, 100));
  assert.equal(early.writes.length, 1);
  assert.deepEqual((late.messages()[0]!.data as { events: unknown[] }).events, [{ type: 'step', step: 1, loss: 2 }]);
});

test('a slow reader sits out the polls until it drains, then catches up from its own offset, without piling up listeners', async (t) => {
  const file = join(dir, 'slow.jsonl');
  writeFileSync(file, ev({ type: 'start', step: 0 }));
  const feed = new EventsFeed(file, 20);
  const slow = new FakeResponse();
  const fast = new FakeResponse();
  const stops = [feed.follow(asRes(slow), 0, 1, undefined), feed.follow(asRes(fast), 0, 1, undefined)];
  t.after(() => { for (const stop of stops) stop(); });
  await waitFor(() => slow.writes.length >= 1 && fast.writes.length >= 1, 2000, 'the first messages');
  for (let step = 1; step <= 30; step++) {
    slow.writableNeedDrain = true; // its connection is full after each message it gets
    appendFileSync(file, ev({ type: 'step', step, loss: 1 }));
    await waitFor(() => fast.writes.length >= step + 1, 2000, `step ${step} on the fast stream`);
    if (step % 3 === 0) {
      slow.writableNeedDrain = false;
      slow.emit('drain');
    }
  }
  slow.writableNeedDrain = false;
  slow.emit('drain');
  await waitFor(() => slow.messages().flatMap((m) => (m.data as { events: { step: number }[] }).events).at(-1)?.step === 30, 2000, 'the slow stream to catch up');
  const steps = slow.messages().flatMap((m) => (m.data as { events: { step: number }[] }).events.map((e) => e.step));
  assert.deepEqual(steps, Array.from({ length: 31 }, (_, i) => i), 'every line once, in order');
  assert.ok(slow.writes.length < fast.writes.length, 'the slow stream got fewer, larger messages');
  assert.ok(slow.listenerCount('close') <= 1 && slow.listenerCount('drain') <= 1, `listeners left: ${slow.listenerCount('close')} close, ${slow.listenerCount('drain')} drain`);
});

test('reads of the same offset under way at once share one read', async () => {
  const file = join(dir, 'reads.jsonl');
  writeFileSync(file, ev({ type: 'start', step: 0 }));
  const feed = new EventsFeed(file, 500);
  const [a, b] = await Promise.all([feed.read(0, 1), feed.read(0, 1)]);
  assert.equal(a, b);
  assert.notEqual(await feed.read(0, 1), a, 'a later read reads again');
});
