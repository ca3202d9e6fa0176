import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../helpers.js';

// Request bodies are bounded per service as the real ones bound them (issue
// 16): Keystone, Nova and Cinder at 112 KiB, Heat and the rest at 1 MiB;
// image data streams past any of them.

const KIB = 1024;
const json = (bytes: number, wrap: (pad: string) => unknown) => JSON.stringify(wrap('x'.repeat(bytes)));

describe('request body limits', () => {
  let t: TestCloud;
  let project: string;
  beforeAll(async () => {
    t = await testCloud();
    project = (await t.call({ as: 'admin', method: 'GET', url: '/identity/v3/projects?name=admin' })).json().projects[0]
      .id;
  });
  afterAll(async () => t?.close());

  const send = (url: string, payload: string, as?: string) =>
    t.call({ ...(as ? { as } : {}), method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });

  it('the unauthenticated token request is refused past 112 KiB before it is parsed', async () => {
    const big = json(200 * KIB, (pad) => ({ auth: { identity: { methods: ['password'] }, pad } }));
    const r = await send('/identity/v3/auth/tokens', big);
    expect(r.statusCode).toBe(413);
    expect(r.json().error).toMatchObject({ code: 413, title: 'Request Entity Too Large' });
    // just under the limit it is read (and refused for what it says)
    const small = json(100 * KIB, (pad) => ({ auth: { identity: { methods: ['password'] }, pad } }));
    expect((await send('/identity/v3/auth/tokens', small)).statusCode).not.toBe(413);
  });

  it('Nova and Cinder at 112 KiB, in their own words', async () => {
    const body = json(200 * KIB, (pad) => ({ keypair: { name: 'k', public_key: pad } }));
    const nova = await send('/compute/v2.1/os-keypairs', body, 'admin');
    expect(nova.statusCode).toBe(413);
    expect(JSON.stringify(nova.json())).toMatch(/Larger than max_request_body_size \(114688\)/);
    const cinder = await send(
      `/volume/v3/${project}/volumes`,
      json(200 * KIB, (pad) => ({ volume: { size: 1, description: pad } })),
      'admin',
    );
    expect(cinder.statusCode).toBe(413);
  });

  it('Heat and Neutron at 1 MiB; Heat says so as a 400, as its max_json_body_size does', async () => {
    const under = json(600 * KIB, (pad) => ({ network: { name: 'n', description: pad } }));
    expect((await send('/networking/v2.0/networks', under, 'admin')).statusCode).toBe(400); // too long a description
    const over = json(1100 * KIB, (pad) => ({ network: { name: 'n', description: pad } }));
    expect((await send('/networking/v2.0/networks', over, 'admin')).statusCode).toBe(413);
    const heat = await send(
      `/heat-api/v1/${project}/stacks`,
      json(1100 * KIB, (pad) => ({
        stack_name: 's',
        template: { heat_template_version: '2018-08-31', description: pad },
      })),
      'admin',
    );
    expect(heat.statusCode).toBe(400);
    expect(heat.json().error.message).toMatch(
      /JSON body size \(\d+ bytes\) exceeds maximum allowed size \(1048576 bytes\)/,
    );
  });

  it('image data is streamed, whatever its size', async () => {
    const img = await send(
      '/image/v2/images',
      JSON.stringify({ name: 'big', disk_format: 'raw', container_format: 'bare' }),
      'admin',
    );
    const id = img.json().id;
    const data = Buffer.alloc(2 * 1024 * KIB, 7);
    const put = await t.call({
      as: 'admin',
      method: 'PUT',
      url: `/image/v2/images/${id}/file`,
      payload: data,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(put.statusCode).toBe(204);
    const shown = await t.call({ as: 'admin', method: 'GET', url: `/image/v2/images/${id}` });
    expect(shown.json()).toMatchObject({ status: 'active', size: data.length });
  });
});
