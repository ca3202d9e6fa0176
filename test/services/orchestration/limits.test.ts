import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializationRetries } from '../../../src/store/postgres.js';
import { type TestCloud, testCloud } from '../../helpers.js';
import { createStack, heatBase, hot } from './helpers.js';

// Heat's own limits (issue 16: one member's stack must not stall the cloud):
// max_resources_per_stack 1000 over the whole tree, max_nested_stack_depth 5,
// max_stacks_per_tenant 100, and functions that would make values too large
// to hold are refused before they are built.

describe('orchestration: limits', () => {
  let t: TestCloud;
  let base: string;
  beforeAll(async () => {
    t = await testCloud();
    base = await heatBase(t, 'demo');
  });
  afterAll(() => t.close());

  const create = (name: string, template: unknown) =>
    t.call({ method: 'POST', url: `${base}/stacks`, as: 'demo', payload: { stack_name: name, template } });
  const limitExceeded = (res: { statusCode: number; json(): any }, message: string) => {
    expect(res.statusCode, JSON.stringify(res.json())).toBe(400);
    expect(res.json().error.type).toBe('RequestLimitExceeded');
    expect(res.json().error.message).toBe(`Request limit exceeded: ${message}`);
  };

  it('more than 1000 resources in a template, or in a ResourceGroup, is refused at create', async () => {
    const many = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`r${i}`, { type: 'OS::Heat::None' }]));
    limitExceeded(await create('many', hot(many)), 'Maximum resources per stack exceeded.');
    const group = hot({
      g: { type: 'OS::Heat::ResourceGroup', properties: { count: 100_000, resource_def: { type: 'OS::Heat::None' } } },
    });
    limitExceeded(await create('group', group), 'Maximum resources per stack exceeded.');
    const listed = await t.call({ method: 'GET', url: `${base}/stacks`, as: 'demo' });
    expect(listed.json().stacks).toEqual([]);
  });

  it('a tree whose nested stacks pass 1000 resources in all fails', async () => {
    const member = {
      type: 'OS::Heat::ResourceGroup',
      properties: { count: 600, resource_def: { type: 'OS::Heat::None' } },
    };
    const { stack } = await createStack(t, 'tree', hot({ a: member, b: member }), { as: 'demo' });
    expect(stack.stack_status).toBe('CREATE_FAILED');
    expect(stack.stack_status_reason).toMatch(/Maximum resources per stack exceeded/);
  });

  it('nesting deeper than 5 fails with Heat words', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 7; i++)
      files[`l${i}.yaml`] = JSON.stringify(hot({ n: { type: i < 6 ? `l${i + 1}.yaml` : 'OS::Heat::None' } }));
    const res = await t.call({
      method: 'POST',
      url: `${base}/stacks`,
      as: 'demo',
      payload: { stack_name: 'deep', template: hot({ n: { type: 'l0.yaml' } }), files },
    });
    expect(res.statusCode, res.body).toBe(201);
    await t.cloud.tasks.idle();
    const show = await t.call({ method: 'GET', url: `${base}/stacks/deep/${res.json().stack.id}`, as: 'demo' });
    expect(show.json().stack.stack_status).toBe('CREATE_FAILED');
    expect(show.json().stack.stack_status_reason).toMatch(/Recursion depth exceeds 5\./);
  });

  it('a repeat over the product of two long lists is refused, not expanded', async () => {
    const list = Array.from({ length: 3000 }, (_, i) => `v${i}`);
    const template = {
      heat_template_version: '2018-08-31',
      resources: {},
      outputs: { o: { value: { repeat: { template: '<%a%-%b%>', for_each: { '%a%': list, '%b%': list } } } } },
    };
    const res = await create('repeat', template);
    expect(res.statusCode, res.body.slice(0, 300)).toBeLessThan(500);
    await t.cloud.tasks.idle();
    // whether refused at create or failed in the engine, nothing holds nine million values
    if (res.statusCode === 201) {
      const out = await t.call({
        method: 'GET',
        url: `${base}/stacks/repeat/${res.json().stack.id}/outputs/o`,
        as: 'demo',
      });
      expect(out.statusCode).toBeLessThan(500);
      expect(JSON.stringify(out.json())).toMatch(/repeat.*would make 9000000 values/);
    } else expect(res.json().error.message).toMatch(/would make 9000000 values/);
  });

  it('validating a template of 999 resources hands the event loop back as it goes', async () => {
    // turns of the event loop that pass while a request is served: without
    // yielding, a validation is one turn however large the template
    const turnsDuring = async (resources: Record<string, unknown>) => {
      let done = false;
      const res = t
        .call({ method: 'POST', url: `${base}/validate`, as: 'demo', payload: { template: hot(resources) } })
        .finally(() => {
          done = true;
        });
      let turns = 0;
      while (!done && turns < 100_000) {
        await new Promise((r) => setImmediate(r));
        turns++;
      }
      expect((await res).statusCode).toBe(200);
      return turns;
    };
    const value = { type: 'OS::Heat::Value', properties: { value: 'x' } };
    const many = Object.fromEntries(Array.from({ length: 999 }, (_, i) => [`r${i}`, value]));
    await t.token('demo');
    const small = await turnsDuring({ r: value });
    const large = await turnsDuring(many);
    expect(large - small).toBeGreaterThanOrEqual(15);
  });

  // SQLite's queries run in the event loop's turns, so a request gets a turn between the engine's; on
  // PostgreSQL the engine's transactions and the request's queries wait in the pool's queue, first come
  // first served, so the request is answered behind the transactions already queued, not behind all
  it('a large stack is made while other requests are served', async () => {
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`r${i}`, { type: 'OS::Heat::None' }]));
    await t.token('admin'); // issued before: a password hash takes many turns of the loop
    const res = await create('large', hot(many));
    expect(res.statusCode).toBe(201);
    const id = res.json().stack.id;
    const db = t.cloud.db as any;
    const completed = async () =>
      Number(
        (
          await db
            .selectFrom('heat_resources')
            .select((eb: any) => eb.fn.countAll().as('n'))
            .where('stack_id', '=', id)
            .where('action', '=', 'CREATE')
            .where('status', '=', 'COMPLETE')
            .executeTakeFirst()
        ).n,
      );
    // once the engine has made its first resource (looked at between two turns of the event loop) ...
    for (let i = 0; i < 10_000 && (await completed()) === 0; i++) await new Promise((r) => setImmediate(r));
    expect(await completed()).toBeGreaterThan(0);
    // ... another request is answered before it has made them all
    const other = await t.call({ method: 'GET', url: '/identity/v3/projects', as: 'admin' });
    expect(other.statusCode).toBe(200);
    expect(await completed()).toBeLessThan(200);
    await t.cloud.tasks.idle();
    expect(await completed()).toBe(200);
    await t.call({ method: 'DELETE', url: `${base}/stacks/large/${id}`, as: 'demo' });
    await t.cloud.tasks.idle();
  });

  it('a stack keeps at most 1000 events: the oldest 200 go first, as Heat purges them', async () => {
    // 600 resources: IN_PROGRESS and COMPLETE each, plus the stack's own two events, 1202 in all
    const many = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`r${i}`, { type: 'OS::Heat::None' }]));
    const retriedBefore = serializationRetries(t.cloud.db);
    const { id, stack } = await createStack(t, 'eventful', hot(many), { as: 'demo' });
    expect(stack.stack_status).toBe('CREATE_COMPLETE');
    // on PostgreSQL, the 600 resources' state changes and events, written at the same time, seldom
    // conflict: an event's insert reads none of the stack's other events (counting them in each
    // event's SERIALIZABLE transaction made nearly every one of the 1202 run again)
    expect(serializationRetries(t.cloud.db) - retriedBefore).toBeLessThan(60);
    const events = (await t.call({ method: 'GET', url: `${base}/stacks/eventful/${id}/events`, as: 'demo' })).json()
      .events as Array<{ resource_name: string; resource_status: string; logical_resource_id: string }>;
    // once the stack holds 1000, its oldest 200 go: never more than 1000, never fewer than 800 once full
    expect(events.length).toBeLessThanOrEqual(1000);
    expect(events.length).toBeGreaterThanOrEqual(800);
    // the newest is kept (the stack's CREATE_COMPLETE), the oldest are gone (its CREATE_IN_PROGRESS, and
    // r0's, the first resource started; r0's CREATE_COMPLETE may come after hundreds of others' events
    // when the 600 are made at the same time, as on PostgreSQL)
    expect(events.at(-1)).toMatchObject({ resource_name: 'eventful', resource_status: 'CREATE_COMPLETE' });
    expect(events.filter((e) => e.resource_name === 'eventful')).toHaveLength(1);
    expect(events.some((e) => e.resource_name === 'r0' && e.resource_status === 'CREATE_IN_PROGRESS')).toBe(false);
    expect(events.filter((e) => e.resource_name === 'r599')).toHaveLength(2);
    await t.call({ method: 'DELETE', url: `${base}/stacks/eventful/${id}`, as: 'demo' });
    await t.cloud.tasks.idle();
  });

  it('a project holds at most 100 stacks', async () => {
    const { projectId } = await import('./helpers.js');
    const project = await projectId(t, 'demo');
    const db = t.cloud.db as any;
    const existing = (
      await db
        .selectFrom('heat_stacks')
        .select('id')
        .where('project_id', '=', project)
        .where('owner_id', 'is', null)
        .where('deleted_at', 'is', null)
        .execute()
    ).length;
    const row = (await db.selectFrom('heat_stacks').selectAll().where('project_id', '=', project).executeTakeFirst()) as
      | Record<string, unknown>
      | undefined;
    expect(row).toBeDefined();
    const rows = Array.from({ length: 100 - existing }, (_, i) => ({
      ...row,
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      name: `filler${i}`,
      owner_id: null,
      deleted_at: null,
    }));
    await db.insertInto('heat_stacks').values(rows).execute();
    limitExceeded(
      await create('one-too-many', hot({})),
      'You have reached the maximum stacks per tenant, 100. Please delete some stacks.',
    );
  });
});
