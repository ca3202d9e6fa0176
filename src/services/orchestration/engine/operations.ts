import type { Cloud } from '../../../cloud.js';
import { uuid } from '../../../server/ids.js';
import { now } from '../../../server/time.js';
import { fromJson, toJson } from '../../../store/json.js';
import {
  MAX_NESTED_STACK_DEPTH,
  MAX_RESOURCES_PER_STACK,
  TOO_MANY_RESOURCES,
  templateResourceCount,
  treeResourceCount,
  underTreeLock,
} from '../limits.js';
import { getStackRow, hdb, type StackRow } from '../store.js';
import { stackAction } from './actions.js';
import { adoptStack } from './adopt.js';
import { createStack, rollbackCreate } from './create.js';
import { deleteStack } from './delete.js';
import { stackOutputs } from './outputs.js';
import type { NestedStacks } from './plugin.js';
import { attributesReady, FormattedFailure, StackRun, shortId } from './run.js';
import { setStackState } from './state.js';
import { updateResources } from './update.js';

// The engine's operations on a whole stack, as the task runner calls them,
// and the nested stacks some resource types own (ResourceGroup).

export type Op = 'create' | 'adopt' | 'update' | 'delete' | 'rollback' | 'suspend' | 'resume' | 'check';

/** Loads a stack for the engine, with nested stacks wired to this module. */
export async function loadRun(
  cloud: Cloud,
  stack: StackRow,
  parent?: StackRun,
  source?: Parameters<typeof StackRun.load>[3],
) {
  const run = await StackRun.load(cloud, stack, (r, name) => nestedStacks(cloud, r, name), source);
  run.parent = parent;
  return run;
}

/** The template a rollback returns to: the last that completed, or nothing at all. */
function previous(stack: StackRow) {
  const tmpl = fromJson<Record<string, unknown>>(stack.template, {});
  return {
    template: stack.prev_template ?? toJson({ heat_template_version: tmpl.heat_template_version, resources: {} }),
    environment: stack.prev_environment ?? stack.environment,
    files: stack.prev_files ?? stack.files,
  };
}

async function markGood(cloud: Cloud, stack: StackRow): Promise<void> {
  const good = { prev_template: stack.template, prev_environment: stack.environment, prev_files: stack.files };
  await hdb(cloud).updateTable('heat_stacks').set(good).where('id', '=', stack.id).execute();
  Object.assign(stack, good);
}

export async function rollbackUpdate(cloud: Cloud, stack: StackRow, parent?: StackRun): Promise<void> {
  const back = previous(stack);
  await setStackState(cloud, stack, 'ROLLBACK', 'IN_PROGRESS', 'Stack ROLLBACK started', { ...back, cancel: null });
  const run = await loadRun(cloud, stack, parent);
  const failed = await updateResources(run, 'ROLLBACK');
  if (failed === 'superseded') return;
  if (failed) await setStackState(cloud, stack, 'ROLLBACK', 'FAILED', failed);
  else await setStackState(cloud, stack, 'ROLLBACK', 'COMPLETE', 'Stack ROLLBACK completed successfully');
}

async function update(cloud: Cloud, stack: StackRow, parent?: StackRun): Promise<void> {
  const run = await loadRun(cloud, stack, parent);
  const failed = await updateResources(run, 'UPDATE');
  if (failed === 'superseded') return;
  if (!failed) {
    await setStackState(cloud, stack, 'UPDATE', 'COMPLETE', 'Stack UPDATE completed successfully');
    await markGood(cloud, stack);
    return;
  }
  await setStackState(cloud, stack, 'UPDATE', 'FAILED', failed);
  const cancel = (await getStackRow(cloud, stack.id))?.cancel;
  const rollback = cancel === 'rollback' || (!stack.disable_rollback && cancel !== 'norollback');
  if (rollback && !parent) await rollbackUpdate(cloud, stack);
  else if (cancel)
    await hdb(cloud).updateTable('heat_stacks').set({ cancel: null }).where('id', '=', stack.id).execute();
}

/** Runs one operation on a stack to its end state. */
export async function runOperation(cloud: Cloud, stack: StackRow, op: Op, parent?: StackRun): Promise<void> {
  switch (op) {
    case 'create': {
      const run = await loadRun(cloud, stack, parent);
      if ((await createStack(run)) === 'COMPLETE') await markGood(cloud, stack);
      return;
    }
    case 'adopt': {
      if ((await adoptStack(await loadRun(cloud, stack, parent))) === 'COMPLETE') await markGood(cloud, stack);
      return;
    }
    case 'update':
      return update(cloud, stack, parent);
    case 'delete':
      return deleteStack(await loadRun(cloud, stack, parent));
    case 'rollback':
      if (stack.prev_template === null) return rollbackCreate(await loadRun(cloud, stack, parent));
      return rollbackUpdate(cloud, stack, parent);
    case 'suspend':
    case 'resume':
    case 'check':
      return stackAction(await loadRun(cloud, stack, parent), op.toUpperCase() as 'SUSPEND');
  }
}

/** The text of a nested stack's failure as its parent resource reports it. */
function nestedReason(child: StackRow, parentResource: string): string {
  const inner = child.status_reason.replace(/^Resource [A-Z]+ failed: /, '');
  const m = /^([\w.]+): resources\.([^:]+): ([\s\S]*)$/.exec(inner);
  return m ? `${m[1]}: resources.${parentResource}.resources[${m[2]}]: ${m[3]}` : inner;
}

/**
 * Heat's checks before a nested stack is made or changed: its depth, and the
 * resources of the whole tree with the new template's (less the ones it replaces).
 */
async function checkNested(cloud: Cloud, parent: StackRow, template: Record<string, unknown>, replacing = 0) {
  if (parent.nested_depth + 1 > MAX_NESTED_STACK_DEPTH)
    throw new FormattedFailure(`Request limit exceeded: Recursion depth exceeds ${MAX_NESTED_STACK_DEPTH}.`);
  const total =
    (await treeResourceCount(cloud, parent.root_id ?? parent.id)) + templateResourceCount(template) - replacing;
  if (total > MAX_RESOURCES_PER_STACK) throw new FormattedFailure(`Request limit exceeded: ${TOO_MANY_RESOURCES}`);
}

function nestedStacks(cloud: Cloud, run: StackRun, resourceName: string): NestedStacks {
  const child = async (id: string) => {
    const s = await getStackRow(cloud, id);
    return s && !s.deleted_at ? s : undefined;
  };
  const drive = async (s: StackRow, op: Op, action: string) => {
    await runOperation(cloud, s, op, run);
    const after = (await getStackRow(cloud, s.id))!;
    if (after.status === 'FAILED') throw new FormattedFailure(nestedReason(after, resourceName));
    if (after.action !== action || after.status !== 'COMPLETE') throw new FormattedFailure(after.status_reason);
  };
  return {
    async create(template, params = {}) {
      const id = uuid();
      const p = run.stack;
      const row: StackRow = {
        ...p,
        id,
        name: `${p.name}-${resourceName}-${shortId(uuid())}`,
        owner_id: p.id,
        root_id: p.root_id ?? p.id,
        parent_resource: resourceName,
        nested_depth: p.nested_depth + 1,
        action: 'CREATE',
        status: 'IN_PROGRESS',
        status_reason: 'Stack CREATE started',
        template: toJson(template),
        environment: toJson({ ...fromJson(p.environment, {}), parameters: params }),
        prev_template: null,
        prev_environment: null,
        prev_files: null,
        disable_rollback: 1,
        timeout_mins: null,
        tags: null,
        traversal: uuid(),
        engine_boot: null,
        cancel: null,
        created_at: now(),
        updated_at: null,
        deleted_at: null,
      };
      // checked and recorded together: a member made at the same time counts this one
      await underTreeLock(row.root_id!, async () => {
        await checkNested(cloud, p, template);
        await hdb(cloud).insertInto('heat_stacks').values(row).execute();
      });
      await setStackState(cloud, row, 'CREATE', 'IN_PROGRESS', 'Stack CREATE started');
      await drive(row, 'create', 'CREATE');
      return id;
    },
    async update(id, template, params = {}) {
      const s = await child(id);
      if (!s) throw new FormattedFailure(`The Stack (${id}) could not be found.`);
      const env = toJson({ ...fromJson(s.environment, {}), parameters: params });
      await underTreeLock(s.root_id ?? s.id, async () => {
        // the nested stack's current template gives way to the new one
        await checkNested(cloud, run.stack, template, templateResourceCount(fromJson(s.template, {})));
        await setStackState(cloud, s, 'UPDATE', 'IN_PROGRESS', 'Stack UPDATE started', {
          template: toJson(template),
          environment: env,
        });
      });
      await drive(s, 'update', 'UPDATE');
    },
    async delete(id) {
      const s = await child(id);
      if (!s) return;
      await setStackState(cloud, s, 'DELETE', 'IN_PROGRESS', 'Stack DELETE started');
      await drive(s, 'delete', 'DELETE');
    },
    async resources(id) {
      const s = await child(id);
      if (!s) return [];
      const r = await loadRun(cloud, s, run);
      return [...r.rows.values()].map((row) => ({
        name: row.name,
        ref: r.ref(row.name),
        attr: async (a: string) => (attributesReady(row) ? r.attribute(row, a) : null),
      }));
    },
    async output(id, name) {
      const s = await child(id);
      if (!s) return null;
      const outs = await stackOutputs(await loadRun(cloud, s, run), [name]);
      return outs[0]?.output_value ?? null;
    },
  };
}
