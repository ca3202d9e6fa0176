import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { run } from '../../host/exec.js';

// The host's apt sources, found where apt itself looks (apt-config), passed to
// mmdebstrap as files: the image is made from exactly what this machine's
// apt would fetch, never from a mirror of ours.

function aptDir(dump: string, key: string, fallback: string): string {
  const m = new RegExp(`^${key.replace(/:/g, '\\:')} "([^"]*)";$`, 'm').exec(dump);
  return m ? m[1] : fallback;
}

/** The sources files (one-line .list or deb822 .sources) apt reads on this host. */
export async function hostSourceFiles(): Promise<string[]> {
  const dump = await run('apt-config', ['dump'], { timeoutMs: 30_000 });
  const root = aptDir(dump, 'Dir', '/');
  const etc = aptDir(dump, 'Dir::Etc', 'etc/apt');
  const at = (p: string) => (isAbsolute(p) ? p : join(root, etc, p));
  const files: string[] = [];
  const list = at(aptDir(dump, 'Dir::Etc::sourcelist', 'sources.list'));
  if (existsSync(list) && /^\s*deb\s/m.test(readFileSync(list, 'utf8'))) files.push(list);
  const parts = at(aptDir(dump, 'Dir::Etc::sourceparts', 'sources.list.d'));
  if (existsSync(parts))
    for (const f of readdirSync(parts).sort())
      if (f.endsWith('.list') || f.endsWith('.sources')) files.push(join(parts, f));
  if (!files.length)
    throw new Error('this host has no apt sources (nothing in /etc/apt/sources.list or sources.list.d)');
  return files;
}

/** The host's release codename (bookworm), which mmdebstrap needs as its suite. */
export function hostSuite(): string {
  const osRelease = readFileSync('/etc/os-release', 'utf8');
  const id = /^ID=(.*)$/m.exec(osRelease)?.[1]?.replace(/"/g, '');
  const codename = /^VERSION_CODENAME=(.*)$/m.exec(osRelease)?.[1]?.replace(/"/g, '');
  if (id !== 'debian' || !codename)
    throw new Error(
      `the debian builder needs a Debian host (its apt sources make the image); this is ${id ?? 'unknown'}`,
    );
  return codename;
}
