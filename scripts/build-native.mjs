// Builds the optional native backend (native/ -> native/build/Release/recur_native.node) with
// node-gyp, at `npm install` time for the repository and for every package consumer. Never
// fails the install: without a compiler, Python or Node headers it prints one line saying why
// and exits 0 (recur then runs on wasm). Never downloads: node-gyp is npm's own copy and the
// headers must already be on disk. Writes native/build/status.json ({ ok, reason }), which
// NativeBackend.available() reports when the addon is missing. RECUR_NATIVE=0 skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const native = join(root, 'native');
const build = join(native, 'build');

function finish(ok, reason) {
  mkdirSync(build, { recursive: true });
  writeFileSync(join(build, 'status.json'), `${JSON.stringify({ ok, reason, node: process.version, time: new Date().toISOString() })}\n`);
  console.log(ok ? `recur: native backend built (${reason})` : `recur: native backend unavailable: ${reason}; recur runs on wasm`);
  process.exit(0);
}

if (process.env.RECUR_NATIVE === '0') finish(false, 'skipped (RECUR_NATIVE=0)');
if (!existsSync(join(native, 'binding.gyp'))) finish(false, 'native/binding.gyp is missing from this copy of recur');

/**
 * npm's bundled node-gyp: npm sets npm_config_node_gyp to its path inside scripts; outside npm
 * (`node scripts/build-native.mjs`) look next to the npm that runs this node.
 */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((p) => p && existsSync(p));
}

/**
 * Node's headers, so node-gyp never fetches them: npm's `nodedir` setting, the
 * installation's own include/node (Debian's /usr/include/node, the official tarballs), or
 * node-gyp's cache of an earlier download for this exact version.
 */
function findHeaders() {
  const nodedirs = [
    process.env.npm_config_nodedir,
    join(dirname(process.execPath), '..'),
    '/usr',
    '/usr/local',
  ].filter(Boolean);
  for (const dir of nodedirs) {
    if (existsSync(join(dir, 'include', 'node', 'node_api.h')) && existsSync(join(dir, 'include', 'node', 'common.gypi'))) {
      return { nodedir: dir };
    }
  }
  const home = process.env.HOME ?? '';
  const cache = [join(home, '.cache', 'node-gyp', process.versions.node), join(home, '.node-gyp', process.versions.node)];
  const devdir = cache.find((d) => existsSync(join(d, 'include', 'node', 'node_api.h')));
  return devdir ? { devdir: dirname(devdir) } : undefined;
}

const gyp = findNodeGyp();
if (!gyp) finish(false, "npm's node-gyp was not found");
const headers = findHeaders();
if (!headers) finish(false, `no Node ${process.version} headers on disk (set npm's nodedir; recur never downloads them)`);

const args = [gyp, 'rebuild', '--release', '-j', 'max'];
if (headers.nodedir) args.push(`--nodedir=${headers.nodedir}`);
else args.push(`--devdir=${headers.devdir}`);
// node-gyp would download headers for a mismatched target or a missing tarball: this build only
// ever targets the running node, from the headers found above.
const env = { ...process.env, npm_config_target: process.versions.node, npm_config_disturl: 'http://127.0.0.1:9/no-downloads' };
const started = Date.now();
const run = spawnSync(process.execPath, args, { cwd: native, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
const log = `${run.stdout ?? ''}${run.stderr ?? ''}`;
mkdirSync(build, { recursive: true });
writeFileSync(join(build, 'build.log'), log);
if (run.error) finish(false, `node-gyp did not start (${run.error.message})`);
if (run.status !== 0) finish(false, `the build failed: ${whyFailed(log)} (full log: native/build/build.log)`);
if (!existsSync(join(build, 'Release', 'recur_native.node'))) finish(false, 'node-gyp succeeded but produced no recur_native.node');
finish(true, `native/build/Release/recur_native.node in ${((Date.now() - started) / 1000).toFixed(1)} s`);

/** The most telling line of a failed build's log: a missing tool, or the first compiler error. */
function whyFailed(text) {
  const lines = text.split('\n');
  const patterns = [
    /^(?!gyp).*\berror\b:/, // a compiler's or linker's error
    /not found|No such file or directory|command not found|ENOENT/i,
    /Could not find any Python/i,
    /gyp ERR! stack Error: /,
  ];
  for (const p of patterns) {
    const line = lines.find((l) => p.test(l));
    if (line) return line.replace(/^gyp ERR! (stack )?/, '').trim().slice(0, 200);
  }
  return `node-gyp exited with status ${run.status}`;
}
