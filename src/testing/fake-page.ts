/**
 * Stand-ins for the dashboard page's built files, for server tests that must not depend on
 * `npm run build:dashboard`. Tests only.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The contents of the stand-ins, for tests that check what is served. */
export const FAKE_PAGE: Readonly<Record<string, string>> = {
  'index.html': '<!doctype html><title>fake page</title>',
  'app.js': 'console.log("fake app");',
  'app.css': 'body { color: black; }',
};

/** `<root>/static` holding FAKE_PAGE's files; returns its path. */
export function fakePageDir(root: string): string {
  const dir = join(root, 'static');
  mkdirSync(dir);
  for (const [name, text] of Object.entries(FAKE_PAGE)) writeFileSync(join(dir, name), text);
  return dir;
}
