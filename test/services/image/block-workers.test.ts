import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashOffThread, writeOffThread } from '../../../src/services/image/block-workers.js';

const shared = (data: Buffer) => {
  const block = Buffer.from(new SharedArrayBuffer(data.length));
  data.copy(block);
  return block;
};

describe('image: block workers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'block-workers-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hashes blocks off the thread as createHash does, several jobs at once', async () => {
    const parts = [randomBytes(70_000), randomBytes(3), randomBytes(1 << 20)];
    const md5 = hashOffThread('md5', 0);
    const sha512 = hashOffThread('sha512', 1);
    const other = hashOffThread('md5', 0);
    for (const p of parts) await Promise.all([md5.update(shared(p), 0), sha512.update(shared(p), 0)]);
    await other.update(shared(Buffer.from('other')), 0);
    const whole = Buffer.concat(parts);
    expect(await md5.finish()).toBe(createHash('md5').update(whole).digest('hex'));
    expect(await sha512.finish()).toBe(createHash('sha512').update(whole).digest('hex'));
    expect(await other.finish()).toBe(createHash('md5').update('other').digest('hex'));
  });

  it('writes blocks at their positions, in any order', async () => {
    const path = join(dir, 'written');
    const file = await open(path, 'wx');
    const write = writeOffThread(file, 0);
    const [a, b] = [randomBytes(4096), randomBytes(5000)];
    await Promise.all([write.update(shared(b), a.length), write.update(shared(a), 0)]);
    expect(await write.finish()).toBeUndefined();
    await file.close();
    expect(readFileSync(path).equals(Buffer.concat([a, b]))).toBe(true);
  });

  it('fails the upload when a write fails, and refuses blocks not in shared memory', async () => {
    const path = join(dir, 'read-only');
    writeFileSync(path, '');
    const file = await open(path, 'r');
    const write = writeOffThread(file, 0);
    await expect(write.update(shared(Buffer.from('data')), 0)).rejects.toThrow(/image data worker: .*EBADF/);
    await expect(write.finish()).rejects.toThrow('job is over');
    // blocks in flight behind a failed one fail with it (none is left waiting)
    const many = writeOffThread(file, 0);
    const results = await Promise.allSettled([0, 1, 2, 3].map((i) => many.update(shared(Buffer.from('d')), i)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(String((results[3] as PromiseRejectedResult).reason)).toMatch(/EBADF/);
    await file.close();
    expect(() => hashOffThread('md5', 0).update(Buffer.from('x'), 0)).toThrow('shared memory');
  });
});
