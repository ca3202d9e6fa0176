import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { backingFile, renameBacking } from '../host/disk-files.js';

// The store names no path of the data dir, but the qemu driver's guests do:
// each guest's record (guest.json: its base image, kernel, volumes) and its
// qcow2 overlays (the backing file in their header) hold absolute paths. A
// snapshot loaded as another data dir has them pointed into the new one,
// or its guests would boot from (and write to) the old cloud's files.

const QCOW2 = Buffer.from([0x51, 0x46, 0x49, 0xfb]);

function isQcow2(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.equals(QCOW2);
  } finally {
    closeSync(fd);
  }
}

/** Every string under `from/` in a parsed JSON value, moved under `to/`. */
function moved(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string')
    return value === from || value.startsWith(`${from}/`) ? to + value.slice(from.length) : value;
  if (Array.isArray(value)) return value.map((v) => moved(v, from, to));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, moved(v, from, to)]));
  return value;
}

/**
 * Rewrites the guests' paths in `dir` (a loaded snapshot, not yet in
 * place) from the data dir `from` to `to`. Returns how many files changed.
 */
export async function relocateGuests(dir: string, from: string, to: string): Promise<number> {
  const instances = join(dir, 'instances');
  if (from === to || !existsSync(instances)) return 0;
  let changed = 0;
  for (const uuid of readdirSync(instances)) {
    if (!/^[0-9a-f-]{36}$/.test(uuid)) continue;
    const guest = join(instances, uuid);
    for (const name of readdirSync(guest)) {
      const path = join(guest, name);
      if (name === 'guest.json') {
        const text = readFileSync(path, 'utf8');
        const out = `${JSON.stringify(moved(JSON.parse(text), from, to), null, 2)}\n`;
        if (out !== text) {
          writeFileSync(`${path}.tmp`, out);
          renameSync(`${path}.tmp`, path);
          changed++;
        }
      } else if (name.startsWith('disk') && isQcow2(path)) {
        const b = await backingFile(path);
        if (b && (b.path === from || b.path.startsWith(`${from}/`))) {
          await renameBacking(path, to + b.path.slice(from.length), b.format ?? 'raw');
          changed++;
        }
      }
    }
  }
  return changed;
}
