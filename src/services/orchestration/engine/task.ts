import type { Cloud } from '../../../cloud.js';
import { uuid } from '../../../server/ids.js';
import type { Store } from '../../../store/db.js';
import { getStackRow, hdb, type StackRow } from '../store.js';
import { rollbackCreate } from './create.js';
import { loadRun, type Op, rollbackUpdate, runOperation } from './operations.js';
import { setResourceState, setStackState } from './state.js';

// Stack operations run as durable tasks (tasks/runner.ts), one stack's
// operations in order. A restart in the middle of one leaves no stack stuck
// IN_PROGRESS: a delete or rollback is simply done again (deleting is
// idempotent); anything else ends FAILED, "Engine went down during ...", as
// in Heat, and rolls back when the stack asks for rollback.

export const STACK_TASK = 'orchestration.stack';

interface Payload {
  op: Op;
  traversal: string;
}

/** Identifies this process's engine; a stack marked by another one was interrupted by a restart. */
const boots = new WeakMap<Cloud, string>();

/** Queues an operation; pass the transaction that put the stack in its new state. */
export async function enqueue(cloud: Cloud, stackId: string, op: Op, traversal: string, trx: Store): Promise<void> {
  await cloud.tasks.enqueue<Payload>(STACK_TASK, stackId, { op, traversal }, trx);
}

async function failNested(cloud: Cloud, stackId: string): Promise<void> {
  const children = await hdb(cloud).selectFrom('heat_stacks').selectAll().where('owner_id', '=', stackId).execute();
  for (const c of children) {
    if (c.status === 'IN_PROGRESS') await wentDown(cloud, c);
    await failNested(cloud, c.id);
  }
}

/** Marks what was in progress as failed because the engine stopped under it. */
async function wentDown(cloud: Cloud, stack: StackRow): Promise<void> {
  const rows = await hdb(cloud)
    .selectFrom('heat_resources')
    .selectAll()
    .where('stack_id', '=', stack.id)
    .where('status', '=', 'IN_PROGRESS')
    .execute();
  for (const r of rows)
    await setResourceState(cloud, r, r.action, 'FAILED', `Engine went down during resource ${r.action}`);
  await setStackState(cloud, stack, stack.action, 'FAILED', `Engine went down during stack ${stack.action}`);
}

async function recover(cloud: Cloud, stack: StackRow): Promise<void> {
  await failNested(cloud, stack.id);
  if (stack.action === 'DELETE') return runOperation(cloud, stack, 'delete');
  if (stack.action === 'ROLLBACK') return runOperation(cloud, stack, 'rollback');
  const action = stack.action;
  await wentDown(cloud, stack);
  if (stack.disable_rollback) return;
  if (action === 'CREATE' || action === 'ADOPT') await rollbackCreate(await loadRun(cloud, stack));
  else if (action === 'UPDATE') await rollbackUpdate(cloud, stack);
}

async function run(cloud: Cloud, payload: Payload, stackId: string): Promise<void> {
  const stack = await getStackRow(cloud, stackId);
  if (!stack || stack.traversal !== payload.traversal) return;
  const boot = boots.get(cloud)!;
  const interrupted = stack.engine_boot !== null && stack.engine_boot !== boot && stack.status === 'IN_PROGRESS';
  await hdb(cloud).updateTable('heat_stacks').set({ engine_boot: boot }).where('id', '=', stack.id).execute();
  stack.engine_boot = boot;
  if (interrupted) return recover(cloud, stack);
  await runOperation(cloud, stack, payload.op);
}

export function registerEngine(cloud: Cloud): void {
  boots.set(cloud, uuid());
  cloud.tasks.register<Payload>(STACK_TASK, {
    run: (task) => run(cloud, task.payload, task.resourceId),
    // a bug, not a resource failure (those are recorded where they happen)
    async failed(task, err) {
      const stack = await getStackRow(cloud, task.resourceId);
      if (stack?.status === 'IN_PROGRESS' && stack.traversal === task.payload.traversal)
        await setStackState(cloud, stack, stack.action, 'FAILED', `${stack.action} failed: ${err.message}`);
    },
  });
}

/**
 * At start: a stack IN_PROGRESS that no queued task will drive (its task
 * was lost, or it is a nested stack whose parent is not running) ends FAILED.
 */
export async function settleOrphans(cloud: Cloud): Promise<void> {
  const busy = await hdb(cloud).selectFrom('heat_stacks').selectAll().where('status', '=', 'IN_PROGRESS').execute();
  if (busy.length === 0) return;
  const queued = new Set(
    (await cloud.db.selectFrom('tasks').select('resource_id').where('kind', '=', STACK_TASK).execute()).map(
      (t: { resource_id: string }) => t.resource_id,
    ),
  );
  for (const s of busy) {
    const root = s.root_id ?? s.id;
    if (queued.has(root)) continue;
    await wentDown(cloud, s);
  }
}
