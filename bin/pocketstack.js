#!/usr/bin/env node
// Runs the bundle (dist/pocketstack.cjs) through V8's code cache
// (load-bundle.js). In a source checkout, dist/ is rebuilt first when src/
// changed, in this process: a prestart step would cost a second Node start.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadBundle } from './load-bundle.js';

if (existsSync(new URL('../src/cli/main.ts', import.meta.url))) {
  const { buildIfStale } = await import('../scripts/build.mjs');
  await buildIfStale();
}

loadBundle(fileURLToPath(new URL('../dist/pocketstack.cjs', import.meta.url)));
