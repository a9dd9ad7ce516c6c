/**
 * Reading the SVG the charts write, for tests: a strict XML parse (any error or warning fails, and
 * so does a character XML 1.0 forbids, which the parser lets through) and small helpers to find
 * Vega's mark groups and count what they drew. Not part of the public API.
 */
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';

/** Characters outside XML 1.0's `Char` production (control characters, lone surrogates, U+FFFE/U+FFFF). */
const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Parses `svg` as a standalone XML document whose root is an `<svg>` element, or throws. */
export function parseSvg(svg: string): Document {
  const bad = NOT_XML_CHAR.exec(svg);
  if (bad) throw new Error(`parseSvg: character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${bad.index} is not allowed in XML`);
  const parser = new DOMParser({
    onError: (level, message) => {
      throw new Error(`parseSvg: ${level}: ${message}`);
    },
  });
  const doc = parser.parseFromString(svg, 'image/svg+xml');
  if (doc.documentElement?.tagName !== 'svg') throw new Error(`parseSvg: the root element is ${doc.documentElement?.tagName}, not svg`);
  return doc;
}

/** Every element below `root` (depth first, in document order). */
export function elements(root: Document | Element): Element[] {
  const out: Element[] = [];
  const walk = (node: Document | Element) => {
    for (let child = node.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === 1) {
        out.push(child as Element);
        walk(child as Element);
      }
    }
  };
  walk(root);
  return out;
}

function classes(e: Element): string[] {
  return (e.getAttribute('class') ?? '').split(/\s+/);
}

/** Vega's groups of marks with all the given classes (`mark-line`, `role-axis-label`, `history_marks` ...). */
export function markGroups(doc: Document, ...classNames: string[]): Element[] {
  return elements(doc).filter((e) => e.tagName === 'g' && classNames.every((c) => classes(e).includes(c)));
}

/** The one mark group with these classes, or a failure naming what was found. */
export function markGroup(doc: Document, ...classNames: string[]): Element {
  const found = markGroups(doc, ...classNames);
  if (found.length !== 1) throw new Error(`expected one <g class="${classNames.join(' ')}">, found ${found.length}`);
  return found[0];
}

/** The items a mark group drew: its child elements (`<path>` for lines, areas, symbols and rects, `<text>` for text). */
export function items(group: Element): Element[] {
  const out: Element[] = [];
  for (let child = group.firstChild; child; child = child.nextSibling) if (child.nodeType === 1) out.push(child as Element);
  return out;
}

/** The texts of a mark group's items, in order. */
export function itemTexts(group: Element): string[] {
  return items(group).map((e) => e.textContent ?? '');
}

/**
 * The points of an SVG path made of absolute M and L commands (Vega's lines and areas): one per
 * command, each as [x, y]; `Z` closes without a point. Other commands throw, so that a change of
 * how Vega draws shows up as a failure, not a wrong count.
 */
export function pathPoints(d: string): [number, number][] {
  const points: [number, number][] = [];
  for (const m of d.matchAll(/([A-Za-z])([^A-Za-z]*)/g)) {
    const [, command, args] = m;
    if (command === 'Z') continue;
    if (command !== 'M' && command !== 'L') throw new Error(`pathPoints: command ${command} in ${d.slice(0, 80)}`);
    const xy = args.split(',').map(Number);
    if (xy.length !== 2 || !xy.every(Number.isFinite)) throw new Error(`pathPoints: bad coordinates ${JSON.stringify(args)}`);
    points.push([xy[0], xy[1]]);
  }
  return points;
}

/** The number of separate pieces (M commands) in a path. */
export function pathPieces(d: string): number {
  return (d.match(/M/g) ?? []).length;
}

/** The x, y of an item placed with `transform="translate(x,y)"` (Vega's texts and symbols). */
export function translation(e: Element): [number, number] {
  const m = /translate\(([-\d.e]+),([-\d.e]+)\)/.exec(e.getAttribute('transform') ?? '');
  if (!m) throw new Error(`translation: no translate() in ${e.getAttribute('transform')}`);
  return [Number(m[1]), Number(m[2])];
}

/**
 * The labels of the chart's axes, told apart by layout: an x axis's labels share one y, a y
 * axis's share one x. Axes with a single label are left out (they could be either).
 */
export function axisLabels(doc: Document): { x: string[][]; y: string[][] } {
  const out = { x: [] as string[][], y: [] as string[][] };
  for (const group of markGroups(doc, 'role-axis-label')) {
    const labels = items(group);
    if (labels.length < 2) continue;
    const at = labels.map(translation);
    if (at.every(([, y]) => y === at[0][1])) out.x.push(labels.map((e) => e.textContent ?? ''));
    else if (at.every(([x]) => x === at[0][0])) out.y.push(labels.map((e) => e.textContent ?? ''));
  }
  return out;
}

/** The texts of every legend entry, in order. */
export function legendLabels(doc: Document): string[] {
  return markGroups(doc, 'role-legend-label').flatMap(itemTexts);
}
