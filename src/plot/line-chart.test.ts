// The line chart as SVG: one line per series with a point per finite y, breaks where y is not
// finite, a legend in series order, a log axis on request, escaped names, and checked input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type LineChartInput, lineChart, lineSpec } from './line-chart.js';
import { axisLabels, itemTexts, legendLabels, markGroup, markGroups, parseSvg, pathPieces, pathPoints } from '../testing/svg-document.js';

async function render(input: LineChartInput): Promise<string> {
  const warnings: string[] = [];
  const svg = await lineChart(input, { onWarning: (w) => warnings.push(w) });
  assert.deepEqual(warnings, []);
  return svg;
}

/** The `d` of every line drawn, in series order. */
function lines(svg: string): string[] {
  const doc = parseSvg(svg);
  return markGroups(doc, 'mark-line', 'role-mark').map((g) => g.getElementsByTagName('path')[0].getAttribute('d')!);
}

const steps = Array.from({ length: 500 }, (_, i) => i + 1);
const LOSS: LineChartInput = {
  title: 'Loss',
  series: [
    { name: 'train', x: steps, y: steps.map((s) => 2.5 * Math.exp(-s / 100) + 1.2) },
    { name: 'validation', x: steps.filter((s) => s % 50 === 0), y: steps.filter((s) => s % 50 === 0).map((s) => 2.5 * Math.exp(-s / 100) + 1.4) },
  ],
  xLabel: 'step', yLabel: 'loss',
};

test('lineChart draws one line per series with a point per value, and a legend in series order', async () => {
  const svg = await render(LOSS);
  const [train, validation] = lines(svg);
  assert.equal(pathPoints(train).length, 500);
  assert.equal(pathPoints(validation).length, 10);
  const doc = parseSvg(svg);
  assert.deepEqual(legendLabels(doc), ['train', 'validation']);
  assert.deepEqual(itemTexts(markGroup(doc, 'role-title-text')), ['Loss']);
  assert.deepEqual(markGroups(doc, 'role-axis-title').flatMap(itemTexts).sort(), ['loss', 'step']);
  assert.equal(await render(LOSS), svg, 'same bytes again');
});

test('lineChart with logY puts equal ratios at equal heights', async () => {
  const input: LineChartInput = { series: [{ name: 'loss', x: [0, 1, 2], y: [100, 10, 1] }], logY: true };
  const [d] = lines(await render(input));
  const [a, b, c] = pathPoints(d);
  assert.ok(Math.abs((b[1] - a[1]) - (c[1] - b[1])) < 0.01, `log spacing: ${a[1]}, ${b[1]}, ${c[1]}`);
  const [linear] = lines(await render({ ...input, logY: false }));
  const [p, q, r] = pathPoints(linear);
  assert.ok((q[1] - p[1]) > 5 * (r[1] - q[1]), 'on a linear axis the first drop is nine times the second');
  assert.throws(() => lineSpec({ ...input, series: [{ name: 'loss', x: [0, 1], y: [1, 0] }] }), /lineChart: series\[0\].y\[1\] is 0, which a log y axis cannot show \(logY needs y > 0\)/);
});

test('lineChart breaks a line where y is not finite (a diverged loss) instead of failing', async () => {
  const [d] = lines(await render({ series: [{ name: 'train', x: [1, 2, 3, 4, 5, 6, 7], y: [3, 2.5, NaN, 2, 1.8, Infinity, 1.5] }] }));
  assert.equal(pathPieces(d), 3, 'three pieces: 1-2, 4-5 and 7');
  assert.equal(pathPoints(d).length, 5);
  assert.throws(() => lineSpec({ series: [{ name: 'train', x: [1], y: [NaN] }] }), /lineChart: no series has a finite point/);
});

test('lineChart escapes series names and titles', async () => {
  const doc = parseSvg(await render({ title: '<b>t</b>', series: [{ name: '</text><script>1</script>', x: [0, 1], y: [1, 2] }, { name: 'a & "b"', x: [0, 1], y: [2, 3] }], yLabel: 'y & <y>' }));
  assert.equal(doc.getElementsByTagName('script').length, 0);
  assert.equal(doc.getElementsByTagName('b').length, 0);
  assert.deepEqual(legendLabels(doc), ['</text><script>1</script>', 'a & "b"']);
  assert.ok(markGroups(doc, 'role-axis-title').flatMap(itemTexts).includes('y & <y>'));
  assert.ok(axisLabels(doc).x.length === 1);
});

test('lineChart rejects series it cannot tell apart or draw', () => {
  assert.throws(() => lineSpec({ series: [] }), /lineChart: series must be a non-empty array/);
  assert.throws(() => lineSpec({ series: [{ name: 'a', x: [1], y: [1] }, { name: 'a', x: [1], y: [2] }] }), /lineChart: series names\[1\] repeats "a" \(also at 0\)/);
  assert.throws(() => lineSpec({ series: [{ name: 'a', x: [1, 2], y: [1] }] }), /lineChart: series\[0\].y must have 2 values \(one per x\), got 1/);
  assert.throws(() => lineSpec({ series: [{ name: 'a', x: [1, NaN], y: [1, 2] }] }), /lineChart: series\[0\].x\[1\] must be a finite number, got NaN/);
});
