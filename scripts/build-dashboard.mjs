// Builds the dashboard page into dist/dashboard/static/, where the dashboard server serves it:
// type checks the page (src/dashboard/page/tsconfig.json: DOM, no emit), bundles app.ts with
// uPlot into one script (esbuild), writes one stylesheet (uPlot's CSS, then the page's) and
// copies index.html. Works offline, from node_modules only; nothing is loaded from a CDN.
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
try {
  execFileSync(process.execPath, [tsc, '-p', join(page, 'tsconfig.json')], { stdio: 'inherit' });
} catch {
  console.error('build-dashboard: the page has type errors');
  process.exit(1);
}

await build({
  entryPoints: [join(page, 'app.ts')],
  outfile: join(outDir, 'app.js'),
  bundle: true,
  format: 'iife',
  target: 'es2020',
  platform: 'browser',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'eof',
  logLevel: 'warning',
});

const uplotCss = readFileSync(join(dirname(require.resolve('uplot/package.json')), 'dist', 'uPlot.min.css'), 'utf8');
const pageCss = readFileSync(join(page, 'app.css'), 'utf8');
writeFileSync(join(outDir, 'app.css'), `/* uPlot (MIT) */\n${uplotCss}\n${pageCss}`);
copyFileSync(join(page, 'index.html'), join(outDir, 'index.html'));

const size = (name) => `${name} ${(statSync(join(outDir, name)).size / 1024).toFixed(1)} KiB`;
console.log(`built dashboard page: ${['index.html', 'app.js', 'app.css'].map(size).join(', ')}`);
