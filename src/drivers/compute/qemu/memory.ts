import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { GuestFiles } from './layout.js';
import type { Qmp } from './qmp.js';

// Suspend and resume, as Nova's libvirt driver does them (managed save):
// the paused guest's memory and device state are migrated into a file, and
// qemu exits; resume starts qemu waiting for an incoming migration and
// feeds it the file. The stream goes through a unix socket pocketstack
// serves or dials, so no shell ever runs (qemu 7's `exec:` would).

const MIGRATE_MS = 10 * 60_000;

async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + MIGRATE_MS;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not done in ${MIGRATE_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function saveMemory(q: Qmp, f: GuestFiles): Promise<void> {
  const part = `${f.memory}.part`;
  await rm(f.saveSocket, { force: true });
  let written: Promise<void> | undefined;
  const server = createServer((sock) => {
    written ??= pipeline(sock, createWriteStream(part));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(f.saveSocket, resolve);
  });
  try {
    await q.execute('stop');
    await q.execute('migrate', { uri: `unix:${f.saveSocket}` });
    await until('saving memory', async () => {
      const m = await q.execute<{ status?: string; 'error-desc'?: string }>('query-migrate');
      if (m.status === 'completed') return true;
      if (m.status === 'failed' || m.status === 'cancelled')
        throw new Error(`saving memory failed: ${m['error-desc'] ?? m.status}`);
      return undefined;
    });
    if (!written) throw new Error('saving memory: qemu never connected');
    await written;
    await rename(part, f.memory);
  } catch (e) {
    await rm(part, { force: true });
    throw e;
  } finally {
    server.close();
    await rm(f.saveSocket, { force: true });
  }
}

/** qemu was started with `-incoming defer`: feeds it the saved state and lets the guest run. */
export async function restoreMemory(q: Qmp, f: GuestFiles): Promise<void> {
  await rm(f.saveSocket, { force: true });
  await q.execute('migrate-incoming', { uri: `unix:${f.saveSocket}` });
  const sock = createConnection(f.saveSocket);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  await pipeline(createReadStream(f.memory), sock);
  const status = await until('restoring memory', async () => {
    const s = await q.execute<{ status: string }>('query-status');
    return s.status === 'inmigrate' ? undefined : s.status;
  });
  if (status !== 'running') await q.execute('cont');
  await rm(f.saveSocket, { force: true });
}
