/**
 * Which kernels a command runs on: `--backend auto|native|wasm|reference` (every command that runs
 * a model has it), else the RECUR_BACKEND environment variable, else `auto`. `chooseBackend`
 * turns that choice into a backend and says why; `backendFlags` adds the flags to a command.
 * `recur doctor` (commands/doctor.ts) reports the same choice. `auto` is the library's own
 * default (`createBackend()`): native where its addon is built, wasm elsewhere.
 */
import type { Command } from 'commander';
import { type Backend, NativeBackend, createBackend } from '../kernels/index.js';
import { choiceFlag, integerFlag } from './flag-parsers.js';

export const BACKEND_CHOICES = ['auto', 'native', 'wasm', 'reference'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type BackendKind = Exclude<BackendChoice, 'auto'>;

/** What `auto` prefers where it loads: native (else wasm). */
export const DEFAULT_BACKEND = 'native';

/** The environment variable that sets the backend of commands run without --backend. */
export const BACKEND_ENV = 'RECUR_BACKEND';

export interface ChosenBackend<B extends Backend = Backend> {
  backend: B;
  chosen: BackendKind;
  /** Why this one, for `recur doctor` and notes: `--backend reference`, `RECUR_BACKEND=wasm`, `auto: ...`. */
  why: string;
}

export interface BackendFlags {
  backend?: BackendChoice;
  threads?: number;
}

export const parseBackendFlag = choiceFlag('--backend', BACKEND_CHOICES);

export const BACKEND_HELP = 'kernels to run on: native (C++ addon built at install, Node only), wasm (WebAssembly SIMD), reference (plain TypeScript loops, ' +
  `slow) or auto (default: ${BACKEND_ENV} if set, else native where built, else wasm); recur doctor lists what runs here`;

export const THREADS_HELP = 'threads of the native or wasm kernels, the main one included (default: all cores; the reference backend runs on one and ignores it); ' +
  'results are bit-identical for any count';

/** Adds --backend (and, unless the command has its own, --threads) to a command that runs a model. */
export function backendFlags(cmd: Command, { threads = true } = {}): Command {
  cmd.option('--backend <name>', BACKEND_HELP, parseBackendFlag);
  if (threads) cmd.option('--threads <n>', THREADS_HELP, integerFlag('--threads', 1));
  return cmd;
}

/** The choice and where it came from: the flag, else RECUR_BACKEND (checked), else auto. */
export function backendChoice(flag: BackendChoice | undefined, env: NodeJS.ProcessEnv = process.env): { choice: BackendChoice; source: string } {
  if (flag !== undefined) return { choice: flag, source: `--backend ${flag}` };
  const v = env[BACKEND_ENV];
  if (v === undefined || v.trim() === '') return { choice: 'auto', source: 'auto' };
  const c = v.trim().toLowerCase();
  if (!(BACKEND_CHOICES as readonly string[]).includes(c)) {
    throw new Error(`${BACKEND_ENV} must be one of ${BACKEND_CHOICES.join(', ')}, got '${v}' (unset it or use --backend)`);
  }
  return { choice: c as BackendChoice, source: `${BACKEND_ENV}=${c}` };
}

/** What `auto` resolves to here, and why (no backend is created). */
export function resolveAuto(): { chosen: 'native' | 'wasm'; why: string } {
  const native = NativeBackend.available();
  return native.ok ? { chosen: 'native', why: 'auto: the native backend is built for this machine' }
    : { chosen: 'wasm', why: `auto: the native backend is unavailable (${native.reason})` };
}

/**
 * Resolves a choice to a backend kind without creating it; throws, saying why and what to use
 * instead, on a bad RECUR_BACKEND or a native backend that is not available here.
 */
export function resolveBackend(name: BackendChoice | undefined, env: NodeJS.ProcessEnv = process.env): { chosen: BackendKind; why: string } {
  const { choice, source } = backendChoice(name, env);
  if (choice === 'auto') {
    const auto = resolveAuto();
    return source === 'auto' ? auto : { chosen: auto.chosen, why: `${source}, ${auto.why}` };
  }
  if (choice === 'native') {
    const native = NativeBackend.available();
    if (!native.ok) throw new Error(`${source} is not available here: ${native.reason}; use --backend wasm`);
  }
  return { chosen: choice, why: source };
}

/**
 * The backend a command runs on. `threads` goes to native and wasm (undefined: all cores); the
 * reference backend runs on the calling thread and ignores it.
 */
export async function chooseBackend(name: BackendChoice | undefined, { threads }: { threads?: number } = {}): Promise<ChosenBackend> {
  const { chosen, why } = resolveBackend(name);
  return { backend: await createKind(chosen, threads, why), chosen, why };
}

/** A backend of a kind already chosen (e.g. a second one for `train --dashboard`). */
export async function createKind(kind: BackendKind, threads?: number, why = `--backend ${kind}`): Promise<Backend> {
  // The reference backend runs on the calling thread: threads are not its option.
  if (kind === 'reference') return createBackend('reference');
  try {
    return await createBackend(kind, threads === undefined ? {} : { threads });
  } catch (e) {
    if (kind !== 'native') throw e;
    const reason = NativeBackend.available();
    throw new Error(`${why} is not available here: ${reason.ok ? (e as Error).message : reason.reason}; use --backend wasm`);
  }
}

/** Shorthand for commands: the backend of `--backend` and `--threads`. */
export async function backendOf(f: BackendFlags): Promise<Backend> {
  return (await chooseBackend(f.backend, { threads: f.threads })).backend;
}
