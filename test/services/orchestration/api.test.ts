import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { createStack, heatBase, hot, projectId } from './helpers.js';

// The Heat v1 API around stacks: discovery and catalog, lookups that
// redirect, listing, the stack's parts, errors in Heat's body format, and
// who may see what.

describe('orchestration: API', () => {
  let t: TestCloud;
  let base: string;
  let id: string;
  const tpl = hot(
    { r: { type: 'OS::Heat::TestResource', properties: { value: { get_param: 'v' } } } },
    {
      description: 'api stack',
      parameters: { v: { type: 'string', default: 'x' } },
      outputs: { out: { value: { get_attr: ['r', 'output'] }, description: 'the value' } },
    },
  );
  beforeAll(async () => {
    t = await testCloud();
    base = await heatBase(t);
    id = (await createStack(t, 'api', tpl, { parameters: { v: 'hello' }, extra: { tags: 'one,two' } })).id;
  });
  afterAll(() => t.close());

  it('lists its engine to admins (openstack orchestration service list)', async () => {
    const res = await t.call({ method: 'GET', url: `${base}/services`, as: 'admin' });
    expect(res.statusCode).toBe(200);
    const [engine, ...more] = res.json().services;
    expect(more).toEqual([]);
    expect(engine).toMatchObject({ binary: 'heat-engine', topic: 'engine', status: 'up', deleted_at: null });
    expect(engine.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const again = (await t.call({ method: 'GET', url: `${base}/services`, as: 'admin' })).json().services[0];
    expect(again.engine_id).toBe(engine.engine_id);
    const demoBase = await heatBase(t, 'demo');
    expect((await t.call({ method: 'GET', url: `${demoBase}/services`, as: 'demo' })).statusCode).toBe(403);
  });

  it('answers discovery with 300 and is in the catalog as orchestration', async () => {
    const res = await t.call({ method: 'GET', url: '/heat-api/' });
    expect(res.statusCode).toBe(300);
    expect(res.json().versions[0]).toMatchObject({ id: 'v1.0', status: 'CURRENT' });
    const demo = await t.token('demo');
    const tok = await t.call({
      method: 'GET',
      url: '/identity/v3/auth/tokens',
      as: 'demo',
      headers: { 'x-subject-token': demo },
    });
    const heat = tok.json().token.catalog.find((s: any) => s.type === 'orchestration');
    expect(heat.name).toBe('heat');
    expect(heat.endpoints[0].url).toMatch(new RegExp(`/heat-api/v1/${tok.json().token.project.id}$`));
  });

  it('redirects a name to the stack URL, keeping the sub-path and query', async () => {
    const res = await t.call({ method: 'GET', url: `${base}/stacks/api/events?limit=1`, as: 'admin' });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toMatch(new RegExp(`${base}/stacks/api/${id}/events\\?limit=1$`));
    const byId = await t.call({ method: 'GET', url: `${base}/stacks/${id}`, as: 'admin' });
    expect(byId.headers.location).toMatch(new RegExp(`/stacks/api/${id}$`));
  });

  it('shows a stack as Heat does', async () => {
    const s = (await t.call({ method: 'GET', url: `${base}/stacks/api/${id}`, as: 'admin' })).json().stack;
    expect(s).toMatchObject({
      stack_name: 'api',
      description: 'api stack',
      stack_status: 'CREATE_COMPLETE',
      disable_rollback: true,
      parent: null,
      tags: ['one', 'two'],
      updated_time: null,
      outputs: [{ output_key: 'out', description: 'the value', output_value: 'hello' }],
    });
    expect(s.parameters).toMatchObject({ v: 'hello', 'OS::stack_name': 'api', 'OS::stack_id': id });
    expect(s.creation_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const quiet = (
      await t.call({ method: 'GET', url: `${base}/stacks/api/${id}?resolve_outputs=false`, as: 'admin' })
    ).json();
    expect(quiet.stack.outputs).toBeUndefined();
  });

  it('lists stacks with filters, sorting and paging', async () => {
    await createStack(t, 'api2', hot({}));
    const all = (await t.call({ method: 'GET', url: `${base}/stacks`, as: 'admin' })).json().stacks;
    expect(all.map((s: any) => s.stack_name)).toEqual(['api2', 'api']);
    expect(all[0].project).toBe(await projectId(t));
    const named = (await t.call({ method: 'GET', url: `${base}/stacks?name=api`, as: 'admin' })).json().stacks;
    expect(named.map((s: any) => s.stack_name)).toEqual(['api']);
    const status = await t.call({ method: 'GET', url: `${base}/stacks?status=CREATE_FAILED`, as: 'admin' });
    expect(status.json().stacks).toEqual([]);
    const page = (
      await t.call({ method: 'GET', url: `${base}/stacks?limit=1&sort_keys=stack_name&sort_dir=asc`, as: 'admin' })
    ).json();
    expect(page.stacks.map((s: any) => s.stack_name)).toEqual(['api']);
    expect(page.links[0].rel).toBe('next');
    const next = await t.call({
      method: 'GET',
      url: `${base}/stacks?limit=1&sort_keys=stack_name&sort_dir=asc&marker=${page.stacks[0].id}`,
      as: 'admin',
    });
    expect(next.json().stacks.map((s: any) => s.stack_name)).toEqual(['api2']);
    const tagged = (await t.call({ method: 'GET', url: `${base}/stacks?tags=one`, as: 'admin' })).json().stacks;
    expect(tagged.map((s: any) => s.stack_name)).toEqual(['api']);
    const bad = await t.call({ method: 'GET', url: `${base}/stacks?sort_dir=up`, as: 'admin' });
    expect(bad.statusCode).toBe(400);
  });

  it('gives template, environment, files, outputs and export', async () => {
    const get = (path: string) => t.call({ method: 'GET', url: `${base}/stacks/api/${id}/${path}`, as: 'admin' });
    expect((await get('template')).json().resources.r.type).toBe('OS::Heat::TestResource');
    expect((await get('environment')).json().parameters).toEqual({ v: 'hello' });
    expect((await get('files')).json()).toEqual({});
    expect((await get('outputs')).json()).toEqual({ outputs: [{ output_key: 'out', description: 'the value' }] });
    expect((await get('outputs/out')).json().output.output_value).toBe('hello');
    const missing = await get('outputs/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toBe('Specified output key nope not found.');
    const exported = (await get('export')).json();
    expect(exported.resources.r).toMatchObject({
      type: 'OS::Heat::TestResource',
      status: 'COMPLETE',
      action: 'CREATE',
    });
  });

  it('shows resources, their metadata, and marks them unhealthy', async () => {
    const r = (await t.call({ method: 'GET', url: `${base}/stacks/api/${id}/resources/r`, as: 'admin' })).json()
      .resource;
    expect(r).toMatchObject({ resource_name: 'r', logical_resource_id: 'r', resource_status: 'CREATE_COMPLETE' });
    expect(r.attributes.output).toBe('hello');
    const missing = await t.call({ method: 'GET', url: `${base}/stacks/api/${id}/resources/zz`, as: 'admin' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toBe('The Resource (zz) could not be found in Stack api.');
    const md = await t.call({ method: 'GET', url: `${base}/stacks/api/${id}/resources/r/metadata`, as: 'admin' });
    expect(md.json()).toEqual({ metadata: {} });
    const badFilter = await t.call({
      method: 'GET',
      url: `${base}/stacks/api/${id}/resources?colour=red`,
      as: 'admin',
    });
    expect(badFilter.statusCode).toBe(400);
    expect(badFilter.json().error.message).toBe("Invalid filter parameters ['colour']");
    const mark = await t.call({
      method: 'PATCH',
      url: `${base}/stacks/api/${id}/resources/r`,
      as: 'admin',
      payload: { mark_unhealthy: true, resource_status_reason: 'broken' },
    });
    expect(mark.statusCode).toBe(200);
    const after = (
      await t.call({ method: 'GET', url: `${base}/stacks/api/${id}/resources?status=FAILED`, as: 'admin' })
    ).json();
    expect(after.resources.map((x: any) => [x.resource_status, x.resource_status_reason])).toEqual([
      ['CHECK_FAILED', 'broken'],
    ]);
    const noKey = await t.call({
      method: 'PATCH',
      url: `${base}/stacks/api/${id}/resources/r`,
      as: 'admin',
      payload: {},
    });
    expect(noKey.statusCode).toBe(400);
    // the next update replaces what was marked unhealthy
    await t.call({ method: 'PATCH', url: `${base}/stacks/api/${id}`, as: 'admin', payload: {} });
    await t.cloud.tasks.idle();
    const healed = (await t.call({ method: 'GET', url: `${base}/stacks/api/${id}/resources/r`, as: 'admin' })).json()
      .resource;
    expect(healed.resource_status).toBe('CREATE_COMPLETE');
    expect(healed.physical_resource_id).not.toBe(r.physical_resource_id);
  });

  it('pages and filters events, and shows one', async () => {
    const url = `${base}/stacks/api/${id}/events`;
    const all = (await t.call({ method: 'GET', url, as: 'admin' })).json().events;
    const two = (await t.call({ method: 'GET', url: `${url}?limit=2`, as: 'admin' })).json().events;
    expect(two.map((e: any) => e.id)).toEqual(all.slice(0, 2).map((e: any) => e.id));
    const rest = (await t.call({ method: 'GET', url: `${url}?marker=${two[1].id}`, as: 'admin' })).json().events;
    expect(rest.map((e: any) => e.id)).toEqual(all.slice(2).map((e: any) => e.id));
    const desc = (await t.call({ method: 'GET', url: `${url}?sort_dir=desc&limit=1`, as: 'admin' })).json().events;
    expect(desc[0].id).toBe(all.at(-1).id);
    const done = (
      await t.call({ method: 'GET', url: `${url}?resource_status=CREATE_COMPLETE&resource_name=r`, as: 'admin' })
    ).json();
    expect(done.events.every((e: any) => e.resource_status === 'CREATE_COMPLETE' && e.resource_name === 'r')).toBe(
      true,
    );
    const one = await t.call({
      method: 'GET',
      url: `${base}/stacks/api/${id}/resources/r/events/${done.events[0].id}`,
      as: 'admin',
    });
    expect(one.json().event).toMatchObject({ resource_type: 'OS::Heat::TestResource', resource_name: 'r' });
    const none = await t.call({ method: 'GET', url: `${base}/stacks/api/${id}/resources/zz/events`, as: 'admin' });
    expect(none.statusCode).toBe(404);
    expect(none.json().error.message).toBe('No events found for resource zz');
  });

  it("answers a missing stack, malformed JSON and a taken name in Heat's format", async () => {
    const missing = await t.call({ method: 'GET', url: `${base}/stacks/nope`, as: 'admin' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      code: 404,
      title: 'Not Found',
      explanation: 'The resource could not be found.',
      error: { type: 'EntityNotFound', message: 'The Stack (nope) could not be found.', traceback: null },
    });
    const wrongName = await t.call({ method: 'GET', url: `${base}/stacks/other/${id}`, as: 'admin' });
    expect(wrongName.statusCode).toBe(404);
    const bad = await t.call({
      method: 'POST',
      url: `${base}/stacks`,
      as: 'admin',
      headers: { 'content-type': 'application/json' },
      payload: '{"stack_name": ',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.type).toBe('HTTPBadRequest');
    const taken = await t.call({
      method: 'POST',
      url: `${base}/stacks`,
      as: 'admin',
      payload: { stack_name: 'api', template: tpl },
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error).toMatchObject({ type: 'StackExists', message: 'The Stack (api) already exists.' });
    const noName = await t.call({ method: 'POST', url: `${base}/stacks`, as: 'admin', payload: { template: tpl } });
    expect(noName.json().error.message).toBe('No stack name specified');
    const badName = await t.call({
      method: 'POST',
      url: `${base}/stacks`,
      as: 'admin',
      payload: { stack_name: '1x', template: tpl },
    });
    expect(badName.json().error.message).toMatch(/^Invalid stack name 1x must contain only alphanumeric/);
    const busy = await t.call({ method: 'POST', url: `${base}/stacks/api/${id}/actions`, as: 'admin', payload: {} });
    expect(busy.json().error.message).toBe('No action specified');
  });

  it("refuses another project's path, hides another project's stacks", async () => {
    const demoBase = await heatBase(t, 'demo');
    const forbidden = await t.call({ method: 'GET', url: `${base}/stacks`, as: 'demo' });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ code: 403, title: 'Forbidden', error: { type: 'HTTPForbidden' } });
    const hidden = await t.call({ method: 'GET', url: `${demoBase}/stacks/api/${id}`, as: 'demo' });
    expect(hidden.statusCode).toBe(404);
    const list = await t.call({ method: 'GET', url: `${demoBase}/stacks`, as: 'demo' });
    expect(list.json().stacks).toEqual([]);
    const unauth = await t.call({ method: 'GET', url: `${base}/stacks` });
    expect(unauth.statusCode).toBe(401);
  });

  it('abandons a stack without touching its resources, and adopts them into a new one', async () => {
    const tpl2 = hot(
      { r: { type: 'OS::Heat::RandomString' }, t: { type: 'OS::Heat::TestResource', properties: { value: 'kept' } } },
      { outputs: { secret: { value: { get_attr: ['r', 'value'] } } } },
    );
    const { id: aid } = await createStack(t, 'leave', tpl2);
    const res = await t.call({ method: 'DELETE', url: `${base}/stacks/leave/${aid}/abandon`, as: 'admin' });
    expect(res.statusCode).toBe(200);
    const data = res.json();
    expect(data.resources.r.resource_data.value).toHaveLength(32);
    const gone = await t.call({ method: 'GET', url: `${base}/stacks/leave/${aid}`, as: 'admin' });
    expect(gone.statusCode).toBe(404);
    const adopted = await t.call({
      method: 'POST',
      url: `${base}/stacks`,
      as: 'admin',
      payload: { stack_name: 'adopted', adopt_stack_data: JSON.stringify(data) },
    });
    expect(adopted.statusCode).toBe(201);
    await t.cloud.tasks.idle();
    const s = (
      await t.call({ method: 'GET', url: `${base}/stacks/adopted/${adopted.json().stack.id}`, as: 'admin' })
    ).json().stack;
    expect(s.stack_status, s.stack_status_reason).toBe('ADOPT_COMPLETE');
    expect(s.outputs[0].output_value).toBe(data.resources.r.resource_data.value);
    const rs = (await t.call({ method: 'GET', url: `${base}/stacks/adopted/${s.id}/resources`, as: 'admin' })).json()
      .resources;
    expect(rs.find((x: any) => x.resource_name === 't').physical_resource_id).toBe(data.resources.t.resource_id);
    const bad = await t.call({
      method: 'POST',
      url: `${base}/stacks`,
      as: 'admin',
      payload: { stack_name: 'adopt2', adopt_stack_data: '{"resources": {}}' },
    });
    expect(bad.json().error.message).toBe("Invalid adopt data: 'template'");
  });

  it('previews a create and an update', async () => {
    const preview = await t.call({
      method: 'POST',
      url: `${base}/stacks/preview`,
      as: 'admin',
      payload: { stack_name: 'pre', template: tpl, parameters: { v: 'p' } },
    });
    expect(preview.statusCode).toBe(200);
    expect(preview.json().stack.resources[0]).toMatchObject({ resource_name: 'r', properties: { value: 'p' } });
    const list = (await t.call({ method: 'GET', url: `${base}/stacks?name=pre`, as: 'admin' })).json().stacks;
    expect(list).toEqual([]);
    const tpl2 = hot({
      r: { type: 'OS::Heat::TestResource', properties: { value: 'new' } },
      s: { type: 'OS::Heat::None' },
    });
    const upd = await t.call({
      method: 'PUT',
      url: `${base}/stacks/api/${id}/preview`,
      as: 'admin',
      payload: { template: tpl2 },
    });
    const changes = upd.json().resource_changes;
    expect(changes.added.map((r: any) => r.resource_name)).toEqual(['s']);
    expect(changes.updated.map((r: any) => r.resource_name)).toEqual(['r']);
  });

  it('lists template versions, functions, resource types and their schemas', async () => {
    const v = (await t.call({ method: 'GET', url: `${base}/template_versions`, as: 'admin' })).json().template_versions;
    expect(v.find((x: any) => x.version === 'heat_template_version.2018-08-31').aliases).toEqual([
      'heat_template_version.rocky',
    ]);
    const f = (
      await t.call({
        method: 'GET',
        url: `${base}/template_versions/heat_template_version.rocky/functions`,
        as: 'admin',
      })
    ).json();
    expect(f.template_functions.map((x: any) => x.functions)).toContain('list_concat_unique');
    const missing = await t.call({
      method: 'GET',
      url: `${base}/template_versions/heat_template_version.2099/functions`,
      as: 'admin',
    });
    expect(missing.statusCode).toBe(404);
    const types = (await t.call({ method: 'GET', url: `${base}/resource_types?name=Heat::R`, as: 'admin' })).json();
    expect(types.resource_types).toEqual(['OS::Heat::RandomString', 'OS::Heat::ResourceGroup']);
    const schema = (
      await t.call({ method: 'GET', url: `${base}/resource_types/OS::Heat::RandomString`, as: 'admin' })
    ).json();
    expect(schema.properties.length).toMatchObject({
      type: 'integer',
      default: 32,
      constraints: [{ range: { min: 1, max: 512 } }],
    });
    expect(schema.attributes.value.description).toMatch(/random string/);
    const none = await t.call({ method: 'GET', url: `${base}/resource_types/OS::Nope`, as: 'admin' });
    expect(none.statusCode).toBe(404);
    expect(none.json().error.message).toBe('The Resource Type (OS::Nope) could not be found.');
  });

  it('manages software configs', async () => {
    const created = await t.call({
      method: 'POST',
      url: `${base}/software_configs`,
      as: 'admin',
      payload: { name: 'cfg', config: '#!/bin/sh\necho hi', inputs: [{ name: 'x' }] },
    });
    expect(created.statusCode).toBe(200);
    const sc = created.json().software_config;
    expect(sc).toMatchObject({ name: 'cfg', group: 'Heat::Ungrouped', inputs: [{ name: 'x', type: 'String' }] });
    const shown = await t.call({ method: 'GET', url: `${base}/software_configs/${sc.id}`, as: 'admin' });
    expect(shown.json().software_config.config).toBe('#!/bin/sh\necho hi');
    const demoBase = await heatBase(t, 'demo');
    const other = await t.call({ method: 'GET', url: `${demoBase}/software_configs/${sc.id}`, as: 'demo' });
    expect(other.statusCode).toBe(404);
    expect((await t.call({ method: 'DELETE', url: `${base}/software_configs/${sc.id}`, as: 'admin' })).statusCode).toBe(
      204,
    );
    expect((await t.call({ method: 'GET', url: `${base}/software_configs/${sc.id}`, as: 'admin' })).statusCode).toBe(
      404,
    );
  });
});
