import { spawn } from 'node:child_process';

// The one way pocketstack runs a command on the host (ip, nft, dnsmasq, qemu,
// qemu-img, ...): an argument array, never a shell string, so nothing a user
// typed can become a command. Every data-plane module goes through `run`;
// `onCommand` lets tests and `--log-level debug` see what ran.

export interface RunOptions {
  /** Run inside this network namespace (`ip netns exec NS cmd ...`). */
  netns?: string;
  /** Written to the command's stdin (e.g. an nft script for `nft -f -`). */
  input?: string;
  /** Killed (SIGKILL) after this long; default 30 s. */
  timeoutMs?: number;
  /** Exit codes that count as success besides 0. */
  okCodes?: number[];
  /** Working directory of the command (e.g. `apt-get download` writes there). */
  cwd?: string;
  /** Called with each chunk of stdout and stderr as it comes (progress of a long build). */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  /** Aborting kills the command (SIGKILL): a long-running one (a test's qemu) ended on demand. */
  signal?: AbortSignal;
  /** Added to the environment (a password for pg_dump, never on its command line). */
  env?: Record<string, string>;
}

export class HostCommandError extends Error {
  constructor(
    readonly command: string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(
      `${command.join(' ')} failed${code === null ? ' (killed)' : ` (exit ${code})`}: ${stderr.trim() || 'no output'}`,
    );
    this.name = 'HostCommandError';
  }
}

export class HostCommandMissing extends Error {
  constructor(
    readonly command: string,
    readonly debianPackage?: string,
  ) {
    super(`${command} is not installed${debianPackage ? ` (apt-get install ${debianPackage})` : ''}`);
    this.name = 'HostCommandMissing';
  }
}

/** Which Debian package provides each command we run (for the "not installed" message). */
const PACKAGES: Record<string, string> = {
  ip: 'iproute2',
  nft: 'nftables',
  dnsmasq: 'dnsmasq-base',
  'qemu-img': 'qemu-utils',
  'qemu-system-x86_64': 'qemu-system-x86',
  mmdebstrap: 'mmdebstrap',
  sfdisk: 'fdisk',
  'mkfs.ext4': 'e2fsprogs',
  'mkfs.fat': 'dosfstools',
  syslinux: 'syslinux syslinux-common',
  mcopy: 'mtools',
  'dpkg-deb': 'dpkg',
  'apt-get': 'apt',
  'apt-cache': 'apt',
  pg_dump: 'postgresql-client',
  pg_restore: 'postgresql-client',
};

type Listener = (argv: string[], ms: number, error?: Error) => void;
const listeners = new Set<Listener>();

/** Calls `fn` after every command (its argv, how long it took, its error if it failed); returns an unsubscribe. */
export function onCommand(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function checkArg(a: string): void {
  if (typeof a !== 'string' || a.includes('\0'))
    throw new Error(`host command argument is not a plain string: ${String(a)}`);
}

/** The full argv `run` executes for `cmd args` with `opts` (exported for tests). */
export function argv(cmd: string, args: string[], opts: RunOptions = {}): string[] {
  for (const a of [cmd, ...args]) checkArg(a);
  if (opts.netns) checkArg(opts.netns);
  return opts.netns ? ['ip', 'netns', 'exec', opts.netns, cmd, ...args] : [cmd, ...args];
}

/**
 * Runs `cmd args` and resolves with its stdout; rejects with HostCommandError
 * (exit status not 0 nor in okCodes, or killed at the timeout) or
 * HostCommandMissing (no such program).
 */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const full = argv(cmd, args, opts);
  const t0 = performance.now();
  return new Promise<string>((resolve, reject) => {
    const child = spawn(full[0], full.slice(1), {
      stdio: ['pipe', 'pipe', 'pipe'],
      cwd: opts.cwd,
      ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    const abort = () => {
      killed = true;
      child.kill('SIGKILL');
    };
    if (opts.signal?.aborted) abort();
    opts.signal?.addEventListener('abort', abort, { once: true });
    child.stdout.on('data', (b: Buffer) => {
      out.push(b);
      opts.onOutput?.(b.toString(), 'stdout');
    });
    child.stderr.on('data', (b: Buffer) => {
      err.push(b);
      opts.onOutput?.(b.toString(), 'stderr');
    });
    const done = (e?: Error, stdout = '') => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', abort);
      for (const l of listeners) l(full, performance.now() - t0, e);
      if (e) reject(e);
      else resolve(stdout);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') done(new HostCommandMissing(full[0], PACKAGES[full[0]]));
      else done(e);
    });
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString();
      // `ip netns exec` answers 255 with "exec of ... failed: No such file" when the program is missing
      if (opts.netns && code === 255 && /exec of "[^"]+" failed: No such file/.test(stderr))
        return done(new HostCommandMissing(cmd, PACKAGES[cmd]));
      if (killed) return done(new HostCommandError(full, null, stderr));
      if (code === 0 || (code !== null && opts.okCodes?.includes(code)))
        return done(undefined, Buffer.concat(out).toString());
      done(new HostCommandError(full, code, stderr));
    });
    child.stdin.on('error', () => {}); // a command that exits without reading its input
    child.stdin.end(opts.input ?? '');
  });
}

/**
 * Runs `cmd args` with a Node IPC channel (the command is a Node program,
 * usually under `ip netns exec`) and resolves with the first message it sends
 * and the handle that came with it: how a socket opened inside a namespace
 * reaches this process. The program is expected to exit after sending;
 * it is killed if it has sent nothing within the timeout.
 */
export function receiveHandle(
  cmd: string,
  args: string[],
  opts: Omit<RunOptions, 'input' | 'okCodes'> = {},
): Promise<{ message: unknown; handle: unknown }> {
  const full = argv(cmd, args, opts);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(full[0], full.slice(1), { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const err: Buffer[] = [];
    let settled = false;
    const done = (e?: Error, got?: { message: unknown; handle: unknown }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const l of listeners) l(full, performance.now() - t0, e);
      if (e) reject(e);
      else resolve(got!);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done(new HostCommandError(full, null, Buffer.concat(err).toString()));
    }, opts.timeoutMs ?? 30_000);
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('message', (message, handle) => done(undefined, { message, handle }));
    child.on('error', (e: NodeJS.ErrnoException) => {
      done(e.code === 'ENOENT' ? new HostCommandMissing(full[0], PACKAGES[full[0]]) : e);
    });
    child.on('close', (code) => done(new HostCommandError(full, code, Buffer.concat(err).toString())));
  });
}

/** Whether `cmd` can be run (found on PATH). */
export async function available(cmd: string): Promise<boolean> {
  try {
    await run('sh', ['-c', 'command -v "$1"', 'sh', cmd]);
    return true;
  } catch {
    return false;
  }
}
