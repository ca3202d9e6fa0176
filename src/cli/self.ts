import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { builtinDataDir } from '../config.js';

// The commands start and stop print must work where they are typed: the
// package is not on the npm registry, so `npx pocketstack` works only inside
// the checkout. When `pocketstack` on PATH is this very program (npm install
// -g, npm link), that name; otherwise node and this program's full path.

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {}
  }
  return undefined;
}

const real = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** How to run this pocketstack from any directory: `pocketstack`, or `node /path/to/bin/pocketstack.js`. */
export function selfCommand(script = process.argv[1]): string {
  const found = onPath('pocketstack');
  if (found && real(found) === real(script)) return 'pocketstack';
  return `${shellQuote(process.execPath)} ${shellQuote(real(script))}`;
}

/** ` --data-dir D` unless D is where pocketstack looks when not told (a shell without POCKETSTACK_DATA_DIR). */
export function dataDirArg(dataDir: string): string {
  return real(dataDir) === real(builtinDataDir()) ? '' : ` --data-dir ${shellQuote(dataDir)}`;
}
