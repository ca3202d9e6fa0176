// The stall probe (issue 16): while one client sends the worst request of
// each kind it knows, another measures GET /identity/v3/projects. Prints the
// probe's p50/p99 alone and under each attack, and each attack's answer.
// Goal: the probe's p99 under 100 ms whatever the attack. Bounded: each
// attack is sent ROUNDS times, one at a time; the probe runs meanwhile, and
// for a stack the attack made, until the engine has made and deleted it.
// `npm run bench -- stall` (STALL_ROUNDS, STALL_ONLY=<parts of attack names, comma-separated>,
// STALL_URL).
import { once } from 'node:events';
import { cpus, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { issueToken, startPocketstack, table } from './lib.mjs';

/** The probe's loop, in its own thread: GET /identity/v3/projects back to back until told to stop. */
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
let stop = false;
parentPort.once('message', () => { stop = true; });
(async () => {
  const times = [];
  while (!stop || times.length < workerData.min) {
    const s = performance.now();
    const r = await fetch(workerData.url + '/identity/v3/projects', { headers: { 'x-auth-token': workerData.token } });
    await r.arrayBuffer();
    times.push(performance.now() - s);
    if (times.length >= 100000) break;
  }
  parentPort.postMessage(times);
})();
`;

const ROUNDS = Number(process.env.STALL_ROUNDS ?? 3);

const deep = (n) => `${'['.repeat(n)}${']'.repeat(n)}`;
/** 999 independent resources of about 500 bytes each: a template just under max_template_size. */
const big999 = () =>
  Object.fromEntries(
    Array.from({ length: 999 }, (_, i) => [
      `r${i}`,
      { type: 'OS::Heat::Value', properties: { value: 'x'.repeat(420) } },
    ]),
  );
const hot = (extra) => ({ heat_template_version: '2018-08-31', resources: {}, ...extra });

function attacks(projectId) {
  const heat = `/heat-api/v1/${projectId}/stacks`;
  const list = Array.from({ length: 3000 }, (_, i) => `value-${i}`);
  const laughs = [
    'heat_template_version: 2018-08-31',
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ...Array.from({ length: 9 }, (_, i) => {
      const [prev, cur] = [String.fromCharCode(97 + i), String.fromCharCode(98 + i)];
      return `${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`;
    }),
    'resources: {}',
  ].join('\n');
  let n = 0;
  const name = () => `stall-${n++}`;
  /** A stack create body: one ResourceGroup of `count` OS::Heat::None. */
  const resourceGroup = (count) =>
    JSON.stringify({
      stack_name: name(),
      template: hot({
        resources: {
          g: { type: 'OS::Heat::ResourceGroup', properties: { count, resource_def: { type: 'OS::Heat::None' } } },
        },
      }),
    });
  return {
    'token request of 28 MiB': {
      url: '/identity/v3/auth/tokens',
      auth: false,
      body: () => `{"pad":"${'x'.repeat(28 << 20)}"}`,
    },
    'JSON nested 10,000 deep': { url: '/compute/v2.1/servers', body: () => `{"server": ${deep(10_000)}}` },
    'repeat over 3,000 × 3,000': {
      url: heat,
      body: () =>
        JSON.stringify({
          stack_name: name(),
          template: hot({
            outputs: {
              o: { value: { repeat: { template: { k: '<%a%>-<%b%>' }, for_each: { '%a%': list, '%b%': list } } } },
            },
          }),
        }),
    },
    'ResourceGroup of 100,000': {
      url: heat,
      body: () => resourceGroup(100_000),
    },
    'YAML alias bomb': { url: heat, body: () => JSON.stringify({ stack_name: name(), template: laughs }) },
    'Heat template of 999 resources (500 KB)': {
      url: heat,
      settle: true,
      body: () => JSON.stringify({ stack_name: name(), template: hot({ resources: big999() }) }),
    },
    'ResourceGroup of 999': {
      url: heat,
      settle: true,
      body: () => resourceGroup(999),
    },
    '1 MiB bodies to each service': {
      // one request per service, each just under Heat's 1 MiB (the 112 KiB services answer 413)
      requests: () =>
        [
          '/identity/v3/projects',
          '/compute/v2.1/servers',
          `/volume/v3/${projectId}/volumes`,
          '/networking/v2.0/networks',
          '/image/v2/images',
          heat,
        ].map((url) => ({ url, body: `{"pad":"${'x'.repeat((1 << 20) - 64)}"}` })),
    },
    'large lists (999 resources, 1000 events, 999 members)': {
      method: 'GET',
      requests: (fixtures) => [
        { url: `${heat}/${fixtures.big}/resources` },
        { url: `${heat}/${fixtures.big}/events` },
        { url: `${heat}/${fixtures.group}/resources?nested_depth=1` },
        { url: `${heat}/${fixtures.group}/events?nested_depth=1` },
      ],
    },
    'str_replace doubling': {
      url: heat,
      body: () => {
        const resources = { s0: { type: 'OS::Heat::Value', properties: { value: 'x'.repeat(1024) } } };
        for (let i = 1; i <= 22; i++)
          resources[`s${i}`] = {
            type: 'OS::Heat::Value',
            properties: {
              value: { str_replace: { template: 'AA', params: { A: { get_attr: [`s${i - 1}`, 'value'] } } } },
            },
          };
        return JSON.stringify({ stack_name: name(), template: hot({ resources }) });
      },
    },
  };
}

export default async function main() {
  // STALL_URL: probe a pocketstack already running (e.g. under --cpu-prof) rather than one of its own
  const ps = process.env.STALL_URL ? { url: process.env.STALL_URL, stop: async () => {} } : await startPocketstack();
  try {
    const token = await issueToken(`${ps.url}/identity/v3`);
    const projects = await (
      await fetch(`${ps.url}/identity/v3/auth/projects`, { headers: { 'x-auth-token': token } })
    ).json();
    const projectId = projects.projects.find((p) => p.name === 'admin').id;
    /**
     * Probes back to back until `done` settles (at least `min` probes); the
     * latencies. The probe runs in a worker thread: building a 28 MiB body
     * here must not count as the server's delay.
     */
    const probeWhile = async (done, min = 20) => {
      const worker = new Worker(PROBE, { eval: true, workerData: { url: ps.url, token, min } });
      await done;
      worker.postMessage('stop');
      const [times] = await once(worker, 'message');
      await worker.terminate();
      return times.sort((a, b) => a - b);
    };
    const pct = (t, p) => t[Math.min(t.length - 1, Math.floor((p / 100) * t.length))];
    const rows = [];
    const idle = await probeWhile(new Promise((r) => setTimeout(r, 2000)), 50);
    rows.push({
      attack: 'none',
      answers: '',
      probes: idle.length,
      p50: pct(idle, 50),
      p99: pct(idle, 99),
      max: idle.at(-1),
    });
    const headers = { 'content-type': 'application/json', 'x-auth-token': token };
    const send = (url, { method = 'POST', body, auth = true } = {}) =>
      fetch(`${ps.url}${url}`, { method, headers: auth ? headers : { 'content-type': 'application/json' }, body })
        .then(async (r) => ({
          status: r.status,
          json: r.headers.get('content-type')?.includes('json') ? await r.json() : null,
        }))
        .catch((e) => ({ status: e.cause?.code ?? 'error', json: null }));
    const heat = `/heat-api/v1/${projectId}/stacks`;
    /** Waits (bounded) until the engine is done with a stack: not IN_PROGRESS, or gone. */
    const stackDone = async (name, id) => {
      for (let i = 0; i < 1200; i++) {
        const r = await send(`${heat}/${name}/${id}`, { method: 'GET' });
        if (r.status !== 200 || !r.json.stack.stack_status.endsWith('IN_PROGRESS')) return r.json?.stack?.stack_status;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`stack ${name} still in progress after 300 s`);
    };
    /** A stack the attack made is made, then deleted: the engine's whole work counts. */
    const settle = async (body, r) => {
      if (r.status !== 201) return;
      const name = JSON.parse(body).stack_name;
      await stackDone(name, r.json.stack.id);
      await send(`${heat}/${name}/${r.json.stack.id}`, { method: 'DELETE' });
      await stackDone(name, r.json.stack.id);
    };
    // the large lists read two stacks made before (not measured)
    const fixture = async (name, resources) => {
      const r = await send(heat, { body: JSON.stringify({ stack_name: name, template: hot({ resources }) }) });
      if (r.status !== 201) throw new Error(`fixture ${name}: ${r.status}`);
      const status = await stackDone(name, r.json.stack.id);
      if (status !== 'CREATE_COMPLETE') throw new Error(`fixture ${name}: ${status}`);
      return `${name}/${r.json.stack.id}`;
    };
    const only = process.env.STALL_ONLY;
    const chosen = Object.entries(attacks(projectId)).filter(
      ([what]) => !only || only.split(',').some((o) => what.includes(o)),
    );
    const fixtures = chosen.some(([, a]) => a.method === 'GET')
      ? {
          big: await fixture('stall-list-big', big999()),
          group: await fixture('stall-list-group', {
            g: {
              type: 'OS::Heat::ResourceGroup',
              properties: { count: 999, resource_def: { type: 'OS::Heat::None' } },
            },
          }),
        }
      : {};
    for (const [what, a] of chosen) {
      const statuses = new Set();
      const run = (async () => {
        for (let i = 0; i < ROUNDS; i++) {
          const requests = a.requests ? a.requests(fixtures) : [{ url: a.url, body: a.body() }];
          for (const q of requests) {
            const r = await send(q.url, { method: a.method, body: q.body, auth: a.auth !== false });
            statuses.add(r.status);
            if (a.settle) await settle(q.body, r);
          }
          // whatever the engine does with a stack it accepted counts too
          await new Promise((r) => setTimeout(r, 500));
        }
      })();
      const times = await probeWhile(run);
      rows.push({
        attack: what,
        answers: [...statuses].join(' '),
        probes: times.length,
        p50: pct(times, 50),
        p99: pct(times, 99),
        max: times.at(-1),
      });
    }
    table(rows);
    console.log(
      `load average during the run: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (${cpus().length} cores)`,
    );
    const worst = Math.max(...rows.map((r) => r.p99));
    console.log(`probe p99 under attack: worst ${worst.toFixed(1)} ms (goal: under 100 ms)`);
  } finally {
    await ps.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
