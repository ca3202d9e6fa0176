import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { createStack, heatBase, hot } from './helpers.js';

// OS::Glance::WebImage and the glance.image constraint through the image
// service's internal API.

describe('orchestration: OS::Glance resources', () => {
  let t: TestCloud;
  let base: string;
  let web: Server;
  let url: string;
  beforeAll(async () => {
    t = await testCloud();
    base = await heatBase(t);
    web = createServer((_req, res) => res.end(Buffer.alloc(4096, 7)));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(web.address() as AddressInfo).port}/disk.img`;
  });
  afterAll(async () => {
    web.close();
    await t.close();
  });

  const image = (location: string, name = 'from-web') =>
    hot({
      img: {
        type: 'OS::Glance::WebImage',
        properties: { name, location, disk_format: 'raw', container_format: 'bare', tags: ['heat'] },
      },
    });

  it('imports an image from a URL, and deletes it with the stack', async () => {
    const { id, stack } = await createStack(t, 'img', image(url));
    expect(stack.stack_status, stack.stack_status_reason).toBe('CREATE_COMPLETE');
    const res = (await t.call({ method: 'GET', url: `${base}/stacks/img/${id}/resources/img`, as: 'admin' })).json()
      .resource;
    const glance = (
      await t.call({ method: 'GET', url: `/image/v2/images/${res.physical_resource_id}`, as: 'admin' })
    ).json();
    expect(glance).toMatchObject({ name: 'from-web', status: 'active', size: 4096, tags: ['heat'] });
    await t.call({ method: 'DELETE', url: `${base}/stacks/img/${id}`, as: 'admin' });
    await t.cloud.tasks.idle();
    expect(
      (await t.call({ method: 'GET', url: `/image/v2/images/${res.physical_resource_id}`, as: 'admin' })).statusCode,
    ).toBe(404);
  });

  it('fails clearly when the URL cannot be reached', async () => {
    const { stack } = await createStack(t, 'noimg', image('http://127.0.0.1:9/nothing.img', 'unreachable'));
    expect(stack.stack_status).toBe('CREATE_FAILED');
    expect(stack.stack_status_reason).toMatch(
      /^Resource CREATE failed: ResourceInError: resources\.img: Went to status queued due to "web-download of http:\/\/127\.0\.0\.1:9\/nothing\.img failed"/,
    );
  });

  it('checks glance.image parameters against the images the caller sees', async () => {
    const tpl = hot(
      { v: { type: 'OS::Heat::Value', properties: { value: { get_param: 'image' } } } },
      { parameters: { image: { type: 'string', constraints: [{ custom_constraint: 'glance.image' }] } } },
    );
    const bad = await t.call({
      method: 'POST',
      url: `${base}/stacks`,
      as: 'admin',
      payload: { stack_name: 'param', template: tpl, parameters: { image: 'nope' } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toBe(
      "Parameter 'image' is invalid: Error validating value 'nope': The Image (nope) could not be found.",
    );
    await createStack(t, 'img2', image(url, 'second'));
    const { stack } = await createStack(t, 'param', tpl, { parameters: { image: 'second' } });
    expect(stack.stack_status).toBe('CREATE_COMPLETE');
  });
});
