// Imported first by every benchmark and quality entry point: they measure what the `recur`
// command runs, which turns on Node 20's relaxed-SIMD flag for its process (kernels/wasm/relaxed-flag.ts).
import { enableRelaxedSimd } from '../kernels/wasm/relaxed-flag.js';

await enableRelaxedSimd();
