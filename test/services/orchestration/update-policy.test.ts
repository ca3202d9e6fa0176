import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { createStack, heatBase, hot, updateStack } from './helpers.js';

// ResourceGroup's update_policy: batch_create makes the members a batch at a
// time, rolling_update rolls a new definition out a batch at a time. Each
// member takes a little while (wait_secs), so without batches every member
// would start before any finished; the nested events show the batches.

describe('orchestration: ResourceGroup update_policy', () => {
  let t: TestCloud;
  let base: string;
  beforeAll(async () => {
    t = await testCloud();
    base = await heatBase(t);
  });
  afterAll(() => t.close());

  const group = (count: number, value: string, policy: Record<string, unknown>) =>
    hot({
      g: {
        type: 'OS::Heat::ResourceGroup',
        update_policy: policy,
        properties: {
          count,
          resource_def: { type: 'OS::Heat::TestResource', properties: { value, wait_secs: 0.05 } },
        },
      },
    });

  /** The nested members' events for an action, in order, as "name STATUS". */
  async function memberEvents(name: string, id: string, action: string): Promise<string[]> {
    const res = await t.call({ method: 'GET', url: `${base}/stacks/${name}/${id}/events?nested_depth=1`, as: 'admin' });
    return res
      .json()
      .events.filter((e: any) => /^\d+$/.test(e.resource_name) && e.resource_status.startsWith(action))
      .map((e: any) => `${e.resource_name} ${e.resource_status.slice(action.length + 1)}`);
  }

  /** Every member of `later` starts only after every member of `earlier` is done. */
  function startsAfter(events: string[], earlier: string[], later: string[]) {
    const lastDone = Math.max(...earlier.map((n) => events.indexOf(`${n} COMPLETE`)));
    const firstStart = Math.min(...later.map((n) => events.indexOf(`${n} IN_PROGRESS`)));
    expect(lastDone, events.join(', ')).toBeGreaterThanOrEqual(0);
    expect(firstStart, events.join(', ')).toBeGreaterThan(lastDone);
  }

  it('batch_create: max_batch_size members at a time', async () => {
    const policy = { batch_create: { max_batch_size: 2, pause_time: 0 } };
    const { id, stack } = await createStack(t, 'batched', group(5, 'v-%index%', policy));
    expect(stack.stack_status, stack.stack_status_reason).toBe('CREATE_COMPLETE');
    const events = await memberEvents('batched', id, 'CREATE');
    startsAfter(events, ['0', '1'], ['2', '3']);
    startsAfter(events, ['2', '3'], ['4']);
  });

  it('rolling_update: a new resource_def rolled out in batches, min_in_service narrowing them', async () => {
    const policy = { rolling_update: { max_batch_size: 2, min_in_service: 0, pause_time: 0 } };
    const { id } = await createStack(t, 'rolling', group(4, 'v1-%index%', policy));
    const update = (tpl: unknown) => updateStack(t, base, 'rolling', id, { template: tpl });
    let s = await update(group(4, 'v2-%index%', policy));
    expect(s.stack_status, s.stack_status_reason).toBe('UPDATE_COMPLETE');
    let events = await memberEvents('rolling', id, 'UPDATE');
    startsAfter(events, ['0', '1'], ['2', '3']);

    // min_in_service 3 of 4: one member at a time
    const narrow = { rolling_update: { max_batch_size: 2, min_in_service: 3 } };
    s = await update(group(4, 'v3-%index%', narrow));
    expect(s.stack_status, s.stack_status_reason).toBe('UPDATE_COMPLETE');
    events = (await memberEvents('rolling', id, 'UPDATE')).slice(8);
    startsAfter(events, ['0'], ['1']);
    startsAfter(events, ['1'], ['2']);
    startsAfter(events, ['2'], ['3']);
  });
});
