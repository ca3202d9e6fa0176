import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { createStack, heatBase, hot, updateStack } from './helpers.js';

// Heat's own resource types: ResourceGroup (nested stack, index, scaling,
// removal policies), wait conditions signalled with the handle's token,
// software configs, random strings.

describe('orchestration: OS::Heat resources', () => {
  let t: TestCloud;
  let base: string;
  beforeAll(async () => {
    t = await testCloud();
    base = await heatBase(t);
  });
  afterAll(() => t.close());

  const group = (count: number, removal: string[] = []) =>
    hot(
      {
        g: {
          type: 'OS::Heat::ResourceGroup',
          properties: {
            count,
            removal_policies: removal.length ? [{ resource_list: removal }] : [],
            resource_def: { type: 'OS::Heat::TestResource', properties: { value: 'member-%index%' } },
          },
        },
      },
      {
        outputs: {
          values: { value: { get_attr: ['g', 'output'] } },
          first: { value: { get_attr: ['g', 'resource.0', 'output'] } },
          by_name: { value: { get_attr: ['g', 'attributes', 'output'] } },
          refs: { value: { get_attr: ['g', 'refs'] } },
        },
      },
    );
  const output = (stack: any, key: string) => stack.outputs.find((o: any) => o.output_key === key).output_value;

  it('ResourceGroup: members in a nested stack, %index%, attributes as lists and maps', async () => {
    const { id, stack } = await createStack(t, 'grp', group(3));
    expect(stack.stack_status).toBe('CREATE_COMPLETE');
    expect(output(stack, 'values')).toEqual(['member-0', 'member-1', 'member-2']);
    expect(output(stack, 'first')).toBe('member-0');
    expect(output(stack, 'by_name')).toEqual({ 0: 'member-0', 1: 'member-1', 2: 'member-2' });
    expect(output(stack, 'refs')).toHaveLength(3);
    const nested = (
      await t.call({ method: 'GET', url: `${base}/stacks/grp/${id}/resources?nested_depth=1`, as: 'admin' })
    ).json().resources;
    expect(nested.map((r: any) => r.resource_name).sort()).toEqual(['0', '1', '2', 'g']);
    expect(nested.find((r: any) => r.resource_name === 'g').links.map((l: any) => l.rel)).toEqual([
      'self',
      'stack',
      'nested',
    ]);
    expect(nested.find((r: any) => r.resource_name === '0').parent_resource).toBe('g');
    // nested stacks stay out of the stack list unless asked
    const list = (await t.call({ method: 'GET', url: `${base}/stacks`, as: 'admin' })).json().stacks;
    expect(list.map((s: any) => s.stack_name)).toEqual(['grp']);
    const all = (await t.call({ method: 'GET', url: `${base}/stacks?show_nested=true`, as: 'admin' })).json().stacks;
    expect(all).toHaveLength(2);
  });

  it('ResourceGroup: scales up and down, skipping removed members', async () => {
    const { id } = await createStack(t, 'scale', group(2));
    const update = (tpl: unknown) => updateStack(t, base, 'scale', id, { template: tpl });
    let s = await update(group(4));
    expect(s.stack_status).toBe('UPDATE_COMPLETE');
    expect(output(s, 'values')).toHaveLength(4);
    s = await update(group(3, ['1']));
    expect(Object.keys(output(s, 'by_name'))).toEqual(['0', '2', '3']);
    s = await update(group(1));
    expect(Object.keys(output(s, 'by_name'))).toEqual(['0']);
    const del = await t.call({ method: 'DELETE', url: `${base}/stacks/scale/${id}`, as: 'admin' });
    expect(del.statusCode).toBe(204);
    await t.cloud.tasks.idle();
    const live = await t.cloud.db.selectFrom('heat_stacks').select('name').where('deleted_at', 'is', null).execute();
    expect(live.map((r) => r.name).filter((n) => n.startsWith('scale'))).toEqual([]);
  });

  it('ResourceGroup: a failing member fails the group with its cause', async () => {
    const tpl = hot({
      g: {
        type: 'OS::Heat::ResourceGroup',
        properties: { count: 2, resource_def: { type: 'OS::Heat::TestResource', properties: { fail: true } } },
      },
    });
    const { stack } = await createStack(t, 'grpfail', tpl);
    expect(stack.stack_status).toBe('CREATE_FAILED');
    expect(stack.stack_status_reason).toMatch(
      /^Resource CREATE failed: ValueError: resources\.g\.resources\[[01]\]: Test Resource failed [01]$/,
    );
  });

  const waiting = (count = 1, timeout = 30) =>
    hot(
      {
        handle: { type: 'OS::Heat::WaitConditionHandle' },
        wait: { type: 'OS::Heat::WaitCondition', properties: { handle: { get_resource: 'handle' }, timeout, count } },
      },
      {
        outputs: {
          curl: { value: { get_attr: ['handle', 'curl_cli'] } },
          data: { value: { get_attr: ['wait', 'data'] } },
        },
      },
    );

  async function handleOf(name: string, id: string) {
    for (let i = 0; i < 200; i++) {
      const s = (await t.call({ method: 'GET', url: `${base}/stacks/${name}/${id}`, as: 'admin' })).json().stack;
      const curl = s.outputs.find((o: any) => o.output_key === 'curl').output_value as string | null;
      if (curl) {
        const token = /X-Auth-Token: (\S+)'/.exec(curl)![1];
        const url = new URL(curl.split(' ').at(-1)!);
        return { token, path: url.pathname };
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('no handle');
  }

  it('WaitCondition: completes on the signals the handle token sends, and keeps their data', async () => {
    const { id } = await createStack(t, 'wc', waiting(2), { wait: false });
    const { token, path } = await handleOf('wc', id);
    const bad = await t.call({ method: 'POST', url: path, headers: { 'x-auth-token': 'wrong' }, payload: {} });
    expect(bad.statusCode).toBe(401);
    const signal = (body: unknown) =>
      t.call({ method: 'POST', url: path, headers: { 'x-auth-token': token }, payload: body as any });
    expect((await signal({ status: 'SUCCESS', data: 'one' })).statusCode).toBe(200);
    expect((await signal({ status: 'MAYBE' })).statusCode).toBe(400);
    expect((await signal({ status: 'SUCCESS', data: 'two', id: 'x' })).statusCode).toBe(200);
    await t.cloud.tasks.idle();
    const s = (await t.call({ method: 'GET', url: `${base}/stacks/wc/${id}`, as: 'admin' })).json().stack;
    expect(s.stack_status).toBe('CREATE_COMPLETE');
    expect(JSON.parse(output(s, 'data'))).toEqual({ 1: 'one', x: 'two' });
    const evs = (
      await t.call({ method: 'GET', url: `${base}/stacks/wc/${id}/events?resource_action=SIGNAL`, as: 'admin' })
    ).json();
    expect(evs.events[0].resource_status_reason).toBe('Signal: status:SUCCESS reason:Signal 1 received');
  });

  it('WaitCondition: a FAILURE signal fails it with the reason; silence times it out', async () => {
    const { id } = await createStack(t, 'wcfail', waiting(), { wait: false });
    const { token, path } = await handleOf('wcfail', id);
    await t.call({
      method: 'POST',
      url: path,
      headers: { 'x-auth-token': token },
      payload: { status: 'FAILURE', reason: 'disk full' },
    });
    await t.cloud.tasks.idle();
    const s = (await t.call({ method: 'GET', url: `${base}/stacks/wcfail/${id}`, as: 'admin' })).json().stack;
    expect(s.stack_status_reason).toBe('Resource CREATE failed: WaitConditionFailure: resources.wait: disk full');
    const { stack } = await createStack(t, 'wcslow', waiting(1, 1));
    expect(stack.stack_status_reason).toBe(
      'Resource CREATE failed: WaitConditionTimeout: resources.wait: 0 of 1 received',
    );
  });

  it('software configs: SoftwareConfig, CloudConfig and MultipartMime store configs; delete removes them', async () => {
    const tpl = hot(
      {
        sh: { type: 'OS::Heat::SoftwareConfig', properties: { config: '#!/bin/sh\necho hi' } },
        cc: { type: 'OS::Heat::CloudConfig', properties: { cloud_config: { packages: ['nginx'] } } },
        mime: {
          type: 'OS::Heat::MultipartMime',
          properties: { parts: [{ config: { get_resource: 'sh' } }, { config: { get_resource: 'cc' } }] },
        },
      },
      { outputs: { cc: { value: { get_attr: ['cc', 'config'] } }, mime: { value: { get_attr: ['mime', 'config'] } } } },
    );
    const { id, stack } = await createStack(t, 'cfg', tpl);
    expect(stack.stack_status).toBe('CREATE_COMPLETE');
    expect(output(stack, 'cc')).toBe('#cloud-config\npackages:\n  - nginx\n');
    const mime = output(stack, 'mime') as string;
    expect(mime).toMatch(/^Content-Type: multipart\/mixed; boundary="/);
    expect(mime).toContain('Content-Type: text/x-shellscript');
    expect(mime).toContain('Content-Type: text/cloud-config');
    const configs = (await t.call({ method: 'GET', url: `${base}/software_configs`, as: 'admin' })).json()
      .software_configs;
    expect(configs).toHaveLength(3);
    await t.call({ method: 'DELETE', url: `${base}/stacks/cfg/${id}`, as: 'admin' });
    await t.cloud.tasks.idle();
    expect(
      (await t.call({ method: 'GET', url: `${base}/software_configs`, as: 'admin' })).json().software_configs,
    ).toEqual([]);
  });

  it('RandomString: length and classes; get_resource is the string; a salt change replaces it', async () => {
    const tpl = (salt: string) =>
      hot(
        {
          pw: {
            type: 'OS::Heat::RandomString',
            properties: { length: 20, salt, character_classes: [{ class: 'digits', min: 20 }] },
          },
        },
        { outputs: { ref: { value: { get_resource: 'pw' } } } },
      );
    const { id, stack } = await createStack(t, 'rnd', tpl('a'));
    expect(output(stack, 'ref')).toMatch(/^\d{20}$/);
    await t.call({ method: 'PUT', url: `${base}/stacks/rnd/${id}`, as: 'admin', payload: { template: tpl('b') } });
    await t.cloud.tasks.idle();
    const after = (await t.call({ method: 'GET', url: `${base}/stacks/rnd/${id}`, as: 'admin' })).json().stack;
    expect(output(after, 'ref')).not.toBe(output(stack, 'ref'));
    const short = await t.call({
      method: 'POST',
      url: `${base}/stacks`,
      as: 'admin',
      payload: {
        stack_name: 'x',
        template: hot({
          p: {
            type: 'OS::Heat::RandomString',
            properties: { length: 2, character_classes: [{ class: 'digits', min: 5 }] },
          },
        }),
      },
    });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.message).toBe(
      'Length property cannot be smaller than combined character class and character sequence minimums',
    );
  });
});
