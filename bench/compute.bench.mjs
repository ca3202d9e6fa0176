// Nova with the fake driver: how long a server takes from POST /servers to
// ACTIVE (one at a time, p50/p90; goal under 50 ms), how long 100 servers
// created at once take to all be ACTIVE, and how long `server list --long`
// takes with 1,000 servers (its API call, GET /servers/detail, p50/p90; and
// the real CLI once when it is installed). No Nova peer runs here, so there
// is no side-by-side; the load average is printed beside.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { issueToken, measure, startPocketstack, table } from './lib.mjs';

const ONE_BY_ONE = Number(process.env.COMPUTE_BENCH_CREATES ?? 100);
const AT_ONCE = Number(process.env.COMPUTE_BENCH_CONCURRENT ?? 100);
const LISTED = Number(process.env.COMPUTE_BENCH_LIST ?? 1000);

async function call(url, token, method = 'GET', body, headers = {}) {
  const res = await fetch(url, {
    method,
    headers: { 'x-auth-token': token, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

export default async function main() {
  const ps = await startPocketstack();
  try {
    const auth = `${ps.url}/identity/v3`;
    const admin = await issueToken(auth);
    const demo = await issueToken(auth, { user: 'demo', project: 'demo' });
    const nova = `${ps.url}/compute/v2.1`;
    const projects = await call(`${auth}/auth/projects`, demo);
    const demoProject = projects.projects.find((p) => p.name === 'demo').id;
    await call(`${nova}/os-quota-sets/${demoProject}`, admin, 'PUT', {
      quota_set: { instances: -1, cores: -1, ram: -1 },
    });
    const images = await call(`${ps.url}/image/v2/images`, demo);
    const image = images.images.find((i) => i.name.startsWith('cirros')).id;

    const boot = async (name, networks) => {
      const body = { server: { name, imageRef: image, flavorRef: '42', ...(networks ? { networks } : {}) } };
      const r = await call(`${nova}/servers`, demo, 'POST', body, { 'openstack-api-version': 'compute 2.37' });
      return r.server.id;
    };
    const active = async (id) => {
      for (;;) {
        const s = (await call(`${nova}/servers/${id}`, demo)).server;
        if (s.status === 'ACTIVE') return;
        if (s.status === 'ERROR') throw new Error(`server ${id} went to ERROR: ${JSON.stringify(s.fault)}`);
        await new Promise((r) => setTimeout(r, 1));
      }
    };

    const rows = [];
    // one at a time, on demo's private network (a port made and bound each time), deleted after
    const single = await measure(
      async (i) => {
        const id = await boot(`one-${i}`, 'auto');
        await active(id);
        await call(`${nova}/servers/${id}`, demo, 'DELETE');
      },
      { n: ONE_BY_ONE, warmup: 5 },
    );
    rows.push({ case: 'create → ACTIVE, one at a time (ms)', p50: single.p50, p90: single.p90, n: single.n });

    // at once, without networks (demo's /26 has room for ~60 ports)
    const t0 = performance.now();
    const ids = await Promise.all(Array.from({ length: AT_ONCE }, (_, i) => boot(`many-${i}`, 'none')));
    await Promise.all(ids.map(active));
    rows.push({
      case: `${AT_ONCE} creates at once → all ACTIVE (ms)`,
      p50: performance.now() - t0,
      p90: undefined,
      n: AT_ONCE,
    });

    for (let made = AT_ONCE; made < LISTED; made += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, LISTED - made) }, async (_, i) =>
          active(await boot(`list-${made + i}`, 'none')),
        ),
      );
    const listed = await measure(() => call(`${nova}/servers/detail`, demo), { n: 30, warmup: 3 });
    const count = (await call(`${nova}/servers/detail`, demo)).servers.length;
    rows.push({
      case: `GET /servers/detail with ${count} servers (ms)`,
      p50: listed.p50,
      p90: listed.p90,
      n: listed.n,
    });

    try {
      const env = {
        ...process.env,
        OS_AUTH_URL: auth,
        OS_USERNAME: 'demo',
        OS_PASSWORD: 'secret',
        OS_PROJECT_NAME: 'demo',
        OS_USER_DOMAIN_ID: 'default',
        OS_PROJECT_DOMAIN_ID: 'default',
        OS_IDENTITY_API_VERSION: '3',
      };
      const c0 = performance.now();
      const out = execFileSync('openstack', ['server', 'list', '--long', '-f', 'value', '-c', 'ID'], {
        env,
      }).toString();
      rows.push({
        case: `openstack server list --long, ${out.trim().split('\n').length} servers (ms, CLI start included)`,
        p50: performance.now() - c0,
        p90: undefined,
        n: 1,
      });
    } catch {
      console.log('(openstack CLI not installed: the CLI row is left out)');
    }
    table(rows);
    console.log(
      `load average: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await ps.stop();
  }
}
