import type { Health } from '../server/healthz.js';
import { DatabaseUnusable } from '../store/db.js';
import { isPostgresUrl, PostgresUnavailable, redact } from '../store/postgres.js';
import { StartError } from './errors.js';
import { dataDirArg, selfCommand } from './self.js';

/** A listener that could not open: what to do instead. */
export async function listenError(e: unknown, host: string, port: number): Promise<unknown> {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES')
    return new StartError(`port ${port} on ${host} needs root: start with --port 0 (a free port) or a port above 1023`);
  if (code === 'EADDRNOTAVAIL') return new StartError(`${host} is not an address of this machine: check --host`);
  if (code !== 'EADDRINUSE') return e;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const other = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })
    .then((r) => r.json() as Promise<Health>)
    .catch(() => undefined);
  const cmd = selfCommand();
  if (other?.data_dir)
    return new StartError(
      `port ${port} on ${host} is in use by another pocketstack (pid ${other.pid}, data dir ${other.data_dir}): use that one, stop it (\`${cmd} stop${dataDirArg(other.data_dir)}\`), or start this one with --port 0 (a free port)`,
    );
  return new StartError(
    `port ${port} on ${host} is in use by another program: start with --port 0 (a free port) or --port <another>`,
  );
}

/** A database that cannot be opened or migrated: said with the ways out. */
export function databaseError(e: unknown, file: string, dataDir: string): unknown {
  // PostgreSQL unreachable, refusing the login, or the database not creatable: its words say what to fix
  if (e instanceof PostgresUnavailable) return new StartError(e.message);
  if (isPostgresUrl(file) && (e as { code?: string }).code !== undefined)
    return new StartError(`PostgreSQL at ${redact(file)}: ${(e as Error).message}`);
  if (!(e instanceof DatabaseUnusable)) return e;
  if (isPostgresUrl(file)) file = redact(file);
  const reset = `\`${selfCommand()} reset${dataDirArg(dataDir)}\``;
  if (e.reason === 'newer')
    return new StartError(
      `${file}: ${e.message}: run that version, or start over with ${reset} (it deletes all state)`,
    );
  return new StartError(
    `${e.message}: restore a backup of it, move it away to start with a fresh one, or ${reset} (it deletes all state)`,
  );
}
