import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { heatBase, uploadImage } from './helpers.js';

// The guide's scenario as one stack (a copy of ../shared/e2e/two-tier.yaml):
// every service together, with the fake drivers, then deleted without a trace.

describe('orchestration: the guide two-tier stack', () => {
  let t: TestCloud;
  let base: string;
  beforeAll(async () => {
    t = await testCloud();
    base = await heatBase(t);
    await uploadImage(t, 'debian');
  });
  afterAll(() => t.close());

  it('creates every resource, answers the outputs, and deletes it all', async () => {
    const template = readFileSync(join(__dirname, 'fixtures/two-tier.yaml'), 'utf8').replace(/@RID@/g, 'test');
    const res = await t.call({
      method: 'POST',
      url: `${base}/stacks`,
      as: 'admin',
      payload: { stack_name: 'two_tier', template, parameters: { image: 'debian' } },
    });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().stack.id;
    await t.cloud.tasks.idle();
    const stack = (await t.call({ method: 'GET', url: `${base}/stacks/two_tier/${id}`, as: 'admin' })).json().stack;
    expect(stack.stack_status, stack.stack_status_reason).toBe('CREATE_COMPLETE');
    const outputs = Object.fromEntries(stack.outputs.map((o: any) => [o.output_key, o.output_value]));
    expect(outputs.web_ip).toMatch(/^192\.168\.1\.\d+$/);
    expect(outputs.web_floating_ip).toMatch(/^172\.24\.4\.\d+$/);
    const resources = (
      await t.call({ method: 'GET', url: `${base}/stacks/two_tier/${id}/resources`, as: 'admin' })
    ).json().resources;
    expect(resources).toHaveLength(12);
    expect(resources.every((r: any) => r.resource_status === 'CREATE_COMPLETE')).toBe(true);
    const phys = (n: string) => resources.find((r: any) => r.resource_name === n).physical_resource_id;
    const nova = async (path: string) =>
      (
        await t.call({
          method: 'GET',
          url: `/compute/v2.1${path}`,
          as: 'admin',
          headers: { 'openstack-api-version': 'compute 2.79' },
        })
      ).json();
    const web = (await nova(`/servers/${phys('web_server')}`)).server;
    expect(web.metadata).toEqual({ db_ip: '192.168.1.4' });
    const attached = (await nova(`/servers/${phys('db_server')}/os-volume_attachments`)).volumeAttachments;
    expect(attached.map((a: any) => a.volumeId)).toEqual([phys('data_volume')]);

    await t.call({ method: 'DELETE', url: `${base}/stacks/two_tier/${id}`, as: 'admin' });
    await t.cloud.tasks.idle();
    const gone = (await t.call({ method: 'GET', url: `${base}/stacks/two_tier/${id}`, as: 'admin' })).json().stack;
    expect(gone.stack_status, gone.stack_status_reason).toBe('DELETE_COMPLETE');
    expect((await nova('/servers')).servers).toEqual([]);
    const nets = (
      await t.call({ method: 'GET', url: '/networking/v2.0/networks?name=heat_net_test', as: 'admin' })
    ).json();
    expect(nets.networks).toEqual([]);
  });
});
