import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../host/exec.js';

// Debian packages, from the machine's own apt sources only (whatever
// /etc/apt says; never a mirror of ours): what version apt would install,
// the .deb fetched with `apt-get download` into a cache, and unpacked with
// `dpkg-deb -x` into a build directory. Nothing is installed on the host.

const NAME = /^[a-z0-9][a-z0-9+.-]+$/;

/** Throws unless `name` is a Debian package name (it goes into apt's argv). */
export function assertPackageName(name: string): string {
  if (!NAME.test(name)) throw new Error(`not a Debian package name: ${JSON.stringify(name)}`);
  return name;
}

/** The version apt would install of each package (its candidate); throws for a package apt does not know. */
export async function candidates(names: string[]): Promise<Map<string, string>> {
  for (const n of names) assertPackageName(n);
  const out = await run('apt-cache', ['policy', ...names], { timeoutMs: 60_000 });
  const found = new Map<string, string>();
  let current = '';
  for (const line of out.split('\n')) {
    const head = /^(\S+):$/.exec(line);
    if (head) current = head[1];
    const cand = /^\s+Candidate:\s+(\S+)/.exec(line);
    if (cand && current && cand[1] !== '(none)') found.set(current, cand[1]);
  }
  const missing = names.filter((n) => !found.has(n));
  if (missing.length)
    throw new Error(`apt has no installable version of ${missing.join(', ')} (run apt-get update, or check the name)`);
  return found;
}

/**
 * The packages each of `names` depends on (first of each alternative), from
 * one `apt-cache depends` (with `recurse`, their dependencies' too: each apt
 * call costs a second or more where apt keeps no package cache).
 */
export async function depends(names: string[], recurse = false): Promise<Map<string, string[]>> {
  for (const n of names) assertPackageName(n);
  const flags = ['--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances'];
  if (recurse) flags.push('--recurse');
  const out = await run('apt-cache', ['depends', ...flags, ...names], { timeoutMs: 60_000 });
  const found = new Map<string, string[]>();
  let deps: string[] = [];
  let alternative = false; // the line before was "|Depends: a": this one is a's alternative
  for (const line of out.split('\n')) {
    if (/^\S/.test(line)) {
      deps = [];
      found.set(line.trim(), deps);
      alternative = false;
      continue;
    }
    const m = /^\s(\||\s)(?:Pre)?Depends:\s+<?([^>\s]+)>?/.exec(line);
    if (!m) continue;
    if (!alternative && !deps.includes(m[2])) deps.push(m[2]);
    alternative = m[1] === '|';
  }
  return found;
}

/** The file name a package version is cached under. */
function debName(name: string, version: string): string {
  return `${name}_${version.replace(/[^A-Za-z0-9.+~-]/g, '_')}_amd64.deb`;
}

/**
 * The .deb of each `name → version`, fetched by apt into `cacheDir` when not
 * there yet; returns their paths in the order given.
 */
export async function fetchDebs(packages: Map<string, string>, cacheDir: string): Promise<Map<string, string>> {
  mkdirSync(cacheDir, { recursive: true });
  const paths = new Map<string, string>();
  const wanted: string[] = [];
  for (const [name, version] of packages) {
    const path = join(cacheDir, debName(name, version));
    paths.set(name, path);
    if (!existsSync(path)) wanted.push(name);
  }
  if (!wanted.length) return paths;
  // apt names files its own way (epochs as %3a): fetch into a fresh directory, then rename
  const tmp = mkdtempSync(join(cacheDir, '.fetch-'));
  try {
    const specs = wanted.map((n) => `${n}=${packages.get(n)}`);
    await run('apt-get', ['download', '-q', '-o', 'APT::Sandbox::User=root', ...specs], {
      cwd: tmp,
      timeoutMs: 600_000,
    });
    for (const file of readdirSync(tmp)) {
      const name = file.split('_')[0];
      if (packages.has(name)) renameSync(join(tmp, file), paths.get(name)!);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  for (const n of wanted) if (!existsSync(paths.get(n)!)) throw new Error(`apt-get download gave no file for ${n}`);
  return paths;
}

/** Unpacks a .deb's files into `dir` (no maintainer scripts run). */
export async function extractDeb(deb: string, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await run('dpkg-deb', ['-x', deb, dir], { timeoutMs: 120_000 });
}
