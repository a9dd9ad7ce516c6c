/**
 * Public door of autograd: the explicit tape, parameters and their flat packing, the ops with
 * hand-written backward passes, and the gradient checker. Not the layers (`nn`).
 */
export { Tape, type TapeOptions, assertFinite } from './tape.js';
export { Parameter, packParameters, packOf, type ParameterPack } from './parameter.js';
export { gradcheck, type GradcheckOptions, type GradcheckReport, type GradcheckInputReport } from './gradcheck.js';
export * from './ops/index.js';
