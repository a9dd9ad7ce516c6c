/**
 * Where the time of a training step goes (`npm run bench -- --profile`): a Backend wrapper that
 * times every kernel call and files it under a category (GEMMs classified by shape: input
 * projection, weight gradients, output layer; the whole-sequence recurrent kernels, forward and
 * backward, each all T steps of products and gate math; loss; optimizer; ...). Step time not
 * spent inside kernels is JavaScript: the op layer, tape and arena bookkeeping, and copies.
 */
import type { Backend } from '../kernels/backend.js';
import { gates, type TrainingWorkload } from './workloads.js';
import type { CellKind } from '../kernels/cell-kinds.js';

interface Bucket { calls: number; ms: number; flops: number }

/**
 * Methods of the Backend contract that compute nothing (memory, sizes): they pass through
 * untimed. Every other method is a kernel and is timed, so a kernel added to the contract
 * shows up in the profile without a change here.
 */
const NOT_KERNELS = new Set(['allocFloats', 'allocInts', 'createArena', 'gemmPackedSize', 'recurrentPackedSize']);

export class KernelProfile {
  readonly buckets = new Map<string, Bucket>();
  constructor(private readonly classify: (kernel: string, args: unknown[]) => string) {}

  /** A Backend that forwards to `inner`, timing each kernel call into this profile. */
  wrap(inner: Backend): Backend {
    return new Proxy(inner, {
      get: (target, prop, receiver) => {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof prop !== 'string' || typeof v !== 'function') return v;
        if (NOT_KERNELS.has(prop)) return (v as (...a: unknown[]) => unknown).bind(target);
        const f = v as (...a: unknown[]) => unknown;
        return (...args: unknown[]) => {
          const t0 = performance.now();
          const r = f.apply(target, args);
          this.add(this.classify(prop, args), performance.now() - t0, gemmFlops(prop, args));
          return r;
        };
      },
    });
  }

  reset(): void {
    this.buckets.clear();
  }

  private add(name: string, ms: number, flops: number): void {
    const b = this.buckets.get(name) ?? { calls: 0, ms: 0, flops: 0 };
    b.calls++;
    b.ms += ms;
    b.flops += flops;
    this.buckets.set(name, b);
  }
}

function gemmFlops(kernel: string, a: unknown[]): number {
  if (kernel === 'gemm') return 2 * (a[2] as number) * (a[3] as number) * (a[4] as number);
  if (kernel === 'gemmPacked') return 2 * (a[1] as number) * (a[2] as number) * (a[3] as number);
  if (kernel === 'recurrentSequence' || kernel === 'recurrentSequenceBackward') {
    // (kind, steps, batch, hidden, ...): one [B, H] x [H, G*H] product per step either way, and
    // the input projection [B, I] x [I, G*H] when the forward computes it (a RecurrentInput)
    const G = gates(a[0] as CellKind);
    const I = kernel === 'recurrentSequence' && !ArrayBuffer.isView(a[4]) ? (a[4] as { size: number }).size : 0;
    return 2 * (a[1] as number) * (a[2] as number) * G * (a[3] as number) * ((a[3] as number) + I);
  }
  return 0;
}

/**
 * Categories for a char-LM training step of workload `w`: the call sites are told apart by
 * shape and transposes (recurrent-layer.ts and linear.ts), e.g. the head's forward is
 * (N, T) [N, V] = [N, H] W^T, the input projection (N, T) [N, GH] = [N, I] W_ih^T.
 */
export function charLmClassifier(w: TrainingWorkload): (kernel: string, args: unknown[]) => string {
  const N = w.batch * w.seqLen, B = w.batch, H = w.hidden, GH = gates(w.cell) * H, V = w.vocab;
  let packedTransB = false;
  return (kernel, a) => {
    if (kernel === 'gemmPackB') {
      packedTransB = a[0] as boolean;
      return 'packing W_hh (once per pass)';
    }
    if (kernel === 'recurrentPack') return 'packing W_hh (once per pass)';
    if (kernel === 'recurrentSequence') return 'recurrent forward, all steps, with the input projection (fused kernel)';
    if (kernel === 'recurrentSequenceBackward') return 'recurrent backward, all steps (fused kernel)';
    if (kernel === 'gemm' || kernel === 'gemmPacked') {
      const [tA, tB, m, n, k] = kernel === 'gemm' ? a.slice(0, 5) as [boolean, boolean, number, number, number]
        : [a[0], packedTransB, a[1], a[2], a[3]] as [boolean, boolean, number, number, number];
      const op = `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'}`;
      if (op === 'NT' && m === N && n === GH) return 'GEMM input projection (all steps)';
      if (op === 'TN' && m === GH) return 'GEMM weight gradients dW_ih, dW_hh';
      if (op === 'NN' && m === N && k === GH) return 'GEMM input gradient dX (layers > 0)';
      if (op === 'NT' && n === V || op === 'TN' && m === V || op === 'NN' && k === V) return 'GEMM output layer (fwd, dW, dX)';
      return `GEMM other ${op} ${m}x${n}x${k}`;
    }
    if (/^(lstm|gru)Cell/.test(kernel) || kernel.startsWith('activation')) return 'gate kernels (fused cell fwd/bwd)';
    if (kernel.startsWith('softmax') || kernel === 'mul' || kernel === 'sum') return 'loss (softmax cross-entropy)';
    if (kernel === 'adamStep') return 'optimizer (Adam)';
    if (kernel === 'fill') return 'zeroGrad (fill)';
    if (kernel === 'addRowVector' || kernel === 'sumRows') return 'bias add / bias gradients';
    return `other kernels (${kernel})`;
  };
}

export interface ProfileRow { name: string; callsPerStep: number; msPerStep: number; share: number; gflops: number }

/** Rows sorted by time, plus the JavaScript remainder of `stepMs` per step. */
export function profileRows(p: KernelProfile, steps: number, stepMs: number): ProfileRow[] {
  const rows: ProfileRow[] = [...p.buckets].map(([name, b]) => ({
    name, callsPerStep: b.calls / steps, msPerStep: b.ms / steps, share: b.ms / steps / stepMs, gflops: b.flops ? b.flops / b.ms / 1e6 : 0,
  }));
  const inKernels = rows.reduce((s, r) => s + r.msPerStep, 0);
  rows.sort((x, y) => y.msPerStep - x.msPerStep);
  rows.push({ name: 'JavaScript outside kernels (ops, tape, copies)', callsPerStep: 0, msPerStep: stepMs - inKernels, share: (stepMs - inKernels) / stepMs, gflops: 0 });
  return rows;
}
