#!/usr/bin/env node
// The executable behind `recur` (package.json "bin"); all logic is in main.ts.
import { enableRelaxedSimd } from '../kernels/wasm/relaxed-flag.js';
import { main } from './main.js';

// Node 20 accepts relaxed SIMD (fused multiply-add kernels) only behind a flag; the command turns it on for itself.
await enableRelaxedSimd();

process.exitCode = await main(process.argv.slice(2));
