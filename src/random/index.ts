export { Rng, type RngState } from './rng.js';
export { RestorableRng } from './restorable-rng.js';
