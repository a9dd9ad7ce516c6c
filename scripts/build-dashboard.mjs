// Builds the dashboard page into dist/dashboard/static/, where the dashboard server serves it:
// type checks the page (src/dashboard/page/tsconfig.json: DOM, no emit), bundles app.ts with
// uPlot into one script (esbuild), writes one stylesheet (uPlot's CSS, then the page's) and
// copies index.html. The playground (issue 17): playground.ts bundled the same way, and two ES
// module workers, playground-worker.js (the library's training code; tsconfig.worker.json checks
// it) and the wasm backend's thread-worker.js, which the backend finds beside it by URL; the
// server serves the kernel .wasm files from dist/kernels/wasm/ under the same /static/ path.
// Works offline, from node_modules only; nothing is loaded from a CDN.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const page = join(root, 'src', 'dashboard', 'page');
const outDir = join(root, 'dist', 'dashboard', 'static');
mkdirSync(outDir, { recursive: true });

// Type check first: esbuild strips types without checking them.
const require = createRequire(import.meta.url);
const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
for (const config of ['tsconfig.json', 'tsconfig.worker.json']) {
  try {
    execFileSync(process.execPath, [tsc, '-p', join(page, config)], { stdio: 'inherit' });
  } catch {
    console.error(`build-dashboard: the page has type errors (src/dashboard/page/${config})`);
    process.exit(1);
  }
}

const common = { bundle: true, platform: 'browser', minify: true, sourcemap: 'linked', legalComments: 'eof', logLevel: 'warning' };
for (const name of ['app', 'playground']) {
  await build({ ...common, entryPoints: [join(page, `${name}.ts`)], outfile: join(outDir, `${name}.js`), format: 'iife', target: 'es2020' });
}

// The workers are ES modules: the library finds its .wasm files and thread-worker.js by
// `new URL(..., import.meta.url)`, which stays as it is (esbuild leaves such URLs alone), so
// they resolve beside the bundle. The library reaches node: modules only by dynamic import
// behind a Node check: they stay external, and no static import of one may reach a bundle.
const workers = {
  'playground-worker': join(page, 'playground-worker.ts'),
  'thread-worker': join(root, 'src', 'kernels', 'wasm', 'thread-worker.ts'),
};
for (const [name, entry] of Object.entries(workers)) {
  const result = await build({
    ...common, entryPoints: [entry], outfile: join(outDir, `${name}.js`), format: 'esm', target: 'es2022',
    external: ['node:*'], keepNames: true, metafile: true,
  });
  for (const output of Object.values(result.metafile.outputs)) {
    const bad = (output.imports ?? []).filter((i) => i.path.startsWith('node:') && i.kind !== 'dynamic-import');
    if (bad.length) {
      console.error(`build-dashboard: ${name}.js would import ${bad.map((i) => i.path).join(', ')} statically, which a browser cannot load; reach it by a dynamic import behind a Node check`);
      process.exit(1);
    }
  }
}

const uplotCss = readFileSync(join(dirname(require.resolve('uplot/package.json')), 'dist', 'uPlot.min.css'), 'utf8');
const pageCss = readFileSync(join(page, 'app.css'), 'utf8');
writeFileSync(join(outDir, 'app.css'), `/* uPlot (MIT) */\n${uplotCss}\n${pageCss}`);
copyFileSync(join(page, 'index.html'), join(outDir, 'index.html'));
copyFileSync(join(page, 'playground.html'), join(outDir, 'playground.html'));
copyFileSync(join(page, 'playground.css'), join(outDir, 'playground.css'));

const size = (name) => `${name} ${(statSync(join(outDir, name)).size / 1024).toFixed(1)} KiB`;
console.log(`built dashboard page: ${['index.html', 'app.js', 'app.css'].map(size).join(', ')}`);
console.log(`built playground: ${['playground.html', 'playground.js', 'playground.css', 'playground-worker.js', 'thread-worker.js'].map(size).join(', ')}`);
