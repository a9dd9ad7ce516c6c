// The forecast chart as SVG: parsed strictly, with as many line points and truth symbols as data,
// a band of 2 × horizon points, a legend, readable time labels, the same bytes every time and in
// every time zone, fast on ten years of days, and input checks that name the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ForecastChartInput, forecastChart, forecastSpec } from './forecast-chart.js';
import { axisLabels, itemTexts, items, legendLabels, markGroup, markGroups, parseSvg, pathPoints, translation } from '../testing/svg-document.js';

/** 120 months of an airline-like series, then 24 months of forecast with an 80% band and the truth. */
function monthly(): ForecastChartInput {
  const times: string[] = [], values: number[] = [];
  for (let i = 0; i < 144; i++) {
    times.push(`${1949 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`);
    values.push(Math.round((100 + 2.5 * i) * (1 + 0.2 * Math.sin((2 * Math.PI * i) / 12))));
  }
  const truth = values.slice(120);
  const forecast = truth.map((v, i) => v * (1 + 0.03 * Math.sin(i)));
  return {
    title: 'Airline passengers',
    history: { times: times.slice(0, 120), values: values.slice(0, 120) },
    forecast: { times: times.slice(120), values: forecast, lower: forecast.map((v) => v * 0.92), upper: forecast.map((v) => v * 1.08), level: 0.8 },
    truth: { times: times.slice(120), values: truth },
    yLabel: 'passengers (thousands)',
  };
}

/** `n` days of history from 1981-01-01 and `h` days of forecast after them. */
function daily(n: number, h: number): ForecastChartInput {
  const day = (i: number) => new Date(Date.UTC(1981, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
  const y = (i: number) => 11 + 4 * Math.cos((2 * Math.PI * i) / 365.25) + Math.sin(i * 7.3);
  const ft = Array.from({ length: h }, (_, i) => day(n + i));
  const fv = ft.map((_, i) => 11 + 4 * Math.cos((2 * Math.PI * (n + i)) / 365.25));
  return {
    history: { times: Array.from({ length: n }, (_, i) => day(i)), values: Array.from({ length: n }, (_, i) => y(i)) },
    forecast: { times: ft, values: fv, lower: fv.map((v) => v - 3), upper: fv.map((v) => v + 3), level: 0.9 },
    truth: { times: ft, values: ft.map((_, i) => y(n + i)) },
  };
}

async function render(input: ForecastChartInput): Promise<string> {
  const warnings: string[] = [];
  const svg = await forecastChart(input, { onWarning: (w) => warnings.push(w) });
  assert.deepEqual(warnings, [], 'Vega-Lite and Vega have nothing to warn about');
  return svg;
}

test('forecastChart draws every point: history and forecast lines, a band of 2 × horizon points, one symbol per truth value, a legend', async () => {
  const input = monthly();
  const doc = parseSvg(await render(input));
  const history = pathPoints(markGroup(doc, 'history_marks').getElementsByTagName('path')[0].getAttribute('d')!);
  const forecast = pathPoints(markGroup(doc, 'forecast_marks').getElementsByTagName('path')[0].getAttribute('d')!);
  const band = pathPoints(markGroup(doc, 'band_marks').getElementsByTagName('path')[0].getAttribute('d')!);
  assert.equal(history.length, 120);
  assert.equal(forecast.length, 24);
  assert.equal(band.length, 48, 'the band runs along the lower values and back along the upper ones');
  assert.equal(items(markGroup(doc, 'truth_marks')).length, 24);

  // Time runs left to right, and the forecast starts after the history.
  for (let i = 1; i < history.length; i++) assert.ok(history[i][0] > history[i - 1][0], `history x increases at ${i}`);
  assert.ok(forecast[0][0] > history[119][0]);
  // Higher values are drawn higher (smaller y): the band's upper edge is above its lower edge.
  for (let i = 0; i < 24; i++) {
    assert.equal(band[i][0], band[47 - i][0]);
    assert.ok(band[47 - i][1] < band[i][1], `band upper above lower at ${i}`);
  }
  // The truth points sit at the forecast's x positions.
  assert.deepEqual(items(markGroup(doc, 'truth_marks')).map((e) => +translation(e)[0].toFixed(3)), forecast.map(([x]) => +x.toFixed(3)));

  assert.deepEqual(legendLabels(doc), ['history', 'forecast', '80% interval', 'truth']);
  assert.deepEqual(itemTexts(markGroup(doc, 'role-title-text')), ['Airline passengers']);
  const titles = markGroups(doc, 'role-axis-title').flatMap(itemTexts);
  assert.deepEqual(titles.sort(), ['passengers (thousands)', 'time']);
});

test('forecastChart labels a monthly axis 1950-01 ... in order, on whole months, with room between labels', async () => {
  const doc = parseSvg(await render(monthly()));
  const [x] = axisLabels(doc).x;
  assert.ok(x.length >= 4 && x.length <= 10, `a readable number of labels: ${x}`);
  for (const label of x) assert.match(label, /^\d{4}-(01|04|07|10)$/, 'ticks fall on month (quarter) starts');
  assert.deepEqual([...x].sort(), x, 'labels in time order');
  assert.equal(new Set(x).size, x.length, 'no label twice');
});

test('forecastChart on ten years of days renders in under a second, labels days without overlap', async () => {
  await render(daily(10, 5)); // Vega loads on the first call; what is timed is the chart.
  const input = daily(3650, 365);
  const start = performance.now();
  const svg = await render(input);
  const ms = performance.now() - start;
  assert.ok(ms < 1000, `3,650-point history rendered in ${ms.toFixed(0)} ms`);
  const doc = parseSvg(svg);
  assert.equal(pathPoints(markGroup(doc, 'history_marks').getElementsByTagName('path')[0].getAttribute('d')!).length, 3650);
  assert.equal(items(markGroup(doc, 'truth_marks')).length, 365);
  const labelGroup = markGroups(doc, 'role-axis-label').find((g) => /^\d{4}-\d{2}-\d{2}$/.test(items(g)[0].textContent ?? ''))!;
  const labels = items(labelGroup);
  assert.ok(labels.length >= 4, 'several date labels');
  // 10 px digits are under 6.5 px wide: centred labels further apart than their width do not touch.
  const xs = labels.map((e) => translation(e)[0]);
  for (let i = 1; i < xs.length; i++) assert.ok(xs[i] - xs[i - 1] > 10 * 6.5, `labels ${i - 1} and ${i} are ${xs[i] - xs[i - 1]} px apart`);
});

test('forecastChart gives the same bytes on every call and in every time zone', async () => {
  const input = monthly();
  const first = await render(input);
  assert.equal(await render(input), first);
  const zone = process.env.TZ;
  try {
    for (const tz of ['Pacific/Kiritimati', 'America/St_Johns']) {
      process.env.TZ = tz;
      assert.equal(new Date(Date.UTC(1949, 0, 1)).getHours() === 0, false, `${tz} is not UTC`);
      assert.equal(await render(input), first, `same bytes in ${tz}`);
    }
  } finally {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  }
});

test('forecastChart reads integer steps and date-times, and labels them in their own style', async () => {
  const steps = Array.from({ length: 60 }, (_, i) => i);
  let doc = parseSvg(await render({
    history: { times: steps.slice(0, 50), values: steps.slice(0, 50).map(Math.sin) },
    forecast: { times: steps.slice(50).map(String), values: steps.slice(50).map(Math.sin) },
  }));
  let x = axisLabels(doc).x[0];
  for (const label of x) assert.match(label, /^\d+$/);
  assert.ok(markGroups(doc, 'role-axis-title').flatMap(itemTexts).includes('step'));
  assert.deepEqual(legendLabels(doc), ['history', 'forecast'], 'no band and no truth: two entries');
  assert.deepEqual(markGroups(doc, 'band_marks'), []);
  assert.deepEqual(markGroups(doc, 'truth_marks'), []);

  const hours = Array.from({ length: 72 }, (_, i) => new Date(Date.UTC(2021, 2, 4, 5) + i * 3_600_000).toISOString().replace('.000', ''));
  doc = parseSvg(await render({
    history: { times: hours.slice(0, 48), values: hours.slice(0, 48).map((_, i) => i % 24) },
    forecast: { times: hours.slice(48), values: hours.slice(48).map((_, i) => i), lower: hours.slice(48).map(() => 0), upper: hours.slice(48).map(() => 30) },
  }));
  x = axisLabels(doc).x[0];
  for (const label of x) assert.match(label, /^2021-03-0[4-7] \d{2}:00$/);
  assert.deepEqual(legendLabels(doc), ['history', 'forecast', 'interval'], 'a band without a level is an interval');
});

test('forecastChart: width and height set the plot area', async () => {
  const frame = (svg: string) => items(markGroup(parseSvg(svg), 'role-frame', 'root'))[0].getElementsByTagName('path')[0].getAttribute('d');
  assert.equal(frame(await render({ ...monthly(), width: 300, height: 150 })), 'M0.5,0.5h300v150h-300Z');
  assert.equal(frame(await render(monthly())), 'M0.5,0.5h720v300h-720Z');
  assert.throws(() => forecastSpec({ ...monthly(), width: 10 }), /forecastChart: width must be an integer from 50 to 10000 pixels, got 10/);
});

test('forecastChart escapes titles and labels: markup in them stays text', async () => {
  const evil = '</text><script>alert("x")</script> & \'q\' \\"b\u0001c\u2028d';
  const doc = parseSvg(await render({ ...monthly(), title: evil, yLabel: evil }));
  assert.equal(doc.getElementsByTagName('script').length, 0);
  // Control characters and line separators, which XML or Vega-Lite's expressions cannot hold, become spaces.
  const shown = '</text><script>alert("x")</script> & \'q\' \\"b c d';
  assert.deepEqual(itemTexts(markGroup(doc, 'role-title-text')), [shown]);
  assert.ok(markGroups(doc, 'role-axis-title').flatMap(itemTexts).includes(shown));
});

test('forecastChart rejects input it cannot draw, naming the field and index', () => {
  const base = monthly();
  const f = base.forecast;
  const cases: [Partial<ForecastChartInput>, RegExp][] = [
    [{ history: { times: base.history.times, values: [1, 2] } }, /forecastChart: history.values must have 120 values, got 2/],
    [{ forecast: { ...f, values: [...(f.values as number[]).slice(0, 23), NaN] } }, /forecastChart: forecast.values\[23\] must be a finite number, got NaN/],
    [{ forecast: { ...f, upper: undefined } }, /forecast.lower and forecast.upper come together, got only lower/],
    [{ forecast: { times: f.times, values: f.values, level: 0.8 } }, /forecast.level needs forecast.lower and forecast.upper/],
    [{ forecast: { ...f, level: 80 } }, /forecast.level must be in \(0, 1\), got 80/],
    [{ truth: { times: ['1', '2'], values: [1, 2] } }, /truth.times\[0\] is an integer step but forecastChart: history.times\[0\] is a date/],
    [{ history: { times: ['1949-02-30'], values: [1] } }, /history.times\[0\] must be an integer step or a date like 1949-01, 1981-01-01 or 2021-03-04T05:00:00Z, got "1949-02-30"/],
    [{ history: { times: ['1949-13'], values: [1] } }, /history.times\[0\] must be .*got "1949-13"/],
    [{ history: { times: [], values: [] } }, /forecastChart: history.times is empty/],
  ];
  for (const [change, message] of cases) assert.throws(() => forecastSpec({ ...base, ...change }), message);
});
