// Neutron: port create and port list with 1,000 ports in a project, on
// pocketstack and (when it runs here, ../shared/peers/neutron.sh) on the real
// Neutron, in the same run, as ratios. The whole list is read at 250, 500 and
// 1,000 ports: its cost per port returned (us_per_port) should stay flat.
import { answers, issueToken, jsonCall, measure, startPocketstack, table } from './lib.mjs';

const PORTS = Number(process.env.BENCH_PORTS ?? 1000);
const PEER = { name: 'neutron (real)', keystone: 'http://127.0.0.1:35357/v3', neutron: 'http://127.0.0.1:9696' };

const call = (base, token, method, path, body) => jsonCall(`${base}/v2.0/${path}`, token, method, body);

// Undo what a run made even when the bench is interrupted: the peer is shared.
const cleanups = new Set();
for (const sig of ['SIGINT', 'SIGTERM'])
  process.once(sig, async () => {
    console.error(`${sig}: cleaning up before exit`);
    for (const c of cleanups) await c().catch(() => {});
    process.exit(130);
  });

async function run(target) {
  const { base, token, projectId } = target;
  const rows = [];
  await call(base, token, 'PUT', `quotas/${projectId}`, { quota: { port: PORTS + 100 } });
  const net = (await call(base, token, 'POST', 'networks', { network: { name: `bench-${Date.now()}` } })).network;
  await call(base, token, 'POST', 'subnets', {
    subnet: { network_id: net.id, ip_version: 4, cidr: '10.200.0.0/20', name: 'bench' },
  });
  const created = [];
  const cleanup = async () => {
    const queue = [...created];
    created.length = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (queue.length) await call(base, token, 'DELETE', `ports/${queue.pop()}`).catch(() => {});
      }),
    );
    await call(base, token, 'DELETE', `networks/${net.id}`).catch(() => {});
    await call(base, token, 'DELETE', `quotas/${projectId}`).catch(() => {});
  };
  cleanups.add(cleanup);
  const create = async () => {
    const p = (await call(base, token, 'POST', 'ports', { port: { network_id: net.id } })).port;
    created.push(p.id);
  };
  try {
    // 200 creates one at a time, then the project grows to 1/4, 1/2 and all of
    // PORTS with 8 clients; after each step the whole list is read.
    const single = Math.min(200, PORTS);
    rows.push({ case: 'port create (1 client)', ...(await measure(create, { n: single, concurrency: 1, warmup: 0 })) });
    let create8;
    for (const size of [PORTS / 4, PORTS / 2, PORTS].map(Math.round)) {
      if (created.length < size)
        create8 = await measure(create, { n: size - created.length, concurrency: 8, warmup: 0 });
      const r = await measure(() => call(base, token, 'GET', `ports?network_id=${net.id}`), { n: 10, warmup: 2 });
      rows.push({ case: `port list, ${size} in project`, ...r, us_per_port: (r.p50 * 1000) / size });
    }
    if (create8) rows.splice(1, 0, { case: 'port create (8 clients)', ...create8 });
    const page = await measure(() => call(base, token, 'GET', `ports?network_id=${net.id}&limit=100`), {
      n: 10,
      warmup: 2,
    });
    rows.push({ case: `port list, 100 of ${PORTS} (limit)`, ...page, us_per_port: (page.p50 * 1000) / 100 });
  } finally {
    await cleanup();
    cleanups.delete(cleanup);
  }
  return rows;
}

async function projectOf(keystone, token) {
  const res = await fetch(`${keystone}/auth/tokens`, { headers: { 'x-auth-token': token, 'x-subject-token': token } });
  return (await res.json()).token.project.id;
}

export default async function main() {
  const ps = await startPocketstack();
  const results = {};
  try {
    const token = await issueToken(`${ps.url}/identity/v3`);
    results.pocketstack = await run({
      base: `${ps.url}/networking`,
      token,
      projectId: await projectOf(`${ps.url}/identity/v3`, token),
    });
  } finally {
    await ps.stop();
  }
  console.log('pocketstack:');
  table(
    results.pocketstack.map((r) => ({ case: r.case, p50_ms: r.p50, rps: r.rps, us_per_port: r.us_per_port ?? '' })),
  );
  if ((await answers(PEER.neutron)) && (await answers(PEER.keystone))) {
    const token = await issueToken(PEER.keystone, { project: 'demo' });
    results.peer = await run({ base: PEER.neutron, token, projectId: await projectOf(PEER.keystone, token) });
  } else console.log('(real Neutron not running: start ../shared/peers/neutron.sh for the comparison)');

  if (!results.peer) return;
  console.log('\nside by side (speedup = real p50 / pocketstack p50):');
  const rows = results.pocketstack.map((r, i) => {
    const peer = results.peer?.[i];
    return {
      case: r.case,
      p50_ms: r.p50,
      rps: r.rps,
      us_per_port: r.us_per_port ?? '',
      ...(peer ? { peer_p50_ms: peer.p50, peer_rps: peer.rps, speedup_p50: peer.p50 / r.p50 } : {}),
    };
  });
  table(rows);
}
