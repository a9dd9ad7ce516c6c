/**
 * One plain HTTP request to a local test server (the dashboard's tests), with the raw path sent
 * as given (no URL normalisation, so `/static/../x` reaches the server as written).
 */
import { request, type IncomingHttpHeaders } from 'node:http';

export interface Reply { status: number; headers: IncomingHttpHeaders; body: string }

export function httpGet(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => ok({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}
