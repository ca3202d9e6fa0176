import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM, no types
import { bundleOptions } from '../../scripts/build.mjs';

const bin = join(__dirname, '../../bin/load-bundle.js');

describe('bin: the bundle run through the code cache', () => {
  it('runs import() in the bundle, also from the code cache (the qemu driver and host setup use it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
    writeFileSync(join(dir, 'entry.ts'), "export const sep = () => import('node:path').then((p) => p.sep);\n");
    await build({
      ...bundleOptions,
      entryPoints: [join(dir, 'entry.ts')],
      outfile: join(dir, 'b.cjs'),
      sourcemap: false,
    });
    // called after the code cache is written (2 s), in a first run and in a run that reads the cache
    const script = `import { loadBundle } from ${JSON.stringify(bin)};
      const b = loadBundle(${JSON.stringify(join(dir, 'b.cjs'))});
      setTimeout(() => b.sep().then((s) => console.log('sep', s), (e) => console.log('error', e.message)), 2200);`;
    for (const run of ['first', 'cached']) {
      const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(out.stdout.trim(), `${run} run: ${out.stderr}`).toBe('sep /');
    }
  });
});
