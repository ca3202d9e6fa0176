import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM beside the bin, no types
import { loadBundle } from '../../bin/load-bundle.js';

describe('bin: the bundle run through the code cache', () => {
  it('can import() at run time (the qemu driver and host setup do)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bundle-')), 'b.cjs');
    writeFileSync(file, "module.exports = { sep: () => import('node:path').then((p) => p.sep) };");
    const bundle = loadBundle(file);
    expect(await bundle.sep()).toBe('/');
  });
});
