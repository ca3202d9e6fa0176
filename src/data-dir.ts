import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

// The data dir holds every secret of the cloud (the database with password
// hashes and credentials, keys, image and volume bytes): only its owner may
// read it. Files pocketstack and the processes it starts (qemu, qemu-img,
// dnsmasq, which run as the same user) create are the owner's alone (umask
// 077), and the database files of an older data dir are narrowed at start.

/** Mode of the data dir and of every directory under it. */
export const DIR_MODE = 0o700;
/** Mode of every file under it. */
export const FILE_MODE = 0o600;

/** Files of the database (SQLite with its WAL) and the log, whatever mode an older version left. */
const PRIVATE_FILES = ['pocketstack.db', 'pocketstack.db-wal', 'pocketstack.db-shm', 'pocketstack.log'];
/** Directories of image and volume bytes, narrowed the same way. */
const DATA_DIRS = ['images', 'images/staging', 'volumes'];

/**
 * Makes the data dir private (0700, umask 077 for this process and its
 * children) and empties its scratch dir: files there belong to operations a
 * stop cut short, which start over from their records.
 */
export function prepareDataDir(dataDir: string): void {
  process.umask(0o077);
  mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
  chmodSync(dataDir, DIR_MODE);
  for (const f of PRIVATE_FILES) if (existsSync(join(dataDir, f))) chmodSync(join(dataDir, f), FILE_MODE);
  for (const d of DATA_DIRS) {
    const dir = join(dataDir, d);
    if (!existsSync(dir)) continue;
    chmodSync(dir, DIR_MODE);
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isFile()) chmodSync(join(dir, e.name), FILE_MODE);
  }
  const scratch = scratchDir(dataDir);
  if (existsSync(scratch))
    for (const f of readdirSync(scratch)) rmSync(join(scratch, f), { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true, mode: DIR_MODE });
}

/**
 * <data-dir>/tmp: where work in progress that has no name of its own yet
 * lives (a snapshot being flattened, a volume being converted for an
 * image), on the data's own filesystem rather than a tmpfs /tmp, and swept
 * at every start.
 */
export function scratchDir(dataDir: string): string {
  return join(dataDir, 'tmp');
}
