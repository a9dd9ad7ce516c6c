/**
 * Many concurrent loopback clients of a `recur dashboard` server, as browsers would be (issue 20):
 * most open the page (its HTML, script and style, the run list) and then hold a live
 * server-sent-events stream of run 0 (half the page's all-runs `/api/stream`, half
 * `/api/runs/0/stream`); the others poll `/api/runs/0/events?from=` once a second and reload the
 * page's files every tenth poll. Counts replies by status, connection errors, streams that end
 * early, stream messages and the latency of the short requests. Not here: the server, the
 * training run, what the figures mean (dashboard-load.ts). Run as a script (the harness runs it
 * in a process of its own) it prints its report as one JSON line:
 *   node dist/faults/load-clients.js --port P --token T [--clients 200] [--seconds 30]
 */
import { Agent, request, type ClientRequest, type IncomingMessage } from 'node:http';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export interface LoadOptions {
  port: number;
  token: string;
  /** Concurrent clients (default 200). */
  clients?: number;
  /** How long they keep at it, in seconds (default 30). */
  seconds?: number;
  /** Share of the clients that hold a stream; the rest poll (default 0.75). */
  streamShare?: number;
  /** A poller's pause between two polls, in milliseconds (default 1000). */
  pollMs?: number;
  /** Time after which a short request counts as an error, in milliseconds (default 10000). */
  timeoutMs?: number;
}

export interface LoadReport {
  clients: number;
  seconds: number;
  streams: number;
  pollers: number;
  /** Replies received (streams counted once, when their headers arrive), by status code. */
  byStatus: Record<string, number>;
  /** Requests that got no reply, by error code (ECONNRESET, timeout...), and streams that ended before the end of the load. */
  errors: Record<string, number>;
  /** The first few of those: what, on which path (token left out), when (seconds from the start), on a reused connection or a new one. */
  errorSamples: { error: string; path: string; atS: number; reused: boolean }[];
  /** Requests sent again after a kept-alive connection turned out closed (ECONNRESET on a reused socket), as browsers do. */
  retried: number;
  /** Bodies that were not what the route answers (JSON for the API, a stream of messages). */
  badBodies: number;
  /** Stream messages by event name (events, reset, problem). */
  messages: Record<string, number>;
  /** Bytes received on the streams. */
  streamBytes: number;
  /** Step events received on the streams, all clients together. */
  streamSteps: number;
  /** Latency of the short requests (page files, run list, event polls), in milliseconds. */
  latencyMs: Latency;
  /** The same for the requests after each client's first round (the page, and a poller's first read of the whole file). */
  laterLatencyMs: Latency;
  /** The slowest short requests: path (token left out), milliseconds, and when they started, in seconds from the start of the load. */
  slowest: { path: string; ms: number; atS: number }[];
}

export interface Latency { count: number; p50: number; p99: number; max: number }

interface Reply { status: number; body: string }

/** Runs the clients until `seconds` have passed; resolves with what they saw. */
export async function loadClients(options: LoadOptions): Promise<LoadReport> {
  const clients = options.clients ?? 200;
  const seconds = options.seconds ?? 30;
  const pollMs = options.pollMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const streams = Math.round(clients * (options.streamShare ?? 0.75));
  const report: LoadReport = {
    clients, seconds, streams, pollers: clients - streams, byStatus: {}, errors: {}, errorSamples: [], retried: 0, badBodies: 0, messages: {}, streamBytes: 0, streamSteps: 0,
    latencyMs: { count: 0, p50: 0, p99: 0, max: 0 }, laterLatencyMs: { count: 0, p50: 0, p99: 0, max: 0 }, slowest: [],
  };
  // The clients arrive over the first two seconds (or the first tenth of a short load), not in one instant.
  const ramp = Math.min(2000, seconds * 100);
  const latencies: number[] = [];
  const later: number[] = [];
  const t00 = performance.now();
  const count = (table: Record<string, number>, key: string | number): void => { table[key] = (table[key] ?? 0) + 1; };
  const failed = (error: string, path: string, reused: boolean): void => {
    count(report.errors, error);
    if (report.errorSamples.length < 10) report.errorSamples.push({ error, path: path.replace(/token=[^&]*/, 'token=…'), atS: round((performance.now() - t00) / 1000), reused });
  };
  // Each client keeps its connection alive between its requests, as a browser does.
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const open = new Set<ClientRequest>();
  const end = Date.now() + seconds * 1000;
  const running = (): boolean => Date.now() < end;
  const t = encodeURIComponent(options.token);

  const get = (path: string, first = true, retry = true): Promise<Reply | null> => new Promise((resolve) => {
    const t0 = performance.now();
    let settled = false;
    const settle = (reply: Reply | null, error?: NodeJS.ErrnoException): void => {
      if (settled) return;
      settled = true;
      open.delete(req);
      if (!reply && retry && req.reusedSocket && error?.code === 'ECONNRESET' && running()) {
        // A kept-alive connection the server closed as idle just as this request went out on it
        // (a client whose process is busy sees the close late): browsers send such a request
        // again on a new connection, once, and so do these clients, counting it.
        report.retried++;
        resolve(get(path, first, false));
        return;
      }
      if (reply) {
        const ms = performance.now() - t0;
        latencies.push(ms);
        if (!first) later.push(ms);
        count(report.byStatus, reply.status);
        if (report.slowest.length < 5 || ms > report.slowest.at(-1)!.ms) {
          report.slowest.push({ path: path.replace(/token=[^&]*/, 'token=…'), ms: round(ms), atS: round((t0 - t00) / 1000) });
          report.slowest.sort((a, b) => b.ms - a.ms).splice(5);
        }
      } else if (running()) failed(error?.code ?? error?.message ?? 'closed without a reply', path, req.reusedSocket);
      resolve(reply);
    };
    const req = request({ host: '127.0.0.1', port: options.port, path, agent, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => settle({ status: res.statusCode!, body }));
      res.on('error', (e: NodeJS.ErrnoException) => settle(null, e));
    });
    open.add(req);
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.on('error', (e: NodeJS.ErrnoException) => settle(null, e));
    // Destroyed at the end of the load, mid-reply: neither 'end' nor 'error' may come.
    req.on('close', () => setImmediate(() => settle(null)));
    req.end();
  });
  const json = (r: Reply | null): Record<string, unknown> | null => {
    if (r === null || r.status !== 200) return null;
    try {
      return JSON.parse(r.body) as Record<string, unknown>;
    } catch {
      report.badBodies++;
      return null;
    }
  };
  const loadPage = async (first: boolean): Promise<void> => {
    await Promise.all([get(`/?token=${t}`, first), get('/static/app.js', first), get('/static/app.css', first)]);
    json(await get(`/api/runs?token=${t}`, first));
  };
  const pause = (ms: number): Promise<void> => new Promise((ok) => setTimeout(ok, Math.max(0, Math.min(ms, end - Date.now()))));

  /** One stream until the end of the load; a stream the server ends early is an error, opened again from where it stopped. */
  const follow = (path: (from: number, line: number) => string): Promise<void> => new Promise((resolve) => {
    let from = 0;
    let line = 1;
    const connect = (): void => {
      const req = request({ host: '127.0.0.1', port: options.port, path: path(from, line), agent: false }, (res: IncomingMessage) => {
        count(report.byStatus, res.statusCode!);
        if (res.statusCode !== 200) {
          res.resume();
          return again();
        }
        let buf = '';
        let scanned = 0; // where to look for the end of a message: a long one comes in many pieces
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          report.streamBytes += c.length;
          buf += c;
          let i;
          while ((i = buf.indexOf('\n\n', scanned)) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            scanned = 0;
            const event = /^event: (.*)$/m.exec(block)?.[1];
            if (event === undefined) continue; // a ping
            count(report.messages, event);
            const data = /^data: (.*)$/m.exec(block)?.[1];
            let chunk: { events?: { type?: string }[]; next?: number; nextLine?: number };
            try {
              chunk = JSON.parse(data ?? '') as typeof chunk;
            } catch {
              report.badBodies++;
              continue;
            }
            if (event === 'events') {
              report.streamSteps += chunk.events?.filter((e) => e.type === 'step').length ?? 0;
              from = chunk.next ?? from;
              line = chunk.nextLine ?? line;
            } else if (event === 'reset') {
              from = 0;
              line = 1;
            }
          }
          scanned = Math.max(0, buf.length - 1);
        });
        res.on('close', () => again());
      });
      open.add(req);
      let done = false;
      const again = (): void => {
        if (done) return;
        done = true;
        open.delete(req);
        if (!running()) return resolve();
        failed('stream ended early', path(from, line), false);
        void pause(1000).then(() => (running() ? connect() : resolve()));
      };
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (running() && !done) failed(e.code ?? e.message, path(from, line), false);
        again();
      });
      req.end();
    };
    connect();
  });

  const streamer = async (i: number): Promise<void> => {
    await loadPage(true);
    if (!running()) return;
    await follow(i % 2 === 0
      ? (from, line) => `/api/stream?token=${t}&runs=0:${from}:${line}`
      : (from, line) => `/api/runs/0/stream?token=${t}&from=${from}&line=${line}`);
  };
  const poller = async (): Promise<void> => {
    let from = 0;
    let line = 1;
    for (let n = 0; running(); n++) {
      if (n % 10 === 0) await loadPage(n === 0);
      const chunk = json(await get(`/api/runs/0/events?token=${t}&from=${from}&line=${line}`, n === 0));
      if (chunk && typeof chunk.next === 'number' && typeof chunk.nextLine === 'number') {
        from = chunk.next;
        line = chunk.nextLine;
      }
      await pause(pollMs);
    }
  };

  const all = Array.from({ length: clients }, async (_, i) => {
    await pause((i / clients) * ramp);
    if (i < streams) await streamer(i);
    else await poller();
  });
  const stop = setTimeout(() => { for (const req of open) req.destroy(); }, Math.max(0, end - Date.now()));
  await Promise.all(all);
  clearTimeout(stop);
  for (const req of open) req.destroy();
  agent.destroy();

  report.latencyMs = percentiles(latencies);
  report.laterLatencyMs = percentiles(later);
  return report;
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

function percentiles(ms: number[]): Latency {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
  return { count: sorted.length, p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? 0) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { port: { type: 'string' }, token: { type: 'string' }, clients: { type: 'string', default: '200' }, seconds: { type: 'string', default: '30' } } });
  const report = await loadClients({ port: Number(values.port), token: values.token ?? '', clients: Number(values.clients), seconds: Number(values.seconds) });
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
