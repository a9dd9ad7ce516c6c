import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../random/rng.js';
import { TransformPipeline, fitPerSeries, fitPooled, fitTransform, transformFromState, type TransformSpec } from './transforms.js';

function closeTo(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  assert.equal(actual.length, expected.length, 'length');
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol * Math.max(1, Math.abs(expected[i]!)), `[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

// A positive seasonal series with a trend: 60 months.
const rng = new Rng(3);
const series = Array.from({ length: 60 }, (_, t) => (100 + 2 * t) * (1 + 0.2 * Math.sin((2 * Math.PI * t) / 12)) + rng.normal(0, 3));

const SPECS: TransformSpec[] = [
  { kind: 'standardize' }, { kind: 'min-max' }, { kind: 'log' }, { kind: 'box-cox' }, { kind: 'box-cox', lambda: 0.3 },
  { kind: 'difference' }, { kind: 'difference', lag: 12 },
];

test('every transform: invert(apply(x)) == x to 1e-12, also after a JSON round trip of its state', () => {
  for (const spec of SPECS) {
    const fitted = fitTransform(spec, series);
    const y = fitted.apply(series);
    closeTo(fitted.invert(y), series);
    const restored = transformFromState(JSON.parse(JSON.stringify(fitted.state)));
    assert.deepEqual(restored.state, fitted.state, spec.kind);
    assert.deepEqual(restored.apply(series), y, spec.kind);
  }
});

test('standardize: mean 0 and population sd 1; min-max: [0, 1]; hand-computed states', () => {
  assert.deepEqual(fitTransform({ kind: 'standardize' }, [1, 2, 3, 6]).state, { kind: 'standardize', mean: 3, scale: Math.sqrt(3.5), constant: false });
  assert.deepEqual([...fitTransform({ kind: 'min-max' }, [2, 4, 10]).apply([2, 4, 10])], [0, 0.25, 1]);
  assert.deepEqual([...fitTransform({ kind: 'difference', lag: 2 }, [1, 4, 9, 16, 25]).apply([1, 4, 9, 16, 25])], [8, 12, 16]);
});

test('a constant series does not divide by zero: scale 1 / range 1, and the state says constant', () => {
  const flat = [0.1, 0.1, 0.1, 0.1];
  const z = fitTransform({ kind: 'standardize' }, flat);
  assert.deepEqual(z.state, { kind: 'standardize', mean: 0.1, scale: 1, constant: true });
  assert.deepEqual([...z.apply(flat)], [0, 0, 0, 0]);
  assert.deepEqual([...z.invert([0, 1])], [0.1, 1.1]);
  assert.deepEqual(fitTransform({ kind: 'min-max' }, flat).state, { kind: 'min-max', min: 0.1, range: 1, constant: true });
});

test('log and Box-Cox need x > 0: the error names the first bad value', () => {
  assert.throws(() => fitTransform({ kind: 'log' }, [3, 2, 0, -1]), /fitTransform\(log\): needs finite values > 0, but x\[2\] = 0/);
  assert.throws(() => fitTransform({ kind: 'log' }, [1]).apply([1, -5]), /log.apply: needs finite values > 0, but x\[1\] = -5/);
  assert.throws(() => fitTransform({ kind: 'box-cox', lambda: 0.5 }, [1, -2]), /fitTransform\(box-cox\): needs finite values > 0, but x\[1\] = -2/);
  assert.throws(() => fitTransform({ kind: 'standardize' }, [1, NaN]), /fitTransform\(standardize\): x\[1\] must be a finite number, got NaN/);
  assert.equal(fitTransform({ kind: 'box-cox' }, series).state.kind, 'box-cox');
  assert.equal((fitTransform({ kind: 'box-cox' }, series).state as { chosenBy: string }).chosenBy, 'guerrero');
});

test('differencing inverts forecasts from the history: lag 1 and seasonal lag 12, exact', () => {
  const train = series.slice(0, 48), future = series.slice(48);
  for (const lag of [1, 12]) {
    const d = fitTransform({ kind: 'difference', lag }, train);
    const futureDiffs = d.apply(series).slice(48 - lag); // the differences of the 12 future steps
    closeTo(d.invertForecast(futureDiffs), future);
    closeTo(d.invertForecast(futureDiffs, [0, ...train]), future); // an explicit history: its last lag values count
  }
  const d12 = fitTransform({ kind: 'difference', lag: 12 }, train);
  assert.throws(() => d12.invertForecast([1], [1, 2]), /difference.invertForecast: needs the 12 values before the differences, got 2/);
  assert.throws(() => fitTransform({ kind: 'difference', lag: 12 }, train.slice(0, 12)), /fitTransform\(difference\): needs more than lag = 12 values, got 12/);
});

test('a pipeline (Box-Cox, seasonal difference, difference, standardize) round-trips the series and its future exactly', () => {
  const train = series.slice(0, 48), future = series.slice(48);
  const specs: TransformSpec[] = [{ kind: 'box-cox' }, { kind: 'difference', lag: 12 }, { kind: 'difference' }, { kind: 'standardize' }];
  const pipe = TransformPipeline.fit(specs, train);
  const z = pipe.apply(train);
  assert.equal(z.length, 48 - 13);
  closeTo(pipe.invert(z), train);
  const restored = TransformPipeline.fromState(JSON.parse(JSON.stringify(pipe.state)));
  const zFuture = restored.apply(series).slice(-12);
  closeTo(restored.invertForecast(zFuture), future);
});

test('pooled and per-series fits: one scale over all values vs one per series', () => {
  const a = [1, 2, 3], b = [101, 102, 103];
  const pooled = fitPooled({ kind: 'standardize' }, [a, b]);
  assert.equal((pooled.state as { mean: number }).mean, 52);
  const per = fitPerSeries({ kind: 'standardize' }, [a, b]);
  assert.deepEqual([...per[1]!.apply(b)], [...per[0]!.apply(a)]);
  assert.throws(() => fitPooled({ kind: 'difference' }, [a, b]), /fitPooled: differencing is fitted per series; use fitPerSeries/);
  assert.throws(() => fitPerSeries({ kind: 'log' }, [a, [1, 0]]), /fitPerSeries: series 1: fitTransform\(log\): needs finite values > 0, but x\[1\] = 0/);
});

test('transformFromState rejects states that would divide by zero or are unknown', () => {
  assert.throws(() => transformFromState({ kind: 'standardize', mean: 0, scale: 0, constant: true }), /transformFromState: standardize needs a finite mean and a scale > 0, got/);
  assert.throws(() => transformFromState({ kind: 'difference', lag: 2, head: [1], tail: [1, 2] }), /transformFromState: difference needs an integer lag >= 1/);
  assert.throws(() => transformFromState({ kind: 'sqrt' } as never), /transformFromState: unknown transform kind/);
});
