// checkPanels: the gate between untrusted JSON (an events.jsonl line, a server answer) and the
// page that draws it. Good panels of every kind pass unchanged; each malformed one is refused
// with a message naming the panel and the problem; a list too large for an event is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PANEL_CELLS, checkPanels, type Panel } from './panels.js';

const good: Panel[] = [
  { kind: 'matrix', title: 'confusion', rowTitle: 'true', colTitle: 'predicted', rows: ['a', 'b'], cols: ['a', 'b'], values: [[3, 1], [0, 4]], scale: 'count' },
  { kind: 'series', title: 'forecast', x: ['2024-01-01', '2024-02-01', '2024-03-01'], lines: [{ name: 'actual', values: [1, 2, null] }],
    band: { name: '80% interval', lo: [null, 1.5, 2], hi: [null, 2.5, 4] }, splitAt: '2024-02-01' },
  { kind: 'tokens', title: 'tags', tokens: [{ text: 'the', label: 'DET', score: 0.9 }, { text: 'dog', label: 'NOUN' }] },
  { kind: 'table', title: 'classes', columns: ['class', 'p'], rows: [['pos', 0.7], ['neg', 0.3]], barColumn: 1, note: 'softmax' },
  { kind: 'text', title: 'attention', text: 'none' },
];

test('good panels of every kind pass and come back as given', () => {
  assert.deepEqual(checkPanels(JSON.parse(JSON.stringify(good))), good);
  assert.deepEqual(checkPanels([]), []);
});

test('malformed panels are refused with the panel and the problem named', () => {
  const bad: [unknown, RegExp][] = [
    [{}, /panels must be a list/],
    [[null], /panel 0 is not an object with a kind and a title/],
    [[{ kind: 'pie', title: 'x' }], /panel 0 \(pie\): unknown kind/],
    [[good[4], { ...good[0], values: [[1, 2]] }], /panel 1 \(matrix\): values has 1 rows, rows has 2/],
    [[{ ...good[0], values: [[1, 2], [3]] }], /values row 1 is not 2 numbers/],
    [[{ ...good[0], values: [[1, '2'], [3, 4]] }], /values row 0 is not 2 numbers/],
    [[{ ...good[0], scale: 'log' }], /scale must be 'count' or 'weight'/],
    [[{ ...good[1], lines: [{ name: 'a', values: [1, 2] }] }], /line 0's values must be 3 numbers/],
    [[{ ...good[1], lines: [] }], /lines must be a non-empty list/],
    [[{ ...good[1], band: { name: 'b', lo: [1, 2, 3], hi: [1] } }], /band\.hi must be 3 numbers/],
    [[{ ...good[1], x: [{}] }], /x must be a list of times or numbers/],
    [[{ ...good[2], tokens: [{ text: 'a' }] }], /token 0 needs text, label/],
    [[{ ...good[3], rows: [['a']] }], /row 0 is not 2 cells/],
    [[{ ...good[3], barColumn: 2 }], /barColumn must be a column index below 2/],
    [[{ ...good[3], note: 5 }], /note must be text/],
    [[{ kind: 'text', title: 't', text: 1 }], /text must be text/],
  ];
  for (const [value, message] of bad) assert.throws(() => checkPanels(value), message, JSON.stringify(value).slice(0, 80));
});

test('a list holding more than MAX_PANEL_CELLS cells is refused', () => {
  const n = Math.ceil(Math.sqrt(MAX_PANEL_CELLS)) + 1;
  const labels = Array.from({ length: n }, (_, i) => String(i));
  const big: Panel = { kind: 'matrix', title: 'big', rowTitle: 'r', colTitle: 'c', rows: labels, cols: labels, values: labels.map(() => labels.map(() => 0)), scale: 'count' };
  assert.throws(() => checkPanels([big]), new RegExp(`at most ${MAX_PANEL_CELLS}`));
});
