/**
 * A test helper that runs `gradcheck` through a whole `Module`: every parameter of the module
 * becomes a checked input under its own name, beside any other tensors (inputs, states).
 * Not part of the public API; the parameters are re-pointed only for the duration of the check.
 */
import { type GradcheckOptions, type GradcheckReport, gradcheck } from '../autograd/gradcheck.js';
import type { Parameter } from '../autograd/parameter.js';
import type { Tape } from '../autograd/tape.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Checks the gradients of `fn` with respect to all parameters of `module` and to `others`.
 * `fn` receives the float64 copies of `others` (the module's parameters already point at their
 * float64 copies). Report entries come in `namedParameters` order, then `others` in order,
 * named by the parameter names and `otherNames`.
 */
export function gradcheckModule(
  module: Module,
  fn: (tape: Tape, others: Tensor[]) => Tensor,
  others: Tensor[],
  options: GradcheckOptions & { otherNames?: readonly string[] } = {},
): GradcheckReport {
  const named = [...module.namedParameters()];
  const params = named.map(([, p]) => p);
  const saved = params.map((p) => ({ data: p.data, grad: p.grad }));
  const { otherNames, ...rest } = options;
  const names = [...named.map(([n]) => n), ...others.map((_, i) => otherNames?.[i] ?? `input ${i}`)];
  try {
    return gradcheck((tape, xs) => {
      params.forEach((p, i) => {
        const copy = xs[i] as Parameter;
        p.data = copy.data;
        p.grad = copy.grad;
      });
      return fn(tape, xs.slice(params.length));
    }, [...params, ...others], { ...rest, names });
  } finally {
    params.forEach((p, i) => {
      p.data = saved[i]!.data;
      p.grad = saved[i]!.grad;
    });
  }
}
