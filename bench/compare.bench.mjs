// `npm run bench -- compare`: the calls users feel, pocketstack against the
// real Keystone, Neutron and Glance (Zed, ../shared/peers/) in one run, as
// ratios. The client is Python's urllib (bench/compare_client.py), one new
// connection per request as the openstack CLI's requests does without
// keep-alive; plus the wall time of real `openstack` commands.
//
// Peers already running are used and left running; peers this bench starts
// it stops at the end (BENCH_KEEP_PEERS=1 keeps them). A second pocketstack
// runs with --no-credential-cache: its token issue is the "first login"
// (every login pays the scrypt), the default one's the repeated login.
//
// Env: COMPARE_ROUNDS (20), COMPARE_UPLOAD_MIB (256), COMPARE_CLI_ROUNDS (5),
// COMPARE_PORTS (100,1000); COMPARE_BEFORE=<dir>: also run another build (a
// checkout of an older commit with its dist/ built, bin/ and dist/ are
// enough) the same way, printed as the "before" column.
import { execFileSync, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answers, startPocketstack, table } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PEERS = join(here, '..', '..', 'shared', 'peers');
const KEYSTONE = 'http://127.0.0.1:35357/v3';
const NEUTRON = 'http://127.0.0.1:9696';
const GLANCE = 'http://127.0.0.1:9292';
const ROUNDS = Number(process.env.COMPARE_ROUNDS ?? 20);
const UPLOAD_MIB = Number(process.env.COMPARE_UPLOAD_MIB ?? 256);
const CLI_ROUNDS = Number(process.env.COMPARE_CLI_ROUNDS ?? 5);
const PORTS = (process.env.COMPARE_PORTS ?? '100,1000').split(',').map(Number);

const identityCases = ['token issue', 'GET /v3/projects'];
const networkCases = ['port create', ...PORTS.map((n) => `port list ${n} ports`)];
const imageCases = ['image list', 'image upload (Content-Length)', 'image upload (chunked)'];

/** Starts a peer with its script unless it answers; returns whether this run started it, or undefined if unavailable. */
async function ensurePeer(script, url) {
  if (await answers(url)) return false;
  console.log(`starting the real service: ../shared/peers/${script} start ...`);
  const r = spawnSync(join(PEERS, script), ['start'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
  if (r.status !== 0 || !(await answers(url))) {
    console.log(`${script}: not available here (${r.status})`);
    return undefined;
  }
  return true;
}

/** Runs the Python client; a failing target costs its own numbers only. */
function client(cfg) {
  try {
    const out = execFileSync('python3', [join(here, 'compare_client.py'), JSON.stringify(cfg)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 1_200_000,
      maxBuffer: 1 << 20,
    });
    return JSON.parse(out.toString());
  } catch (err) {
    console.log(`client against ${cfg.auth_url} failed: ${err.message.split('\n')[0]}`);
    return {};
  }
}

/** Wall time (ms, p50 of rounds) of an `openstack` command with the given OS_* environment. */
function cli(args, env, rounds = CLI_ROUNDS) {
  const times = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    const r = spawnSync('openstack', args, { env: { ...process.env, ...env }, stdio: 'ignore', timeout: 60_000 });
    if (r.status !== 0) return undefined;
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const osEnv = (authUrl, project) => ({
  OS_AUTH_URL: authUrl,
  OS_IDENTITY_API_VERSION: '3',
  OS_REGION_NAME: 'RegionOne',
  OS_USERNAME: 'admin',
  OS_PASSWORD: 'secret',
  OS_PROJECT_NAME: project,
  OS_USER_DOMAIN_ID: 'default',
  OS_PROJECT_DOMAIN_ID: 'default',
});

export default async function compare() {
  const started = [];
  const stopped = [];
  const ps = await startPocketstack();
  const cold = await startPocketstack(['--no-credential-cache']);
  const before = process.env.COMPARE_BEFORE
    ? await startPocketstack([], { checkout: process.env.COMPARE_BEFORE })
    : undefined;
  try {
    const glance = await ensurePeer('glance.sh', `${GLANCE}/`);
    if (glance) started.push('glance.sh');
    const neutron = await ensurePeer('neutron.sh', `${NEUTRON}/`);
    if (neutron) started.push('neutron.sh');
    const keystone = await answers(`${KEYSTONE}/`);
    const load0 = loadavg()[0];

    const common = {
      user: 'admin',
      password: 'secret',
      rounds: ROUNDS,
      upload_mib: UPLOAD_MIB,
      budget_s: Number(process.env.COMPARE_CASE_BUDGET_S ?? 120),
    };
    const psAll = client({
      ...common,
      project: 'admin',
      auth_url: `${ps.url}/identity/v3`,
      network_url: `${ps.url}/networking`,
      image_url: `${ps.url}/image`,
      cases: [...identityCases, ...networkCases, ...imageCases],
    });
    const psBefore = before
      ? client({
          ...common,
          project: 'admin',
          auth_url: `${before.url}/identity/v3`,
          network_url: `${before.url}/networking`,
          image_url: `${before.url}/image`,
          cases: [...identityCases, ...networkCases, ...imageCases],
        })
      : undefined;
    const psCold = client({ ...common, project: 'admin', auth_url: `${cold.url}/identity/v3`, cases: ['token issue'] });
    const real = {};
    if (keystone) Object.assign(real, client({ ...common, project: 'demo', auth_url: KEYSTONE, cases: identityCases }));
    if (keystone && glance !== undefined)
      Object.assign(
        real,
        client({ ...common, project: 'demo', auth_url: KEYSTONE, image_url: GLANCE, cases: imageCases }),
      );
    if (keystone && neutron !== undefined)
      Object.assign(
        real,
        client({ ...common, project: 'demo', auth_url: KEYSTONE, network_url: NEUTRON, cases: networkCases }),
      );

    const cliRows = {
      'openstack token issue, first login': [
        cli(['token', 'issue'], osEnv(`${cold.url}/identity/v3`, 'admin')),
        keystone ? cli(['token', 'issue'], osEnv(KEYSTONE, 'demo')) : undefined,
        before ? cli(['token', 'issue'], osEnv(`${before.url}/identity/v3`, 'admin')) : undefined,
      ],
      'openstack token issue, repeated': [
        cli(['token', 'issue'], osEnv(`${ps.url}/identity/v3`, 'admin')),
        keystone ? cli(['token', 'issue'], osEnv(KEYSTONE, 'demo')) : undefined,
      ],
      'openstack server list, first login': [
        cli(['server', 'list'], osEnv(`${cold.url}/identity/v3`, 'admin')),
        undefined,
      ],
      'openstack server list, repeated': [
        cli(['server', 'list'], osEnv(`${ps.url}/identity/v3`, 'admin')),
        undefined,
        before ? cli(['server', 'list'], osEnv(`${before.url}/identity/v3`, 'admin')) : undefined,
      ],
    };

    const rows = [];
    const ms = (r) => r?.p50;
    const add = (label, p, k, unit, higherIsBetter = false, b = undefined) =>
      rows.push({
        call: label,
        unit,
        ...(before ? { before: b ?? '-' } : {}),
        pocketstack: p ?? '-',
        real: k ?? '-',
        'x (>1: pocketstack better)': p !== undefined && k !== undefined ? (higherIsBetter ? p / k : k / p) : '-',
      });
    const b = (c) => ms(psBefore?.[c]);
    const issueBefore = b('token issue');
    add(
      'token issue (password), first login',
      ms(psCold['token issue']),
      ms(real['token issue']),
      'p50 ms',
      false,
      issueBefore,
    );
    add(
      'token issue (password), repeated',
      ms(psAll['token issue']),
      ms(real['token issue']),
      'p50 ms',
      false,
      issueBefore,
    );
    const rowsOf = (c) =>
      [
        ['before', psBefore?.[c]],
        ['pocketstack', psAll[c]],
        ['real', real[c]],
      ]
        .filter(([, r]) => r?.rows !== undefined && !c.includes(` ${r.rows} `))
        .map(([who, r]) => `${who}: ${r.rows} made`)
        .join(', ');
    for (const c of ['GET /v3/projects', ...networkCases, 'image list'])
      add(rowsOf(c) ? `${c} (${rowsOf(c)})` : c, ms(psAll[c]), ms(real[c]), 'p50 ms', false, b(c));
    for (const c of imageCases.slice(1))
      add(`${c}, ${UPLOAD_MIB} MiB`, psAll[c]?.mb_s, real[c]?.mb_s, 'MB/s', true, psBefore?.[c]?.mb_s);
    for (const [label, [p, k, was]] of Object.entries(cliRows)) add(label, p, k, 'wall ms', false, was);
    console.log(
      `client: Python urllib, one connection per request (Connection: close), sequential; p50 of ${ROUNDS} rounds after 2 warm-up` +
        ` (port list 1000: ${Math.max(5, Math.floor(ROUNDS / 4))}); uploads: best of 3, random data, ${UPLOAD_MIB} MiB, Content-Length` +
        ` (file object, http.client's 8 KiB sends) or chunked (64 KiB chunks), the image must be active after;` +
        ` openstack CLI: p50 of ${CLI_ROUNDS} runs (the CLI issues a new token each run).` +
        ` pocketstack: fake network driver (no data plane; the real Neutron runs without agents);` +
        ` "first login" runs on a second pocketstack with --no-credential-cache. The real services: Keystone (uwsgi, 2 workers),` +
        ` Neutron (ML2, 2 API workers, no agents), Glance (2 workers, file store), MariaDB, Zed, project demo.` +
        ` load average ${load0.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end.`,
    );
    table(rows);
  } finally {
    await ps.stop();
    await cold.stop();
    await before?.stop();
    if (process.env.BENCH_KEEP_PEERS !== '1')
      for (const script of started.reverse()) {
        spawnSync(join(PEERS, script), ['stop'], { stdio: 'ignore', timeout: 60_000 });
        stopped.push(script);
      }
    if (stopped.length) console.log(`stopped the peers this run started: ${stopped.join(', ')}`);
  }
}
