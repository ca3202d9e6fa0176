import { open, stat, truncate } from 'node:fs/promises';

// The serial console log: qemu appends to it (across reboots, as libvirt's
// console.log); the API returns at most its last 100 KiB (Nova's
// MAX_CONSOLE_BYTES), tailed by lines as Nova's compute manager does.

const MAX_CONSOLE_BYTES = 100 * 1024;
/** Past this, the log is cut back to its last MAX_CONSOLE_BYTES when the guest next starts. */
const ROTATE_BYTES = 1024 * 1024;

async function lastBytes(path: string, n: number): Promise<Buffer> {
  const h = await open(path, 'r').catch(() => undefined);
  if (!h) return Buffer.alloc(0);
  try {
    const { size } = await h.stat();
    const len = Math.min(n, size);
    const buf = Buffer.alloc(len);
    await h.read(buf, 0, len, size - len);
    return buf;
  } finally {
    await h.close();
  }
}

export async function readConsole(path: string, tailLength?: number): Promise<string> {
  const text = (await lastBytes(path, MAX_CONSOLE_BYTES)).toString('utf8');
  if (tailLength === undefined) return text;
  if (tailLength === 0) return '';
  return text.split('\n').slice(-tailLength).join('\n');
}

/** Keeps the log bounded: called before qemu (re)opens it. */
export async function rotateConsole(path: string): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  if (!st || st.size <= ROTATE_BYTES) return;
  const keep = await lastBytes(path, MAX_CONSOLE_BYTES);
  await truncate(path, 0);
  const h = await open(path, 'a');
  await h.write(keep);
  await h.close();
}
