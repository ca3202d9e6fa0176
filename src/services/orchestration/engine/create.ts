import { toJson } from '../../../store/json.js';
import { HeatError } from '../errors.js';
import { getStackRow, hdb } from '../store.js';
import { TemplateError } from '../template/scope.js';
import { deleteResources } from './delete.js';
import { buildGraph, type Graph } from './graph.js';
import { checkPluginProperties } from './properties.js';
import { constraintContext, failureReason, type StackRun } from './run.js';
import { walk } from './schedule.js';
import { newResourceRow, setResourceState, setStackState } from './state.js';

// Stack create: every resource once its prerequisites are complete, all that
// can run at once; the first failure fails the stack with its cause and,
// unless rollback is disabled, deletes what was made.

export type Outcome = 'COMPLETE' | 'FAILED' | 'superseded';

/** The resource's own failure, already recorded on it; the stack's reason reuses the text. */
export class ResourceFailed extends Error {}

/** Rows (INIT_COMPLETE) for the definition's resources that have none yet. */
export async function ensureRows(run: StackRun, graph: Graph): Promise<void> {
  const missing = graph.nodes.filter((n) => !run.rows.has(n));
  if (missing.length === 0) return;
  const rows = missing.map((n) =>
    newResourceRow(run.stack.id, n, run.def.resources[n].type, [...(graph.requires.get(n) ?? [])]),
  );
  await hdb(run.cloud).insertInto('heat_resources').values(rows).execute();
  for (const r of rows) run.rows.set(r.name, r);
}

/** Evaluates, checks and creates one resource, recording each step. */
export async function createResource(run: StackRun, name: string, action = 'CREATE'): Promise<void> {
  const row = run.rows.get(name)!;
  if (row.action === action && row.status === 'COMPLETE') return;
  const plugin = run.plugin(row.type);
  await setResourceState(run.cloud, row, action, 'IN_PROGRESS');
  try {
    const { props, metadata } = await run.resolveResource(name).catch((e) => {
      if (e instanceof TemplateError) throw new HeatError(400, e.message, 'StackValidationFailed');
      throw e;
    });
    const checked = await checkPluginProperties(plugin, props, name, constraintContext(run.cloud, run.caller));
    const ctx = run.context(row, checked, metadata);
    await plugin.validate?.(checked, run.cloud, run.caller);
    row.properties = toJson(checked);
    row.metadata = toJson(metadata);
    await plugin.create(ctx);
    await setResourceState(
      run.cloud,
      row,
      action,
      'COMPLETE',
      'state changed',
      { properties: row.properties, metadata: row.metadata, data: toJson(ctx.data) },
      visibleProperties(plugin.hiddenProperties, checked),
    );
  } catch (e) {
    const reason = failureReason(name, e);
    await setResourceState(run.cloud, row, action, 'FAILED', reason, { properties: row.properties });
    throw new ResourceFailed(reason);
  }
}

export function visibleProperties(hidden: string[] | undefined, props: Record<string, unknown>) {
  if (!hidden?.length) return props;
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, hidden.includes(k) ? '******' : v]));
}

/** Creates the stack's resources and settles the stack's state. */
export async function createStack(run: StackRun): Promise<Outcome> {
  const graph = buildGraph(run.def);
  await ensureRows(run, graph);
  const result = await walk(graph, (n) => createResource(run, n), { interrupted: () => run.interrupted() });
  if (result.interrupted === 'superseded' || (await run.superseded())) return 'superseded';
  if (!result.failed && !result.interrupted) {
    await setStackState(run.cloud, run.stack, 'CREATE', 'COMPLETE', 'Stack CREATE completed successfully');
    return 'COMPLETE';
  }
  const reason = result.failed
    ? `Resource CREATE failed: ${(result.failed.error as Error).message}`
    : (result.interrupted as string);
  await setStackState(run.cloud, run.stack, 'CREATE', 'FAILED', reason);
  const cancel = (await getStackRow(run.cloud, run.stack.id))?.cancel;
  if (cancel)
    await hdb(run.cloud).updateTable('heat_stacks').set({ cancel: null }).where('id', '=', run.stack.id).execute();
  if (!run.stack.disable_rollback && cancel !== 'norollback' && !run.parent) await rollbackCreate(run);
  return 'FAILED';
}

/** Undoes a failed create: deletes every resource made, in reverse order. */
export async function rollbackCreate(run: StackRun): Promise<void> {
  await setStackState(run.cloud, run.stack, 'ROLLBACK', 'IN_PROGRESS', 'Stack ROLLBACK started');
  const failed = await deleteResources(run);
  if (failed) await setStackState(run.cloud, run.stack, 'ROLLBACK', 'FAILED', `Resource DELETE failed: ${failed}`);
  else await setStackState(run.cloud, run.stack, 'ROLLBACK', 'COMPLETE', 'Stack ROLLBACK completed successfully');
}
