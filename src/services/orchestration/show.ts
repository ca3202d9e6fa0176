import type { Cloud } from '../../cloud.js';
import { fromJson } from '../../store/json.js';
import { rowGraph } from './engine/delete.js';
import { requiredBy } from './engine/graph.js';
import { loadRun } from './engine/operations.js';
import { stackOutputs } from './engine/outputs.js';
import { hasResourceType, resourceType } from './engine/registry.js';
import { attributesReady, type StackRun } from './engine/run.js';
import { getStackRow, nestedStacks, type ResourceRow, type StackRow, stackResources } from './store.js';
import { PSEUDO_PARAMS, paramText } from './template/parameters.js';
import { resourceView, stackDetail } from './views.js';

// Views that need the engine's knowledge of a stack: its parameters and
// outputs (evaluated live), its resources with who requires them and their
// nested stacks.

export async function stackShow(cloud: Cloud, s: StackRow, base: string, resolveOutputs: boolean) {
  const run = await loadRun(cloud, s);
  const parameters: Record<string, string> = {};
  for (const [name, value] of run.def.params) {
    const schema = run.def.paramSchema(name);
    if (schema || PSEUDO_PARAMS.includes(name)) parameters[name] = paramText(schema, value);
  }
  const deleted = s.action === 'DELETE' && s.status === 'COMPLETE';
  const outputs = resolveOutputs && !deleted ? await stackOutputs(run) : undefined;
  return stackDetail(base, s, { description: run.def.template.description, parameters, outputs });
}

/** The stacks nested under a stack, down to `depth` levels, with the stack each belongs to. */
export async function nestedTree(cloud: Cloud, s: StackRow, depth: number): Promise<StackRow[]> {
  const out: StackRow[] = [];
  let level = [s];
  for (let d = 0; d < depth && level.length; d++) {
    level = await nestedStacks(
      cloud,
      level.map((x) => x.id),
    );
    out.push(...level);
  }
  return out;
}

async function detail(run: StackRun, row: ResourceRow, withAttrs: string[] | false) {
  const description = run.def.template.resources[row.name]?.description ?? '';
  if (withAttrs === false) return { description };
  let attributes: Record<string, unknown> = {};
  if (attributesReady(row) && hasResourceType(row.type)) {
    const plugin = resourceType(row.type);
    // a type whose "show" is a map shows that (Heat's format_resource_attributes)
    const show = await run.attribute(row, 'show').catch(() => null);
    const names = [
      ...new Set([...(show && typeof show === 'object' ? [] : Object.keys(plugin.attributes)), ...withAttrs]),
    ];
    if (show && typeof show === 'object' && !Array.isArray(show)) attributes = { ...(show as Record<string, unknown>) };
    await Promise.all(
      names.map(async (a) => {
        attributes[a] = await run.attribute(row, a).catch(() => null);
      }),
    );
  }
  return { description, attributes };
}

/** Resources of a stack (and of its nested stacks to `depth`) as the API shows them. */
export async function resourceViews(
  cloud: Cloud,
  s: StackRow,
  base: string,
  opts: { depth?: number; withDetail?: boolean; only?: string; withAttrs?: string[] } = {},
) {
  const stacks = [s, ...(await nestedTree(cloud, s, opts.depth ?? 0))];
  const out: Record<string, unknown>[] = [];
  for (const st of stacks) {
    let rows = await stackResources(cloud, st.id);
    if (opts.only !== undefined) rows = rows.filter((r) => r.name === opts.only);
    const needed = requiredBy(rowGraph(rows));
    const run = opts.withDetail ? await loadRun(cloud, st) : undefined;
    for (const r of rows) {
      const nestedId = hasResourceType(r.type) && resourceType(r.type).nestedStack ? r.physical_id : null;
      const nested = nestedId ? await getStackRow(cloud, nestedId) : undefined;
      out.push(
        resourceView(base, st, r, {
          requiredBy: needed.get(r.name) ?? [],
          nested: nested && !nested.deleted_at ? nested : undefined,
          detail: run ? await detail(run, r, opts.withAttrs ?? []) : undefined,
        }),
      );
    }
  }
  return out;
}

/** The parameters a stack was given (for abandon/export data). */
export function stackEnvironment(s: StackRow) {
  return fromJson<Record<string, unknown>>(s.environment, {});
}
