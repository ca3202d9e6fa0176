import { ResourceFailed } from './create.js';
import { rowGraph } from './delete.js';
import type { ResourcePlugin } from './plugin.js';
import { failureReason, type StackRun } from './run.js';
import { walk } from './schedule.js';
import { setResourceState, setStackState } from './state.js';

// Suspend, resume and check: the same action on every resource (suspend
// dependents first, the others in creation order), each resource type
// doing what it can; a type with nothing to do completes at once.

type Action = 'SUSPEND' | 'RESUME' | 'CHECK';

const HANDLERS: Record<Action, keyof ResourcePlugin> = { SUSPEND: 'suspend', RESUME: 'resume', CHECK: 'check' };

async function resourceAction(run: StackRun, name: string, action: Action): Promise<void> {
  const row = run.rows.get(name)!;
  const plugin = run.plugin(row.type);
  const handler = plugin[HANDLERS[action]] as ((ctx: unknown) => Promise<void>) | undefined;
  if (row.action === 'INIT' && row.status === 'COMPLETE') {
    if (action !== 'CHECK' || !handler) return;
    await setResourceState(run.cloud, row, action, 'FAILED', `Can not check ${name}, resource not created yet.`);
    throw new ResourceFailed(`Exception: resources.${name}: Resource ${name} not created yet.`);
  }
  if (!handler && action === 'CHECK') {
    await setResourceState(run.cloud, row, action, 'COMPLETE', `${action} not supported for ${row.type}`);
    return;
  }
  await setResourceState(run.cloud, row, action, 'IN_PROGRESS');
  try {
    await handler?.call(plugin, run.context(row));
  } catch (e) {
    const reason = failureReason(name, e);
    await setResourceState(run.cloud, row, action, 'FAILED', reason);
    throw new ResourceFailed(reason);
  }
  await setResourceState(run.cloud, row, action, 'COMPLETE');
}

export async function stackAction(run: StackRun, action: Action): Promise<void> {
  const result = await walk(rowGraph(run.rows.values()), (n) => resourceAction(run, n, action), {
    reverse: action === 'SUSPEND',
    interrupted: async () => ((await run.interrupted()) === 'superseded' ? 'superseded' : undefined),
  });
  if (result.interrupted === 'superseded' || (await run.superseded())) return;
  if (result.failed) {
    const why = (result.failed.error as Error).message;
    await setStackState(run.cloud, run.stack, action, 'FAILED', `Resource ${action} failed: ${why}`);
    return;
  }
  await setStackState(run.cloud, run.stack, action, 'COMPLETE', `Stack ${action} completed successfully`);
}
