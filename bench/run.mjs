// npm run bench [-- NAME...]: runs bench/NAME.bench.mjs (all of them when no
// name is given), each of which prints its own table. Benchmarks measure
// pocketstack against the real service where one runs here (../shared/peers),
// as ratios in one run; they are scripts, never timed tests.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace('.bench.mjs', '')))
  .sort();
for (const f of files) {
  console.log(`\n## ${f.replace('.bench.mjs', '')}`);
  const mod = await import(join(here, f));
  await mod.default();
}
