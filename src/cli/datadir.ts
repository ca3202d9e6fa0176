import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StartError } from './errors.js';

const errCode = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/**
 * Makes the data dir (and its missing parents) and proves it writable, or
 * throws a StartError that says what is wrong and what to do. The parents are
 * made one by one: Node's recursive mkdir never returns under /proc.
 */
export function ensureDataDir(dir: string): string {
  const abs = resolve(dir);
  const fix = 'choose another with --data-dir (or POCKETSTACK_DATA_DIR)';
  const kernelFs = /^\/(proc|sys|dev)(\/|$)/.exec(abs);
  if (kernelFs) throw new StartError(`data dir ${abs} is under /${kernelFs[1]}, which holds no files of yours: ${fix}`);
  let path = '';
  for (const part of abs.split('/').filter(Boolean)) {
    path += `/${part}`;
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (e) {
      if (errCode(e) !== 'ENOENT')
        throw new StartError(`data dir ${abs}: cannot look at ${path} (${errCode(e)}): ${fix}`);
      try {
        mkdirSync(path, { mode: 0o700 });
      } catch (e2) {
        throw new StartError(`data dir ${abs}: cannot create ${path} (${errCode(e2)}): ${fix}`);
      }
      continue;
    }
    if (!isDir)
      throw new StartError(
        path === abs
          ? `data dir ${abs} is a file, not a directory: ${fix}`
          : `data dir ${abs}: ${path} is a file, not a directory: ${fix}`,
      );
  }
  const probe = join(abs, `.write-test-${process.pid}`);
  try {
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (e) {
    throw new StartError(
      `data dir ${abs} is not writable (${errCode(e)}): give yourself write access to it (chown/chmod) or ${fix}`,
    );
  }
  return abs;
}
