import { uuid } from '../../../server/ids.js';
import { fromJson, toJson } from '../../../store/json.js';
import { HeatError } from '../errors.js';
import { hdb } from '../store.js';
import { deepEqual, TemplateError } from '../template/scope.js';
import { createResource, ensureRows, ResourceFailed, visibleProperties } from './create.js';
import { deletePhysical, deleteResources, type Replaced } from './delete.js';
import { buildGraph, topoOrder } from './graph.js';
import { changedProperties, checkPluginProperties } from './properties.js';
import { constraintContext, failureReason, type StackRun } from './run.js';
import { walk } from './schedule.js';
import { resourceEvent, setResourceState } from './state.js';

// Stack update: the new definition walked in dependency order. A resource
// whose properties did not change stays; one whose changes its type allows
// is updated in place; any other change replaces it (the new one is made
// first, the old one deleted once the update is through). Resources the new
// template drops are deleted at the end. Rollback is the same walk back to
// the last template that completed, taking replaced resources back.

async function replace(run: StackRun, name: string, rollback: boolean, newProps: Record<string, unknown>) {
  const row = run.rows.get(name)!;
  const type = run.def.resources[name].type;
  const replaced = fromJson<Replaced[]>(row.replaced, []);
  // a rollback takes back the resource this update replaced, if it matches
  const back = rollback ? replaced.findIndex((r) => r.type === type && deepEqual(r.properties, newProps)) : -1;
  if (row.physical_id !== null || row.action !== 'INIT') {
    replaced.push({
      physical_id: row.physical_id,
      type: row.type,
      properties: fromJson(row.properties, {}),
      data: fromJson(row.data, {}),
    });
  }
  if (back >= 0) {
    const [old] = replaced.splice(back, 1);
    await setResourceState(run.cloud, row, 'UPDATE', 'COMPLETE', 'state changed', {
      type,
      physical_id: old.physical_id,
      properties: toJson(old.properties),
      data: toJson(old.data),
      replaced: toJson(replaced),
    });
    return;
  }
  // the replacement is a new resource (Heat gives it a new uuid, hence a new physical name)
  const fresh = { id: uuid(), type, physical_id: null, data: '{}', replaced: toJson(replaced), action: 'INIT' };
  await hdb(run.cloud)
    .updateTable('heat_resources')
    .set({ ...fresh, status: 'COMPLETE' })
    .where('id', '=', row.id)
    .execute();
  Object.assign(row, fresh);
  await createResource(run, name);
}

/** Brings one resource to its new definition. */
async function updateResource(run: StackRun, name: string, rollback: boolean): Promise<void> {
  const row = run.rows.get(name)!;
  const defn = run.def.resources[name];
  const requires = toJson([...(run.graph?.requires.get(name) ?? [])]);
  if (row.requires !== requires) {
    row.requires = requires;
    await hdb(run.cloud).updateTable('heat_resources').set({ requires }).where('id', '=', row.id).execute();
  }
  if (row.action === 'INIT' && row.physical_id === null) return createResource(run, name);
  const plugin = run.plugin(defn.type);
  let props: Record<string, unknown>;
  let metadata: Record<string, unknown>;
  try {
    const resolved = await run.resolveResource(name).catch((e) => {
      if (e instanceof TemplateError) throw new HeatError(400, e.message, 'StackValidationFailed');
      throw e;
    });
    metadata = resolved.metadata;
    props = await checkPluginProperties(plugin, resolved.props, name, constraintContext(run.cloud, run.caller));
  } catch (e) {
    const reason = failureReason(name, e);
    await setResourceState(run.cloud, row, 'UPDATE', 'FAILED', reason);
    throw new ResourceFailed(reason);
  }
  const failed = row.status === 'FAILED';
  if (row.type !== defn.type || failed) return replace(run, name, rollback, props);
  const before = fromJson<Record<string, unknown>>(row.properties, {});
  const changed = changedProperties(before, props);
  const metaChanged = !deepEqual(fromJson(row.metadata, {}), metadata);
  if (changed.length === 0 && !metaChanged) return;
  const inPlace =
    plugin.openProperties ||
    (changed.every((k) => plugin.properties[k]?.updateAllowed) &&
      (changed.length === 0 || !!plugin.update) &&
      !plugin.needsReplace?.(changed, props, before));
  if (!inPlace) return replace(run, name, rollback, props);
  await setResourceState(run.cloud, row, 'UPDATE', 'IN_PROGRESS');
  try {
    const ctx = run.context(row, props, metadata);
    if (changed.length > 0) await plugin.update?.(ctx, before, changed);
    await setResourceState(
      run.cloud,
      row,
      'UPDATE',
      'COMPLETE',
      'state changed',
      { properties: toJson(props), metadata: toJson(metadata), data: toJson(ctx.data) },
      visibleProperties(plugin.hiddenProperties, props),
    );
  } catch (e) {
    const reason = failureReason(name, e);
    await setResourceState(run.cloud, row, 'UPDATE', 'FAILED', reason);
    throw new ResourceFailed(reason);
  }
}

/**
 * Deletes what the update left behind: first the resources the template
 * dropped (nothing left depends on them), then the replaced ones,
 * dependents' first.
 */
async function cleanup(run: StackRun): Promise<string | undefined> {
  const gone = new Set([...run.rows.keys()].filter((n) => !(n in run.def.resources)));
  const failed = gone.size ? await deleteResources(run, gone) : undefined;
  if (failed) return failed;
  const order = topoOrder(run.graph!, run.def).reverse();
  for (const row of order.map((n) => run.rows.get(n)!).filter(Boolean)) {
    const replaced = fromJson<Replaced[]>(row.replaced, []);
    if (replaced.length === 0) continue;
    for (const old of replaced) {
      await resourceEvent(run.cloud, row, old.physical_id, old.type, 'DELETE', 'IN_PROGRESS');
      await deletePhysical(run, row, old);
      await resourceEvent(run.cloud, row, old.physical_id, old.type, 'DELETE', 'COMPLETE');
    }
    row.replaced = '[]';
    await hdb(run.cloud).updateTable('heat_resources').set({ replaced: '[]' }).where('id', '=', row.id).execute();
  }
  return undefined;
}

/**
 * Walks the stack to its current definition. `action` is UPDATE, or
 * ROLLBACK when going back. Returns the failure's text, or undefined.
 */
export async function updateResources(run: StackRun, action: 'UPDATE' | 'ROLLBACK'): Promise<string | undefined> {
  run.graph = buildGraph(run.def);
  await ensureRows(run, run.graph);
  const result = await walk(run.graph, (n) => updateResource(run, n, action === 'ROLLBACK'), {
    interrupted: () => run.interrupted(),
  });
  if (result.interrupted === 'superseded' || (await run.superseded())) return 'superseded';
  if (result.failed)
    return `Resource ${action === 'ROLLBACK' ? 'ROLLBACK' : 'UPDATE'} failed: ${(result.failed.error as Error).message}`;
  if (result.interrupted) return result.interrupted;
  try {
    return await cleanup(run);
  } catch (e) {
    return `Resource DELETE failed: ${(e as Error).message}`;
  }
}
