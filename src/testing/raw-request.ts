/**
 * Raw bytes to a local server on a new connection, and the status line it answers with: for
 * requests no HTTP client would send (malformed, oversized, half-sent). Tests and the fault
 * suite only.
 */
import { connect } from 'node:net';

/** The status received, 'closed' (the server hung up before any status line), or 'no answer' (still open after waitMs). */
export type RawAnswer = number | 'closed' | 'no answer';

/** Sends `bytes` to 127.0.0.1:`port` (nothing when empty) and waits up to `waitMs` for the answer's status line. */
export function rawRequest(port: number, bytes: string | Buffer, waitMs: number): Promise<{ got: RawAnswer; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let settled = false;
    const finish = (got: RawAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ got, ms: Math.round(performance.now() - t0) });
    };
    const timer = setTimeout(() => finish('no answer'), waitMs);
    socket.on('connect', () => {
      if (bytes.length > 0) socket.write(bytes);
    });
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      received += d;
      const m = /^HTTP\/1\.[01] (\d{3}) /.exec(received);
      if (m) finish(Number(m[1]));
      else if (received.length > 64) finish('closed'); // not HTTP: as good as hanging up
    });
    // A reset or a close before any status line: the server hung up.
    socket.on('error', () => finish('closed'));
    socket.on('close', () => finish('closed'));
  });
}
