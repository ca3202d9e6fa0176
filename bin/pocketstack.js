#!/usr/bin/env node
// In a source checkout, dist/ is rebuilt first when src/ changed (in-process:
// a separate prestart step would cost a second Node start on every start).
import { existsSync } from 'node:fs';

if (existsSync(new URL('../src/cli/main.ts', import.meta.url))) {
  const { buildIfStale } = await import('../scripts/build.mjs');
  await buildIfStale();
}
await import('../dist/pocketstack.js');
