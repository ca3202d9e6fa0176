#!/usr/bin/env node
// Runs the bundle (dist/pocketstack.cjs) through V8's code cache, so a start
// after the first does not compile the bundle again (Node 20 has no module
// compile cache of its own). In a source checkout, dist/ is rebuilt first when
// src/ changed, in this process: a prestart step would cost a second Node start.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

if (existsSync(new URL('../src/cli/main.ts', import.meta.url))) {
  const { buildIfStale } = await import('../scripts/build.mjs');
  await buildIfStale();
}

const file = fileURLToPath(new URL('../dist/pocketstack.cjs', import.meta.url));
const cacheFile = `${file}.v8-cache`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {}
const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
if (cachedData === undefined || script.cachedDataRejected) {
  // Written once start-up is over, so the functions it compiled are in it too;
  // a read-only install simply runs without one.
  const write = () => {
    try {
      writeFileSync(cacheFile, script.createCachedData());
    } catch {}
  };
  setTimeout(write, 2000).unref();
}
const mod = new Module(file);
mod.filename = file;
script.runInThisContext()(mod.exports, createRequire(file), mod, file, dirname(file));
