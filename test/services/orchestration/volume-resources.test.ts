import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { createStack, heatBase, hot } from './helpers.js';

// OS::Cinder::Volume through the volume service: made and waited for until
// available, shown by Cinder's API, deleted with the stack.

describe('orchestration: OS::Cinder resources', () => {
  let t: TestCloud;
  let base: string;
  let project: string;
  beforeAll(async () => {
    t = await testCloud();
    base = await heatBase(t, 'demo');
    project = base.split('/').pop()!;
  });
  afterAll(() => t.close());

  it('creates a volume, exposes its attributes, deletes it', async () => {
    const tpl = hot(
      {
        vol: {
          type: 'OS::Cinder::Volume',
          properties: { size: 1, name: 'data', description: 'heat volume', metadata: { a: 'b' } },
        },
      },
      {
        outputs: { status: { value: { get_attr: ['vol', 'status'] } }, size: { value: { get_attr: ['vol', 'size'] } } },
      },
    );
    const { id, stack } = await createStack(t, 'vols', tpl, { as: 'demo' });
    expect(stack.stack_status, stack.stack_status_reason).toBe('CREATE_COMPLETE');
    expect(stack.outputs.map((o: any) => o.output_value).sort()).toEqual([1, 'available']);
    const res = (await t.call({ method: 'GET', url: `${base}/stacks/vols/${id}/resources/vol`, as: 'demo' })).json()
      .resource;
    const cinder = await t.call({
      method: 'GET',
      url: `/volume/v3/${project}/volumes/${res.physical_resource_id}`,
      as: 'demo',
    });
    expect(cinder.json().volume).toMatchObject({
      name: 'data',
      description: 'heat volume',
      metadata: { a: 'b' },
      status: 'available',
    });
    await t.call({ method: 'DELETE', url: `${base}/stacks/vols/${id}`, as: 'demo' });
    await t.cloud.tasks.idle();
    const gone = await t.call({
      method: 'GET',
      url: `/volume/v3/${project}/volumes/${res.physical_resource_id}`,
      as: 'demo',
    });
    expect(gone.statusCode).toBe(404);
    expect(
      (await t.call({ method: 'GET', url: `${base}/stacks/vols/${id}`, as: 'demo' })).json().stack.stack_status,
    ).toBe('DELETE_COMPLETE');
  });

  it("fails with Cinder's cause and refuses a source volume that does not exist", async () => {
    const { stack } = await createStack(
      t,
      'badtype',
      hot({ v: { type: 'OS::Cinder::Volume', properties: { size: 1, volume_type: 'nope' } } }),
      {
        as: 'demo',
      },
    );
    expect(stack.stack_status).toBe('CREATE_FAILED');
    expect(stack.stack_status_reason).toMatch(
      /^Resource CREATE failed: NotFound: resources\.v: .*nope.* \(HTTP 404\)$/,
    );
    const res = await t.call({
      method: 'POST',
      url: `${base}/stacks`,
      as: 'demo',
      payload: {
        stack_name: 'nosrc',
        template: hot({ v: { type: 'OS::Cinder::Volume', properties: { source_volid: 'missing' } } }),
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe(
      "Property error: resources.v.properties.source_volid: Error validating value 'missing': The Volume (missing) could not be found.",
    );
  });
});
