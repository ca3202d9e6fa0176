import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { EARLY_SYNC_BYTES, receive } from '../../../src/services/image/data.js';

/** `total` bytes of a repeating pattern, in chunks of 64 KiB as a socket gives them. */
function source(total: number): { stream: Readable; whole: () => Buffer } {
  const chunk = Buffer.alloc(64 << 10);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31) & 0xff;
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(chunk.length, total - sent);
      sent += n;
      this.push(Buffer.from(chunk.subarray(0, n)));
    },
  });
  const whole = () => {
    const b = Buffer.alloc(total);
    for (let at = 0; at < total; at += chunk.length) chunk.copy(b, at, 0, Math.min(chunk.length, total - at));
    return b;
  };
  return { stream, whole };
}

describe('image: receive (data to a synced file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'receive-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => vi.restoreAllMocks());

  async function datasyncSpy() {
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe);
    await probe.close();
    return vi.spyOn(proto, 'datasync');
  }

  it('syncs a large upload while it arrives, not only at the end, and the data is whole', async () => {
    const spy = await datasyncSpy();
    const size = 2 * EARLY_SYNC_BYTES + (3 << 20);
    const { stream, whole } = source(size);
    const got = await receive(stream, join(dir, 'large'), size);
    const data = whole();
    expect(got.size).toBe(size);
    expect(got.checksum).toBe(createHash('md5').update(data).digest('hex'));
    expect(got.os_hash_value).toBe(createHash('sha512').update(data).digest('hex'));
    expect(readFileSync(join(dir, 'large')).equals(data)).toBe(true);
    // at least one sync in the background before the final one
    expect(spy.mock.calls.length).toBeGreaterThanOrEqual(2);
  });

  it('a small upload is synced once, at the end', async () => {
    const spy = await datasyncSpy();
    const { stream } = source(100_000);
    await receive(stream, join(dir, 'small'), 100_000);
    expect(spy.mock.calls.length).toBe(1);
  });

  it('a short body leaves nothing behind, background syncs included', async () => {
    const size = EARLY_SYNC_BYTES + (5 << 20);
    const { stream } = source(size);
    await expect(receive(stream, join(dir, 'short'), size + 1)).rejects.toThrow(/Expected/);
    expect(() => readFileSync(join(dir, 'short'))).toThrow();
    expect(() => readFileSync(join(dir, 'short.part'))).toThrow();
  });
});
