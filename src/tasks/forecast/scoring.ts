/**
 * Scores forecasts of held-out steps in the data's units: MAE, RMSE, sMAPE and MASE over every
 * forecast value of every series and target, and the coverage of the outermost quantiles'
 * interval; the head's loss on the same windows in normalised units (the validation loss); and
 * the averaging of ensemble members' forecasts, quantile by quantile. Used by validation.
 */
import { Tape } from '../../autograd/tape.js';
import type { Backend } from '../../kernels/backend.js';
import type { RecurrentModel } from '../../nn/recurrent-model.js';
import { Tensor } from '../../tensor/tensor.js';
import type { MetricSpec } from '../../train/events.js';
import { headLoss, headWidth, medianIndex } from './heads.js';
import type { ForecastData, MemberData } from './prepare.js';

export const FORECAST_METRICS: MetricSpec[] = [
  { name: 'mae', label: 'MAE', format: 'decimal', digits: 4, better: 'min' },
  { name: 'rmse', label: 'RMSE', format: 'decimal', digits: 4, better: 'min' },
  { name: 'smape', label: 'sMAPE', format: 'percent', digits: 2, better: 'min' },
  { name: 'mase', label: 'MASE', format: 'decimal', digits: 4, better: 'min' },
  { name: 'coverage', label: 'interval coverage', format: 'percent', digits: 1, better: 'max' },
];

/** The mean of the members' forecasts, value by value (quantile averaging): [member][origin][target] -> [origin][target]. */
export function averageForecasts(perMember: Float64Array[][][]): Float64Array[][] {
  if (perMember.length === 1) return perMember[0]!;
  return perMember[0]!.map((origin, j) => origin.map((f, k) => Float64Array.from(f, (_, i) => perMember.reduce((a, m) => a + m[j]![k]![i]!, 0) / perMember.length)));
}

/** Metrics of `forecasts` (one per validation origin of `data`, per target H x Q in the data's units) against the truth. */
export function scoreForecasts(data: ForecastData, forecasts: Float64Array[][]): Record<string, number> {
  const { spec } = data.members[0]!.pipeline;
  const series = data.members[0]!.series;
  const Q = spec.quantiles.length, mid = medianIndex(spec.quantiles), H = spec.horizon;
  let n = 0, abs = 0, sq = 0, smape = 0, mase = 0, covered = 0;
  data.validation.forEach((v, j) => {
    const s = series[v.series]!;
    forecasts[j]!.forEach((f, k) => {
      const y = s.source.targets[k]!;
      for (let h = 0; h < H && v.origin + h < y.length; h++) {
        const truth = y[v.origin + h]!, point = f[h * Q + mid]!, e = truth - point;
        n++;
        abs += Math.abs(e);
        sq += e * e;
        const denom = Math.abs(truth) + Math.abs(point);
        smape += denom === 0 ? 0 : (2 * Math.abs(e)) / denom;
        mase += Math.abs(e) / s.state.maseScale[k]!;
        if (truth >= f[h * Q]! && truth <= f[h * Q + Q - 1]!) covered++;
      }
    });
  });
  n = Math.max(1, n);
  return { mae: abs / n, rmse: Math.sqrt(sq / n), smape: smape / n, mase: mase / n, coverage: covered / n };
}

/** One member's head loss on the validation windows, in normalised units (comparable with its training loss). */
export function memberValidationLoss(m: MemberData, validation: ForecastData['validation'], model: RecurrentModel, backend: Backend): number {
  const { spec } = m.pipeline;
  const tape = Tape.inference(backend);
  const wasTraining = model.training;
  model.eval();
  try {
    let total = 0;
    for (const v of validation) {
      const s = m.series[v.series]!;
      const K = s.norm.z.length, F = K + s.norm.covariates.length, L = spec.lookback;
      const x = Tensor.zeros([L, 1, F]);
      s.normalizer.encode(s.norm, v.origin, L, x.data, 0);
      tape.reset();
      const { logits } = model.forward(tape, x);
      const ahead = spec.layout === 'direct' ? spec.horizon : 1;
      const W = headWidth(spec.head, spec.quantiles);
      const out = spec.layout === 'shifted' ? logits.data.slice((L - 1) * K * W) : Float32Array.from(logits.data);
      const target = Tensor.zeros([ahead * K]);
      for (let h = 0; h < ahead; h++) for (let k = 0; k < K; k++) target.data[h * K + k] = s.normalizer.target(s.norm, v.origin, k, v.origin + h);
      total += headLoss(tape, spec.head, spec.quantiles, new Tensor(out, [ahead * K, W]), target).item();
    }
    return total / Math.max(1, validation.length);
  } finally {
    tape.reset();
    model.train(wasTraining);
  }
}
