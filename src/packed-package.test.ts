// The package as a user gets it: `npm pack` ships the library, the CLI, the wasm kernels, the native sources and the
// data, and nothing of the tests, benches, fuzzers or examples; the tarball installs offline
// (from the npm cache that `npm install` filled) into a new project, where `npx recur --help`
// and an ESM import that runs the wasm backend on worker threads and renders an SVG chart (Vega
// comes from the registry with the package, nothing is fetched at run time) work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './testing/temp-dir.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string; bin: Record<string, string>; scripts?: Record<string, string> };

/**
 * The environment without what `npm test` adds (npm_config_local_prefix would point a child npm
 * at this repository, npm_package_* describe it), but with the same npm cache.
 */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|INIT_CWD$)/i.test(k) || k === 'npm_config_cache'));

function run(command: string, args: string[], cwd: string, extraEnv: Record<string, string> = {}): SpawnSyncReturns<string> {
  const r = spawnSync(command, args, { cwd, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return r;
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.equal(r.status, 0, `${what} failed (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}

interface LockEntry { version?: string; dev?: boolean; dependencies?: Record<string, string>; [k: string]: unknown }

/**
 * A project that depends on the tarball, with a lockfile: the package's entry plus this
 * repository's locked entries that are not dev-only (its dependencies' closure, at the
 * versions CI tests). Resolving version ranges would need registry metadata that the npm
 * cache need not hold; installing locked versions needs only the tarballs, which it does.
 */
function writeProject(project: string, tarball: string, tarballBytes: Uint8Array): void {
  const repoLock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const self = repoLock.packages['']!;
  const packages: Record<string, LockEntry> = {
    '': { name: 'uses-recur', version: '1.0.0', dependencies: { [pkg.name]: tarball } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version, resolved: tarball, integrity: `sha512-${createHash('sha512').update(tarballBytes).digest('base64')}`,
      license: self.license, dependencies: self.dependencies, bin: self.bin, engines: self.engines,
      // npm ci runs a package's install script only when its lockfile entry says it has one.
      ...(pkg.scripts?.install ? { hasInstallScript: true } : {}),
    },
  };
  for (const [path, entry] of Object.entries(repoLock.packages)) if (path !== '' && !entry.dev) packages[path] = entry;
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-recur', version: '1.0.0', private: true, type: 'module', dependencies: { [pkg.name]: tarball } }));
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify({ name: 'uses-recur', version: '1.0.0', lockfileVersion: 3, requires: true, packages }));
}

const NOT_SHIPPED = /(\.test\.|\.bench\.|\.fuzz\.|(^|\/)fuzz-)|^dist\/(bench|testing|examples)\//;

test('npm pack ships the library, CLI, wasm and data only; the tarball installs offline and runs', () => {
  const dir = tempDir('recur-packed-');
  const packed = JSON.parse(ok(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root), 'npm pack')) as
    [{ filename: string; files: { path: string }[] }];
  const files = packed[0].files.map((f) => f.path);
  assert.deepEqual(files.filter((f) => NOT_SHIPPED.test(f)), [], 'no tests, benches, fuzzers, test helpers or examples');
  assert.deepEqual(files.filter((f) => f.startsWith('dist/') && !/\.(js|d\.ts|js\.map|wasm)$/.test(f) && !/^dist\/dashboard\/static\/[\w-]+\.(html|css)$/.test(f)), [],
    'dist holds only code, types, maps, wasm and the dashboard page');
  for (const f of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/bin.js', 'dist/kernels/wasm/thread-worker.js',
    'dist/kernels/wasm/recur-simd.wasm', 'dist/kernels/wasm/recur-relaxed.wasm', 'dist/kernels/wasm/recur-simd-unshared.wasm',
    'dist/kernels/wasm/recur-relaxed-unshared.wasm', 'data/tinyshakespeare.txt',
    'dist/dashboard/static/index.html', 'dist/dashboard/static/app.js', 'dist/dashboard/static/app.css']) {
    assert.ok(files.includes(f), `ships ${f}`);
  }
  // The native backend's sources, which the package's install script compiles.
  const nativeSources = ['scripts/build-native.mjs', 'native/binding.gyp', 'native/gyp-files.cjs',
    ...readdirSync(join(root, 'native', 'src')).map((f) => `native/src/${f}`)];
  assert.deepEqual(nativeSources.filter((f) => !files.includes(f)), [], 'ships every native source');
  assert.deepEqual(files.filter((f) => f.startsWith('native/build')), [], 'ships no build output');

  const project = join(dir, 'project');
  mkdirSync(project);
  writeProject(project, `file:../${packed[0].filename}`, readFileSync(join(dir, packed[0].filename)));
  // RECUR_NATIVE=0: the install script records why it skipped the native build instead of
  // compiling it (a minute here; the repository's own install compiles it, and
  // src/kernels/native/build-native.test.ts runs the script's failure paths).
  const installLog = ok(run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--foreground-scripts'], project, { RECUR_NATIVE: '0' }), 'npm ci --offline of the tarball');
  assert.match(installLog, /recur: native backend unavailable: skipped \(RECUR_NATIVE=0\); recur runs on wasm/);
  const installed = join(project, 'node_modules', pkg.name);

  // Every relative import or URL in the shipped code reaches a shipped file (a lazily loaded
  // module left out of the package would only fail when a user reached it).
  const missing: string[] = [];
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]);
  for (const file of walk(join(installed, 'dist')).filter((f) => f.endsWith('.js'))) {
    const code = readFileSync(file, 'utf8');
    for (const m of code.matchAll(/(?:from\s+|import\(\s*|new URL\(\s*)'(\.\.?\/[^'$]+)'/g)) {
      if (!existsSync(join(dirname(file), m[1]!))) missing.push(`${relative(installed, file)} -> ${m[1]}`);
    }
  }
  assert.deepEqual(missing, []);

  const help = run('npx', ['--offline', 'recur', '--help'], project);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage: recur \[options\] \[command\]/);
  assert.match(help.stdout, /\blm\b[\s\S]*\bexport\b|\bexport\b[\s\S]*\blm\b/);
  assert.equal(help.stderr, '', 'npx recur prints no warning');
  assert.equal(ok(run(join(project, 'node_modules', '.bin', 'recur'), ['--version'], project), 'recur --version').trim(), pkg.version);

  writeFileSync(join(project, 'check.mjs'), `
    import { existsSync } from 'node:fs';
    import { BUNDLED_TEXT_PATH, Lstm, NativeBackend, Rng, Tape, Tensor, createBackend, heatmapChart } from '${pkg.name}';
    const auto = await createBackend();
    const native = NativeBackend.available();
    const backend = await createBackend('wasm', { threads: 2 });
    const lstm = new Lstm({ inputSize: 3, hiddenSize: 4, rng: new Rng(1) }).to(backend);
    const { output } = lstm.forward(Tape.inference(backend), new Tensor(new Float32Array(2 * 5 * 3).fill(0.5), [2, 5, 3]));
    const svg = await heatmapChart({ rows: ['a'], columns: ['b'], values: [[7]], annotate: true });
    console.log(JSON.stringify({ auto: auto.name, native, backend: backend.description, shape: output.shape, finite: output.data.every(Number.isFinite), text: existsSync(BUNDLED_TEXT_PATH), svg }));
  `);
  const r = JSON.parse(ok(run(process.execPath, ['check.mjs'], project), 'ESM import of the installed package'));
  assert.match(r.backend, /^wasm \(.*2 threads\)$/);
  assert.equal(r.auto, 'wasm', 'createBackend() falls back to wasm where the addon was not built');
  assert.deepEqual(r.native, { ok: false, reason: 'the install-time build reported: skipped (RECUR_NATIVE=0)' });
  assert.deepEqual(r.shape, [2, 5, 4]);
  assert.equal(r.finite, true);
  assert.equal(r.text, true, 'the bundled text is in the package');
  assert.match(r.svg, /^<svg [\s\S]*>7<\/text>[\s\S]*<\/svg>$/, 'a chart renders with the installed Vega');
});

test('npm in this repository prints no warning (no unknown project config in .npmrc)', () => {
  const r = run('npm', ['pkg', 'get', 'name'], root);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout.trim(), JSON.stringify(pkg.name));
});
