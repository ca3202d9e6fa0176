import type { Kysely } from 'kysely';
import type { Cloud } from '../../../cloud.js';
import { Forbidden, NotFound } from '../../../server/errors.js';
import type { Caller } from '../policy.js';

// Row types of the metadata definitions (migrations.ts), the namespace lookup
// with Glance's visibility, and the admin-only rule for every write.

export interface NamespaceRow {
  id: string;
  namespace: string;
  display_name: string | null;
  description: string | null;
  visibility: 'public' | 'private';
  protected: number;
  owner: string | null;
  created_at: string;
  updated_at: string;
}

interface Child {
  namespace_id: string;
  name: string;
  created_at: string;
  updated_at: string;
}

export interface AssociationRow extends Child {
  prefix: string | null;
  properties_target: string | null;
}

export interface ObjectRow extends Child {
  description: string | null;
  /** JSON */
  required: string;
  /** JSON */
  properties: string;
}

export interface PropertyDefRow extends Child {
  /** JSON: the property's definition without its name */
  json_schema: string;
}

export type TagDefRow = Child;

export interface MetadefTables {
  metadef_namespaces: NamespaceRow;
  metadef_resource_types: { name: string; protected: number; created_at: string; updated_at: string };
  metadef_associations: AssociationRow;
  metadef_objects: ObjectRow;
  metadef_properties: PropertyDefRow;
  metadef_tags: TagDefRow;
}

export function mdb(cloud: Cloud): Kysely<MetadefTables> {
  return cloud.db as Kysely<MetadefTables>;
}

export function namespaceNotFound(name: string): NotFound {
  return new NotFound(`Metadata definition namespace=${name} was not found.`);
}

export function canSee(caller: Caller, ns: NamespaceRow): boolean {
  return caller.isAdmin || ns.visibility === 'public' || (!!caller.projectId && ns.owner === caller.projectId);
}

/** The namespace if the caller may see it (public, its own, or any for admins); 404 otherwise. */
export async function getNamespace(cloud: Cloud, caller: Caller, name: string): Promise<NamespaceRow> {
  const ns = await mdb(cloud)
    .selectFrom('metadef_namespaces')
    .selectAll()
    .where('namespace', '=', name)
    .executeTakeFirst();
  if (!ns || !canSee(caller, ns)) throw namespaceNotFound(name);
  return ns;
}

/** Glance's default policy: writing metadata definitions is for admins. */
export function requireMetadefAdmin(caller: Caller, action: string): void {
  if (!caller.isAdmin) throw new Forbidden(`You are not authorized to complete ${action} action.`);
}

/** The namespace a write goes to: 404 when hidden, 403 for non-admins. */
export async function writableNamespace(cloud: Cloud, caller: Caller, name: string, action: string) {
  const ns = await getNamespace(cloud, caller, name);
  requireMetadefAdmin(caller, action);
  return ns;
}
