import { isoSeconds } from '../../server/time.js';
import { fromJson } from '../../store/json.js';
import type { EventRow, ResourceRow, StackRow } from './store.js';

// How stacks, resources and events look in Heat's API: ACTION_STATUS joined,
// seconds-precision times, and links built from the URL the client used.

const time = (t: string | null | undefined) => (t ? isoSeconds(t) : null);

export function stackPath(base: string, s: Pick<StackRow, 'project_id' | 'name' | 'id'>): string {
  return `${base}/heat-api/v1/${s.project_id}/stacks/${encodeURIComponent(s.name)}/${s.id}`;
}

export const link = (href: string, rel = 'self') => ({ href, rel });

/** The fields of a stack in a listing. */
export function stackSummary(base: string, s: StackRow, includeProject: boolean): Record<string, unknown> {
  return {
    id: s.id,
    links: [link(stackPath(base, s))],
    ...(includeProject ? { project: s.project_id } : {}),
    stack_name: s.name,
    description: '',
    stack_status: `${s.action}_${s.status}`,
    stack_status_reason: s.status_reason,
    creation_time: time(s.created_at),
    updated_time: time(s.updated_at),
    deletion_time: time(s.deleted_at),
    stack_owner: s.username,
    parent: s.owner_id,
    stack_user_project_id: s.project_id,
    tags: fromJson<string[] | null>(s.tags, null),
  };
}

/** A stack as `stack show` gets it. */
export function stackDetail(
  base: string,
  s: StackRow,
  extra: { description: string; parameters: Record<string, string>; outputs?: unknown[] },
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...stackSummary(base, s, false),
    description: extra.description,
    template_description: extra.description,
    parameters: extra.parameters,
    notification_topics: [],
    capabilities: [],
    disable_rollback: !!s.disable_rollback,
    timeout_mins: s.timeout_mins,
  };
  if (extra.outputs) out.outputs = extra.outputs;
  return out;
}

export function resourcePath(base: string, s: StackRow, name: string): string {
  return `${stackPath(base, s)}/resources/${encodeURIComponent(name)}`;
}

export function resourceView(
  base: string,
  s: StackRow,
  r: ResourceRow,
  extra: { requiredBy: string[]; nested?: StackRow; detail?: { description: string; attributes?: unknown } },
): Record<string, unknown> {
  const links = [link(resourcePath(base, s, r.name)), link(stackPath(base, s), 'stack')];
  if (extra.nested) links.push(link(stackPath(base, extra.nested), 'nested'));
  return {
    resource_name: r.name,
    logical_resource_id: r.name,
    physical_resource_id: r.physical_id ?? '',
    resource_type: r.type,
    resource_status: `${r.action}_${r.status}`,
    resource_status_reason: r.status_reason,
    creation_time: time(r.created_at),
    updated_time: time(r.updated_at ?? r.created_at),
    links,
    required_by: extra.requiredBy,
    ...(s.parent_resource ? { parent_resource: s.parent_resource } : {}),
    ...(extra.detail ?? {}),
  };
}

export function eventView(base: string, s: StackRow, e: EventRow, detail: boolean, root?: StackRow) {
  const resource = resourcePath(base, s, e.resource_name);
  const links = [link(`${resource}/events/${e.id}`), link(resource, 'resource'), link(stackPath(base, s), 'stack')];
  if (root) links.push(link(stackPath(base, root), 'root_stack'));
  return {
    id: e.id,
    links,
    logical_resource_id: e.resource_name,
    resource_name: e.resource_name,
    event_time: time(e.created_at),
    physical_resource_id: e.physical_resource_id ?? '',
    resource_status: `${e.resource_action}_${e.resource_status}`,
    resource_status_reason: e.resource_status_reason,
    ...(detail ? { resource_type: e.resource_type, resource_properties: fromJson(e.resource_properties, {}) } : {}),
  };
}
