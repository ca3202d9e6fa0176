import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../helpers.js';

// The shapes of hostile input that answered 500 (issue 16), each now a 4xx
// in the service's own words. test/fuzz/ walks the whole route table.

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

describe('hostile input: no 500', () => {
  let t: TestCloud;
  let project: string;
  const logged: Array<{ level: number; msg: string; err?: { stack?: string; message?: string } }> = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        for (const line of String(chunk).split('\n')) if (line) logged.push(JSON.parse(line));
        cb();
      },
    });
    t = await testCloud({ logLevel: 'error' });
    t.cloud.log = pino({ level: 'error' }, sink);
    project = (await t.call({ as: 'admin', method: 'GET', url: '/identity/v3/projects?name=admin' })).json().projects[0]
      .id;
  });
  afterAll(async () => t?.close());

  const post = (url: string, payload: string, method: 'POST' | 'PUT' | 'PATCH' = 'POST', type = 'application/json') =>
    t.call({ as: 'admin', method, url, payload, headers: { 'content-type': type } });

  it('bodies nested 10,000 levels deep are refused before anything walks them, in every service', async () => {
    const cases: Array<[string, string, 'POST' | 'PUT' | 'PATCH', string?]> = [
      ['/identity/v3/projects', `{"project": ${deepObject(10000)}}`, 'POST'],
      [
        '/identity/v3/credentials',
        `{"credential": {"type": "ec2", "user_id": "u", "blob": ${JSON.stringify(deep(10000))}}}`,
        'POST',
      ],
      ['/compute/v2.1/servers', `{"server": ${deep(10000)}}`, 'POST'],
      ['/compute/v2.1/os-keypairs', deepObject(5000), 'POST'],
      ['/networking/v2.0/networks', `{"network": {"name": ${deep(10000)}}}`, 'POST'],
      ['/volume/v3/volumes', `{"volume": {"metadata": ${deepObject(10000)}}}`, 'POST'],
      ['/image/v2/images', `{"name": ${deep(10000)}}`, 'POST'],
      [
        '/image/v2/images/00000000-0000-0000-0000-000000000000',
        `[{"op": "add", "path": "/x", "value": ${deep(10000)}}]`,
        'PATCH',
        'application/openstack-images-v2.1-json-patch',
      ],
      [`/heat-api/v1/${project}/stacks`, `{"stack_name": "s", "template": ${deepObject(10000)}}`, 'POST'],
      [`/heat-api/v1/${project}/stacks`, JSON.stringify({ stack_name: 's', template: deepObject(10000) }), 'POST'],
      [`/heat-api/v1/${project}/stacks`, JSON.stringify({ stack_name: 's', template: `x: ${deep(10000)}` }), 'POST'],
    ];
    for (const [url, payload, method, type] of cases) {
      const r = await post(url, payload, method, type);
      expect(r.statusCode, `${method} ${url}: ${r.body.slice(0, 200)}`).toBe(400);
    }
  });

  it('bodies that are not objects where an object is expected', async () => {
    const agents = (await t.call({ as: 'admin', method: 'GET', url: '/networking/v2.0/agents' })).json().agents;
    const cases: Array<[string, string, 'POST' | 'PUT', string]> = [
      ['/compute/v2.1/os-aggregates/1/action', 'add_host', 'POST', 'text/plain'],
      ['/compute/v2.1/flavors/42/action', '1', 'POST', 'application/json'],
      ['/compute/v2.1/servers/x/action', '"reboot"', 'POST', 'application/json'],
      [`/networking/v2.0/agents/${agents[0]?.id ?? 'x'}`, '{"agent": true}', 'PUT', 'application/json'],
      ['/volume/v3/attachments/00000000-0000-0000-0000-000000000000/action', '1', 'POST', 'application/json'],
      ['/identity/v3/projects', '[1]', 'POST', 'application/json'],
    ];
    const wrong: string[] = [];
    for (const [url, payload, method, type] of cases) {
      const r = await post(url, payload, method, type);
      if (r.statusCode < 400 || r.statusCode >= 500)
        wrong.push(`${method} ${url} ${payload}: ${r.statusCode} ${r.body.slice(0, 200)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('inherited names (__proto__, constructor, toString) are not known names', async () => {
    const domain = (await t.call({ as: 'admin', method: 'GET', url: '/identity/v3/domains?name=Default' })).json()
      .domains[0].id;
    for (const config of [
      '{"config": {"__proto__": {"url": "x"}}}',
      '{"config": {"constructor": {"url": "x"}}}',
      '{"config": {"ldap": {"__proto__": "x"}}}',
      '{"config": {"ldap": {"toString": "x"}}}',
    ]) {
      const r = await post(`/identity/v3/domains/${domain}/config`, config, 'PUT');
      expect(r.statusCode, `${config}: ${r.body}`).toBeGreaterThanOrEqual(400);
      expect(r.statusCode, `${config}: ${r.body}`).toBeLessThan(500);
    }
    // as any group Keystone does not know
    const r = await t.call({
      as: 'admin',
      method: 'GET',
      url: `/identity/v3/domains/${domain}/config/__proto__/default`,
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.message).toMatch(/Group __proto__ is not supported/);
    // a volume action named after an inherited property is no action (the fuzz suite found a 500)
    const vol = (await post(`/volume/v3/${project}/volumes`, '{"volume": {"size": 1}}')).json().volume.id;
    for (const action of ['__proto__', 'constructor', 'toString']) {
      const a = await post(`/volume/v3/${project}/volumes/${vol}/action`, `{"${action}": {"admin": true}}`);
      expect(a.statusCode, `${action}: ${a.body}`).toBe(400);
      expect(a.json().badRequest.message).toBe(`There is no such action: ${action}`);
    }
  });

  it('Heat: a YAML alias bomb and a str_replace past the string limit are 400s', async () => {
    const laughs = [
      'heat_template_version: 2018-08-31',
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      ...Array.from({ length: 9 }, (_, i) => {
        const prev = String.fromCharCode(97 + i);
        const cur = String.fromCharCode(98 + i);
        return `${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`;
      }),
      'resources: {}',
    ].join('\n');
    const bomb = await post(`/heat-api/v1/${project}/stacks`, JSON.stringify({ stack_name: 'b', template: laughs }));
    expect(bomb.statusCode, bomb.body.slice(0, 300)).toBe(400);

    // each level doubles the string: 2^30 characters is past V8's limit
    const outputs: Record<string, unknown> = {};
    const resources: Record<string, unknown> = {
      s0: { type: 'OS::Heat::Value', properties: { value: 'x'.repeat(1024) } },
    };
    for (let i = 1; i <= 22; i++)
      resources[`s${i}`] = {
        type: 'OS::Heat::Value',
        properties: {
          value: {
            str_replace: { template: 'AA', params: { A: { get_attr: [`s${i - 1}`, 'value'] } } },
          },
        },
      };
    outputs.o = { value: { get_attr: ['s22', 'value'] } };
    const template = { heat_template_version: '2018-08-31', resources, outputs };
    const big = await post(`/heat-api/v1/${project}/stacks`, JSON.stringify({ stack_name: 'big', template }));
    expect(big.statusCode).toBeLessThan(500);
    await t.cloud.tasks.idle();
    const direct = {
      heat_template_version: '2018-08-31',
      parameters: { p: { type: 'string', default: 'x'.repeat(4096) } },
      resources: {},
      outputs: {
        o: {
          value: {
            str_replace: {
              template: 'P'.repeat(200_000),
              params: { P: { get_param: 'p' } },
            },
          },
        },
      },
    };
    const r = await post(`/heat-api/v1/${project}/stacks`, JSON.stringify({ stack_name: 'direct', template: direct }));
    expect(r.statusCode, r.body.slice(0, 300)).toBeLessThan(500);
    await t.cloud.tasks.idle();
    const shown = await t.call({ as: 'admin', method: 'GET', url: `/heat-api/v1/${project}/stacks/direct` });
    expect(shown.statusCode).toBeLessThan(500);
  });

  it('a 500 is logged with the exception as thrown, its stack included', async () => {
    await t.cloud.db.schema.dropTable('nova_keypairs').execute();
    const r = await t.call({ as: 'admin', method: 'GET', url: '/compute/v2.1/os-keypairs' });
    expect(r.statusCode).toBe(500);
    const entry = logged.find((l) => (l as { status?: number }).status === 500 && /os-keypairs/.test(l.msg));
    expect(entry?.err?.message).toMatch(/no such table|does not exist/);
    expect(entry?.err?.stack).toMatch(/\n\s+at /);
  });
});
