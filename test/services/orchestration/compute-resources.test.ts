import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { createStack, heatBase, hot, uploadImage } from './helpers.js';

// OS::Nova::* through Nova's API: servers built to ACTIVE on the fake
// driver, renamed in place or replaced, key pairs, flavors, server groups.

describe('orchestration: OS::Nova resources', () => {
  let t: TestCloud;
  let base: string;
  beforeAll(async () => {
    t = await testCloud();
    base = await heatBase(t, 'demo');
    await uploadImage(t, 'cirros');
  });
  afterAll(() => t.close());

  const nova = async (path: string, as = 'demo') =>
    (
      await t.call({
        method: 'GET',
        url: `/compute/v2.1${path}`,
        as,
        headers: { 'openstack-api-version': 'compute 2.79' },
      })
    ).json();
  const serverTpl = (name: string, key = 'k1') =>
    hot(
      {
        k1: { type: 'OS::Nova::KeyPair', properties: { name: 'heat-k1', save_private_key: true } },
        k2: { type: 'OS::Nova::KeyPair', properties: { name: 'heat-k2' } },
        srv: {
          type: 'OS::Nova::Server',
          properties: {
            name,
            image: 'cirros',
            flavor: 'm1.nano',
            key_name: { get_resource: key },
            networks: [{ network: 'private' }],
            metadata: { role: 'web', n: 1 },
            user_data_format: 'RAW',
            user_data: '#cloud-config\nruncmd: [echo hi]\n',
          },
        },
      },
      {
        outputs: {
          ip: { value: { get_attr: ['srv', 'first_address'] } },
          nets: { value: { get_attr: ['srv', 'networks', 'private', 0] } },
          private_key: { value: { get_attr: ['k1', 'private_key'] } },
        },
      },
    );
  const out = (stack: any, key: string) => stack.outputs.find((o: any) => o.output_key === key).output_value;

  it('boots a server to ACTIVE with its key pair, metadata and user data; renames in place; replaces on a new key', async () => {
    const { id, stack } = await createStack(t, 'srv', serverTpl('web-1'), { as: 'demo' });
    expect(stack.stack_status, stack.stack_status_reason).toBe('CREATE_COMPLETE');
    expect(out(stack, 'ip')).toMatch(/^10\.0\.0\.\d+$/);
    expect(out(stack, 'nets')).toBe(out(stack, 'ip'));
    expect(out(stack, 'private_key')).toMatch(/PRIVATE KEY/);
    const resources = async () =>
      (await t.call({ method: 'GET', url: `${base}/stacks/srv/${id}/resources`, as: 'demo' })).json()
        .resources as any[];
    const first = (await resources()).find((r) => r.resource_name === 'srv');
    const s = (await nova(`/servers/${first.physical_resource_id}`)).server;
    expect(s).toMatchObject({
      name: 'web-1',
      status: 'ACTIVE',
      key_name: 'heat-k1',
      metadata: { role: 'web', n: '1' },
    });

    const update = async (tpl: unknown) => {
      await t.call({ method: 'PUT', url: `${base}/stacks/srv/${id}`, as: 'demo', payload: { template: tpl } });
      await t.cloud.tasks.idle();
      return (await t.call({ method: 'GET', url: `${base}/stacks/srv/${id}`, as: 'demo' })).json().stack;
    };
    let after = await update(serverTpl('web-renamed'));
    expect(after.stack_status, after.stack_status_reason).toBe('UPDATE_COMPLETE');
    let srv = (await resources()).find((r) => r.resource_name === 'srv');
    expect(srv.physical_resource_id).toBe(first.physical_resource_id);
    expect(srv.resource_status).toBe('UPDATE_COMPLETE');
    expect((await nova(`/servers/${srv.physical_resource_id}`)).server.name).toBe('web-renamed');

    after = await update(serverTpl('web-renamed', 'k2'));
    expect(after.stack_status, after.stack_status_reason).toBe('UPDATE_COMPLETE');
    srv = (await resources()).find((r) => r.resource_name === 'srv');
    expect(srv.physical_resource_id).not.toBe(first.physical_resource_id);
    expect(srv.resource_status).toBe('CREATE_COMPLETE');
    expect((await nova(`/servers/${first.physical_resource_id}`)).itemNotFound).toBeDefined();
    expect((await nova(`/servers/${srv.physical_resource_id}`)).server.key_name).toBe('heat-k2');

    await t.call({ method: 'DELETE', url: `${base}/stacks/srv/${id}`, as: 'demo' });
    await t.cloud.tasks.idle();
    expect((await nova('/servers')).servers).toEqual([]);
    expect((await nova('/os-keypairs')).keypairs).toEqual([]);
  });

  it("refuses an unknown flavor before anything is made, and fails with Nova's cause", async () => {
    const bad = serverTpl('x') as any;
    bad.resources.srv.properties.flavor = 'huge';
    const res = await t.call({
      method: 'POST',
      url: `${base}/stacks`,
      as: 'demo',
      payload: { stack_name: 'noflavor', template: bad },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe(
      "Property error: resources.srv.properties.flavor: Error validating value 'huge': The Flavor (huge) could not be found.",
    );
    const noNet = serverTpl('y') as any;
    noNet.resources.srv.properties.networks = [{ port: { get_resource: 'k1' } }];
    const { stack } = await createStack(t, 'badport', noNet, { as: 'demo' });
    expect(stack.stack_status).toBe('CREATE_FAILED');
    expect(stack.stack_status_reason).toBe(
      "Resource CREATE failed: StackValidationFailed: resources.srv: Property error: resources.srv.properties.networks[0].port: Error validating value 'heat-k1': Unable to find port with name or id 'heat-k1'",
    );
  });

  it('creates flavors (as admin) and server groups', async () => {
    const adminBase = await heatBase(t, 'admin');
    const tpl = hot({
      f: {
        type: 'OS::Nova::Flavor',
        properties: { name: 'heat.tiny', ram: 128, vcpus: 1, disk: 1, extra_specs: { 'hw:cpu_policy': 'shared' } },
      },
      g: { type: 'OS::Nova::ServerGroup', properties: { name: 'grp', policies: ['affinity'] } },
    });
    const { id, stack } = await createStack(t, 'flv', tpl);
    expect(stack.stack_status, stack.stack_status_reason).toBe('CREATE_COMPLETE');
    const res = (await t.call({ method: 'GET', url: `${adminBase}/stacks/flv/${id}/resources/f`, as: 'admin' })).json()
      .resource;
    expect(res.attributes.extra_specs).toEqual({ 'hw:cpu_policy': 'shared' });
    const demoTry = await t.call({
      method: 'POST',
      url: `${base}/stacks`,
      as: 'demo',
      payload: { stack_name: 'flv2', template: tpl },
    });
    expect(demoTry.statusCode).toBe(201);
    await t.cloud.tasks.idle();
    const failed = (
      await t.call({ method: 'GET', url: `${base}/stacks/flv2/${demoTry.json().stack.id}`, as: 'demo' })
    ).json().stack;
    expect(failed.stack_status_reason).toMatch(/^Resource CREATE failed: Forbidden: resources\.f: .*\(HTTP 403\)/);
  });
});
