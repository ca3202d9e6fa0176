import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { createStack, heatBase, hot, updateStack } from './helpers.js';

// Provider templates: a resource whose type is a template from the files
// map (directly, or through a resource_registry entry) becomes a nested
// stack whose parameters are the resource's properties and whose outputs
// are its attributes.

const SERVER = 'file:///tmp/tpl/server.yaml';
const serverYaml = `heat_template_version: 2018-08-31
parameters:
  label: {type: string}
  size: {type: number, default: 1}
resources:
  inner: {type: OS::Heat::TestResource, properties: {value: {str_replace: {template: L-S, params: {L: {get_param: label}, S: {get_param: size}}}}}}
outputs:
  value: {value: {get_attr: [inner, output]}}
`;

describe('orchestration: provider templates', () => {
  let t: TestCloud;
  let base: string;
  beforeAll(async () => {
    t = await testCloud();
    base = await heatBase(t);
  });
  afterAll(() => t.close());

  const output = (stack: any, key: string) => stack.outputs.find((o: any) => o.output_key === key).output_value;
  const get = async (url: string) => (await t.call({ method: 'GET', url: `${base}${url}`, as: 'admin' })).json();

  const tpl = (label: string) =>
    hot(
      { a: { type: 'My::Server', properties: { label } }, b: { type: SERVER, properties: { label: 'b', size: 2 } } },
      {
        outputs: {
          a: { value: { get_attr: ['a', 'value'] } },
          b: { value: { get_attr: ['b', 'value'] } },
          ref: { value: { get_resource: 'a' } },
        },
      },
    );
  const extra = { files: { [SERVER]: serverYaml }, environment: { resource_registry: { 'My::Server': SERVER } } };

  it('creates nested stacks from the files map, outputs as attributes, visible nested', async () => {
    const { id, stack } = await createStack(t, 'prov', tpl('a'), { extra });
    expect(stack.stack_status, stack.stack_status_reason).toBe('CREATE_COMPLETE');
    expect(output(stack, 'a')).toBe('a-1');
    expect(output(stack, 'b')).toBe('b-2');
    const res = (await get(`/stacks/prov/${id}/resources?nested_depth=1`)).resources;
    expect(res.map((r: any) => r.resource_name).sort()).toEqual(['a', 'b', 'inner', 'inner']);
    const a = res.find((r: any) => r.resource_name === 'a');
    // get_resource of a provider resource: the nested stack's ARN, as Heat
    expect(output(stack, 'ref')).toMatch(
      new RegExp(`^arn:openstack:heat::[0-9a-f]+:stacks/prov-a-[a-z2-7]{12}/${a.physical_resource_id}$`),
    );
    expect(a.links.map((l: any) => l.rel)).toContain('nested');
    expect(
      res
        .filter((r: any) => r.resource_name === 'inner')
        .map((r: any) => r.parent_resource)
        .sort(),
    ).toEqual(['a', 'b']);
    const events = (await get(`/stacks/prov/${id}/events?nested_depth=1`)).events;
    expect(events.some((e: any) => e.resource_name === 'inner' && e.resource_status === 'CREATE_COMPLETE')).toBe(true);

    // an update of a property updates the nested stack in place
    const after = await updateStack(t, base, 'prov', id, { template: tpl('z'), ...extra });
    expect(after.stack_status, after.stack_status_reason).toBe('UPDATE_COMPLETE');
    expect(output(after, 'a')).toBe('z-1');
    const physical = (await get(`/stacks/prov/${id}/resources`)).resources.find((r: any) => r.resource_name === 'a');
    expect(physical.physical_resource_id).toBe(a.physical_resource_id);

    // delete through the parent takes the nested stacks with it
    await t.call({ method: 'DELETE', url: `${base}/stacks/prov/${id}`, as: 'admin' });
    await t.cloud.tasks.idle();
    const live = await t.cloud.db.selectFrom('heat_stacks').select('name').where('deleted_at', 'is', null).execute();
    expect(live.map((r) => r.name).filter((n) => n.startsWith('prov'))).toEqual([]);
  });

  it("get_resource gives the nested template's OS::stack_id output when it has one", async () => {
    const withId = 'file:///tmp/tpl/with-id.yaml';
    const files = { [withId]: "heat_template_version: 2018-08-31\noutputs:\n  'OS::stack_id': {value: custom-ref}\n" };
    const { stack } = await createStack(
      t,
      'provref',
      hot({ a: { type: withId } }, { outputs: { ref: { value: { get_resource: 'a' } } } }),
      { extra: { files } },
    );
    expect(stack.stack_status, stack.stack_status_reason).toBe('CREATE_COMPLETE');
    expect(output(stack, 'ref')).toBe('custom-ref');
  });

  it('refuses an unknown property and a template missing from files', async () => {
    const bad = await t.call({
      method: 'POST',
      url: `${base}/validate`,
      as: 'admin',
      payload: { template: hot({ a: { type: SERVER, properties: { label: 'x', nope: 1 } } }), files: extra.files },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('Unknown Property nope');
    const missing = await t.call({
      method: 'POST',
      url: `${base}/validate`,
      as: 'admin',
      payload: { template: hot({ a: { type: 'other.yaml', properties: {} } }) },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.message).toContain('Could not fetch remote template "other.yaml"');
  });

  it('a parameter the nested template needs and the properties lack fails the resource with the cause', async () => {
    const { stack } = await createStack(t, 'provfail', hot({ a: { type: SERVER, properties: {} } }), {
      extra: { files: extra.files },
    });
    expect(stack.stack_status).toBe('CREATE_FAILED');
    expect(stack.stack_status_reason).toContain('The Parameter (label) was not provided.');
  });
});
