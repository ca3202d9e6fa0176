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
// Env: COMPARE_ROUNDS (20), COMPARE_UPLOAD_MIB (256), COMPARE_UPLOAD_ROUNDS (5), COMPARE_CLI_ROUNDS (5),
// COMPARE_PORTS (100,1000); COMPARE_BEFORE=<dir>: also run another build (a
// checkout of an older commit with its dist/ built, bin/ and dist/ are
// enough) the same way, printed as the "before" column.
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answers, startPocketstack, table } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// the shared tree beside the project, or where $SHARED says (as .ci/run takes it: a worktree elsewhere)
const PEERS = join(process.env.SHARED ?? join(here, '..', '..', 'shared'), 'peers');
const KEYSTONE = 'http://127.0.0.1:35357/v3';
const NEUTRON = 'http://127.0.0.1:9696';
const GLANCE = 'http://127.0.0.1:9292';
const ROUNDS = Number(process.env.COMPARE_ROUNDS ?? 20);
const UPLOAD_MIB = Number(process.env.COMPARE_UPLOAD_MIB ?? 256);
const CLI_ROUNDS = Number(process.env.COMPARE_CLI_ROUNDS ?? 5);
const UPLOAD_ROUNDS = Number(process.env.COMPARE_UPLOAD_ROUNDS ?? 5);
const PORTS = (process.env.COMPARE_PORTS ?? '100,1000').split(',').map(Number);

// COMPARE_ONLY=a,b: only the cases (and `openstack` commands) whose name contains one of these
const ONLY = process.env.COMPARE_ONLY?.split(',');
const wanted = (name) => !ONLY || ONLY.some((w) => name.includes(w));
const identityCases = ['token issue', 'GET /v3/projects'].filter(wanted);
const networkCases = ['port create', ...PORTS.map((n) => `port list ${n} ports`)].filter(wanted);
const imageCases = ['image list', 'image upload (Content-Length)', 'image upload (chunked)'].filter(wanted);

/** `uptime`'s line: the load this shared machine was under. */
const uptime = () => execFileSync('uptime').toString().trim();

/** Starts a peer with its script unless it answers; returns whether this run started it, or undefined if unavailable. */
async function ensurePeer(script, url) {
  if (await answers(url)) return false;
  console.log(`starting the real service: ../shared/peers/${script} start ...`);
  const r = spawnSync(join(PEERS, script), ['start'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
  if (r.status !== 0 || !(await answers(url))) {
    console.log(`${script}: not available here (${r.error?.message ?? `exit ${r.status}`})`);
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

/**
 * Wall times (ms, p50 of rounds) of `openstack` commands ([args, OS_* env] each, undefined entries
 * skipped), their rounds alternating as the client's do (each round in the reverse order of the last).
 */
function cliAlternating(commands, rounds = CLI_ROUNDS) {
  const live = commands.map((c, i) => [c, i]).filter(([c]) => c !== undefined);
  const times = commands.map(() => []);
  let order = live;
  for (let r = 0; r < rounds; r++) {
    for (const [[args, env], i] of order) {
      if (times[i] === undefined) continue;
      const t = performance.now();
      const res = spawnSync('openstack', args, { env: { ...process.env, ...env }, stdio: 'ignore', timeout: 60_000 });
      if (res.status !== 0) times[i] = undefined;
      else times[i].push(performance.now() - t);
    }
    order = [...order].reverse();
  }
  return times.map((ts) => (ts?.length ? ts.sort((a, b) => a - b)[Math.floor(ts.length / 2)] : undefined));
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
    const uptime0 = uptime();

    const who = (name, cloud, project, cases) => ({
      name,
      user: 'admin',
      password: 'secret',
      project,
      auth_url: cloud.auth,
      network_url: cloud.net,
      image_url: cloud.img,
      cases,
    });
    const psUrls = (c) => ({ auth: `${c.url}/identity/v3`, net: `${c.url}/networking`, img: `${c.url}/image` });
    const all = [...identityCases, ...networkCases, ...imageCases];
    const realCases = [
      ...(keystone ? identityCases : []),
      ...(keystone && neutron !== undefined ? networkCases : []),
      ...(keystone && glance !== undefined ? imageCases : []),
    ];
    const targets = [
      who('pocketstack', psUrls(ps), 'admin', all),
      ...(realCases.length ? [who('real', { auth: KEYSTONE, net: NEUTRON, img: GLANCE }, 'demo', realCases)] : []),
      ...(before ? [who('before', psUrls(before), 'admin', all)] : []),
      who('first login', psUrls(cold), 'admin', ['token issue']),
    ];
    const got = client({
      targets,
      cases: all,
      rounds: ROUNDS,
      upload_mib: UPLOAD_MIB,
      upload_rounds: UPLOAD_ROUNDS,
      budget_s: Number(process.env.COMPARE_CASE_BUDGET_S ?? 120),
    });
    const psAll = got.pocketstack ?? {};
    const psBefore = before ? (got.before ?? {}) : undefined;
    const psCold = got['first login'] ?? {};
    const real = got.real ?? {};

    const psEnv = osEnv(`${ps.url}/identity/v3`, 'admin');
    const coldEnv = osEnv(`${cold.url}/identity/v3`, 'admin');
    const realEnv = keystone ? osEnv(KEYSTONE, 'demo') : undefined;
    const beforeEnv = before ? osEnv(`${before.url}/identity/v3`, 'admin') : undefined;
    const issue = ['token', 'issue'];
    const list = ['server', 'list'];
    const c = cliAlternating(
      wanted('openstack')
        ? [
            [issue, coldEnv],
            realEnv && [issue, realEnv],
            beforeEnv && [issue, beforeEnv],
            [issue, psEnv],
            [list, coldEnv],
            [list, psEnv],
            beforeEnv && [list, beforeEnv],
            [['--version'], psEnv],
          ]
        : [],
    );
    const cliRows = {
      'openstack token issue, first login': [c[0], c[1], c[2]],
      'openstack token issue, repeated': [c[3], c[1]],
      'openstack server list, first login': [c[4], undefined],
      'openstack server list, repeated': [c[5], undefined, c[6]],
      // the CLI's floor: Python starting and loading its plugins, no server call
      'openstack --version (start-up only, no call)': [c[7], undefined],
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
    if (identityCases.includes('token issue'))
      add(
        'token issue (password), first login',
        ms(psCold['token issue']),
        ms(real['token issue']),
        'p50 ms',
        false,
        issueBefore,
      );
    if (identityCases.includes('token issue'))
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
    for (const c of [
      ...identityCases.filter((c) => c !== 'token issue'),
      ...networkCases,
      ...imageCases.filter((c) => c === 'image list'),
    ])
      add(rowsOf(c) ? `${c} (${rowsOf(c)})` : c, ms(psAll[c]), ms(real[c]), 'p50 ms', false, b(c));
    for (const c of imageCases.filter((c) => c.startsWith('image upload'))) {
      add(`${c}, ${UPLOAD_MIB} MiB, best`, psAll[c]?.mb_s, real[c]?.mb_s, 'MB/s', true, psBefore?.[c]?.mb_s);
      const med = (r) => r?.mb_s_median;
      add(`${c}, ${UPLOAD_MIB} MiB, median`, med(psAll[c]), med(real[c]), 'MB/s', true, med(psBefore?.[c]));
    }
    for (const [label, [p, k, was]] of Object.entries(cliRows))
      if (p !== undefined || k !== undefined) add(label, p, k, 'wall ms', false, was);
    console.log(
      `method: one Python process (bench/compare_client.py, urllib) drives every cloud; one new connection per request` +
        ` (Connection: close), sequential, no keep-alive, as the openstack CLI's requests does; rounds alternate between the` +
        ` clouds (A B B A ...: each round in the reverse order of the last), after 2 warm-up calls each; a call's time` +
        ` includes the client decoding the JSON body (json.loads), as the CLI does. Latency: p50 of` +
        ` ${ROUNDS} rounds (port list ${Math.max(...PORTS)}: ${Math.max(5, Math.floor(ROUNDS / 4))}); ports made in bulk` +
        ` (100 a request) on one network with a /16 subnet, listed with ?network_id=. Uploads: ${UPLOAD_MIB} MiB of random` +
        ` data, ${UPLOAD_ROUNDS} alternating rounds after 1 warm-up each, best and median; Content-Length (a file object:` +
        ` http.client's 8 KiB sends) or chunked (an iterator of 64 KiB chunks); the image must be active after; os.sync()` +
        ` before each. openstack CLI: p50 of ${CLI_ROUNDS} alternating runs (a new token each run, as the CLI does;` +
        ` \`openstack --version\` is its start-up alone, the part of every command's wall that is no server's).` +
        ` pocketstack: fake network driver (no data plane; the real Neutron runs without agents); "first login" is a second` +
        ` pocketstack with --no-credential-cache. The real services: Keystone (uwsgi, 2 workers), Neutron (ML2, 2 API` +
        ` workers, no agents), Glance (2 workers, file store, no fsync), MariaDB, Zed, project demo.`,
    );
    console.log(`uptime at start: ${uptime0}`);
    console.log(`uptime at end:   ${uptime()}`);
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
