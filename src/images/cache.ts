import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

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

/**
 * Runs `fn` in a fresh work directory (on the cache's file system, so the
 * result can be renamed into place) and removes it afterwards, even when `fn`
 * fails.
 */
export async function withWorkDir<T>(fn: (dir: string) => Promise<T>, under = join(cacheDir(), 'work')): Promise<T> {
  mkdirSync(under, { recursive: true });
  const dir = mkdtempSync(join(under, 'build-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
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

export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'pocketstack-'));
}
