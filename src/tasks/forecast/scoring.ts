/**
 * Scores forecasts of held-out steps in the data's units: MAE, RMSE, sMAPE and MASE averaged over
 * series and targets, and the coverage of the outermost quantiles' interval, plus the head's loss
 * on the same windows in normalised units (the validation loss). Used by validation and eval.
 */
import { Tape } from '../../autograd/tape.js';
import type { Backend } from '../../kernels/backend.js';
import type { RecurrentModel } from '../../nn/recurrent-model.js';
import { Tensor } from '../../tensor/tensor.js';
import type { MetricSpec } from '../../train/events.js';
import type { Evaluation } from '../../train/objective.js';
import type { QuantileForecast } from './forecaster.js';
import { headLoss, headWidth } from './heads.js';
import { toDataUnits } from './pipeline.js';
import type { ForecastData } from './task.js';

export const FORECAST_METRICS: MetricSpec[] = [
  { name: 'mae', label: 'MAE', format: 'decimal', digits: 4, better: 'min' },
  { name: 'rmse', label: 'RMSE', format: 'decimal', digits: 4, better: 'min' },
  { name: 'smape', label: 'sMAPE', format: 'percent', digits: 2, better: 'min' },
  { name: 'mase', label: 'MASE', format: 'decimal', digits: 4, better: 'min' },
  { name: 'coverage', label: 'interval coverage', format: 'percent', digits: 1, better: 'max' },
];

/** Sums of absolute, squared, symmetric-percentage and scaled errors and interval hits. */
export class ErrorSums {
  n = 0; abs = 0; sq = 0; smape = 0; mase = 0; covered = 0;

  add(truth: number, point: number, lower: number, upper: number, scale: number): void {
    const e = truth - point;
    this.n++;
    this.abs += Math.abs(e);
    this.sq += e * e;
    const denom = Math.abs(truth) + Math.abs(point);
    this.smape += denom === 0 ? 0 : (2 * Math.abs(e)) / denom;
    this.mase += Math.abs(e) / scale;
    if (truth >= lower && truth <= upper) this.covered++;
  }

  metrics(): Record<string, number> {
    const n = Math.max(1, this.n);
    return { mae: this.abs / n, rmse: Math.sqrt(this.sq / n), smape: this.smape / n, mase: this.mase / n, coverage: this.covered / n };
  }
}

/** The index of the quantile closest to the median. */
export function medianIndex(quantiles: readonly number[]): number {
  return quantiles.reduce((best, tau, q) => (Math.abs(tau - 0.5) < Math.abs(quantiles[best]! - 0.5) ? q : best), 0);
}

/** Metrics of `forecasts` (one per validation origin of `data`) against the truth, and the normalised head loss. */
export function scoreForecasts(data: ForecastData, forecasts: QuantileForecast[], model: RecurrentModel, backend: Backend): Evaluation {
  const { spec } = data.pipeline;
  const Q = spec.quantiles.length, mid = medianIndex(spec.quantiles), H = spec.horizon;
  const sums = new ErrorSums();
  data.validation.forEach((v, j) => {
    const s = data.series[v.series]!;
    toDataUnits(s, forecasts[j]!).forEach((f, k) => {
      const y = s.source.targets[k]!;
      for (let h = 0; h < H && v.origin + h < y.length; h++) {
        sums.add(y[v.origin + h]!, f[h * Q + mid]!, f[h * Q]!, f[h * Q + Q - 1]!, s.state.maseScale[k]!);
      }
    });
  });
  return { loss: validationLoss(data, model, backend), metrics: sums.metrics() };
}

/** The head's loss on the validation windows, in normalised units (comparable with the training loss). */
function validationLoss(data: ForecastData, model: RecurrentModel, backend: Backend): number {
  const { spec } = data.pipeline;
  const tape = Tape.inference(backend);
  const wasTraining = model.training;
  model.eval();
  try {
    let total = 0, count = 0;
    for (const v of data.validation) {
      const s = data.series[v.series]!;
      const K = s.norm.z.length, F = K + s.norm.covariates.length, L = spec.lookback;
      const x = Tensor.zeros([L, 1, F]);
      s.normalizer.encode(s.norm, v.origin, L, x.data, 0);
      tape.reset();
      const { logits } = model.forward(tape, x);
      const ahead = spec.layout === 'direct' ? spec.horizon : 1;
      const W = headWidth(spec.head, spec.quantiles);
      const out = spec.layout === 'shifted' ? new Tensor(logits.data.slice((L - 1) * K * W), [K * W]) : logits;
      const target = Tensor.zeros([ahead * K]);
      for (let h = 0; h < ahead; h++) for (let k = 0; k < K; k++) target.data[h * K + k] = s.normalizer.target(s.norm, v.origin, k, v.origin + h);
      total += headLoss(tape, spec.head, spec.quantiles, new Tensor(Float32Array.from(out.data), [ahead * K, W]), target).item();
      count++;
    }
    return total / Math.max(1, count);
  } finally {
    tape.reset();
    model.train(wasTraining);
  }
}
