/**
 * The server behind `recur dashboard`: a small HTTP server (Node's own `node:http`, no
 * framework) that serves the built page and, for each run directory it was given, the typed
 * training events of `<run>/events.jsonl`, once (`/api/runs/<id>/events`) or live as
 * server-sent events (`/api/runs/<id>/stream`).
 *
 * Safe by default, as Jupyter is: it listens on 127.0.0.1, the page and the API need a random
 * token that is only in the printed URL, a request whose `Host` is not this server's (DNS
 * rebinding) or whose `Origin` is another site is refused, and no request text ever becomes a
 * filesystem path: the only files read are the page's fixed files and each run's events.jsonl and
 * model.safetensors. `/playground` (token needed too) trains small models in the browser; its
 * workers and the wasm kernels they load come from fixed lists under /static/. Under load it stays
 * cheap and alive (issue 20): one poller per run serves all of that run's live streams
 * (events-feed.ts), streams past `maxStreams` get 503, and a request that is malformed, oversized
 * or too slow to arrive gets its 4xx and costs only its own connection.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../kernels/backend.js';
import type { LoadedModel } from '../io/model-file.js';
import type { SavedModule } from '../nn/model-kinds.js';
import { MAX_VIEW_INPUT } from './views/view.js';
import { EventsFeed } from './events-feed.js';
import { signature } from './events-file.js';

/** Longest text the inside route runs a model on (it steps one symbol at a time). */
const MAX_INSIDE_TEXT = 400;

export interface DashboardOptions {
  /** Run directories, each holding (or about to hold) an `events.jsonl`. */
  runs: string[];
  /** Address to listen on (default 127.0.0.1; another one is reachable by others). */
  host?: string;
  /** Port (default 0: a free one). */
  port?: number;
  /** The token every page and API request must carry (default: 32 random bytes, hex). */
  token?: string;
  /** Folder of the built page: index.html, app.js, app.css (default: dist/dashboard/static). */
  staticDir?: string;
  /** Folder of the wasm kernels the playground's worker loads (default: dist/kernels/wasm). */
  kernelsDir?: string;
  /** How often a run's live streams look at its events.jsonl, in milliseconds (default 500); one poller a run serves them all. */
  pollMs?: number;
  /** Live streams open at once, past which a new one gets 503 (default 500). */
  maxStreams?: number;
  /** Time a client has to send a whole request, headers included, before 408 and a closed connection (default 10000 ms; against slowloris). */
  requestTimeoutMs?: number;
  /** Makes the backend the inside and view routes run models on, once, on first use (default: a one-thread wasm backend; `recur dashboard --backend`). */
  modelBackend?: () => Promise<Backend>;
}

export interface Dashboard {
  /** The URL to open, token included: `http://127.0.0.1:PORT/?token=...`. */
  url: string;
  token: string;
  host: string;
  port: number;
  /** Ends every live stream and stops the server. */
  close(): Promise<void>;
}

/** The page's files served under /static/ without a token (public code); nothing else is. */
export const STATIC_FILES: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'playground.js': 'text/javascript; charset=utf-8',
  'playground.css': 'text/css; charset=utf-8',
  // The playground's module workers: the training worker and the wasm backend's thread worker.
  'playground-worker.js': 'text/javascript; charset=utf-8',
  'thread-worker.js': 'text/javascript; charset=utf-8',
};

/**
 * The wasm kernel builds, served under /static/ (beside playground-worker.js, which loads them
 * by relative URL) from the kernels folder that `npm run build:wasm` writes; nothing else there is.
 */
export const KERNEL_FILES: Readonly<Record<string, string>> = {
  'recur-relaxed.wasm': 'application/wasm',
  'recur-simd.wasm': 'application/wasm',
  'recur-relaxed-unshared.wasm': 'application/wasm',
  'recur-simd-unshared.wasm': 'application/wasm',
};

/**
 * The playground's workers compile the wasm kernels, which a Content-Security-Policy without
 * 'wasm-unsafe-eval' forbids (as it forbids eval). A worker runs under the policy of its own
 * script's response, so only these two scripts get it; the pages keep the strict policy.
 */
const WASM_WORKERS: ReadonlySet<string> = new Set(['playground-worker.js', 'thread-worker.js']);
const WORKER_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'";

const NEEDS_TOKEN = 'this page needs its token: open the URL that `recur dashboard` printed (with its ?token=...)\n';

const PING_MS = 15_000;

/** The default of `requestTimeoutMs`: a client has this long to send its whole request. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** What Node's HTTP server answers a malformed request with, by the parser's error code. */
const CLIENT_ERROR_REPLIES: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n',
  ERR_HTTP_REQUEST_TIMEOUT: 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n',
  bad: 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n',
};

const EVENTS_FILE = 'events.jsonl';

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'",
  // Cross-origin isolation: the page's worker may then use wasm threads (SharedArrayBuffer).
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

interface Run {
  id: number;
  name: string;
  dir: string;
  events: string;
}

/** Starts the server; resolves once it listens. Rejects when a run directory is not a directory. */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(32).toString('hex');
  if (token === '') throw new Error('dashboard: the token must not be empty');
  const staticDir = options.staticDir ?? fileURLToPath(new URL('./static/', import.meta.url));
  const kernelsDir = options.kernelsDir ?? fileURLToPath(new URL('../kernels/wasm/', import.meta.url));
  const pollMs = options.pollMs ?? 500;
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`dashboard: the port must be an integer from 0 to 65535, got ${port}`);
  if (!(pollMs > 0)) throw new Error(`dashboard: pollMs must be > 0, got ${pollMs}`);
  const maxStreams = options.maxStreams ?? 500;
  const requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  if (!Number.isInteger(maxStreams) || maxStreams < 0) throw new Error(`dashboard: maxStreams must be an integer >= 0, got ${maxStreams}`);
  if (!(requestTimeoutMs > 0)) throw new Error(`dashboard: requestTimeoutMs must be > 0, got ${requestTimeoutMs}`);

  const runs: Run[] = [];
  for (const given of options.runs) {
    const dir = resolve(given);
    let s: Stats;
    try {
      s = await stat(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? `dashboard: ${dir} does not exist` : `dashboard: ${dir} cannot be read (${code ?? (e as Error).message})`);
    }
    if (!s.isDirectory()) throw new Error(`dashboard: ${dir} is not a directory`);
    runs.push({ id: runs.length, name: basename(dir), dir, events: join(dir, EVENTS_FILE) });
  }

  const tokenDigest = digest(token);
  const streams = new Set<() => void>();
  // One poller per run's events.jsonl, shared by every stream of that run.
  const feeds = runs.map((r) => new EventsFeed(r.events, pollMs));
  // The runs' models (inside and view routes), by run id, with the file signature they were loaded from.
  const models = new Map<number, CachedModel>();
  let modelBackend: Promise<Backend> | undefined;
  let allowedHosts = new Set<string>();

  const server = createServer({
    // A request must have arrived whole within requestTimeoutMs (Node's default: a minute for
    // the headers, five for the whole, looked at every 30 s); an open stream's request is whole.
    headersTimeout: requestTimeoutMs,
    requestTimeout: requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, requestTimeoutMs / 4),
  }, (req, res) => {
    res.on('error', () => {}); // a client that went away mid-response is not the server's problem
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: (e as Error).message }, true);
      else res.destroy();
    });
  });
  // A request that is not HTTP, too large, or too slow to arrive (slowloris) gets Node's own
  // answer (431 for headers over 16 KiB, 408 past the request timeout, 400 otherwise; a listener
  // here replaces it, so it is written out) and that connection ends; nothing else does.
  server.on('clientError', (e: NodeJS.ErrnoException, socket) => {
    if (socket.writable && (socket as Socket).bytesWritten === 0) socket.write(CLIENT_ERROR_REPLIES[e.code ?? ''] ?? CLIENT_ERROR_REPLIES.bad!);
    socket.destroy();
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const reqHost = (req.headers.host ?? '').toLowerCase();
    if (!allowedHosts.has(reqHost)) return sendText(res, 403, 'bad Host header\n');
    const origin = req.headers.origin;
    if (origin !== undefined && origin.toLowerCase() !== `http://${reqHost}`) return sendText(res, 403, 'cross-site request refused\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendText(res, 405, 'method not allowed\n');
    }
    // The path is matched as raw text against fixed routes, never decoded, never joined to a path.
    const raw = req.url ?? '';
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    const authorized = tokenMatches(query.get('token'));

    if (path === '/') {
      if (!authorized) return sendText(res, 403, NEEDS_TOKEN);
      return sendStatic(res, 'index.html', 'text/html; charset=utf-8', 'the dashboard page is not built (dist/dashboard/static/index.html is missing)\n');
    }
    if (path === '/playground') {
      if (!authorized) return sendText(res, 403, NEEDS_TOKEN);
      return sendStatic(res, 'playground.html', 'text/html; charset=utf-8', 'the playground page is not built (dist/dashboard/static/playground.html is missing)\n');
    }
    if (path.startsWith('/static/')) {
      const name = path.slice('/static/'.length);
      if (Object.hasOwn(KERNEL_FILES, name)) return sendStatic(res, name, KERNEL_FILES[name]!, 'not found (the wasm kernels are not built: npm run build:wasm)\n', kernelsDir);
      const type = Object.hasOwn(STATIC_FILES, name) ? STATIC_FILES[name] : undefined;
      if (type === undefined) return sendText(res, 404, 'not found\n');
      if (WASM_WORKERS.has(name)) res.setHeader('Content-Security-Policy', WORKER_CSP);
      return sendStatic(res, name, type, 'not found\n');
    }
    if (path === '/api' || path.startsWith('/api/')) {
      if (!authorized) return sendJson(res, 403, { error: 'missing or wrong token: open the URL that `recur dashboard` printed' }, true);
      if (path === '/api/runs') return sendJson(res, 200, { runs: runs.map((r) => ({ id: r.id, name: r.name, dir: r.dir })) }, true);
      if (path === '/api/stream') {
        // Every run on one connection: runs=ID:FROM:LINE,... (all runs from the start when absent).
        const spec = query.get('runs');
        const targets = spec === null ? runs.map((run) => ({ run, from: 0, line: 1 })) : parseStreamTargets(spec, runs);
        if (typeof targets === 'string') return sendJson(res, 400, { error: targets }, true);
        return stream(req, res, targets, true);
      }
      const m = /^\/api\/runs\/([^/]*)\/(events|stream|inside|view)$/.exec(path);
      if (!m) return sendJson(res, 404, { error: 'not found' }, true);
      const id = nonNegativeInteger(m[1]!, undefined);
      if (id === null || id >= runs.length) return sendJson(res, 400, { error: `no run with id '${m[1]}' (ids are 0 to ${runs.length - 1})` }, true);
      const from = nonNegativeInteger(query.get('from'), 0);
      const line = nonNegativeInteger(query.get('line'), 1);
      if (from === null) return sendJson(res, 400, { error: `from must be a non-negative integer (a byte offset), got '${query.get('from')}'` }, true);
      if (line === null || line < 1) return sendJson(res, 400, { error: `line must be an integer >= 1, got '${query.get('line')}'` }, true);
      const run = runs[id]!;
      if (m[2] === 'inside') return inside(res, run, query);
      if (m[2] === 'view') return view(res, run, query);
      if (m[2] === 'events') return sendJson(res, 200, await feeds[run.id]!.read(from, line), true);
      return stream(req, res, [{ run, from, line }], false);
    }
    return sendText(res, 404, 'not found\n');
  }

  /**
   * The run's model.safetensors, loaded once per version of the file (size, inode, mtime) and put
   * on the backend of `options.modelBackend` (a one-thread wasm backend by default) made on first use; what the inside and view routes derive from
   * it (a language model, a view's model) is kept beside it. An error with its HTTP status when
   * there is no model yet (404) or the file cannot be read (400).
   */
  async function runModel(run: Run): Promise<{ cached: CachedModel; backend: Backend } | { status: number; error: string }> {
    const file = join(run.dir, 'model.safetensors'); // a fixed name in a given directory: no request text
    const st = await signature(file);
    if (st === null) return { status: 404, error: `${run.name} has no model.safetensors yet (it is written at the first checkpoint)` };
    const [{ loadModel }, { createBackend }] = await Promise.all([import('../io/model-file.js'), import('../kernels/index.js'), import('../tasks/all-model-kinds.js')]);
    const sig = `${st.size}:${st.ino}:${st.mtimeMs}`;
    modelBackend ??= options.modelBackend ? options.modelBackend() : createBackend('wasm', { threads: 1 });
    const backend = await modelBackend;
    let cached = models.get(run.id);
    if (!cached || cached.sig !== sig) {
      try {
        const loaded = await loadModel<SavedModule>(file, { kind: 'any' });
        loaded.model.to(backend);
        cached = { sig, loaded, derived: new Map() };
        models.set(run.id, cached);
      } catch (e) {
        return { status: 400, error: `${run.name}/model.safetensors: ${(e as Error).message}` };
      }
    }
    return { cached, backend };
  }

  /** What `make` derives from a cached model, made once per version of the file; an error it throws is kept and thrown again. */
  function derive<T>(cached: CachedModel, key: string, make: () => T): T {
    let d = cached.derived.get(key);
    if (d === undefined) {
      try {
        d = { ok: true, value: make() };
      } catch (e) {
        d = { ok: false, error: e as Error };
      }
      cached.derived.set(key, d);
    }
    if (!d.ok) throw d.error;
    return d.value as T;
  }

  /**
   * What the run's model (a language model, a classifier reading text, a tagger or an
   * encoder-decoder) does at each step of `text`: insideOf's / insideOfClassifier's /
   * insideOfTagger's / insideOfSeq2seq's hidden states, gates, output distributions and gradient
   * through time. Another kind of model (a forecaster, a classifier of vectors) is a 400 saying
   * why.
   */
  async function inside(res: ServerResponse, run: Run, query: URLSearchParams): Promise<void> {
    const text = query.get('text') ?? '';
    if (text === '') return sendJson(res, 400, { error: 'text is required: the input to run the model on' }, true);
    if (text.length > MAX_INSIDE_TEXT) return sendJson(res, 400, { error: `text is ${text.length} characters; at most ${MAX_INSIDE_TEXT}` }, true);
    const topK = nonNegativeInteger(query.get('topK'), 5);
    if (topK === null || topK < 1) return sendJson(res, 400, { error: `topK must be an integer >= 1, got '${query.get('topK')}'` }, true);
    const got = await runModel(run);
    if ('error' in got) return sendJson(res, got.status, { error: got.error }, true);
    const [{ lmOf }, ins] = await Promise.all([import('../tasks/char-lm/evaluate.js'), import('./inside.js')]);
    const source = `${run.name}/model.safetensors`;
    try {
      const kind = ins.insideKindOf(got.cached.loaded, source);
      if (kind === 'classifier') {
        const c = derive(got.cached, 'inside-classifier', () => ins.insideClassifierOf(got.cached.loaded, source));
        const result = ins.insideOfClassifier(c, got.backend, text, { topK });
        return sendJson(res, 200, { model: c.model.config, tokens: c.tokenizer!.options.level, ...result }, true);
      }
      if (kind === 'tagger') {
        const t = derive(got.cached, 'inside-tagger', () => ins.insideTaggerOf(got.cached.loaded, source));
        const result = ins.insideOfTagger(t, got.backend, text, { topK });
        return sendJson(res, 200, { model: t.model.config, tokens: 'word', ...result }, true);
      }
      if (kind === 'seq2seq') {
        const t = derive(got.cached, 'inside-seq2seq', () => ins.insideTranslatorOf(got.cached.loaded, source));
        const result = ins.insideOfSeq2seq(t, got.backend, text, { topK });
        return sendJson(res, 200, { model: t.model.config, tokens: t.source.options.level, ...result }, true);
      }
      const lm = derive(got.cached, 'lm', () => lmOf(got.cached.loaded as LoadedModel, source));
      const result = ins.insideOf(lm.model, lm.vocab, got.backend, text, { topK });
      return sendJson(res, 200, { model: lm.model.config, tokens: lm.vocab.level, ...result }, true);
    } catch (e) {
      return sendJson(res, 400, { error: (e as Error).message }, true);
    }
  }

  /**
   * The run's task view (./views): which view its model has and its input box, or
   * `{ task: null, problem }` when it has none yet; with `input`, the view's panels answering it.
   */
  async function view(res: ServerResponse, run: Run, query: URLSearchParams): Promise<void> {
    const input = query.get('input');
    if (input !== null && input.length > MAX_VIEW_INPUT) return sendJson(res, 400, { error: `input is ${input.length} characters; at most ${MAX_VIEW_INPUT}` }, true);
    const got = await runModel(run);
    // Without an input, "no view (yet)" is an answer, not an error: the page shows the reason.
    const none = (status: number, problem: string): void => (input === null
      ? sendJson(res, 200, { task: null, title: null, input: null, problem }, true)
      : sendJson(res, status, { error: problem }, true));
    if ('error' in got) return none(got.status, got.error);
    const task = got.cached.loaded.task;
    const { viewOf } = await import('./views/index.js');
    const v = task === undefined ? undefined : viewOf(task);
    if (!v) return none(404, `${run.name}/model.safetensors is ${task ? `a '${task}' model, which has no task view` : 'not from a recur task (no task in its metadata)'}`);
    const source = `${run.name}/model.safetensors`;
    let model: unknown;
    try {
      model = derive(got.cached, 'view', () => v.load(got.cached.loaded, source));
    } catch (e) {
      return none(400, (e as Error).message);
    }
    try {
      const box = v.input(model);
      const head = { task, title: v.title, input: box };
      if (input === null) return sendJson(res, 200, head, true);
      if (box === null) return sendJson(res, 400, { error: `the ${v.title} view takes no typed input` }, true);
      if (input.trim() === '') return sendJson(res, 400, { error: 'input is empty' }, true);
      return sendJson(res, 200, { ...head, panels: v.answer(model, got.backend, input) }, true);
    } catch (e) {
      return sendJson(res, 400, { error: (e as Error).message }, true);
    }
  }

  function tokenMatches(given: string | null): boolean {
    // Digests have equal lengths, so timingSafeEqual compares them in constant time.
    return given !== null && timingSafeEqual(digest(given), tokenDigest);
  }

  async function sendStatic(res: ServerResponse, name: string, type: string, notBuilt: string, dir = staticDir): Promise<void> {
    let body: Buffer;
    try {
      body = await readFile(join(dir, name)); // name comes from a fixed list, never from the request
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return sendText(res, 404, notBuilt);
      throw e;
    }
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Cache-Control': 'no-cache' });
    res.end(body);
  }

  /**
   * Server-sent events of the runs' events.jsonl from the given offsets (events-feed.ts: an
   * `events` message, an EventsChunk, when lines arrive; `reset` when a file shrank or was
   * replaced; `problem` when reading failed). `tagged` (the all-runs stream) adds `run` (the
   * run's id) to each message, so that one connection carries every run: a browser allows only
   * six per host. Past `maxStreams` open streams, 503 and a retry after a few seconds (the page
   * retries by itself).
   */
  function stream(req: IncomingMessage, res: ServerResponse, targets: { run: Run; from: number; line: number }[], tagged: boolean): void {
    if (streams.size >= maxStreams) {
      res.setHeader('Retry-After', '5');
      return sendJson(res, 503, { error: `too many live streams (${maxStreams}): close some of the dashboard's pages, or try again in a few seconds` }, true);
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    if (req.method === 'HEAD') return void res.end();
    res.flushHeaders();
    const unfollow = targets.map((t) => feeds[t.run.id]!.follow(res, t.from, t.line, tagged ? t.run.id : undefined));
    const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
    let stopped = false;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      clearInterval(ping);
      for (const u of unfollow) u();
      streams.delete(stop);
      res.end();
    };
    streams.add(stop);
    res.on('close', stop);
  }

  await new Promise<void>((ok, fail) => {
    const onError = (e: NodeJS.ErrnoException): void => fail(new Error(`dashboard: cannot listen on ${hostForUrl(host)}:${port} (${e.code ?? e.message})`));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      ok();
    });
  });
  const actualPort = (server.address() as { port: number }).port;
  allowedHosts = hostsAnsweredTo(host, actualPort);

  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostForUrl(host)}:${actualPort}/?token=${encodeURIComponent(token)}`,
    token,
    host,
    port: actualPort,
    close() {
      closing ??= closeServer(server, streams);
      return closing;
    },
  };
}

/**
 * The all-runs stream's `runs` parameter: `ID:FROM:LINE` items, comma-separated (a run's id, the
 * byte offset and line number to read its events.jsonl from), each run at most once; or an error.
 */
export function parseStreamTargets<R extends { id: number }>(spec: string, runs: readonly R[]): { run: R; from: number; line: number }[] | string {
  const out: { run: R; from: number; line: number }[] = [];
  if (spec === '') return out;
  for (const item of spec.split(',')) {
    const m = /^(\d{1,9}):(\d{1,15}):(\d{1,12})$/.exec(item);
    if (!m) return `runs must be ID:FROM:LINE items separated by commas, got '${item.slice(0, 40)}'`;
    const id = Number(m[1]), from = Number(m[2]), line = Number(m[3]);
    if (id >= runs.length) return `no run with id '${id}' (ids are 0 to ${runs.length - 1})`;
    if (line < 1) return `line must be >= 1 (run ${id})`;
    if (out.some((t) => t.run.id === id)) return `run ${id} is listed twice`;
    out.push({ run: runs[id]!, from, line });
  }
  return out;
}

/** A run's loaded model file and what the routes derived from it. */
interface CachedModel {
  sig: string;
  loaded: LoadedModel<SavedModule>;
  derived: Map<string, { ok: true; value: unknown } | { ok: false; error: Error }>;
}

async function closeServer(server: Server, streams: Set<() => void>): Promise<void> {
  for (const stop of [...streams]) stop();
  const closed = new Promise<void>((ok) => server.close(() => ok()));
  server.closeAllConnections();
  await closed;
}

/** The `Host` headers this server answers to (DNS-rebinding protection). */
function hostsAnsweredTo(host: string, port: number): Set<string> {
  const names = new Set<string>([hostForUrl(host)]);
  if (isLoopback(host) || isUnspecified(host)) for (const n of ['localhost', '127.0.0.1', '[::1]']) names.add(n);
  // Listening on every interface: any of this machine's addresses reaches it.
  if (isUnspecified(host)) {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(hostForUrl(a.address));
  }
  return new Set([...names].map((n) => `${n.toLowerCase()}:${port}`));
}

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function isUnspecified(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === '0.0.0.0' || h === '::' || h === '';
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** `text` as an integer >= 0 (digits only, safe), `fallback` when absent, null when invalid. */
function nonNegativeInteger(text: string | null, fallback: number | undefined): number | null {
  if (text === null) return fallback ?? null;
  if (!/^\d{1,15}$/.test(text)) return null;
  return Number(text);
}

function sendText(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown, api: boolean): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...(api ? { 'Cache-Control': 'no-store' } : {}) });
  res.end(body);
}
