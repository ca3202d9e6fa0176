import { afterAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { createStack, heatBase, hot } from './helpers.js';

// A restart in the middle of a stack operation leaves no stack IN_PROGRESS:
// the store holds what a crashed engine leaves (the stack and a resource in
// progress, the queued task), and the next start settles it.

describe('orchestration: restart during an operation', () => {
  const clouds: TestCloud[] = [];
  afterAll(async () => {
    for (const c of clouds) await c.close().catch(() => undefined);
  });

  it('a create interrupted by a restart ends FAILED with the reason', async () => {
    const t1 = await testCloud();
    clouds.push(t1);
    const { dataDir, database } = t1.cloud.config;
    const tpl = hot({
      done: { type: 'OS::Heat::TestResource' },
      slow: { type: 'OS::Heat::TestResource', properties: { wait_secs: 60 }, depends_on: 'done' },
    });
    const { id } = await createStack(t1, 'crash', tpl, { wait: false });
    const db = t1.cloud.db;
    for (let i = 0; i < 200; i++) {
      const slow = await db.selectFrom('heat_resources').selectAll().where('name', '=', 'slow').executeTakeFirst();
      if (slow?.status === 'IN_PROGRESS') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const crashed = await db.selectFrom('heat_stacks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const task = await db.selectFrom('tasks').selectAll().executeTakeFirstOrThrow();
    expect(crashed.status).toBe('IN_PROGRESS');
    expect(crashed.engine_boot).toBeTruthy();
    // stop this engine (a superseded run ends at once), then restore the crash's state
    await db.updateTable('heat_stacks').set({ traversal: 'gone' }).where('id', '=', id).execute();
    await t1.cloud.tasks.idle();
    await t1.cloud.tasks.stop();
    await db.updateTable('heat_stacks').set(crashed).where('id', '=', id).execute();
    await db
      .updateTable('heat_resources')
      .set({ action: 'CREATE', status: 'IN_PROGRESS', status_reason: 'state changed' })
      .where('name', '=', 'slow')
      .execute();
    await db.insertInto('tasks').values(task).execute();
    await t1.cloud.app.close();
    await db.destroy();
    // a dead process's database session ends: another process leads (PostgreSQL)
    await t1.cloud.leadership.close();

    const t2 = await testCloud({ dataDir, database });
    clouds.push(t2);
    await t2.cloud.tasks.idle();
    const base = await heatBase(t2);
    const s = (await t2.call({ method: 'GET', url: `${base}/stacks/crash/${id}`, as: 'admin' })).json().stack;
    expect(s.stack_status).toBe('CREATE_FAILED');
    expect(s.stack_status_reason).toBe('Engine went down during stack CREATE');
    const res = (await t2.call({ method: 'GET', url: `${base}/stacks/crash/${id}/resources`, as: 'admin' })).json()
      .resources;
    const slow = res.find((r: any) => r.resource_name === 'slow');
    expect(slow.resource_status).toBe('CREATE_FAILED');
    expect(slow.resource_status_reason).toBe('Engine went down during resource CREATE');
    expect(res.find((r: any) => r.resource_name === 'done').resource_status).toBe('CREATE_COMPLETE');
  });

  it('a stack left IN_PROGRESS with no task to drive it is settled at start', async () => {
    const t1 = await testCloud();
    clouds.push(t1);
    const { dataDir, database } = t1.cloud.config;
    const { id } = await createStack(t1, 'orphan', hot({ a: { type: 'OS::Heat::TestResource' } }));
    await t1.cloud.db
      .updateTable('heat_stacks')
      .set({ action: 'UPDATE', status: 'IN_PROGRESS' })
      .where('id', '=', id)
      .execute();
    await t1.cloud.tasks.stop();
    await t1.cloud.app.close();
    await t1.cloud.db.destroy();
    await t1.cloud.leadership.close();
    const t2 = await testCloud({ dataDir, database });
    clouds.push(t2);
    const row = await t2.cloud.db.selectFrom('heat_stacks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(`${row.action}_${row.status}`).toBe('UPDATE_FAILED');
    expect(row.status_reason).toBe('Engine went down during stack UPDATE');
  });
});
