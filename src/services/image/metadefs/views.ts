import { isoSeconds } from '../../../server/time.js';
import { fromJson } from '../../../store/json.js';
import type { AssociationRow, NamespaceRow, ObjectRow, PropertyDefRow, TagDefRow } from './store.js';

// Metadata definitions as Glance shows them: absent values are left out.

const times = (r: { created_at: string; updated_at: string }) => ({
  created_at: isoSeconds(r.created_at),
  updated_at: isoSeconds(r.updated_at),
});

function compact<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === null || o[k] === undefined) delete o[k];
  return o;
}

export function namespaceView(ns: NamespaceRow, extra: Record<string, unknown> = {}) {
  return compact({
    namespace: ns.namespace,
    display_name: ns.display_name,
    description: ns.description,
    visibility: ns.visibility,
    protected: ns.protected === 1,
    owner: ns.owner,
    ...times(ns),
    ...extra,
    self: `/v2/metadefs/namespaces/${ns.namespace}`,
    schema: '/v2/schemas/metadefs/namespace',
  });
}

export function associationView(a: AssociationRow) {
  return compact({ name: a.name, prefix: a.prefix, properties_target: a.properties_target, ...times(a) });
}

export function objectView(ns: string, o: ObjectRow, full = true) {
  const required = fromJson<string[]>(o.required, []);
  const properties = fromJson<Record<string, unknown>>(o.properties, {});
  return compact({
    name: o.name,
    description: o.description,
    required: full || required.length ? required : undefined,
    properties: full || Object.keys(properties).length ? properties : undefined,
    ...times(o),
    self: `/v2/metadefs/namespaces/${ns}/objects/${o.name}`,
    schema: '/v2/schemas/metadefs/object',
  });
}

export function propertyView(p: PropertyDefRow) {
  return { name: p.name, ...fromJson<Record<string, unknown>>(p.json_schema, {}) };
}

export function tagView(t: TagDefRow) {
  return { name: t.name, ...times(t) };
}
