// Runs a CommonJS bundle through V8's code cache (`<file>.v8-cache`), so a
// start after the first does not compile it again (Node 20 has no module
// compile cache of its own). Returns the bundle's module.exports.
import { readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

export function loadBundle(file) {
  const cacheFile = `${file}.v8-cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {}
  // No dynamic import() can run in code loaded this way once the code cache is used (Node 20 does not
  // restore the loader for cached code): scripts/build.mjs turns every import() into a require().
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
  return mod.exports;
}
