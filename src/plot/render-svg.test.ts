// renderSvg itself: warnings go to onWarning and nowhere else, errors reject without blocking the
// renders after them, and renders started together give the bytes each gives alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChartSpec, renderSvg } from './render-svg.js';
import { parseSvg } from '../testing/svg-document.js';

/** A shape channel on a quantitative field: Vega-Lite drops it with a warning. */
const WARNS = { data: { values: [{ a: 1, b: 2 }] }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' }, shape: { field: 'b', type: 'quantitative' } } } as ChartSpec;

test('renderSvg passes warnings to onWarning, and prints nothing without it', async () => {
  const warnings: string[] = [];
  parseSvg(await renderSvg(WARNS, { onWarning: (w) => warnings.push(w) }));
  assert.ok(warnings.some((w) => /shape/.test(w)), `a warning about the shape channel: ${warnings}`);
  const printed: unknown[] = [];
  const saved = { warn: console.warn, error: console.error, log: console.log };
  console.warn = console.error = console.log = (...args: unknown[]) => printed.push(args);
  try {
    await renderSvg(WARNS);
  } finally {
    Object.assign(console, saved);
  }
  assert.deepEqual(printed, []);
});

test('renderSvg rejects a spec Vega cannot run, and the next render still works', async () => {
  const bad = { data: { values: [{ a: 1 }] }, transform: [{ calculate: 'datum.a +', as: 'b' }], mark: 'point', encoding: { x: { field: 'b', type: 'quantitative' } } } as ChartSpec;
  await assert.rejects(renderSvg(bad), /Unexpected end of input/);
  parseSvg(await renderSvg(WARNS));
});

test('renderSvg gives the same bytes for renders started together as for each alone (gradient ids restart)', async () => {
  // A colour legend on a quantitative field is a gradient, which Vega numbers.
  const spec = { data: { values: [{ a: 'x', b: 1 }, { a: 'y', b: 2 }] }, mark: 'rect', encoding: { x: { field: 'a', type: 'nominal' }, color: { field: 'b', type: 'quantitative' } } } as ChartSpec;
  const alone = await renderSvg(spec);
  assert.match(alone, /id="gradient_0"/);
  const together = await Promise.all([renderSvg(spec), renderSvg(spec), renderSvg(spec)]);
  assert.deepEqual(together, [alone, alone, alone]);
});
