import { fromJson } from '../../../store/json.js';
import type { Props, ResourceContext, ResourcePlugin } from '../engine/plugin.js';
import { limitExceeded, MAX_RESOURCES_PER_STACK, TOO_MANY_RESOURCES } from '../limits.js';
import { getStackRow } from '../store.js';
import { deepEqual, isMap, selectPath } from '../template/scope.js';

// OS::Heat::ResourceGroup: `count` copies of one resource definition in a
// nested stack whose members are named "0", "1", ...; %index% (index_var)
// in the definition becomes each member's name. Scaling down removes the
// highest members, or the ones removal_policies name (never reused).

function substitute(v: unknown, indexVar: string, index: string): unknown {
  if (typeof v === 'string') return v.split(indexVar).join(index);
  if (Array.isArray(v)) return v.map((x) => substitute(x, indexVar, index));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, indexVar, index)]));
  return v;
}

/** The names removal policies took out of service, to be skipped from now on. */
function blacklist(props: Props, previous: string[]): string[] {
  const named = ((props.removal_policies ?? []) as { resource_list?: string[] }[]).flatMap(
    (p) => p.resource_list ?? [],
  );
  return props.removal_policies_mode === 'update' ? [...new Set(named)] : [...new Set([...previous, ...named])];
}

/** Member names: the existing ones kept (lowest first), new ones after, skipping removed names. */
function memberNames(count: number, existing: string[], removed: string[]): string[] {
  const keep = existing.filter((n) => !removed.includes(n)).sort((a, b) => Number(a) - Number(b));
  const names = keep.slice(0, count);
  for (let i = 0; names.length < count; i++) {
    const n = String(i);
    if (!names.includes(n) && !removed.includes(n)) names.push(n);
  }
  return names.sort((a, b) => Number(a) - Number(b));
}

type MemberDef = { type: string; properties?: Props; metadata?: Props };

/** The nested stack's template: a member per name, each with the group's definition (or `defOf`'s). */
async function nestedTemplate(r: ResourceContext, names: string[], defOf?: (name: string) => MemberDef | undefined) {
  const parentVersion = fromJson<Record<string, unknown>>(r.stack.template, {}).heat_template_version;
  const resources: Record<string, unknown> = {};
  for (const n of names) {
    const def = defOf?.(n) ?? (r.props.resource_def as MemberDef);
    resources[n] = {
      type: def.type,
      ...(def.properties ? { properties: substitute(def.properties, r.props.index_var, n) } : {}),
      ...(def.metadata ? { metadata: substitute(def.metadata, r.props.index_var, n) } : {}),
    };
  }
  return { heat_template_version: parentVersion ?? '2015-04-30', resources };
}

/** batch_create / rolling_update of the update_policy, with Heat's defaults; undefined when not set. */
function batching(r: ResourceContext, key: 'batch_create' | 'rolling_update') {
  const p = r.updatePolicy[key];
  if (!isMap(p)) return undefined;
  return {
    size: Math.max(1, Math.trunc(Number(p.max_batch_size ?? 1)) || 1),
    minInService: Math.max(0, Math.trunc(Number(p.min_in_service ?? 0)) || 0),
    pause: Math.max(0, Number(p.pause_time ?? 0) || 0),
  };
}

/**
 * Creates the members batch by batch (batch_create): the nested stack with
 * the first max_batch_size members, then grown by as many at each step,
 * pause_time seconds apart.
 */
async function createInBatches(r: ResourceContext, names: string[], size: number, pause: number) {
  const id = await r.nested.create(await nestedTemplate(r, names.slice(0, size)));
  await r.setPhysicalId(id);
  for (let n = 2 * size; n < names.length + size; n += size) {
    await r.sleep(pause * 1000);
    await r.nested.update(id, await nestedTemplate(r, names.slice(0, n)));
  }
}

/**
 * A new resource_def rolled out batch by batch (rolling_update): at each
 * step max_batch_size more of the members that stay get the new definition
 * (lowest index first), fewer when that would leave less than min_in_service
 * untouched; members added by a larger count come with the first step,
 * removed ones leave with it. pause_time seconds between steps.
 */
async function rollingUpdate(r: ResourceContext, before: Props, names: string[], existing: string[]) {
  const policy = batching(r, 'rolling_update')!;
  const kept = names.filter((n) => existing.includes(n));
  const size = Math.max(1, Math.min(policy.size, kept.length - policy.minInService));
  const id = r.physicalId!;
  for (let done = 0; done === 0 || done < kept.length; ) {
    if (done > 0) await r.sleep(policy.pause * 1000);
    done += size;
    const updated = new Set(kept.slice(0, done));
    const old = (n: string) => (kept.includes(n) && !updated.has(n) ? (before.resource_def as MemberDef) : undefined);
    await r.nested.update(id, await nestedTemplate(r, names, old));
  }
}

async function members(r: ResourceContext) {
  if (!r.physicalId) return [];
  const list = await r.nested.resources(r.physicalId);
  return list.sort((a, b) => Number(a.name) - Number(b.name));
}

export const resourceGroup: ResourcePlugin = {
  type: 'OS::Heat::ResourceGroup',
  className: 'ResourceGroup',
  description: 'Creates one or more identically configured nested resources.',
  supportStatus: { status: 'SUPPORTED', version: '2014.1' },
  nestedStack: true,
  openAttributes: true,
  pathAware: true,
  validate(props) {
    // refused before a member is made: Heat validates the nested stack up front
    if (Number(props.count) > MAX_RESOURCES_PER_STACK) throw limitExceeded(TOO_MANY_RESOURCES);
  },
  properties: {
    count: {
      type: 'integer',
      description: 'The number of resources to create.',
      default: 1,
      updateAllowed: true,
      constraints: [{ kind: 'range', min: 0 }],
    },
    index_var: {
      type: 'string',
      description:
        'A variable that this resource will use to replace with the current index of a given resource in the group.',
      default: '%index%',
      constraints: [{ kind: 'length', min: 3 }],
    },
    resource_def: {
      type: 'map',
      description: 'Resource definition for the resources in the group.',
      required: true,
      updateAllowed: true,
      entries: {
        type: { type: 'string', description: 'The type of the resources in the group.', required: true },
        properties: { type: 'map', description: 'Property values for the resources in the group.' },
        metadata: { type: 'map', description: 'Supplied metadata for the resources in the group.' },
      },
    },
    removal_policies: {
      type: 'list',
      description: 'Policies for removal of resources on update.',
      default: [],
      updateAllowed: true,
      items: {
        type: 'map',
        entries: {
          resource_list: {
            type: 'list',
            description:
              'List of resources to be removed when doing an update which requires removal of specific resources.',
            default: [],
          },
        },
      },
    },
    removal_policies_mode: {
      type: 'string',
      description: 'How to handle changes to removal_policies on update.',
      default: 'append',
      updateAllowed: true,
      constraints: [{ kind: 'allowed_values', values: ['append', 'update'] }],
    },
  },
  attributes: {
    refs: { description: 'A list of resource IDs for the resources in the group.', type: 'list' },
    refs_map: { description: 'A map of resource names to IDs for the resources in the group.', type: 'map' },
    attributes: {
      description: 'A map of resource names to the specified attribute of each individual resource.',
      type: 'map',
    },
    removed_rsrc_list: { description: 'A list of removed resource names.', type: 'list' },
  },
  async create(r) {
    const removed = blacklist(r.props, []);
    await r.setData({ removed });
    const names = memberNames(r.props.count, [], removed);
    await r.setPhysicalId(null);
    const batch = batching(r, 'batch_create');
    if (batch && names.length > batch.size) return createInBatches(r, names, batch.size, batch.pause);
    const id = await r.nested.create(await nestedTemplate(r, names));
    await r.setPhysicalId(id);
  },
  async update(r, before) {
    const removed = blacklist(r.props, r.data.removed ?? []);
    await r.setData({ removed });
    const existing = (await members(r)).map((m) => m.name);
    const names = memberNames(r.props.count, existing, removed);
    if (!r.physicalId) return resourceGroup.create(r);
    if (batching(r, 'rolling_update') && !deepEqual(before.resource_def, r.props.resource_def))
      return rollingUpdate(r, before, names, existing);
    await r.nested.update(r.physicalId, await nestedTemplate(r, names));
  },
  async delete(r) {
    if (r.physicalId && (await getStackRow(r.cloud, r.physicalId))) await r.nested.delete(r.physicalId);
  },
  async attribute(r, name, path = []) {
    const list = await members(r);
    if (name === 'removed_rsrc_list') return selectPath(r.data.removed ?? [], path);
    if (name === 'refs')
      return selectPath(
        list.map((m) => m.ref),
        path,
      );
    if (name === 'refs_map') return selectPath(Object.fromEntries(list.map((m) => [m.name, m.ref])), path);
    if (name === 'attributes') {
      if (path.length === 0) return null;
      const [attr, ...rest] = path;
      const out: Record<string, unknown> = {};
      for (const m of list) out[m.name] = selectPath(await m.attr(String(attr)), rest);
      return out;
    }
    if (name === 'show') return null;
    const member = /^resource\.([^.]+)(?:\.(.+))?$/.exec(name);
    if (member) {
      const m = list.find((x) => x.name === member[1]);
      if (!m) return null;
      if (member[2]) return selectPath(await m.attr(member[2]), path);
      const [attr, ...rest] = path;
      return attr === undefined ? m.ref : selectPath(await m.attr(String(attr)), rest);
    }
    return Promise.all(list.map(async (m) => selectPath(await m.attr(name), path)));
  },
};
