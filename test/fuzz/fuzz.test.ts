import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTable } from '../../src/server/app.js';
import { passwordAuthByName, type TestCloud, testCloud } from '../helpers.js';
import { body, fillUrl, Gen, MICROVERSION_HEADERS, prng, query } from './generate.js';

// `npm run test:fuzz`: a bounded, seeded walk over every route the app
// serves with hostile URLs, queries, headers and bodies, as an admin, a
// member and nobody. No answer may be a 5xx other than 501 (not served),
// and no request may hang. FUZZ_SEED and FUZZ_REQUESTS change the walk; a
// failure prints what to replay.

const SEED = Number(process.env.FUZZ_SEED ?? 16);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 3000);
const HANG_MS = 15_000;

describe(`fuzz: ${REQUESTS} requests, seed ${SEED}`, () => {
  let t: TestCloud;
  const ids: string[] = [];

  beforeAll(async () => {
    t = await testCloud();
    // things to aim at, in the demo project (so the admin's own project and user survive the walk)
    const made = async (
      as: string,
      method: 'POST' | 'PUT',
      url: string,
      payload: unknown,
      pick: (j: any) => string,
    ) => {
      const r = await t.call({ as, method, url, payload: payload as object });
      if (r.statusCode < 300) ids.push(pick(r.json()));
    };
    await made('demo', 'POST', '/networking/v2.0/networks', { network: { name: 'f' } }, (j) => j.network.id);
    await made(
      'demo',
      'POST',
      '/networking/v2.0/subnets',
      { subnet: { network_id: ids[0], cidr: '10.9.0.0/24', ip_version: 4 } },
      (j) => j.subnet.id,
    );
    await made('demo', 'POST', '/networking/v2.0/ports', { port: { network_id: ids[0] } }, (j) => j.port.id);
    await made('demo', 'POST', '/networking/v2.0/routers', { router: { name: 'r' } }, (j) => j.router.id);
    await made(
      'demo',
      'POST',
      '/networking/v2.0/security-groups',
      { security_group: { name: 's' } },
      (j) => j.security_group.id,
    );
    await made('demo', 'POST', '/volume/v3/volumes', { volume: { size: 1 } }, (j) => j.volume.id);
    await made(
      'demo',
      'POST',
      '/image/v2/images',
      { name: 'i', disk_format: 'raw', container_format: 'bare' },
      (j) => j.id,
    );
    await made('demo', 'POST', '/compute/v2.1/os-keypairs', { keypair: { name: 'k' } }, (j) => j.keypair.name);
    const flavors = (await t.call({ as: 'demo', method: 'GET', url: '/compute/v2.1/flavors' })).json().flavors;
    ids.push(flavors[0].id);
    const images = (await t.call({ as: 'demo', method: 'GET', url: '/image/v2/images' })).json().images;
    await made(
      'demo',
      'POST',
      '/compute/v2.1/servers',
      { server: { name: 'vm', imageRef: images[0].id, flavorRef: flavors[0].id, networks: [{ uuid: ids[0] }] } },
      (j) => j.server.id,
    );
    await made(
      'demo',
      'POST',
      `/heat-api/v1/${await projectId('demo')}/stacks`,
      {
        stack_name: 'st',
        template: { heat_template_version: '2018-08-31', resources: { r: { type: 'OS::Heat::None' } } },
      },
      (j) => j.stack.id,
    );
    ids.push('st', await projectId('demo'), 'default', 'RegionOne', 'member', 'reader');
    await t.cloud.tasks.idle();
  });
  afterAll(async () => t?.close());

  async function projectId(name: string) {
    const r = await t.call({ as: 'admin', method: 'GET', url: `/identity/v3/projects?name=${name}` });
    return r.json().projects[0].id as string;
  }

  it('answers every request without a 5xx and without hanging', async () => {
    const g = new Gen(prng(SEED));
    const routes = routeTable(t.cloud.app).filter((r) => !r.url.startsWith('/dashboard'));
    const tokens = { admin: await t.token('admin'), demo: await t.token('demo') } as Record<string, string>;
    const failures: string[] = [];
    const byStatus = new Map<number, number>();
    for (let n = 0; n < REQUESTS; n++) {
      const route = g.pick(routes);
      const url = fillUrl(g, route.url, ids) + query(g);
      const b =
        route.method === 'GET' || route.method === 'HEAD'
          ? g.chance(0.1)
            ? body(g, route.url)
            : {}
          : body(g, route.url);
      const who = g.pick(['admin', 'admin', 'demo', 'none']);
      const headers: Record<string, string> = { ...g.pick(MICROVERSION_HEADERS) };
      if (who !== 'none') headers['x-auth-token'] = tokens[who];
      if (b.contentType) headers['content-type'] = b.contentType;
      const req = { method: route.method as 'GET', url, headers, payload: b.payload };
      let status: number;
      let text = '';
      try {
        const res = await Promise.race([
          t.cloud.app.inject(req),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`hung over ${HANG_MS} ms`)), HANG_MS)),
        ]);
        status = res.statusCode;
        text = res.body.slice(0, 300);
      } catch (e) {
        status = 0;
        text = (e as Error).message;
      }
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      if (process.env.FUZZ_SHOW && status === Number(process.env.FUZZ_SHOW) && who !== 'none')
        console.log(`#${n} ${route.method} ${url.slice(0, 150)} as ${who} → ${text.slice(0, 150)}`);
      if (status === 0 || (status >= 500 && status !== 501))
        failures.push(
          `#${n} ${route.method} ${url.slice(0, 200)} as ${who} ${JSON.stringify(headers).slice(0, 80)} body ${(b.payload ?? '').slice(0, 200)} → ${status} ${text}`,
        );
      // re-issue tokens a request revoked or made useless (a fuzzed password change, a role removal)
      if (n % 200 === 199) {
        for (const who of ['admin', 'demo']) {
          const ok = await t.cloud.app.inject({
            method: 'GET',
            url: '/identity/v3/auth/tokens',
            headers: { 'x-auth-token': tokens[who], 'x-subject-token': tokens[who] },
          });
          if (ok.statusCode !== 200) tokens[who] = await freshToken(who);
        }
      }
    }
    console.log(
      `fuzz seed ${SEED}: ${REQUESTS} requests over ${routes.length} routes;`,
      Object.fromEntries([...byStatus].sort((a, b) => a[0] - b[0])),
    );
    expect(failures, failures.join('\n')).toEqual([]);
  }, 900_000);

  async function freshToken(user: string) {
    const res = await t.cloud.app.inject({
      method: 'POST',
      url: '/identity/v3/auth/tokens',
      payload: passwordAuthByName(user),
    });
    return (res.headers['x-subject-token'] as string) ?? '';
  }
});
