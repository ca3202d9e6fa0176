import type { Cloud } from '../../cloud.js';
import { fromJson } from '../../store/json.js';
import { HeatError } from './errors.js';
import { hdb } from './store.js';

// Heat's own limits (heat.conf defaults), with its words: they keep one
// member's stack from taking every other request's time and memory.

/** max_resources_per_stack: over a stack and every stack nested in it. */
export const MAX_RESOURCES_PER_STACK = 1000;
/** max_nested_stack_depth. */
export const MAX_NESTED_STACK_DEPTH = 5;
/** max_stacks_per_tenant: top-level stacks that are not deleted. */
export const MAX_STACKS_PER_TENANT = 100;

/** RequestLimitExceeded: a 400 at the API, "Request limit exceeded: ..." in a failed stack's reason. */
export function limitExceeded(message: string): HeatError {
  return new HeatError(400, `Request limit exceeded: ${message}`, 'RequestLimitExceeded');
}

export const TOO_MANY_RESOURCES = 'Maximum resources per stack exceeded.';

/** A template's own resources, at create or update. */
export function checkResourceCount(template: Record<string, unknown>): void {
  if (templateResourceCount(template) > MAX_RESOURCES_PER_STACK) throw limitExceeded(TOO_MANY_RESOURCES);
}

export async function checkStackCount(cloud: Cloud, projectId: string): Promise<void> {
  const row = await hdb(cloud)
    .selectFrom('heat_stacks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .where('owner_id', 'is', null)
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  if (Number(row.n) >= MAX_STACKS_PER_TENANT)
    throw limitExceeded(
      `You have reached the maximum stacks per tenant, ${MAX_STACKS_PER_TENANT}. Please delete some stacks.`,
    );
}

/** Resources the templates of a root stack and of every live stack under it name. */
export async function treeResourceCount(cloud: Cloud, rootId: string): Promise<number> {
  const rows = await hdb(cloud)
    .selectFrom('heat_stacks')
    .select('template')
    .where((eb) => eb.or([eb('id', '=', rootId), eb('root_id', '=', rootId)]))
    .where('deleted_at', 'is', null)
    .execute();
  return rows.reduce((n, r) => n + templateResourceCount(fromJson<Record<string, unknown>>(r.template, {})), 0);
}

export function templateResourceCount(template: Record<string, unknown>): number {
  const resources = template.resources ?? template.Resources;
  return resources && typeof resources === 'object' ? Object.keys(resources).length : 0;
}

const treeLocks = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` alone among the nested stack changes of one tree, so that two
 * members made at once cannot both pass the count before either is recorded.
 */
export function underTreeLock<T>(rootId: string, fn: () => Promise<T>): Promise<T> {
  const before = treeLocks.get(rootId) ?? Promise.resolve();
  const run = before.then(fn, fn);
  const tail = run.catch(() => {});
  treeLocks.set(rootId, tail);
  void tail.then(() => {
    if (treeLocks.get(rootId) === tail) treeLocks.delete(rootId);
  });
  return run;
}
