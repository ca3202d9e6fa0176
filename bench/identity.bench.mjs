// Keystone side by side: token issue, token validate and an authenticated
// GET /v3/projects, at concurrency 1 and 16, against pocketstack and the real
// Keystone (../shared/peers/keystone.sh, port 35357; started if it is not
// running, never stopped: it is shared). Prints p50/p90 and requests/s of
// each, and how many times faster pocketstack is.
//
// Token issue costs one password hash on each side; the bench also times the
// hashes themselves, the same way, so the comparison of issue times is read
// against hash strength: Keystone's bcrypt (cost read from its database when
// the peer's MariaDB is reachable) and pocketstack's scrypt.
import { execFileSync, spawnSync } from 'node:child_process';
import { scryptSync } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answers, issueToken, measure, startPocketstack, table } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const KEYSTONE = 'http://127.0.0.1:35357/v3';
const PEER = join(here, '..', '..', 'shared', 'peers', 'keystone.sh');

async function ensureKeystone() {
  if (await answers(`${KEYSTONE}/`)) return true;
  console.log('starting the real Keystone (../shared/peers/keystone.sh start) ...');
  const r = spawnSync(PEER, ['start'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return r.status === 0 && (await answers(`${KEYSTONE}/`));
}

const authBody = JSON.stringify({
  auth: {
    identity: {
      methods: ['password'],
      password: { user: { name: 'admin', domain: { id: 'default' }, password: 'secret' } },
    },
    scope: { project: { name: 'admin', domain: { id: 'default' } } },
  },
});

/** The three calls of the bench against one Keystone API at authUrl (…/v3). */
function cases(authUrl, token) {
  const ok = async (res, status) => {
    await res.arrayBuffer();
    if (res.status !== status) throw new Error(`${res.url}: ${res.status}`);
  };
  return {
    'token issue': async () =>
      ok(
        await fetch(`${authUrl}/auth/tokens?nocatalog`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: authBody,
        }),
        201,
      ),
    'token validate': async () =>
      ok(
        await fetch(`${authUrl}/auth/tokens?nocatalog`, {
          headers: { 'x-auth-token': token, 'x-subject-token': token },
        }),
        200,
      ),
    'GET /v3/projects': async () => ok(await fetch(`${authUrl}/projects`, { headers: { 'x-auth-token': token } }), 200),
  };
}

/** Keystone's stored hash prefix ($2b$12$ is bcrypt, cost 12), if its database is reachable. */
function keystoneHashPrefix() {
  try {
    const out = execFileSync(
      'mariadb',
      [
        '--socket=/tmp/openstack-peers/mysql/mysqld.sock',
        '-N',
        '-e',
        "select substr(p.password_hash,1,7) from keystone_35357.password p join keystone_35357.local_user u on u.id=p.local_user_id where u.name='admin'",
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    return out.toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Milliseconds per hash: bcrypt at Keystone's cost (Python's bcrypt, what Keystone runs) and our scrypt. */
function hashTimes(bcryptCost, rounds = 5) {
  const py = `import bcrypt,time\nh=bcrypt.hashpw(b'secret',bcrypt.gensalt(${bcryptCost}))\nt=time.perf_counter()\nfor _ in range(3): bcrypt.checkpw(b'secret',h)\nprint((time.perf_counter()-t)/3*1000)`;
  const rows = [];
  for (let i = 0; i < rounds; i++) {
    let bcrypt;
    try {
      bcrypt = Number(execFileSync('/usr/bin/python3', ['-c', py], { stdio: ['ignore', 'pipe', 'ignore'] }).toString());
    } catch {
      return undefined;
    }
    const t = performance.now();
    // pocketstack's parameters (src/services/identity/passwords.ts): N=2^16, r=10, p=1
    for (let k = 0; k < 3; k++)
      scryptSync('secret', 'saltsaltsaltsalt', 32, { N: 2 ** 16, r: 10, p: 1, maxmem: 2 ** 29 });
    rows.push({ bcrypt, scrypt: (performance.now() - t) / 3 });
  }
  return rows;
}

export default async function identityBench() {
  const haveKeystone = await ensureKeystone();
  const ps = await startPocketstack();
  try {
    const targets = [['pocketstack', `${ps.url}/identity/v3`]];
    if (haveKeystone) targets.push(['keystone', KEYSTONE]);
    else console.log('the real Keystone is not available here: pocketstack numbers only');
    const results = {};
    for (const [name, url] of targets) {
      const token = await issueToken(url);
      for (const [label, fn] of Object.entries(cases(url, token))) {
        for (const concurrency of [1, 16]) {
          const slow = label === 'token issue';
          const n = slow ? (concurrency === 1 ? 10 : 32) : concurrency === 1 ? 300 : 1000;
          results[`${label}|${concurrency}|${name}`] = await measure(fn, { n, concurrency, warmup: slow ? 2 : 20 });
        }
      }
    }
    const rows = [];
    for (const label of ['token issue', 'token validate', 'GET /v3/projects']) {
      for (const concurrency of [1, 16]) {
        const p = results[`${label}|${concurrency}|pocketstack`];
        const k = results[`${label}|${concurrency}|keystone`];
        rows.push({
          case: label,
          conc: String(concurrency),
          'ps p50 ms': p.p50,
          'ps p90 ms': p.p90,
          'ps req/s': p.rps,
          'ks p50 ms': k?.p50 ?? '-',
          'ks p90 ms': k?.p90 ?? '-',
          'ks req/s': k?.rps ?? '-',
          'x faster p50': k ? k.p50 / p.p50 : '-',
          'x req/s': k ? p.rps / k.rps : '-',
        });
      }
    }
    table(rows);

    const prefix = keystoneHashPrefix();
    const cost = Number(/^\$2[aby]?\$(\d+)\$/.exec(prefix ?? '')?.[1] ?? 12);
    console.log(
      `\npassword hashes: Keystone stores ${prefix ? `${prefix}… (bcrypt, cost ${cost})` : `bcrypt (its default, cost ${cost}; database not readable here)`}; pocketstack scrypt N=2^16, r=10, p=1 (80 MiB)`,
    );
    const hashes = hashTimes(cost);
    if (hashes) {
      table(
        hashes.map((h, i) => ({
          round: String(i + 1),
          'bcrypt ms': h.bcrypt,
          'scrypt ms': h.scrypt,
          'scrypt/bcrypt': h.scrypt / h.bcrypt,
        })),
      );
      const ratio = hashes.reduce((a, h) => a + h.scrypt / h.bcrypt, 0) / hashes.length;
      console.log(
        `mean scrypt/bcrypt CPU per hash: ${ratio.toFixed(2)} (>= 1: at least as costly to guess, and memory-hard)`,
      );
    } else {
      console.log("(Python's bcrypt is not installed here: hash times not compared)");
    }
  } finally {
    await ps.stop();
  }
}
