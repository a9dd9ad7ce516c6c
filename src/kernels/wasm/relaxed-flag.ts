/**
 * Node 20 compiles WebAssembly's relaxed SIMD (fused multiply-add: GEMMs and the recurrent
 * kernels about 20% faster here) only behind `--experimental-wasm-relaxed-simd`; Node 22 and
 * current browsers have it on. The library never sets engine flags (`loadKernelModule` only
 * validates). Applications of recur's own, the `recur` command and the benchmarks, call this
 * once at start: it turns the flag on for their process when the engine does not yet accept
 * relaxed SIMD, unless RECUR_RELAXED_SIMD=0 asks for the plain SIMD build.
 */

/** (module (func (result v128) (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0)))) */
const PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: () -> v128
  0x03, 0x02, 0x01, 0x00, // one function of type 0
  0x0a, 0x3d, 0x01, 0x3b, 0x00,
  ...[0, 1, 2].flatMap(() => [0xfd, 0x0c, ...new Array<number>(16).fill(0)]),
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd
  0x0b,
]);

/** Whether this engine validates relaxed SIMD instructions. */
export function relaxedSimdAccepted(): boolean {
  return WebAssembly.validate(PROBE);
}

/**
 * Turns on Node's relaxed-SIMD flag for this process when needed and allowed; returns whether
 * relaxed SIMD is accepted afterwards. Call before the first backend is created.
 */
export async function enableRelaxedSimd(env: Record<string, string | undefined> = process.env): Promise<boolean> {
  if (relaxedSimdAccepted()) return true;
  if (env.RECUR_RELAXED_SIMD === '0' || typeof process === 'undefined' || !process.versions?.node) return false;
  const { setFlagsFromString } = await import('node:v8');
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  return relaxedSimdAccepted();
}
