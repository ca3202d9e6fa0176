import { homedir } from 'node:os';
import { join } from 'node:path';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  host: string;
  /** 0 picks a free port. */
  port: number;
  dataDir: string;
  /** ":memory:" keeps the database in memory (tests); otherwise a file in dataDir. */
  database: string;
  /** Password of the seeded users admin, demo and alt_demo. */
  adminPassword: string;
  region: string;
  tokenTtlSeconds: number;
  /** scrypt cost log2(N) (identity/passwords.ts says why 16); tests lower it, stored hashes carry their own cost. */
  passwordHashCost: number;
  /**
   * How long a verified password or application credential secret is
   * remembered (identity/credential-cache.ts), so that repeated logins skip
   * the hash; 0 turns the cache off (--no-credential-cache).
   */
  credentialCacheSeconds: number;
  logLevel: LogLevel;
  drivers: { compute: 'auto' | 'fake' | 'qemu'; network: 'fake' | 'linux'; volume: 'fake' | 'file' };
  /** How long a guest gets to shut down cleanly (ACPI) before it is stopped hard (Nova's shutdown_timeout, 60 s). */
  shutdownTimeoutMs?: number;
  /**
   * The public network's IPv4 range at first start (DevStack's FLOATING_RANGE):
   * gateway .1 (the host's address on it with the linux network driver), pool
   * .2 to the last but one. A second cloud on the same host uses another one.
   */
  floatingRange: string;
  /** Origins browsers may call from (CORS, as oslo.middleware's filter); '*' is any; none: no CORS. */
  corsOrigins: string[];
  /** Fault injection (src/faults/): the /pocketstack/v1/faults API and its hooks; off unless asked for. */
  faults?: boolean;
  /** Also print each request's log line on the console (--log-requests); the log file always has them. */
  logRequests?: boolean;
}

export const DEFAULT_FLOATING_RANGE = '172.24.4.0/24';

/** The data dir when neither --data-dir nor POCKETSTACK_DATA_DIR says: $XDG_DATA_HOME/pocketstack. */
export function builtinDataDir(): string {
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'pocketstack');
}

export function defaultDataDir(): string {
  return process.env.POCKETSTACK_DATA_DIR ?? builtinDataDir();
}

export function makeConfig(overrides: Partial<Config> = {}): Config {
  const dataDir = overrides.dataDir ?? defaultDataDir();
  return {
    host: '127.0.0.1',
    port: 5000,
    dataDir,
    database: join(dataDir, 'pocketstack.db'),
    adminPassword: process.env.POCKETSTACK_PASSWORD ?? 'secret',
    region: 'RegionOne',
    tokenTtlSeconds: 3600,
    passwordHashCost: 16,
    credentialCacheSeconds: 300,
    logLevel: 'info',
    drivers: { compute: 'fake', network: 'fake', volume: 'file' },
    floatingRange: DEFAULT_FLOATING_RANGE,
    corsOrigins: [],
    ...overrides,
  };
}
