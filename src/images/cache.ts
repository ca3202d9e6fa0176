import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { run } from '../host/exec.js';

// Where built images and fetched packages are kept: one cache per user,
// shared by every data dir (tests make many), keyed by a builder's inputs.

export function cacheDir(): string {
  return (
    process.env.POCKETSTACK_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'pocketstack')
  );
}

/** A short stable key for a builder's inputs (package versions, scripts, options). */
export function inputsKey(inputs: unknown): string {
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
}

/** Mount points at or under `dir` (mmdebstrap mounts /proc, /sys and /dev in its tree while it runs), deepest first. */
function mountsUnder(dir: string): string[] {
  if (!existsSync('/proc/self/mounts')) return [];
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => (l.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/**
 * Removes a build directory, never through a mount point: a build killed
 * midway can leave the host's /dev or /sys mounted inside its tree, and a
 * recursive delete would go through them. Lazily unmounts them first; if any
 * stays mounted, the directory is left and an error says where.
 */
export async function removeBuildDir(dir: string): Promise<void> {
  for (const m of mountsUnder(dir)) await run('umount', ['--lazy', m]).catch(() => {});
  const left = mountsUnder(dir);
  if (left.length) throw new Error(`not removing ${dir}: still mounted there: ${left.join(', ')}`);
  rmSync(dir, { recursive: true, force: true });
}

/** Work directories older than this are from a build that died: removed by the next build. */
const STALE_MS = 6 * 3600_000;

/**
 * Runs `fn` in a fresh work directory (on the cache's file system, so the
 * result can be renamed into place) and removes it afterwards, even when `fn`
 * fails.
 */
export async function withWorkDir<T>(fn: (dir: string) => Promise<T>, under = join(cacheDir(), 'work')): Promise<T> {
  mkdirSync(under, { recursive: true });
  for (const old of readdirSync(under)) {
    const p = join(under, old);
    if (Date.now() - statSync(p).mtimeMs > STALE_MS) await removeBuildDir(p).catch(() => {});
  }
  const dir = mkdtempSync(join(under, 'build-'));
  let failed = false;
  try {
    return await fn(dir);
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    // a cleanup failure is reported, but never hides the build's own error
    await removeBuildDir(dir).catch((err: Error) => {
      if (!failed) throw err;
      process.emitWarning(err.message);
    });
  }
}

/** Moves a finished file into the cache at `path` atomically. */
export function publish(file: string, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  renameSync(file, path);
}

/** Copies a built image to where the user asked (`--output`), through a temporary name. */
export function copyOut(from: string, to: string): void {
  const tmp = `${to}.part`;
  copyFileSync(from, tmp);
  renameSync(tmp, to);
}

/**
 * Keeps the `keep` newest built images whose names start with `prefix`
 * (tiny-, debian-bookworm-) and removes the older ones with their notes:
 * every change of inputs makes a new file, and a debian image is 250 MB.
 */
export function pruneImages(prefix: string, keep = 2): void {
  const dir = join(cacheDir(), 'images');
  if (!existsSync(dir)) return;
  const images = readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.qcow2'))
    .map((f) => ({ f, at: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  for (const { f } of images.slice(keep)) {
    rmSync(join(dir, f), { force: true });
    rmSync(join(dir, f.replace(/\.qcow2$/, '.json')), { force: true });
  }
}

/** Removes cached .debs that are not among `keep` (file names): the tiny build's previous versions. */
export function pruneDebs(dir: string, keep: Set<string>): void {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) if (f.endsWith('.deb') && !keep.has(f)) rmSync(join(dir, f), { force: true });
}
