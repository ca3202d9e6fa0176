import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { createStack, heatBase, hot } from './helpers.js';

// The engine: dependency order, parallel creation, failure with its cause
// and rollback, reverse delete, updates in place and by replacement.

describe('orchestration: engine', () => {
  let t: TestCloud;
  let base: string;
  beforeAll(async () => {
    t = await testCloud();
    base = await heatBase(t);
  });
  afterAll(() => t.close());

  const events = async (name: string, id: string) =>
    (await t.call({ method: 'GET', url: `${base}/stacks/${name}/${id}/events`, as: 'admin' })).json().events as any[];
  const resources = async (name: string, id: string) =>
    (await t.call({ method: 'GET', url: `${base}/stacks/${name}/${id}/resources`, as: 'admin' })).json()
      .resources as any[];
  const show = async (name: string, id: string) =>
    (await t.call({ method: 'GET', url: `${base}/stacks/${name}/${id}`, as: 'admin' })).json().stack;
  const at = (evs: any[], res: string, status: string) =>
    evs.findIndex((e) => e.resource_name === res && e.resource_status === status);
  const chain = hot({
    a: { type: 'OS::Heat::TestResource', properties: { value: 'A' } },
    b: { type: 'OS::Heat::TestResource', properties: { value: { get_attr: ['a', 'output'] } } },
    c: { type: 'OS::Heat::TestResource', depends_on: ['b'] },
  });

  it('creates in dependency order and passes attributes along', async () => {
    const { id, stack } = await createStack(t, 'chain', chain);
    expect(stack.stack_status).toBe('CREATE_COMPLETE');
    const evs = await events('chain', id);
    expect(at(evs, 'a', 'CREATE_COMPLETE')).toBeLessThan(at(evs, 'b', 'CREATE_IN_PROGRESS'));
    expect(at(evs, 'b', 'CREATE_COMPLETE')).toBeLessThan(at(evs, 'c', 'CREATE_IN_PROGRESS'));
    expect(evs[0].resource_status_reason).toBe('Stack CREATE started');
    expect(evs.at(-1).resource_status_reason).toBe('Stack CREATE completed successfully');
    const b = (await t.call({ method: 'GET', url: `${base}/stacks/chain/${id}/resources/b`, as: 'admin' })).json()
      .resource;
    expect(b.attributes.output).toBe('A');
    const a = (await resources('chain', id)).find((r) => r.resource_name === 'a');
    expect(a.required_by).toEqual(['b']);
  });

  it('creates independent resources at the same time', async () => {
    const wait = { type: 'OS::Heat::TestResource', properties: { action_wait_secs: { create: 0.3 } } };
    const { id, stack } = await createStack(t, 'parallel', hot({ x: wait, y: wait, z: wait }));
    expect(stack.stack_status).toBe('CREATE_COMPLETE');
    // at the same time: all three were started before any of them finished (no clock: the event order)
    const evs = await events('parallel', id);
    const firstDone = Math.min(...['x', 'y', 'z'].map((r) => at(evs, r, 'CREATE_COMPLETE')));
    for (const r of ['x', 'y', 'z']) expect(at(evs, r, 'CREATE_IN_PROGRESS')).toBeLessThan(firstDone);
  });

  it('fails with the cause, rolls back what it made, never starts what depended on the failure', async () => {
    const tpl = hot({
      ok: { type: 'OS::Heat::TestResource' },
      bad: { type: 'OS::Heat::TestResource', properties: { fail: true }, depends_on: 'ok' },
      after: { type: 'OS::Heat::TestResource', depends_on: 'bad' },
    });
    const { id, stack } = await createStack(t, 'failing', tpl, { extra: { disable_rollback: false } });
    expect(stack.stack_status).toBe('ROLLBACK_COMPLETE');
    const evs = await events('failing', id);
    const failed = evs.find((e) => e.resource_name === 'failing' && e.resource_status === 'CREATE_FAILED');
    expect(failed.resource_status_reason).toBe(
      'Resource CREATE failed: ValueError: resources.bad: Test Resource failed bad',
    );
    expect(
      evs.find((e) => e.resource_name === 'bad' && e.resource_status === 'CREATE_FAILED').resource_status_reason,
    ).toBe('ValueError: resources.bad: Test Resource failed bad');
    expect(evs.some((e) => e.resource_name === 'after')).toBe(false);
    expect(at(evs, 'bad', 'DELETE_COMPLETE')).toBeLessThan(at(evs, 'ok', 'DELETE_IN_PROGRESS'));
    expect(await resources('failing', id)).toEqual([]);
  });

  it('keeps what it made when rollback is disabled (the CLI default)', async () => {
    const tpl = hot({
      ok: { type: 'OS::Heat::TestResource' },
      bad: { type: 'OS::Heat::TestResource', properties: { fail: true } },
    });
    const { id, stack } = await createStack(t, 'norollback', tpl);
    expect(stack.stack_status).toBe('CREATE_FAILED');
    const list = await resources('norollback', id);
    expect(list.find((r) => r.resource_name === 'ok').resource_status).toBe('CREATE_COMPLETE');
    expect(list.find((r) => r.resource_name === 'bad').resource_status).toBe('CREATE_FAILED');
  });

  it('deletes in reverse dependency order', async () => {
    const { id } = await createStack(t, 'todelete', chain);
    const del = await t.call({ method: 'DELETE', url: `${base}/stacks/todelete/${id}`, as: 'admin' });
    expect(del.statusCode).toBe(204);
    await t.cloud.tasks.idle();
    // a deleted stack is still there by id, with its events
    const s = await t.call({ method: 'GET', url: `${base}/stacks/todelete/${id}`, as: 'admin' });
    expect(s.json().stack.stack_status).toBe('DELETE_COMPLETE');
    expect(s.json().stack.deletion_time).toMatch(/Z$/);
    const evs = await events('todelete', id);
    const order = evs.filter((e) => e.resource_status === 'DELETE_IN_PROGRESS').map((e) => e.resource_name);
    expect(order).toEqual(['todelete', 'c', 'b', 'a']);
    expect(evs.at(-1).resource_status_reason).toBe('Stack DELETE completed successfully');
    const byName = await t.call({ method: 'GET', url: `${base}/stacks/todelete`, as: 'admin' });
    expect(byName.statusCode).toBe(404);
  });

  it('updates in place where the property allows, replaces where it does not', async () => {
    const tpl = (value: string, replace: boolean) =>
      hot({
        r: { type: 'OS::Heat::TestResource', properties: { value, update_replace: replace } },
        dep: { type: 'OS::Heat::TestResource', properties: { value: { get_resource: 'r' } } },
      });
    const { id } = await createStack(t, 'upd', tpl('one', false));
    const before = await resources('upd', id);
    const physical = (list: any[], n: string) => list.find((r) => r.resource_name === n).physical_resource_id;
    const put = (template: unknown) =>
      t.call({ method: 'PUT', url: `${base}/stacks/upd/${id}`, as: 'admin', payload: { template, parameters: {} } });

    expect((await put(tpl('two', false))).statusCode).toBe(202);
    await t.cloud.tasks.idle();
    expect((await show('upd', id)).stack_status).toBe('UPDATE_COMPLETE');
    const inPlace = await resources('upd', id);
    expect(physical(inPlace, 'r')).toBe(physical(before, 'r'));
    expect(inPlace.find((r) => r.resource_name === 'r').resource_status).toBe('UPDATE_COMPLETE');
    // the dependent's reference did not change: untouched
    expect(inPlace.find((r) => r.resource_name === 'dep').resource_status).toBe('CREATE_COMPLETE');

    expect((await put(tpl('three', true))).statusCode).toBe(202);
    await t.cloud.tasks.idle();
    expect((await show('upd', id)).stack_status).toBe('UPDATE_COMPLETE');
    const replaced = await resources('upd', id);
    expect(physical(replaced, 'r')).not.toBe(physical(before, 'r'));
    // the dependent took the new reference in place
    expect(replaced.find((r) => r.resource_name === 'dep').resource_status).toBe('UPDATE_COMPLETE');
    const evs = await events('upd', id);
    const oldDeleted = evs.find(
      (e) =>
        e.resource_name === 'r' &&
        e.resource_status === 'DELETE_COMPLETE' &&
        e.physical_resource_id === physical(before, 'r'),
    );
    expect(oldDeleted).toBeDefined();
    expect(at(evs, 'r', 'CREATE_COMPLETE')).toBeLessThan(evs.indexOf(oldDeleted));
  });

  it('rolls an update back when it fails and rollback is on', async () => {
    const tpl = (fail: boolean, extra?: boolean) =>
      hot({
        r: { type: 'OS::Heat::TestResource', properties: { value: fail ? 'new' : 'old', fail } },
        ...(extra ? { added: { type: 'OS::Heat::TestResource' } } : {}),
      });
    const { id } = await createStack(t, 'rb', tpl(false), { extra: { disable_rollback: false } });
    const put = await t.call({
      method: 'PUT',
      url: `${base}/stacks/rb/${id}`,
      as: 'admin',
      payload: { template: tpl(true, true) },
    });
    expect(put.statusCode).toBe(202);
    await t.cloud.tasks.idle();
    const s = await show('rb', id);
    expect(s.stack_status).toBe('ROLLBACK_COMPLETE');
    const evs = await events('rb', id);
    expect(
      evs.find((e) => e.resource_status === 'UPDATE_FAILED' && e.resource_name === 'rb').resource_status_reason,
    ).toBe('Resource UPDATE failed: ValueError: resources.r: Test Resource failed r');
    const list = await resources('rb', id);
    expect(list.map((r) => r.resource_name)).toEqual(['r']);
    const tmpl = (await t.call({ method: 'GET', url: `${base}/stacks/rb/${id}/template`, as: 'admin' })).json();
    expect(tmpl.resources.r.properties.value).toBe('old');
  });

  it('cancels an update and rolls back', async () => {
    const tpl = (wait: number) =>
      hot({
        r: { type: 'OS::Heat::TestResource', properties: { value: String(wait), action_wait_secs: { update: wait } } },
      });
    const { id } = await createStack(t, 'cancel', tpl(0));
    await t.call({ method: 'PUT', url: `${base}/stacks/cancel/${id}`, as: 'admin', payload: { template: tpl(30) } });
    for (let i = 0; i < 100; i++) {
      const rows = await resources('cancel', id);
      if (rows[0]?.resource_status === 'UPDATE_IN_PROGRESS') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const act = await t.call({
      method: 'POST',
      url: `${base}/stacks/cancel/${id}/actions`,
      as: 'admin',
      payload: { cancel_update: null },
    });
    expect(act.statusCode).toBe(200);
    await t.cloud.tasks.idle();
    const s = await show('cancel', id);
    expect(s.stack_status).toBe('ROLLBACK_COMPLETE');
    const evs = await events('cancel', id);
    expect(
      evs.find((e) => e.resource_status === 'UPDATE_FAILED' && e.resource_name === 'cancel').resource_status_reason,
    ).toMatch(/Stack UPDATE cancelled/);
    const again = await t.call({
      method: 'POST',
      url: `${base}/stacks/cancel/${id}/actions`,
      as: 'admin',
      payload: { cancel_update: null },
    });
    expect(again.statusCode).toBe(400);
    expect(again.json().error.message).toBe('Cancelling update when stack is ROLLBACK_COMPLETE is not supported.');
  });

  it('times out a create', async () => {
    const tpl = hot({ slow: { type: 'OS::Heat::TestResource', properties: { wait_secs: 120 } } });
    const { id } = await createStack(t, 'slow', tpl, { extra: { timeout_mins: 1 }, wait: false });
    // the deadline is a minute away: bring it forward instead of waiting
    await t.cloud.db.updateTable('heat_stacks').set({ timeout_mins: 1 }).where('id', '=', id).execute();
    const { StackRun } = await import('../../../src/services/orchestration/engine/run.js');
    const orig = StackRun.prototype.interrupted;
    StackRun.prototype.interrupted = async function (this: any) {
      this.deadline = Date.now() - 1;
      return orig.call(this);
    };
    try {
      await t.cloud.tasks.idle();
    } finally {
      StackRun.prototype.interrupted = orig;
    }
    const s = await show('slow', id);
    expect(s.stack_status).toBe('CREATE_FAILED');
    expect(s.stack_status_reason).toMatch(/timed out/);
  });

  it('suspends, resumes and checks', async () => {
    const { id } = await createStack(t, 'acts', chain);
    for (const [action, status] of [
      ['suspend', 'SUSPEND_COMPLETE'],
      ['resume', 'RESUME_COMPLETE'],
      ['check', 'CHECK_COMPLETE'],
    ]) {
      const res = await t.call({
        method: 'POST',
        url: `${base}/stacks/acts/${id}/actions`,
        as: 'admin',
        payload: { [action]: null },
      });
      expect(res.statusCode).toBe(200);
      await t.cloud.tasks.idle();
      expect((await show('acts', id)).stack_status).toBe(status);
    }
    const evs = await events('acts', id);
    expect(at(evs, 'c', 'SUSPEND_COMPLETE')).toBeLessThan(at(evs, 'a', 'SUSPEND_IN_PROGRESS'));
    const bad = await t.call({
      method: 'POST',
      url: `${base}/stacks/acts/${id}/actions`,
      as: 'admin',
      payload: { explode: null },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toBe('Invalid action explode specified');
  });
});
