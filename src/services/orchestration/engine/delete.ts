import { fromJson, toJson } from '../../../store/json.js';
import { hdb, type ResourceRow } from '../store.js';
import type { Graph } from './graph.js';
import { hasResourceType } from './registry.js';
import { failureReason, type StackRun } from './run.js';
import { walk } from './schedule.js';
import { setResourceState, setStackState } from './state.js';

// Deleting walks the dependencies the resources were created with (kept on
// their rows, since the template may have changed since), dependents first.

/** A physical resource an update replaced, kept until the update is over. */
export interface Replaced {
  physical_id: string | null;
  type: string;
  properties: Record<string, unknown>;
  data: Record<string, unknown>;
}

/** The graph of what exists, from the rows' recorded dependencies. */
export function rowGraph(rows: Iterable<ResourceRow>): Graph {
  const list = [...rows];
  const names = new Set(list.map((r) => r.name));
  return {
    nodes: list.map((r) => r.name),
    requires: new Map(
      list.map((r) => [r.name, new Set(fromJson<string[]>(r.requires, []).filter((n) => names.has(n)))]),
    ),
  };
}

/** Deletes one physical resource of a row (its current one, or one an update replaced). */
export async function deletePhysical(run: StackRun, row: ResourceRow, what?: Replaced): Promise<void> {
  const type = what?.type ?? row.type;
  if (!hasResourceType(type)) return;
  const plugin = run.plugin(type);
  const view: ResourceRow = what
    ? { ...row, type, physical_id: what.physical_id, properties: toJson(what.properties), data: toJson(what.data) }
    : row;
  const ctx = run.context(view);
  const policy = run.def.template.resources[row.name]?.deletionPolicy ?? 'Delete';
  if (policy === 'Retain' && !what) return;
  if (policy === 'Snapshot' && !what) await plugin.snapshotDelete?.(ctx);
  await plugin.delete(ctx);
}

/** Deletes a resource: its replaced leftovers, then itself; the row goes once it is gone. */
export async function deleteResource(run: StackRun, name: string): Promise<void> {
  const row = run.rows.get(name)!;
  const replaced = fromJson<Replaced[]>(row.replaced, []);
  const untouched = row.action === 'INIT' && row.physical_id === null && replaced.length === 0;
  if (!untouched) {
    await setResourceState(run.cloud, row, 'DELETE', 'IN_PROGRESS');
    try {
      for (const old of replaced) await deletePhysical(run, row, old);
      await deletePhysical(run, row);
    } catch (e) {
      const reason = failureReason(name, e);
      await setResourceState(run.cloud, row, 'DELETE', 'FAILED', reason);
      throw new Error(reason);
    }
    await setResourceState(run.cloud, row, 'DELETE', 'COMPLETE');
  }
  await hdb(run.cloud).deleteFrom('heat_resources').where('id', '=', row.id).execute();
  run.rows.delete(name);
}

/** Deletes every resource of the stack; the failure's text when one fails. */
export async function deleteResources(run: StackRun, only?: Set<string>): Promise<string | undefined> {
  const result = await walk(rowGraph(run.rows.values()), (n) => deleteResource(run, n), {
    reverse: true,
    only,
    interrupted: async () => ((await run.interrupted()) === 'superseded' ? 'superseded' : undefined),
  });
  if (result.failed) return (result.failed.error as Error).message;
  if (result.interrupted) return result.interrupted;
  return undefined;
}

/** Stack delete: everything in reverse, then the stack is gone (kept as DELETE_COMPLETE for lookups by id). */
export async function deleteStack(run: StackRun): Promise<void> {
  const failed = await deleteResources(run);
  if (failed === 'superseded' || (await run.superseded())) return;
  if (failed) {
    await setStackState(run.cloud, run.stack, 'DELETE', 'FAILED', `Resource DELETE failed: ${failed}`);
    return;
  }
  await setStackState(run.cloud, run.stack, 'DELETE', 'COMPLETE', 'Stack DELETE completed successfully', {
    deleted_at: new Date().toISOString(),
  });
}
