import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders } from 'node:http';
import { httpGet, type Reply } from '../testing/http-get.js';
import { rawRequest } from '../testing/raw-request.js';
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../testing/temp-dir.js';
import { fakePageDir } from '../testing/fake-page.js';
import { startDashboard, type Dashboard } from './server.js';
import { MAX_CHUNK_BYTES, MAX_CHUNK_ERRORS, MAX_CHUNK_LINES, MAX_EVENT_DEPTH, readEventsChunk } from './events-file.js';
import { CharTokenizer } from '../data/char-tokenizer.js';
import { saveModel } from '../io/model-file.js';
import { RecurrentModel } from '../nn/recurrent-model.js';
import { Rng } from '../random/rng.js';

const root = tempDir('recur-dashboard-');
const staticDir = fakePageDir(root);
// Beside the static files: must never be served.
writeFileSync(join(staticDir, 'secret.txt'), 'SECRET-STATIC');
writeFileSync(join(root, 'package.json'), '{"SECRET":"SECRET-ROOT"}');

const runA = join(root, 'run-a');
const runB = join(root, 'run-b');
mkdirSync(runA);
mkdirSync(runB); // no events.jsonl
const ev = (o: object): string => `${JSON.stringify(o)}\n`;
const good = [
  { type: 'start', task: 'char-lm', step: 0 },
  { type: 'step', step: 1, loss: 4.1 },
  { type: 'step', step: 2, loss: 3.9 },
];
const truncatedLine = ev({ type: 'step', step: 3, loss: 3.7 });
writeFileSync(join(runA, 'events.jsonl'), ev(good[0]!) + ev(good[1]!) + ev(good[2]!) + '{"type":"step", oops\n' + '[1,2]\n' + ev({ type: 'eval', step: 2, valLoss: 4 }) + truncatedLine.slice(0, 10));

const open: Dashboard[] = [];
after(async () => { for (const d of open) await d.close(); });

async function start(options: Partial<Parameters<typeof startDashboard>[0]> = {}): Promise<Dashboard> {
  const d = await startDashboard({ runs: [runA, runB], staticDir, pollMs: 50, ...options });
  open.push(d);
  return d;
}

const get = (d: Dashboard, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> => httpGet(d.port, path, headers, method);

const SECRETS = /SECRET|root:|fake app|fake page/;

test('defaults: 127.0.0.1, a free port, a 64-hex-digit token in the URL', async () => {
  const d = await start();
  assert.equal(d.host, '127.0.0.1');
  assert.ok(d.port > 0);
  assert.match(d.token, /^[0-9a-f]{64}$/);
  assert.equal(d.url, `http://127.0.0.1:${d.port}/?token=${d.token}`);
  const other = await start();
  assert.notEqual(other.token, d.token);
});

test('the page and the API need the token; the static allowlist does not', async () => {
  const d = await start();
  const t = `token=${d.token}`;
  for (const path of ['/', '/?token=', '/?token=wrong', `/?token=${d.token}x`, `/?token=${d.token.slice(1)}`]) {
    const r = await get(d, path);
    assert.equal(r.status, 403, path);
    assert.match(r.body, /open the URL that `recur dashboard` printed/);
    assert.doesNotMatch(r.body, SECRETS);
  }
  for (const path of ['/api/runs', '/api/runs?token=wrong', '/api/runs/0/events', '/api/runs/0/stream?token=nope']) {
    const r = await get(d, path);
    assert.equal(r.status, 403, path);
    assert.ok(JSON.parse(r.body).error);
  }
  const page = await get(d, `/?${t}`);
  assert.equal(page.status, 200);
  assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(page.body, '<!doctype html><title>fake page</title>');
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.equal(page.headers['referrer-policy'], 'no-referrer');
  assert.equal(page.headers['cross-origin-opener-policy'], 'same-origin');
  assert.equal(page.headers['cross-origin-embedder-policy'], 'require-corp');
  assert.equal(page.headers['cross-origin-resource-policy'], 'same-origin');
  assert.match(String(page.headers['content-security-policy']), /^default-src 'self'/);
  const js = await get(d, '/static/app.js');
  assert.equal(js.status, 200);
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(js.body, 'console.log("fake app");');
  const css = await get(d, '/static/app.css');
  assert.equal(css.status, 200);
  assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
  for (const path of ['/static/secret.txt', '/static/index.html', '/static/', '/static', '/static/app.js/', '/static/APP.JS', '/static/app.js%00', '/favicon.ico', '/index.html', '/index.htm']) {
    const r = await get(d, `${path}`);
    assert.equal(r.status, 404, path);
    assert.doesNotMatch(r.body, SECRETS, path);
  }
  const runs = await get(d, `/api/runs?${t}`);
  assert.equal(runs.status, 200);
  assert.equal(runs.headers['cache-control'], 'no-store');
  assert.deepEqual(JSON.parse(runs.body), { runs: [{ id: 0, name: 'run-a', dir: runA }, { id: 1, name: 'run-b', dir: runB }] });
  const head = await get(d, `/api/runs?${t}`, {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
    const r = await get(d, `/api/runs?${t}`, {}, method);
    assert.equal(r.status, 405, method);
    assert.equal(r.headers.allow, 'GET, HEAD');
  }
});

test('path traversal is refused without reading anything', async () => {
  const d = await start();
  const t = `token=${d.token}`;
  const attempts = [
    '/static/../package.json',
    '/static/%2e%2e/%2e%2e/package.json',
    '/static/..%2f..%2fpackage.json',
    '/static/..%2fsecret.txt',
    '/static/./secret.txt',
    '//etc/passwd',
    '/../package.json',
    `/static/${join(root, 'package.json')}`,
    `/static/${encodeURIComponent(join(root, 'package.json'))}`,
    `/static//etc/passwd`,
    `/api/runs/0/../../x?${t}`,
    `/api/runs/0/..%2f..%2fpackage.json?${t}`,
    `/api/runs/-1/events?${t}`,
    `/api/runs/1e3/events?${t}`,
    `/api/runs/2/events?${t}`,
    `/api/runs/0x0/events?${t}`,
    `/api/runs/%30/events?${t}`,
    `/api/runs/${encodeURIComponent(join(root, 'package.json'))}/events?${t}`,
    `/api/runs/0/events?${t}&from=-1`,
    `/api/runs/0/events?${t}&from=1.5`,
    `/api/runs/0/events?${t}&line=0`,
    `/api/runs/0/events?${t}&line=abc`,
    `${join(root, 'package.json')}?${t}`,
    `/api/${join(root, 'package.json')}?${t}`,
  ];
  for (const path of attempts) {
    const r = await get(d, path);
    assert.ok([400, 403, 404].includes(r.status), `${path}: ${r.status}`);
    assert.doesNotMatch(r.body, SECRETS, path);
  }
  assert.equal((await get(d, `/api/runs/-1/events?${t}`)).status, 400);
  assert.equal((await get(d, `/api/runs/1e3/events?${t}`)).status, 400);
  assert.equal((await get(d, `/api/runs/0/events?${t}&from=-1`)).status, 400);
});

test('Host and Origin headers: DNS rebinding and cross-site requests are refused', async () => {
  const d = await start();
  const path = `/api/runs?token=${d.token}`;
  const evil = await get(d, path, { Host: `evil.example:${d.port}` });
  assert.equal(evil.status, 403);
  assert.equal(evil.body, 'bad Host header\n');
  assert.equal(evil.headers['x-content-type-options'], 'nosniff');
  assert.equal((await get(d, path, { Host: `127.0.0.1:${d.port + 1}` })).status, 403);
  assert.equal((await get(d, path, { Host: '127.0.0.1' })).status, 403);
  for (const host of [`localhost:${d.port}`, `127.0.0.1:${d.port}`, `[::1]:${d.port}`, `LOCALHOST:${d.port}`]) {
    assert.equal((await get(d, path, { Host: host })).status, 200, host);
  }
  const cross = await get(d, path, { Origin: 'http://evil.example' });
  assert.equal(cross.status, 403);
  assert.equal(cross.body, 'cross-site request refused\n');
  assert.equal((await get(d, path, { Origin: `http://evil.example:${d.port}` })).status, 403);
  assert.equal((await get(d, path, { Origin: 'null' })).status, 403);
  assert.equal((await get(d, '/static/app.js', { Origin: 'http://evil.example' })).status, 403);
  assert.equal((await get(d, path, { Origin: `http://127.0.0.1:${d.port}` })).status, 200);
  assert.equal((await get(d, path, { Host: `localhost:${d.port}`, Origin: `http://localhost:${d.port}` })).status, 200);
  assert.equal((await get(d, path, { Host: `localhost:${d.port}`, Origin: `http://127.0.0.1:${d.port}` })).status, 403);
});

test('the events route: complete lines only, errors by line number, and more after `next`', async () => {
  const runC = join(root, 'run-c');
  mkdirSync(runC);
  const file = join(runC, 'events.jsonl');
  writeFileSync(file, ev(good[0]!) + ev(good[1]!) + ev(good[2]!) + 'not json at all\n' + ev({ type: 'eval', step: 2, valLoss: 4 }) + '\n' + '{"no":"type"}\n' + truncatedLine.slice(0, 10));
  const d = await start({ runs: [runC] });
  const t = `token=${d.token}`;
  const r = await get(d, `/api/runs/0/events?${t}`);
  assert.equal(r.status, 200);
  assert.equal(r.headers['cache-control'], 'no-store');
  const chunk = JSON.parse(r.body);
  assert.deepEqual(chunk.events, [...good, { type: 'eval', step: 2, valLoss: 4 }]);
  assert.equal(chunk.errors.length, 2);
  assert.equal(chunk.errors[0].line, 4);
  assert.match(chunk.errors[0].message, /^not valid JSON \(.+\)$/);
  assert.deepEqual(chunk.errors[1], { line: 7, message: 'not an event (a JSON object with a string "type")' });
  const beforeTruncated = Buffer.byteLength(ev(good[0]!) + ev(good[1]!) + ev(good[2]!) + 'not json at all\n' + ev({ type: 'eval', step: 2, valLoss: 4 }) + '\n' + '{"no":"type"}\n');
  assert.equal(chunk.next, beforeTruncated);
  assert.equal(chunk.nextLine, 8);
  assert.equal(chunk.missing, undefined);
  // Nothing new yet: the truncated line is left alone.
  assert.deepEqual(JSON.parse((await get(d, `/api/runs/0/events?${t}&from=${chunk.next}&line=${chunk.nextLine}`)).body), { events: [], errors: [], next: chunk.next, nextLine: 8 });
  appendFileSync(file, truncatedLine.slice(10) + 'bad\n');
  const more = JSON.parse((await get(d, `/api/runs/0/events?${t}&from=${chunk.next}&line=${chunk.nextLine}`)).body);
  assert.deepEqual(more.events, [{ type: 'step', step: 3, loss: 3.7 }]);
  assert.deepEqual(more.errors.map((e: { line: number }) => e.line), [9]);
  assert.equal(more.next, beforeTruncated + truncatedLine.length + 4);
  assert.equal(more.nextLine, 10);
  // From the middle of the file, with line numbers counted by the client.
  const mid = JSON.parse((await get(d, `/api/runs/0/events?${t}&from=${Buffer.byteLength(ev(good[0]!))}&line=2`)).body);
  assert.equal(mid.events.length, 2 + 1 + 1); // lines 2, 3, 5 and 8
  assert.deepEqual(mid.errors.map((e: { line: number }) => e.line), [4, 7, 9]);
  // Past the end (the file shrank): start again.
  assert.deepEqual(JSON.parse((await get(d, `/api/runs/0/events?${t}&from=999999`)).body), { events: [], errors: [], next: 0, nextLine: 1, reset: true });
});

test('a missing events.jsonl is an empty run, and a deleted run directory does not crash the server', async () => {
  const runD = join(root, 'run-d');
  mkdirSync(runD);
  const d = await start({ runs: [runB, runD] });
  const t = `token=${d.token}`;
  assert.deepEqual(JSON.parse((await get(d, `/api/runs/0/events?${t}`)).body), { events: [], errors: [], next: 0, nextLine: 1, missing: true });
  renameSync(runD, join(root, 'run-d-moved'));
  assert.deepEqual(JSON.parse((await get(d, `/api/runs/1/events?${t}`)).body), { events: [], errors: [], next: 0, nextLine: 1, missing: true });
  // events.jsonl that is a directory: a read error, answered with 500 JSON.
  mkdirSync(join(runB, 'events.jsonl'));
  const r = await get(d, `/api/runs/0/events?${t}`);
  assert.equal(r.status, 500);
  assert.ok(JSON.parse(r.body).error);
  assert.equal((await get(d, `/api/runs?${t}`)).status, 200);
  const { rmSync } = await import('node:fs');
  rmSync(join(runB, 'events.jsonl'), { recursive: true });
});

interface SseMessage { event: string; data: unknown }

function openStream(d: Dashboard, path: string): { messages: SseMessage[]; ended: Promise<void>; headers: Promise<IncomingHttpHeaders>; abort: () => void } {
  const messages: SseMessage[] = [];
  let onHeaders!: (h: IncomingHttpHeaders) => void;
  const headers = new Promise<IncomingHttpHeaders>((ok) => { onHeaders = ok; });
  let req!: ReturnType<typeof request>;
  const ended = new Promise<void>((ok, fail) => {
    req = request({ host: '127.0.0.1', port: d.port, path }, (res) => {
      onHeaders(res.headers);
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) messages.push({ event, data: JSON.parse(data) });
        }
      });
      res.on('end', ok);
      res.on('close', ok);
    });
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? ok() : fail(e)));
    req.end();
  });
  return { messages, ended, headers, abort: () => req.destroy() };
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 20));
  }
}

test('the stream sends the events at once, then each appended line within 3 s; close() ends it', async () => {
  const runE = join(root, 'run-e');
  mkdirSync(runE);
  const file = join(runE, 'events.jsonl');
  writeFileSync(file, ev(good[0]!) + ev(good[1]!));
  const d = await start({ runs: [runE], pollMs: 100 });
  const s = openStream(d, `/api/runs/0/stream?token=${d.token}`);
  const h = await s.headers;
  assert.equal(h['content-type'], 'text/event-stream; charset=utf-8');
  assert.equal(h['cache-control'], 'no-store');
  await waitFor(() => s.messages.length >= 1, 3000, 'the first message');
  assert.deepEqual(s.messages[0], { event: 'events', data: { events: [good[0], good[1]], errors: [], next: Buffer.byteLength(ev(good[0]!) + ev(good[1]!)), nextLine: 3 } });
  const t0 = Date.now();
  appendFileSync(file, ev(good[2]!));
  await waitFor(() => s.messages.length >= 2, 3000, 'the appended line');
  assert.ok(Date.now() - t0 < 3000);
  assert.deepEqual((s.messages[1]!.data as { events: unknown[] }).events, [good[2]]);
  // A partial line sends nothing until it is complete.
  appendFileSync(file, '{"type":"end",');
  await new Promise((ok) => setTimeout(ok, 300));
  assert.equal(s.messages.length, 2);
  appendFileSync(file, '"step":3}\n');
  await waitFor(() => s.messages.length >= 3, 3000, 'the completed line');
  assert.deepEqual(s.messages[2]!.data, { events: [{ type: 'end', step: 3 }], errors: [], next: Buffer.byteLength(ev(good[0]!) + ev(good[1]!) + ev(good[2]!)) + 24, nextLine: 5 });
  // Replaced by a shorter file (a new run in the same directory): reset, then from the start.
  writeFileSync(file + '.tmp', ev(good[0]!));
  renameSync(file + '.tmp', file);
  await waitFor(() => s.messages.length >= 5, 3000, 'the reset');
  assert.equal(s.messages[3]!.event, 'reset');
  assert.deepEqual(s.messages[4]!.data, { events: [good[0]], errors: [], next: Buffer.byteLength(ev(good[0]!)), nextLine: 2 });
  const closed = d.close();
  await s.ended;
  await closed;
});

test('the stream resumes from `from`/`line`, and a client that goes away stops its polling', async () => {
  const d = await start({ runs: [runA] });
  const from = Buffer.byteLength(ev(good[0]!) + ev(good[1]!));
  const s = openStream(d, `/api/runs/0/stream?token=${d.token}&from=${from}&line=3`);
  await waitFor(() => s.messages.length >= 1, 3000, 'the first message');
  const data = s.messages[0]!.data as { events: unknown[]; errors: { line: number }[] };
  assert.deepEqual(data.events, [good[2], { type: 'eval', step: 2, valLoss: 4 }]);
  assert.deepEqual(data.errors.map((e) => e.line), [4, 5]);
  s.abort();
  await s.ended;
  // The server goes on answering.
  assert.equal((await get(d, `/api/runs?token=${d.token}`)).status, 200);
  const missing = openStream(d, `/api/runs/0/stream?token=${d.token}&from=x`);
  await missing.ended;
});

test('a run that is not a directory, or does not exist, is refused', async () => {
  const file = join(root, 'plain-file');
  writeFileSync(file, 'x');
  await assert.rejects(startDashboard({ runs: [runA, file], staticDir }), { message: `dashboard: ${file} is not a directory` });
  await assert.rejects(startDashboard({ runs: [join(root, 'nope')], staticDir }), { message: `dashboard: ${join(root, 'nope')} does not exist` });
});

test('an IPv6 loopback server puts its host in brackets', async (t) => {
  let d: Dashboard;
  try {
    d = await start({ host: '::1', token: 'abc' });
  } catch {
    t.skip('no IPv6 loopback here');
    return;
  }
  assert.equal(d.url, `http://[::1]:${d.port}/?token=abc`);
  const r = await new Promise<number>((ok, fail) => {
    request({ host: '::1', port: d.port, path: '/api/runs?token=abc' }, (res) => { res.resume(); ok(res.statusCode!); }).on('error', fail).end();
  });
  assert.equal(r, 200);
});

test('a reply carries at most MAX_CHUNK_BYTES (1 MiB) of lines; the client asks again from `next`', async () => {
  const runF = join(root, 'run-f');
  mkdirSync(runF);
  const line = ev({ type: 'step', step: 1, loss: 1, pad: 'x'.repeat(100) });
  const count = Math.ceil((MAX_CHUNK_BYTES * 1.125) / line.length);
  const huge = `{"type":"sample","text":"${'y'.repeat(MAX_CHUNK_BYTES + 10)}"}\n`;
  writeFileSync(join(runF, 'events.jsonl'), line.repeat(count) + huge + line);
  const d = await start({ runs: [runF] });
  let from = 0;
  let lineNo = 1;
  let events = 0;
  const errors: { line: number; message: string }[] = [];
  for (let i = 0; i < 10; i++) {
    const r = await get(d, `/api/runs/0/events?token=${d.token}&from=${from}&line=${lineNo}`);
    assert.ok(r.body.length <= MAX_CHUNK_BYTES + 4096);
    const chunk = JSON.parse(r.body);
    if (chunk.next === from) break;
    events += chunk.events.length;
    errors.push(...chunk.errors);
    from = chunk.next;
    lineNo = chunk.nextLine;
  }
  assert.equal(events, count + 1);
  assert.deepEqual(errors, [{ line: count + 1, message: 'longer than 1048576 bytes, skipped' }]);
  assert.equal(lineNo, count + 3);
});

test('inside: the run\'s language model at each step of a text (hidden states, gates, next symbols, gradient through time); clear errors', async () => {
  const run = join(root, 'run-lm');
  mkdirSync(run, { recursive: true });
  const tok = CharTokenizer.fit('abcdefgh ');
  const model = new RecurrentModel({ input: { kind: 'embedding', vocabSize: tok.size, embeddingDim: 4 }, cell: 'lstm', hiddenSize: 5, numLayers: 2, outputSize: tok.size }, { rng: new Rng(4) });
  const d = await start({ runs: [run, runA] });
  const url = (id: number, q: string) => `/api/runs/${id}/inside?token=${d.token}&${q}`;
  const missing = await get(d, url(0, 'text=abc'));
  assert.equal(missing.status, 404);
  assert.match(JSON.parse(missing.body).error, /run-lm has no model\.safetensors yet/);
  await saveModel(join(run, 'model.safetensors'), model, { vocabulary: [...tok.vocabulary] });
  const r = await get(d, url(0, 'text=bad%20cafe&topK=3'));
  assert.equal(r.status, 200, r.body);
  const x = JSON.parse(r.body) as { tokens: string; symbols: string[]; layers: { hidden: number[][]; gates?: { name: string }[] }[]; next: unknown[][]; gradientThroughTime: number[] };
  assert.equal(x.tokens, 'char');
  assert.deepEqual(x.symbols, [...'bad cafe']);
  assert.equal(x.layers.length, 2);
  assert.equal(x.layers[1]!.hidden.length, 8);
  assert.deepEqual(x.layers[0]!.gates!.map((g) => g.name), ['input', 'forget', 'cell', 'output']);
  assert.ok(x.next.every((n) => n.length === 3));
  assert.equal(x.gradientThroughTime.length, 8);
  assert.ok(x.gradientThroughTime.every((g) => Number.isFinite(g) && g >= 0));
  assert.equal((await get(d, url(0, 'text='))).status, 400);
  assert.equal((await get(d, url(0, `text=${'a'.repeat(401)}`))).status, 400);
  assert.equal((await get(d, url(0, 'text=ab&topK=0'))).status, 400);
  assert.equal((await get(d, '/api/runs/0/inside?text=abc')).status, 403, 'the token is needed');
  // A run directory whose model file is not a language model: a clear 400.
  writeFileSync(join(runA, 'model.safetensors'), 'not a model');
  const bad = await get(d, url(1, 'text=abc'));
  assert.equal(bad.status, 400, bad.body);
});

test('the all-runs stream carries every run on one connection, each message naming its run; bad run lists get 400', async () => {
  const dirs = [0, 1, 2, 3, 4, 5, 6].map((i) => {
    const dir = join(root, `many-${i}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'events.jsonl'), ev({ type: 'start', task: 'char-lm', step: 0 }) + ev({ type: 'step', step: 1, loss: 4 + i }));
    return dir;
  });
  const d = await start({ runs: dirs, pollMs: 50 });
  // Seven runs from the start; then run 3 from after its first line.
  const s = openStream(d, `/api/stream?token=${d.token}`);
  await waitFor(() => s.messages.length >= 7, 3000, 'a message per run');
  const byRun = new Map(s.messages.map((m) => [(m.data as { run: number }).run, m.data as { events: { loss?: number }[] }]));
  assert.deepEqual([...byRun.keys()].sort(), [0, 1, 2, 3, 4, 5, 6]);
  for (const [id, chunk] of byRun) assert.equal(chunk.events[1]!.loss, 4 + id, `run ${id}'s own events`);
  appendFileSync(join(dirs[5]!, 'events.jsonl'), ev({ type: 'step', step: 2, loss: 1 }));
  await waitFor(() => s.messages.length >= 8, 3000, 'the appended line');
  assert.deepEqual(s.messages[7]!.data, { run: 5, events: [{ type: 'step', step: 2, loss: 1 }], errors: [], next: readFileSync(join(dirs[5]!, 'events.jsonl')).length, nextLine: 4 });
  s.abort();
  const first = Buffer.byteLength(ev({ type: 'start', task: 'char-lm', step: 0 }));
  const one = openStream(d, `/api/stream?token=${d.token}&runs=3:${first}:2`);
  await waitFor(() => one.messages.length >= 1, 3000, 'the one run');
  assert.deepEqual(one.messages[0]!.data, { run: 3, events: [{ type: 'step', step: 1, loss: 7 }], errors: [], next: readFileSync(join(dirs[3]!, 'events.jsonl')).length, nextLine: 3 });
  one.abort();
  for (const [runs, message] of [['9:0:1', /no run with id '9'/], ['1:0:1,1:5:2', /run 1 is listed twice/], ['1:0', /ID:FROM:LINE/], ['1:0:0', /line must be >= 1/], ['x', /ID:FROM:LINE/]] as const) {
    const r = await get(d, `/api/stream?token=${d.token}&runs=${encodeURIComponent(runs)}`);
    assert.equal(r.status, 400, runs);
    assert.match(JSON.parse(r.body).error as string, message);
  }
  assert.equal((await get(d, '/api/stream?token=wrong')).status, 403);
});

test('past maxStreams open streams a new one gets 503 with Retry-After, and a closed one makes room', async () => {
  const d = await start({ runs: [runA], maxStreams: 2 });
  const path = `/api/runs/0/stream?token=${d.token}`;
  const a = openStream(d, path);
  const b = openStream(d, `/api/stream?token=${d.token}`);
  await Promise.all([a.headers, b.headers]);
  assert.equal((await get(d, path, {}, 'HEAD')).status, 503);
  const full = await get(d, path);
  assert.equal(full.status, 503);
  assert.equal(full.headers['retry-after'], '5');
  assert.match(JSON.parse(full.body).error as string, /^too many live streams \(2\)/);
  assert.equal((await get(d, `/api/runs?token=${d.token}`)).status, 200, 'the other routes are not capped');
  a.abort();
  await a.ended;
  await waitFor(() => b.messages.length > 0, 3000, 'the open stream\'s message');
  let status = 503;
  for (let i = 0; i < 50 && status === 503; i++) {
    status = (await get(d, path, {}, 'HEAD')).status;
    if (status === 503) await new Promise((ok) => setTimeout(ok, 20));
  }
  assert.equal(status, 200);
  b.abort();
});

test('malformed requests get Node\'s statuses (431, 400) and a stalled one 408 after requestTimeoutMs, while a stream outlives it', async () => {
  const d = await start({ runs: [runA], requestTimeoutMs: 300 });
  const host = `Host: 127.0.0.1:${d.port}\r\n`;
  assert.equal((await rawRequest(d.port, `GET / HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(100_000)}\r\n\r\n`, 3000)).got, 431);
  assert.equal((await rawRequest(d.port, `GET / HTTP/1.1\r\n${host}not a header\r\n\r\n`, 3000)).got, 400);
  assert.equal((await rawRequest(d.port, Buffer.from('16030100a5010000a10303', 'hex'), 3000)).got, 400);
  const s = openStream(d, `/api/runs/0/stream?token=${d.token}`);
  const stalled = await rawRequest(d.port, `GET / HTTP/1.1\r\n${host}X-Slow: a`, 5000);
  assert.equal(stalled.got, 408);
  assert.ok(stalled.ms >= 250 && stalled.ms < 2500, `closed after ${stalled.ms} ms`);
  const idle = await rawRequest(d.port, '', 5000);
  assert.equal(idle.got, 408, 'a connection that sends nothing');
  // The stream's request arrived whole: it lives on past the timeout.
  await waitFor(() => s.messages.length >= 1, 3000, 'the stream\'s first message');
  await new Promise((ok) => setTimeout(ok, 700));
  assert.equal((await get(d, `/api/runs?token=${d.token}`)).status, 200);
  let ended = false;
  void s.ended.then(() => { ended = true; });
  await new Promise((ok) => setTimeout(ok, 50));
  assert.equal(ended, false, 'the stream is still open');
  s.abort();
  // Node's default timeout (10 s here) leaves a stalled request open far longer.
  const patient = await start({ runs: [runA] });
  assert.equal((await rawRequest(patient.port, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${patient.port}\r\nX-Slow: a`, 1500)).got, 'no answer');
});

test('readEventsChunk: a line nested too deep for JSON.stringify is an error entry, and parser messages quote control characters escaped (found by the events fuzzer)', async () => {
  const file = join(root, 'hostile.jsonl');
  const deep = `{"type":"step","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
  const nested = (n: number) => `{"type":"step","x":${'['.repeat(n - 1)}${']'.repeat(n - 1)}}`;
  writeFileSync(file, `${deep}\n${nested(MAX_EVENT_DEPTH)}\n${nested(MAX_EVENT_DEPTH + 1)}\nx\r\n\u0000{\n{"type":"end","step":1}\n`);
  const chunk = await readEventsChunk(file, 0, 1);
  assert.deepEqual(chunk.errors, [
    { line: 1, message: `nested deeper than ${MAX_EVENT_DEPTH} levels, skipped` },
    { line: 3, message: `nested deeper than ${MAX_EVENT_DEPTH} levels, skipped` },
    { line: 4, message: 'not valid JSON (Unexpected token \'x\', "x\\u000d" is not valid JSON)' },
    { line: 5, message: 'not valid JSON (Unexpected token \'\\u0000\', "\\u0000{" is not valid JSON)' },
  ]);
  assert.deepEqual(chunk.events.map((e) => e.type), ['step', 'end']);
  assert.ok(JSON.stringify(chunk).length < 1000, 'the reply serialises');
});

test('readEventsChunk: a file of short lines that are not events costs a bounded reply; `more` asks for the rest, and the stream follows it (found by the events fuzzer)', async () => {
  const runG = join(root, 'run-g');
  mkdirSync(runG);
  const file = join(runG, 'events.jsonl');
  // 1 MiB of two-byte lines took 3 s and a reply of 30 MB: a thrown SyntaxError per line.
  writeFileSync(file, 'x\n'.repeat(MAX_CHUNK_ERRORS + 5) + ev(good[0]!) + ev({ type: 'step', step: 2 }).repeat(MAX_CHUNK_LINES + 1));
  const t0 = performance.now();
  const first = await readEventsChunk(file, 0, 1);
  assert.ok(performance.now() - t0 < 1000);
  assert.deepEqual([first.events.length, first.errors.length, first.next, first.nextLine, first.more], [0, MAX_CHUNK_ERRORS, 2 * MAX_CHUNK_ERRORS, MAX_CHUNK_ERRORS + 1, true]);
  const second = await readEventsChunk(file, first.next, first.nextLine);
  assert.deepEqual([second.errors.length, second.events.length, second.more], [5, MAX_CHUNK_LINES - 5, true]);
  assert.deepEqual(second.events[0], good[0]);
  const third = await readEventsChunk(file, second.next, second.nextLine);
  assert.deepEqual([third.errors.length, third.events.length, third.more, third.nextLine], [0, 7, undefined, MAX_CHUNK_ERRORS + 5 + MAX_CHUNK_LINES + 3]);
  // The stream reads on at once while `more` says so, with no change to the file.
  const d = await start({ runs: [runG], pollMs: 60_000 });
  const s = openStream(d, `/api/runs/0/stream?token=${d.token}`);
  await waitFor(() => s.messages.length >= 3, 5000, 'three chunks');
  assert.deepEqual(s.messages.map((m) => (m.data as { events: unknown[] }).events.length), [0, MAX_CHUNK_LINES - 5, 7]);
  const closed = d.close();
  await s.ended;
  await closed;
});
