#!/usr/bin/env node
// The executable behind `recur` (package.json "bin"); all logic is in main.ts.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
