/**
 * A catalogue of malformed requests to a `recur dashboard` server (issue 20), each sent as raw
 * bytes on its own connection, with the answer each must get: a 4xx status, or the connection
 * closed by the server. Oversized headers, paths that try to leave the fixed routes, bad tokens,
 * bad Host headers, bad offsets, methods other than GET and HEAD, bytes that are not HTTP, and
 * half-sent requests that stall (slowloris). Not here: starting the server, judging whether it
 * survived (dashboard-load.ts and the tests do).
 */
import { Rng } from '../random/rng.js';
import { type RawAnswer, rawRequest } from '../testing/raw-request.js';

export interface Probe {
  /** What the request is, for the table. */
  name: string;
  /** The bytes sent; the connection then stays open until the server answers or closes it. */
  bytes: string | Buffer;
  /** Statuses that pass; 'closed': the server closes the connection without a status line. */
  expect: (number | 'closed')[];
  /** How long to wait for the answer, in milliseconds (default 3000); a stalled request waits for the server's own timeout. */
  waitMs?: number;
}

export interface ProbeResult {
  name: string;
  expect: string;
  got: RawAnswer;
  ms: number;
  ok: boolean;
}

/** What the probes need to know of the server: its address (for Host) and its token. */
export interface Target { port: number; token: string }

const KB = 1024;

/** The catalogue for a server at `target`; `stallMs`: how long a stalled request waits for the server to close it. */
export function malformedProbes(target: Target, stallMs: number): Probe[] {
  const host = `127.0.0.1:${target.port}`;
  const tok = encodeURIComponent(target.token);
  const get = (path: string, headers = '', method = 'GET'): string => `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\n${headers}Connection: close\r\n\r\n`;
  const probes: Probe[] = [
    // Oversized: Node's parser stops at 16 KiB of headers (request line included).
    { name: 'header of 100 KB', bytes: get(`/?token=${tok}`, `X-Big: ${'a'.repeat(100 * KB)}\r\n`), expect: [431] },
    { name: '4,000 small headers', bytes: get(`/?token=${tok}`, Array.from({ length: 4000 }, (_, i) => `X-H${i}: v\r\n`).join('')), expect: [431] },
    { name: 'path of 64 KB', bytes: get(`/${'a'.repeat(64 * KB)}`), expect: [431] },
    { name: 'path of 8 KB', bytes: get(`/api/runs/0/events?token=${tok}&x=${'a'.repeat(8 * KB)}`), expect: [200] },
    // Paths that try to leave the fixed routes.
    { name: 'path /static/../package.json', bytes: get('/static/../package.json'), expect: [404] },
    { name: 'path /static/%2e%2e/%2e%2e/package.json', bytes: get('/static/%2e%2e/%2e%2e/package.json'), expect: [404] },
    { name: 'path /static/..%2f..%2fpackage.json', bytes: get('/static/..%2f..%2fpackage.json'), expect: [404] },
    { name: 'path /api/runs/0/..%2f..%2fevents.jsonl', bytes: get(`/api/runs/0/..%2f..%2fevents.jsonl?token=${tok}`), expect: [404] },
    { name: 'path /api/runs/%2e%2e/events', bytes: get(`/api/runs/%2e%2e/events?token=${tok}`), expect: [400] },
    { name: 'path /static/app.js%00.txt', bytes: get('/static/app.js%00.txt'), expect: [404] },
    { name: 'path with a raw NUL byte', bytes: get('/static/app.js\0.txt'), expect: [400] },
    { name: 'path //etc/passwd', bytes: get('//etc/passwd'), expect: [404] },
    { name: 'absolute URL http://evil.example/', bytes: get('http://evil.example/'), expect: [404] },
    { name: 'unknown route /nope', bytes: get(`/nope?token=${tok}`), expect: [404] },
    { name: 'unknown route /api/nope', bytes: get(`/api/nope?token=${tok}`), expect: [404] },
    { name: 'run id 99', bytes: get(`/api/runs/99/events?token=${tok}`), expect: [400] },
    { name: 'run id -1', bytes: get(`/api/runs/-1/events?token=${tok}`), expect: [400] },
    // Tokens.
    { name: 'page without a token', bytes: get('/'), expect: [403] },
    { name: 'API without a token', bytes: get('/api/runs/0/events'), expect: [403] },
    { name: 'stream without a token', bytes: get('/api/runs/0/stream'), expect: [403] },
    { name: 'empty token', bytes: get('/api/runs?token='), expect: [403] },
    { name: 'wrong token', bytes: get(`/api/runs?token=${'0'.repeat(64)}`), expect: [403] },
    { name: 'token one character short', bytes: get(`/api/runs?token=${tok.slice(1)}`), expect: [403] },
    { name: 'token of 12 KB', bytes: get(`/api/runs?token=${tok}${'f'.repeat(12 * KB)}`), expect: [403] },
    { name: 'token with %00 appended', bytes: get(`/api/runs?token=${tok}%00`), expect: [403] },
    { name: 'token in an Authorization header only', bytes: get('/api/runs', `Authorization: Bearer ${target.token}\r\n`), expect: [403] },
    // Host.
    { name: 'Host evil.example', bytes: `GET /api/runs?token=${tok} HTTP/1.1\r\nHost: evil.example:${target.port}\r\nConnection: close\r\n\r\n`, expect: [403] },
    { name: 'no Host header (HTTP/1.1)', bytes: `GET /api/runs?token=${tok} HTTP/1.1\r\nConnection: close\r\n\r\n`, expect: [400] },
    { name: 'no Host header (HTTP/1.0)', bytes: `GET /api/runs?token=${tok} HTTP/1.0\r\n\r\n`, expect: [403] },
    { name: 'Origin of another site', bytes: get(`/api/runs?token=${tok}`, 'Origin: http://evil.example\r\n'), expect: [403] },
    // Offsets.
    { name: 'from=-1', bytes: get(`/api/runs/0/events?token=${tok}&from=-1`), expect: [400] },
    { name: 'from=abc', bytes: get(`/api/runs/0/events?token=${tok}&from=abc`), expect: [400] },
    { name: 'from=1e3', bytes: get(`/api/runs/0/events?token=${tok}&from=1e3`), expect: [400] },
    { name: 'from of 40 digits', bytes: get(`/api/runs/0/events?token=${tok}&from=${'9'.repeat(40)}`), expect: [400] },
    { name: 'from past the end of the file', bytes: get(`/api/runs/0/events?token=${tok}&from=999999999999`), expect: [200] },
    { name: 'line=0', bytes: get(`/api/runs/0/events?token=${tok}&line=0`), expect: [400] },
    { name: 'stream from=%00', bytes: get(`/api/runs/0/stream?token=${tok}&from=%00`), expect: [400] },
    { name: 'all-runs stream runs=x', bytes: get(`/api/stream?token=${tok}&runs=x`), expect: [400] },
    { name: 'all-runs stream runs=0:0:1 twice', bytes: get(`/api/stream?token=${tok}&runs=0:0:1,0:0:1`), expect: [400] },
    // Methods.
    ...['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE'].map((m): Probe => ({ name: `${m} /api/runs`, bytes: get(`/api/runs?token=${tok}`, 'Content-Length: 0\r\n', m), expect: [405] })),
    { name: 'POST announcing 10 MB, sending 1 KB', bytes: get(`/api/runs?token=${tok}`, `Content-Length: ${10 * KB * KB}\r\n`, 'POST') + 'x'.repeat(KB), expect: [405] },
    { name: 'CONNECT', bytes: `CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n`, expect: ['closed'] },
    { name: 'unknown method FOO', bytes: get('/', '', 'FOO'), expect: [400] },
    // Not HTTP.
    { name: '4 KB of random bytes', bytes: randomBytes(4 * KB, 1), expect: [400] },
    { name: 'a TLS ClientHello', bytes: Buffer.from('16030100a5010000a10303' + '00'.repeat(32) + '000002002f0100', 'hex'), expect: [400] },
    { name: 'the HTTP/2 preface', bytes: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', expect: [400, 'closed'] },
    { name: 'a header line without a colon', bytes: `GET / HTTP/1.1\r\nHost: ${host}\r\nnot a header\r\n\r\n`, expect: [400] },
    { name: 'Content-Length: -1', bytes: get('/', 'Content-Length: -1\r\n'), expect: [400] },
    { name: 'two different Content-Lengths', bytes: get('/', 'Content-Length: 1\r\nContent-Length: 2\r\n'), expect: [400] },
    { name: 'a bad chunked body', bytes: `POST /api/runs HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`, expect: [400, 405] },
    { name: 'HTTP/9.9', bytes: `GET / HTTP/9.9\r\nHost: ${host}\r\n\r\n`, expect: [400, 505] },
    // Half-sent and stalled: the server must close them itself.
    { name: 'request line only, then stalls', bytes: `GET /?token=${tok} HTTP/1.1\r\n`, expect: [408, 'closed'], waitMs: stallMs },
    { name: 'half a header, then stalls', bytes: `GET / HTTP/1.1\r\nHost: ${host}\r\nX-Slow: aaa`, expect: [408, 'closed'], waitMs: stallMs },
    { name: 'connects, sends nothing', bytes: '', expect: [408, 'closed'], waitMs: stallMs },
  ];
  return probes;
}

/** Sends `probe` on a new connection to 127.0.0.1:`port` and reads the answer's status line. */
export async function sendProbe(port: number, probe: Probe): Promise<ProbeResult> {
  const { got, ms } = await rawRequest(port, probe.bytes, probe.waitMs ?? 3000);
  return { name: probe.name, expect: probe.expect.join(' or '), got, ms, ok: probe.expect.includes(got as number | 'closed') };
}

/** Every probe, a few at a time (the stalled ones together, since each waits for the server's timeout). */
export async function sendProbes(port: number, probes: Probe[]): Promise<ProbeResult[]> {
  const results: ProbeResult[] = new Array(probes.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < probes.length) {
      const i = next++;
      results[i] = await sendProbe(port, probes[i]!);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return results;
}

/** `n` bytes from the project's seeded generator: the same bytes every run. */
function randomBytes(n: number, seed: number): Buffer {
  const rng = new Rng(seed);
  return Buffer.from(Array.from({ length: n }, () => rng.nextU32() & 0xff));
}
