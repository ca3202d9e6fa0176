import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** One page of random bytes in page-aligned shared memory (a WebAssembly memory starts on a page): writable direct. */
const sharedPage = () => {
  const page = Buffer.from(new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer);
  randomBytes(page.length).copy(page);
  return page;
};

/** An O_DIRECT descriptor of the file, or none where the file system refuses O_DIRECT (as data.ts does). */
function openDirect(path: string): number | undefined {
  try {
    return openSync(path, constants.O_WRONLY | constants.O_DIRECT);
  } catch {
    return undefined;
  }
}

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

  it('writes page-aligned blocks through an O_DIRECT descriptor, and the others (or all, if refused) buffered', async () => {
    const path = join(dir, 'direct');
    const file = await open(path, 'wx');
    const direct = openDirect(path);
    const write = writeOffThread(file, 2, direct);
    const page = sharedPage();
    // 16 bytes into shared memory: not page-aligned, so not direct
    const skewed = shared(randomBytes(8192 + 16)).subarray(16);
    const tail = shared(randomBytes(1000));
    await write.update(page, 0);
    await write.update(skewed, page.length);
    await write.update(tail, page.length + skewed.length);
    await write.finish();
    if (direct !== undefined) closeSync(direct);
    await file.close();
    expect(readFileSync(path).equals(Buffer.concat([page, skewed, tail]))).toBe(true);
  });

  it('falls back to buffered writes for good when the kernel refuses a direct one, the data whole', async () => {
    const path = join(dir, 'refused');
    const file = await open(path, 'wx');
    const direct = openDirect(path);
    const write = writeOffThread(file, 2, direct);
    // plain shared memory is 16-byte aligned: the kernel refuses it direct (EINVAL), so it goes buffered
    const plain = shared(randomBytes(8192));
    const page = sharedPage();
    await write.update(plain, 0);
    await write.update(page, plain.length);
    await write.finish();
    if (direct !== undefined) closeSync(direct);
    await file.close();
    expect(readFileSync(path).equals(Buffer.concat([plain, page]))).toBe(true);
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
