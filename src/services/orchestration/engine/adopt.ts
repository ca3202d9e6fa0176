import { fromJson, toJson } from '../../../store/json.js';
import { getStackRow } from '../store.js';
import { ensureRows, ResourceFailed, rollbackCreate } from './create.js';
import { buildGraph } from './graph.js';
import { checkPluginProperties } from './properties.js';
import { constraintContext, failureReason, type StackRun } from './run.js';
import { walk } from './schedule.js';
import { setResourceState, setStackState } from './state.js';

// Stack adopt: the resources named in abandon data (`openstack stack
// abandon` elsewhere) become this stack's, physical ids and data as given;
// nothing is created. The data waits on each row's `data.adopt`.

export interface AdoptData {
  resource_id?: string | null;
  resource_data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

async function adoptResource(run: StackRun, name: string): Promise<void> {
  const row = run.rows.get(name)!;
  if (row.action === 'ADOPT' && row.status === 'COMPLETE') return;
  const given = fromJson<{ adopt?: AdoptData }>(row.data, {}).adopt;
  await setResourceState(run.cloud, row, 'ADOPT', 'IN_PROGRESS');
  try {
    if (!given?.resource_id) throw new Error('Resource ID was not provided.');
    const plugin = run.plugin(row.type);
    const { props, metadata } = await run.resolveResource(name);
    const checked = await checkPluginProperties(plugin, props, name, constraintContext(run.cloud, run.caller));
    await setResourceState(run.cloud, row, 'ADOPT', 'COMPLETE', 'state changed', {
      physical_id: given.resource_id,
      properties: toJson(checked),
      metadata: toJson({ ...metadata, ...(given.metadata ?? {}) }),
      data: toJson(given.resource_data ?? {}),
    });
  } catch (e) {
    const reason = failureReason(name, e);
    await setResourceState(run.cloud, row, 'ADOPT', 'FAILED', reason);
    throw new ResourceFailed(reason);
  }
}

export async function adoptStack(run: StackRun): Promise<'COMPLETE' | 'FAILED' | 'superseded'> {
  const graph = buildGraph(run.def);
  await ensureRows(run, graph);
  const result = await walk(graph, (n) => adoptResource(run, n), { interrupted: () => run.interrupted() });
  if (result.interrupted === 'superseded' || (await run.superseded())) return 'superseded';
  if (!result.failed && !result.interrupted) {
    await setStackState(run.cloud, run.stack, 'ADOPT', 'COMPLETE', 'Stack ADOPT completed successfully');
    return 'COMPLETE';
  }
  const reason = result.failed
    ? `Resource ADOPT failed: ${(result.failed.error as Error).message}`
    : result.interrupted!;
  await setStackState(run.cloud, run.stack, 'ADOPT', 'FAILED', reason);
  const cancel = (await getStackRow(run.cloud, run.stack.id))?.cancel;
  if (!run.stack.disable_rollback && cancel !== 'norollback') await rollbackCreate(run);
  return 'FAILED';
}
