// The guide's web application: on port 5000 it lists the user accounts kept
// in the MariaDB database of the other instance. The database's address is
// not written here: it is the instance's `db_ip` metadata property, which the
// guide passes with `openstack server create --property db_ip=...`; it is
// read from the metadata service, or from cloud-init's copy of it (config
// drive boots). It runs on the guest's own Node.js (Debian 12: Node 18) with
// no packages: the database is queried with the mariadb client.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';

const PORT = Number(process.env.PORT ?? 5000);
const METADATA = 'http://169.254.169.254/openstack/latest/meta_data.json';
const DB = { user: 'webapp', password: process.env.DB_PASSWORD ?? 'webapp-secret', name: 'demo' };

interface Account {
  username: string;
  email: string;
  created: string;
}

async function metaFromService(): Promise<Record<string, string> | undefined> {
  try {
    const res = await fetch(METADATA, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) return undefined;
    return ((await res.json()) as { meta?: Record<string, string> }).meta;
  } catch {
    return undefined;
  }
}

async function metaFromCloudInit(): Promise<Record<string, string> | undefined> {
  try {
    const data = JSON.parse(await readFile('/run/cloud-init/instance-data.json', 'utf8'));
    return data?.ds?.meta_data?.meta;
  } catch {
    return undefined;
  }
}

export async function databaseAddress(): Promise<string> {
  const fromEnv = process.env.DB_IP;
  if (fromEnv) return fromEnv;
  const meta = (await metaFromService()) ?? (await metaFromCloudInit());
  const ip = meta?.db_ip;
  if (!ip) throw new Error('no db_ip metadata property: create the server with --property db_ip=<address>');
  return ip;
}

/** Rows of `mariadb --batch`: tab-separated, one per line, backslash escapes. */
export function parseBatch(out: string): Account[] {
  const special: Record<string, string> = { t: '\t', n: '\n', '0': '\0' };
  const unquote = (s: string) => s.replace(/\\([\\tn0])/g, (_, c: string) => special[c] ?? c);
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const [username = '', email = '', created = ''] = l.split('\t').map(unquote);
      return { username, email, created };
    });
}

function query(host: string): Promise<Account[]> {
  const args = [
    `--host=${host}`,
    `--user=${DB.user}`,
    `--password=${DB.password}`,
    '--connect-timeout=5',
    '--batch',
    '--skip-column-names',
    DB.name,
    '-e',
    'SELECT username, email, created_at FROM accounts ORDER BY id',
  ];
  return new Promise((resolve, reject) => {
    execFile('mariadb', args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(stderr.trim() || err.message));
      else resolve(parseBatch(stdout));
    });
  });
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export function page(host: string, accounts: Account[]): string {
  const rows = accounts
    .map(
      (a) =>
        `<tr><td>${escapeHtml(a.username)}</td><td>${escapeHtml(a.email)}</td><td>${escapeHtml(a.created)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>User accounts</title></head>
<body>
<h1>User accounts</h1>
<p>${accounts.length} user accounts read from the database at ${escapeHtml(host)}.</p>
<table>
<tr><th>user</th><th>email</th><th>created</th></tr>
${rows}
</table>
</body></html>
`;
}

if (process.argv[1] && /server\.(m?js|ts)$/.test(process.argv[1])) {
  createServer(async (req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    try {
      const host = await databaseAddress();
      const accounts = await query(host);
      const json = req.url === '/accounts' || req.headers.accept === 'application/json';
      if (json) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ host, accounts }));
      else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(host, accounts));
    } catch (e) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end(`database not reachable: ${(e as Error).message}\n`);
    }
  }).listen(PORT, '0.0.0.0', () => console.log(`two-tier web application on port ${PORT}`));
}
