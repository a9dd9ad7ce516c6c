/**
 * The fast subset of `npm run faults`' dashboard section (dashboard-load.ts): the catalogue of
 * malformed requests against a server whose run is being written, and a short load of 50
 * clients, with no error reply, no connection error and no process warning (a listener leak
 * shows as one).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { startDashboard } from '../dashboard/server.js';
import { httpGet } from '../testing/http-get.js';
import { fakePageDir } from '../testing/fake-page.js';
import { tempDir } from '../testing/temp-dir.js';
import { loadClients } from './load-clients.js';
import { malformedProbes, sendProbes } from './malformed-requests.js';

const root = tempDir('recur-dashboard-load-');
const staticDir = fakePageDir(root);
const run = join(root, 'run');
mkdirSync(run);
const events = join(run, 'events.jsonl');
writeFileSync(events, `${JSON.stringify({ type: 'start', task: 'char-lm', step: 0 })}\n`);
// A run that trains: a step event every 10 ms.
let step = 0;
const training = setInterval(() => appendFileSync(events, `${JSON.stringify({ type: 'step', step: ++step, loss: 2, elapsedMs: step * 10 })}\n`), 10);
const dashboard = await startDashboard({ runs: [run], staticDir, pollMs: 100, requestTimeoutMs: 1000 });
const warnings: Error[] = [];
const onWarning = (w: Error): void => { warnings.push(w); };
process.on('warning', onWarning);
after(async () => {
  clearInterval(training);
  process.off('warning', onWarning);
  await dashboard.close();
});

test('malformed requests: each gets its 4xx or a closed connection, stalled ones 408, and the server answers afterwards', async () => {
  const results = await sendProbes(dashboard.port, malformedProbes(dashboard, 4000));
  assert.ok(results.length >= 50);
  assert.deepEqual(results.filter((r) => !r.ok).map((r) => `${r.name}: expected ${r.expect}, got ${r.got}`), []);
  assert.equal((await httpGet(dashboard.port, `/api/runs?token=${dashboard.token}`)).status, 200);
});

test('50 clients for 2 s while the run trains: only 200s, no connection error, every stream sees steps, no warning', async () => {
  const r = await loadClients({ port: dashboard.port, token: dashboard.token, clients: 50, seconds: 2, pollMs: 200 });
  assert.deepEqual(Object.keys(r.byStatus), ['200']);
  assert.deepEqual(r.errors, {});
  assert.equal(r.badBodies, 0);
  assert.equal(r.streams, 38);
  // A message a poll (100 ms) with the lines written since: at least 5 on each stream over 2 s.
  assert.ok((r.messages.events ?? 0) >= r.streams * 5, `${r.messages.events} events messages on ${r.streams} streams`);
  assert.ok(r.streamSteps >= r.streams * 20, `${r.streamSteps} step events on ${r.streams} streams`);
  assert.equal(r.messages.problem, undefined);
  assert.equal((await httpGet(dashboard.port, `/api/runs?token=${dashboard.token}`)).status, 200);
  assert.deepEqual(warnings.map((w) => w.message), []);
});
