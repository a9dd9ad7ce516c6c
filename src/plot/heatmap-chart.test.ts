// The heatmap as SVG: rows × columns cells in the given order, annotations that are the given
// values (white on dark cells), repeated names kept apart, escaped names, and checked input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type HeatmapChartInput, cellLabels, heatmapChart, heatmapSpec } from './heatmap-chart.js';
import { axisLabels, itemTexts, items, legendLabels, markGroup, markGroups, parseSvg, translation } from '../testing/svg-document.js';

async function render(input: HeatmapChartInput): Promise<string> {
  const warnings: string[] = [];
  const svg = await heatmapChart(input, { onWarning: (w) => warnings.push(w) });
  assert.deepEqual(warnings, []);
  return svg;
}

const CLASSES = ['cat', 'dog', 'bird'];
const COUNTS = [[50, 3, 0], [7, 41, 2], [1, 0, 12]];

test('heatmapChart draws a confusion matrix: rows × columns cells, each count written in its cell, row by row', async () => {
  const svg = await render({ title: 'Confusion', rows: CLASSES, columns: CLASSES, values: COUNTS, xLabel: 'predicted', yLabel: 'true', valueLabel: 'count', annotate: true });
  const doc = parseSvg(svg);
  const cells = items(markGroup(doc, 'cells_marks'));
  assert.equal(cells.length, 9);
  const labels = items(markGroup(doc, 'labels_marks'));
  assert.deepEqual(labels.map((e) => e.textContent), COUNTS.flat().map(String));
  // Each label sits in its own cell: rows go down, columns go right.
  const at = labels.map(translation);
  for (let r = 0; r < 3; r++) {
    for (let c = 1; c < 3; c++) assert.ok(at[r * 3 + c][0] > at[r * 3 + c - 1][0] && at[r * 3 + c][1] === at[r * 3][1]);
    if (r > 0) assert.ok(at[r * 3][1] > at[(r - 1) * 3][1]);
  }
  // Counts of 50 and 41 are on the dark end of the ramp: white text; small counts dark text.
  assert.equal(labels[0].getAttribute('fill'), 'white');
  assert.equal(labels[4].getAttribute('fill'), 'white');
  assert.equal(labels[1].getAttribute('fill'), '#222222');
  const axes = axisLabels(doc);
  assert.deepEqual(axes.x, [CLASSES]);
  assert.deepEqual(axes.y, [CLASSES]);
  assert.deepEqual(markGroups(doc, 'role-axis-title').flatMap(itemTexts).sort(), ['predicted', 'true']);
  assert.deepEqual(legendLabels(doc).length > 0, true, 'a colour legend');
  assert.deepEqual(itemTexts(markGroup(doc, 'role-title-text')), ['Confusion']);
  assert.equal(await render({ title: 'Confusion', rows: CLASSES, columns: CLASSES, values: COUNTS, xLabel: 'predicted', yLabel: 'true', valueLabel: 'count', annotate: true }), svg, 'same bytes again');
});

test('heatmapChart draws attention weights between repeated tokens as separate cells, unannotated unless asked', async () => {
  const source = ['the', 'cat', 'saw', 'the', 'dog', '<eos>'];
  const target = ['le', 'chat', 'a', 'vu', 'le', 'chien', '<eos>'];
  const weights = target.map((_, t) => source.map((_, s) => (s === Math.min(t, 5) ? 0.7 : 0.3 / 5)));
  const doc = parseSvg(await render({ rows: target, columns: source, values: weights, xLabel: 'source', yLabel: 'target' }));
  assert.equal(items(markGroup(doc, 'cells_marks')).length, 42);
  assert.deepEqual(markGroups(doc, 'labels_marks'), []);
  const axes = axisLabels(doc);
  assert.deepEqual(axes.x, [source], 'both "the" columns shown, in order');
  assert.deepEqual(axes.y, [target]);

  const annotated = parseSvg(await render({ rows: target, columns: source, values: weights, annotate: true }));
  assert.deepEqual(itemTexts(markGroup(annotated, 'labels_marks')).slice(0, 6), ['0.70', '0.06', '0.06', '0.06', '0.06', '0.06']);
});

test('heatmapChart escapes row and column names', async () => {
  const evil = ['<script>x</script>', 'a & b', '"q"\u0000'];
  const doc = parseSvg(await render({ rows: evil, columns: evil, values: COUNTS }));
  assert.equal(doc.getElementsByTagName('script').length, 0);
  const shown = ['<script>x</script>', 'a & b', '"q"'];
  assert.deepEqual(axisLabels(doc).x, [shown]);
  assert.deepEqual(axisLabels(doc).y, [shown]);
});

test('cellLabels writes integers whole, fractions with 2 decimals, other numbers with 3 significant digits', () => {
  assert.deepEqual(cellLabels([0, 12, 1000]), ['0', '12', '1000']);
  assert.deepEqual(cellLabels([0, 0.5, 1, -0.125]), ['0.00', '0.50', '1.00', '-0.13']);
  assert.deepEqual(cellLabels([1.5, 1234.5, 0.001]), ['1.5', '1230', '0.001']);
});

test('heatmapChart rejects a matrix that does not match its names', () => {
  const base: HeatmapChartInput = { rows: CLASSES, columns: CLASSES, values: COUNTS };
  assert.throws(() => heatmapSpec({ ...base, values: COUNTS.slice(0, 2) }), /heatmapChart: values must have 3 rows \(one per name in rows\), got 2/);
  assert.throws(() => heatmapSpec({ ...base, values: [[1, 2, 3], [1, 2], [1, 2, 3]] }), /heatmapChart: values\[1\] must have 3 values/);
  assert.throws(() => heatmapSpec({ ...base, values: [[1, 2, 3], [1, Infinity, 3], [1, 2, 3]] }), /heatmapChart: values\[1\]\[1\] must be a finite number, got Infinity/);
  assert.throws(() => heatmapSpec({ ...base, rows: [], values: [] }), /heatmapChart: needs at least one row and one column, got 0 × 3/);
  assert.throws(() => heatmapSpec({ ...base, columns: ['a', 7 as unknown as string, 'c'] }), /heatmapChart: columns\[1\] must be a string, got number/);
});
