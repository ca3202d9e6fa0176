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

  // oslo.middleware's sizelimit answers before the service: webob's page, by the Accept header
  const WEBOB_413 = {
    message: 'Request is too large. Larger than max_request_body_size (114688).<br /><br />\n\n\n',
    code: '413 Request Entity Too Large',
    title: 'Request Entity Too Large',
  };

  it('the unauthenticated token request is refused past 112 KiB before it is parsed', async () => {
    const big = json(200 * KIB, (pad) => ({ auth: { identity: { methods: ['password'] }, pad } }));
    const r = await t.call({
      method: 'POST',
      url: '/identity/v3/auth/tokens',
      payload: big,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
    });
    expect(r.statusCode).toBe(413);
    expect(r.json()).toEqual(WEBOB_413);
    // just under the limit it is read (and refused for what it says)
    const small = json(100 * KIB, (pad) => ({ auth: { identity: { methods: ['password'] }, pad } }));
    expect((await send('/identity/v3/auth/tokens', small)).statusCode).not.toBe(413);
  });

  it('Nova and Cinder at 112 KiB, in the words of the sizelimit middleware in front of them', async () => {
    const body = json(200 * KIB, (pad) => ({ keypair: { name: 'k', public_key: pad } }));
    const accept = (type: string) => ({ 'content-type': 'application/json', accept: type });
    const nova = await t.call({
      as: 'admin',
      method: 'POST',
      url: '/compute/v2.1/os-keypairs',
      payload: body,
      headers: accept('application/json'),
    });
    expect(nova.statusCode).toBe(413);
    expect(nova.json()).toEqual(WEBOB_413);
    // before the token is looked at, as the middleware runs before keystonemiddleware
    const anonymous = await t.call({
      method: 'POST',
      url: '/compute/v2.1/os-keypairs',
      payload: body,
      headers: accept('application/json'),
    });
    expect(anonymous.statusCode).toBe(413);
    // a browser (or curl's */*) gets the HTML page
    const html = await t.call({
      as: 'admin',
      method: 'POST',
      url: '/compute/v2.1/os-keypairs',
      payload: body,
      headers: accept('*/*'),
    });
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.body).toContain('<h1>413 Request Entity Too Large</h1>');
    const cinder = await t.call({
      as: 'admin',
      method: 'POST',
      url: `/volume/v3/${project}/volumes`,
      payload: json(200 * KIB, (pad) => ({ volume: { size: 1, description: pad } })),
      headers: accept('application/json'),
    });
    expect(cinder.statusCode).toBe(413);
    expect(cinder.json()).toEqual(WEBOB_413);
    // under the limit, Nova's own fault body as before
    const small = await send(
      '/compute/v2.1/os-keypairs',
      json(10, () => ({ keypair: {} })),
      'admin',
    );
    expect(small.statusCode).toBe(400);
    expect(small.json().badRequest.code).toBe(400);
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
