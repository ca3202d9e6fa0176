import { existsSync } from 'node:fs';
import { run } from './exec.js';
import { ownerAlias } from './names.js';

// Network namespaces pocketstack owns. Each is marked by the alias
// `pocketstack:<tag>` on its loopback device, so that what belongs to one
// cloud is found again after a crash or a lost data dir.

/** Every namespace on the host (`ip netns list`). */
export async function listNamespaces(): Promise<string[]> {
  const out = await run('ip', ['-j', 'netns', 'list']);
  if (!out.trim()) return [];
  return (JSON.parse(out) as { name: string }[]).map((n) => n.name);
}

async function aliasOf(ns: string): Promise<string | undefined> {
  try {
    const out = await run('ip', ['-n', ns, '-j', 'link', 'show', 'lo']);
    return (JSON.parse(out) as { ifalias?: string }[])[0]?.ifalias;
  } catch {
    return undefined;
  }
}

/** Whether the named namespace exists (its mount point under /run/netns, as iproute2 keeps them). */
export function namespaceExists(name: string): boolean {
  return existsSync(`/run/netns/${name}`);
}

/** The namespaces marked as this cloud's (`tag`), or any pocketstack cloud's when tag is '*'. */
export async function ownedNamespaces(tag: string): Promise<string[]> {
  const all = await listNamespaces();
  const marks = await Promise.all(all.map(aliasOf));
  return all.filter((_, i) => {
    const a = marks[i];
    return tag === '*' ? a?.startsWith('pocketstack:') : a === ownerAlias(tag);
  });
}

/** The namespace exists, its loopback is up and carries this cloud's mark. */
export async function ensureNamespace(name: string, tag: string): Promise<void> {
  if (!namespaceExists(name)) {
    try {
      await run('ip', ['netns', 'add', name]);
    } catch (e) {
      // created meanwhile by a concurrent call
      if (!namespaceExists(name)) throw e;
    }
  }
  await run('ip', ['-n', name, 'link', 'set', 'lo', 'up', 'alias', ownerAlias(tag)]);
}

/** Kills every process still inside the namespace, then deletes it. No-op when it does not exist. */
export async function removeNamespace(name: string): Promise<void> {
  if (!namespaceExists(name)) return;
  const pids = (await run('ip', ['netns', 'pids', name]).catch(() => '')).split(/\s+/).filter(Boolean);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await run('ip', ['netns', 'delete', name]);
}

/** `sysctl -w key=value` inside the namespace (sysctls of net.* are per namespace). */
export async function setSysctl(ns: string, key: string, value: string): Promise<void> {
  await run('sysctl', ['-qw', `${key}=${value}`], { netns: ns });
}
