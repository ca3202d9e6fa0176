import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { createStack, heatBase, hot } from './helpers.js';

// Stack updates as requests: PATCH keeps what it is not given, immutable
// parameters, refusals while busy, and a delete that takes over a create.

describe('orchestration: updating stacks', () => {
  let t: TestCloud;
  let base: string;
  beforeAll(async () => {
    t = await testCloud();
    base = await heatBase(t);
  });
  afterAll(() => t.close());

  const tpl = hot(
    {
      v: {
        type: 'OS::Heat::Value',
        properties: { value: { list_join: ['-', [{ get_param: 'a' }, { get_param: 'b' }]] } },
      },
    },
    {
      parameters: {
        a: { type: 'string', default: 'A' },
        b: { type: 'string', default: 'B' },
        fixed: { type: 'string', default: 'f', immutable: true },
      },
      outputs: { v: { value: { get_attr: ['v', 'value'] } } },
    },
  );
  const value = async (name: string, id: string) =>
    (await t.call({ method: 'GET', url: `${base}/stacks/${name}/${id}`, as: 'admin' })).json().stack.outputs[0]
      .output_value;
  const patch = async (name: string, id: string, payload: unknown) => {
    const res = await t.call({
      method: 'PATCH',
      url: `${base}/stacks/${name}/${id}`,
      as: 'admin',
      payload: payload as any,
    });
    await t.cloud.tasks.idle();
    return res;
  };

  it('PATCH keeps the template and the other parameters; clear_parameters goes back to defaults', async () => {
    const { id } = await createStack(t, 'p', tpl, { parameters: { a: 'x', b: 'y' } });
    expect(await value('p', id)).toBe('x-y');
    expect((await patch('p', id, { parameters: { b: 'z' } })).statusCode).toBe(202);
    expect(await value('p', id)).toBe('x-z');
    await patch('p', id, { clear_parameters: ['a'] });
    expect(await value('p', id)).toBe('A-z');
    const refused = await patch('p', id, { parameters: { fixed: 'g' } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({
      type: 'ImmutableParameterModified',
      message: 'The following parameters are immutable and may not be updated: fixed',
    });
    const put = await t.call({
      method: 'PUT',
      url: `${base}/stacks/p/${id}`,
      as: 'admin',
      payload: { parameters: {} },
    });
    expect(put.statusCode).toBe(400);
    expect(put.json().error.message).toBe('No template specified');
  });

  it('refuses an update while an operation runs; a delete takes over a create', async () => {
    const slow = hot({ s: { type: 'OS::Heat::TestResource', properties: { action_wait_secs: { create: 60 } } } });
    const { id } = await createStack(t, 'busy', slow, { wait: false });
    const busy = await t.call({
      method: 'PUT',
      url: `${base}/stacks/busy/${id}`,
      as: 'admin',
      payload: { template: slow },
    });
    expect(busy.statusCode).toBe(409);
    expect(busy.json().error).toMatchObject({
      type: 'ActionInProgress',
      message: 'Stack busy already has an action (CREATE) in progress.',
    });
    const del = await t.call({ method: 'DELETE', url: `${base}/stacks/busy/${id}`, as: 'admin' });
    expect(del.statusCode).toBe(204);
    await t.cloud.tasks.idle();
    const s = (await t.call({ method: 'GET', url: `${base}/stacks/busy/${id}`, as: 'admin' })).json().stack;
    expect(s.stack_status).toBe('DELETE_COMPLETE');
    // the create that was taken over left no end state of its own
    const evs = (await t.call({ method: 'GET', url: `${base}/stacks/busy/${id}/events`, as: 'admin' })).json().events;
    expect(evs.filter((e: any) => e.resource_name === 'busy').map((e: any) => e.resource_status)).toEqual([
      'CREATE_IN_PROGRESS',
      'DELETE_IN_PROGRESS',
      'DELETE_COMPLETE',
    ]);
    const again = await t.call({ method: 'DELETE', url: `${base}/stacks/busy/${id}`, as: 'admin' });
    expect(again.statusCode).toBe(404);
  });
});
