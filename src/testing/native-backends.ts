/**
 * The native backend in the kernel tests: the shared conformance files compare every optimised
 * backend against the reference, and include native exactly when its addon was built here.
 * When it was not, `noteNativeSkipped` registers one skipped test whose message says why (the
 * install-time build's reason), so a run shows that native was not checked instead of passing
 * quietly. Not part of the public API.
 */
import { test } from 'node:test';
import { NativeBackend, type NativeBackendOptions } from '../kernels/native/native-backend.js';

/** Whether the addon loads here, and if not, why. */
export const nativeStatus = NativeBackend.available();

/** A native backend, or undefined when the addon is not built (see nativeStatus.reason). */
export async function maybeNative(options: NativeBackendOptions = {}): Promise<NativeBackend | undefined> {
  return nativeStatus.ok ? NativeBackend.create(options) : undefined;
}

/** Registers a skipped test saying why this file's native cases do not run (nothing when they do). */
export function noteNativeSkipped(what = 'native backend cases'): void {
  if (!nativeStatus.ok) test(what, (t) => { t.skip(`native addon unavailable: ${nativeStatus.reason}`); });
}
