import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { isoSeconds, now } from '../../server/time.js';
import { fromJson } from '../../store/json.js';
import { requiredBy } from './engine/graph.js';
import type { Caller } from './engine/plugin.js';
import { resourceType } from './engine/registry.js';
import { callerOf } from './lookup.js';
import type { Instantiation } from './request.js';
import type { StackRow } from './store.js';
import { stackResources } from './store.js';
import type { StackIdentity } from './template/definition.js';
import type { Environment } from './template/environment.js';
import { resolve } from './template/functions.js';
import { paramText } from './template/parameters.js';
import { deepEqual } from './template/scope.js';
import { validateStack } from './validate.js';
import { link, stackPath } from './views.js';

// Previews: what a create would make, and what an update would change
// (added, deleted, replaced, updated, unchanged), without doing either.

export async function previewStack(
  cloud: Cloud,
  caller: Caller,
  inst: Instantiation,
  identity: StackIdentity,
  b: string,
  username: string,
) {
  const { def, graph } = await validateStack(cloud, caller, { ...inst, template: inst.template!, identity }, true);
  const needed = requiredBy(graph);
  const scope = def.scope();
  const path = stackPath(b, { project_id: identity.projectId, name: identity.name, id: 'None' });
  const at = isoSeconds(now());
  const parameters: Record<string, string> = {};
  for (const [n, v] of def.params) parameters[n] = paramText(def.paramSchema(n), v);
  return {
    id: 'None',
    links: [link(path)],
    stack_name: identity.name,
    description: def.template.description,
    template_description: def.template.description,
    parameters,
    disable_rollback: true,
    timeout_mins: null,
    stack_owner: username,
    parent: null,
    capabilities: [],
    notification_topics: [],
    creation_time: at,
    updated_time: null,
    deletion_time: null,
    stack_user_project_id: identity.projectId,
    tags: null,
    resources: graph.nodes.map((n) => {
      const d = def.resources[n];
      let properties: unknown;
      try {
        properties = resolve(d.properties, scope, `${n}.Properties`);
      } catch {
        properties = d.properties;
      }
      return {
        resource_name: n,
        logical_resource_id: n,
        resource_type: d.type,
        physical_resource_id: '',
        resource_action: 'INIT',
        resource_status: 'COMPLETE',
        resource_status_reason: '',
        description: d.description,
        metadata: d.metadata,
        properties,
        required_by: needed.get(n) ?? [],
        creation_time: at,
        updated_time: at,
        stack_name: identity.name,
        links: [link(`${path}/resources/${n}`), link(path, 'stack')],
      };
    }),
  };
}

/** The changes an update would make, each resource in one of Heat's five lists. */
export async function previewUpdate(
  cloud: Cloud,
  auth: AuthContext,
  s: StackRow,
  inst: Instantiation,
  patch: boolean,
  b: string,
) {
  const current = fromJson<Environment>(s.environment, {} as Environment);
  const env = patch ? { ...current, parameters: { ...current.parameters, ...inst.env.parameters } } : inst.env;
  const template = inst.template ?? fromJson(s.template, {});
  const identity = { id: s.id, name: s.name, projectId: s.project_id };
  const { def } = await validateStack(cloud, callerOf(auth), { template, env, files: inst.files, identity }, true);
  const old = fromJson<Record<string, any>>(s.template, {}).resources ?? {};
  const rows = new Map((await stackResources(cloud, s.id)).map((r) => [r.name, r]));
  const changes = { added: [], deleted: [], replaced: [], updated: [], unchanged: [] } as Record<string, unknown[]>;
  const entry = (name: string, type: string) => ({
    resource_name: name,
    resource_type: type,
    resource_action: rows.get(name)?.action ?? 'INIT',
    resource_status: rows.get(name)?.status ?? 'COMPLETE',
    physical_resource_id: rows.get(name)?.physical_id ?? '',
    resource_identity: { stack_name: s.name, stack_id: s.id, tenant: s.project_id, path: `/resources/${name}` },
    links: [link(`${stackPath(b, s)}/resources/${name}`), link(stackPath(b, s), 'stack')],
  });
  for (const [name, d] of Object.entries(def.resources)) {
    const before = old[name];
    if (!before || !rows.has(name)) changes.added.push(entry(name, d.type));
    else if (before.type !== d.templateType) changes.replaced.push(entry(name, d.type));
    else {
      const a = before.properties ?? {};
      const c = (d.properties ?? {}) as Record<string, unknown>;
      const keys = [...new Set([...Object.keys(a), ...Object.keys(c)])].filter((k) => !deepEqual(a[k], c[k]));
      if (keys.length === 0 && deepEqual(before.metadata ?? {}, d.metadata))
        changes.unchanged.push(entry(name, d.type));
      else {
        const schema = resourceType(d.type).properties;
        const inPlace = keys.every((k) => schema[k]?.updateAllowed);
        (inPlace ? changes.updated : changes.replaced).push(entry(name, d.type));
      }
    }
  }
  for (const [name, r] of rows) if (!(name in def.resources)) changes.deleted.push(entry(name, r.type));
  return changes;
}
