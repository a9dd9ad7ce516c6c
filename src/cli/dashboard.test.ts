import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { get } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../testing/temp-dir.js';

const bin = fileURLToPath(new URL('./bin.js', import.meta.url));
const dir = tempDir('recur-cli-dashboard-');
const recur = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 });

test('recur dashboard: one-line errors and exit 1', () => {
  const none = recur('dashboard');
  assert.equal(none.status, 1);
  assert.equal(none.stderr, 'recur: give one or more run directories (each holds an events.jsonl written by a train command)\n');
  const missing = recur('dashboard', join(dir, 'missing'));
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr, `recur: dashboard: ${join(dir, 'missing')} does not exist\n`);
  writeFileSync(join(dir, 'file'), 'x');
  const file = recur('dashboard', join(dir, 'file'));
  assert.equal(file.status, 1);
  assert.equal(file.stderr, `recur: dashboard: ${join(dir, 'file')} is not a directory\n`);
  for (const port of ['70000', '-1', 'x', '1.5']) {
    const bad = recur('dashboard', dir, '--port', port);
    assert.equal(bad.status, 1, port);
    assert.equal(bad.stderr, `recur: --port must be an integer from 0 to 65535, got '${port}'\n`);
  }
  for (const r of [none, missing, file]) assert.equal(r.stdout, '');
  assert.match(recur('dashboard', '--help').stdout, /127\.0\.0\.1 only[\s\S]*token/);
});

/** Starts `recur ARGS` and waits (20 s at most) until its output so far satisfies `ready`. */
async function startServing(args: string[], ready: (o: { stdout: string; stderr: string }) => boolean) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (c: string) => { out.stdout += c; });
  child.stderr.setEncoding('utf8').on('data', (c: string) => { out.stderr += c; });
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  const deadline = Date.now() + 20_000;
  while (!ready(out)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`recur ${args.join(' ')} did not start: ${out.stdout} ${out.stderr}`);
    }
    await new Promise((ok) => setTimeout(ok, 20));
  }
  return { child, out, exited };
}

test('recur dashboard serves its runs until Ctrl-C, then exits 0', async () => {
  const run = join(dir, 'run-1');
  mkdirSync(run);
  writeFileSync(join(run, 'events.jsonl'), `${JSON.stringify({ type: 'step', step: 1, loss: 2 })}\n`);
  const { child, out, exited } = await startServing(['dashboard', run, '--port', '0'],
    (o) => o.stdout.includes('\n') && o.stderr.includes('Ctrl-C'));
  try {
    const m = /^recur dashboard: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{64}))\n$/.exec(out.stdout);
    assert.ok(m, out.stdout);
    const body = await new Promise<string>((ok, fail) => {
      get(`http://127.0.0.1:${m[2]}/api/runs?token=${m[3]}`, (res) => {
        assert.equal(res.statusCode, 200);
        let b = '';
        res.setEncoding('utf8').on('data', (c: string) => { b += c; }).on('end', () => ok(b));
      }).on('error', fail);
    });
    assert.deepEqual(JSON.parse(body), { runs: [{ id: 0, name: 'run-1', dir: run }] });
    const refused = await new Promise<number>((ok, fail) => {
      get(`http://127.0.0.1:${m[2]}/api/runs?token=wrong`, (res) => { res.resume(); ok(res.statusCode!); }).on('error', fail);
    });
    assert.equal(refused, 403);
  } finally {
    child.kill('SIGINT');
  }
  assert.equal(await exited, 0);
  assert.equal(out.stderr, 'serving 1 run; Ctrl-C to stop\n');
});

test('recur dashboard --host: a warning for an address others can reach', async () => {
  const { child, out, exited } = await startServing(['dashboard', dir, '--host', '0.0.0.0'],
    (o) => o.stderr.includes('Ctrl-C') && o.stdout.includes('\n')); // two pipes: either may arrive first
  try {
    const { stdout, stderr } = out;
    assert.match(stdout, /^recur dashboard: http:\/\/0\.0\.0\.0:\d+\/\?token=[0-9a-f]{64}\n$/);
    assert.equal(stderr, "warning: listening on 0.0.0.0: anyone who can reach this address and has the URL's token can read these runs\nserving 1 run; Ctrl-C to stop\n");
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0);
});

test('train --dashboard serves the run\'s page while it trains, and stops with it', async () => {
  const rhymes = fileURLToPath(new URL('../../src/tasks/char-lm/fixtures/rhymes.txt', import.meta.url));
  const out = join(dir, 'live');
  const { child, out: o, exited } = await startServing(['lm', 'train', '--text', rhymes, '--hidden-size', '16', '--num-layers', '1', '--embedding-dim', '8',
    '--batch-size', '4', '--seq-len', '16', '--threads', '1', '--max-steps', '100000', '--eval-every', '0', '--out', out, '--dashboard'], (x) => /dashboard: http/.test(x.stdout));
  let port = '';
  try {
    const m = /^dashboard: http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{64}) \(while this run trains; `recur dashboard .*live` serves it afterwards\)$/m.exec(o.stdout);
    assert.ok(m, o.stdout);
    port = m[1]!;
    const body = await new Promise<string>((ok, fail) => {
      get(`http://127.0.0.1:${port}/api/runs/0/events?token=${m[2]}`, (res) => {
        let b = '';
        res.setEncoding('utf8').on('data', (c: string) => { b += c; }).on('end', () => ok(b));
      }).on('error', fail);
    });
    const events = (JSON.parse(body) as { events: { type: string }[] }).events;
    assert.equal(events[0]!.type, 'start', body.slice(0, 200));
  } finally {
    child.kill('SIGINT'); // a checkpoint after this step, then exit 130
  }
  assert.equal(await exited, 130, o.stderr);
  const refused = await new Promise<string>((ok) => get(`http://127.0.0.1:${port}/`, () => ok('answered')).on('error', (e: NodeJS.ErrnoException) => ok(e.code ?? 'error')));
  assert.equal(refused, 'ECONNREFUSED', 'the page stops with the run');
});
