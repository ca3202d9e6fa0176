import type { Kysely } from 'kysely';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../server/errors.js';
import { uuid } from '../../../server/ids.js';
import { now } from '../../../server/time.js';
import type { Caller } from '../policy.js';
import { validateObject } from '../validate.js';
import { insertContents } from './contents.js';
import schemas from './schemas.json' with { type: 'json' };
import {
  canSee,
  getNamespace,
  type MetadefTables,
  mdb,
  type NamespaceRow,
  requireMetadefAdmin,
  writableNamespace,
} from './store.js';
import { associationView, namespaceView, objectView, propertyView, tagView } from './views.js';

// Namespaces and their resource-type associations.

/** The resource types DevStack's metadefs bring (glance-manage db_load_metadefs). */
export const SEEDED_RESOURCE_TYPES = [
  'OS::Cinder::Volume',
  'OS::Glance::Image',
  'OS::Nova::Aggregate',
  'OS::Nova::Flavor',
  'OS::Nova::Server',
  'OS::Trove::Instance',
];

type Body = Record<string, any>;

function requireBody(body: unknown): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequest('Body expected in request.');
  return body as Body;
}

function checkNamespaceBody(body: Body) {
  if (body.namespace === undefined)
    throw new BadRequest("Provided object does not match schema 'namespace': 'namespace' is a required property");
  const { properties: _p, objects: _o, tags: _t, resource_type_associations: _r, ...core } = body;
  validateObject('namespace', core, schemas.namespace);
}

export async function seedResourceTypes(cloud: Cloud): Promise<void> {
  const at = now();
  await mdb(cloud)
    .insertInto('metadef_resource_types')
    .values(SEEDED_RESOURCE_TYPES.map((name) => ({ name, protected: 1, created_at: at, updated_at: at })))
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}

async function associate(db: Kysely<MetadefTables>, ns: NamespaceRow, a: Body) {
  if (typeof a?.name !== 'string' || a.name === '') throw new BadRequest("'name' is a required property");
  const at = now();
  await db
    .insertInto('metadef_resource_types')
    .values({ name: a.name, protected: 0, created_at: at, updated_at: at })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const dup = await db
    .selectFrom('metadef_associations')
    .select('name')
    .where('namespace_id', '=', ns.id)
    .where('name', '=', a.name)
    .executeTakeFirst();
  if (dup)
    throw new Conflict(
      `The metadata definition resource-type association of resource-type=${a.name} to namespace=${ns.namespace} already exists.`,
    );
  const row = {
    namespace_id: ns.id,
    name: a.name,
    prefix: a.prefix ?? null,
    properties_target: a.properties_target ?? null,
    created_at: at,
    updated_at: at,
  };
  await db.insertInto('metadef_associations').values(row).execute();
  return row;
}

export async function createNamespace(cloud: Cloud, caller: Caller, raw: unknown) {
  requireMetadefAdmin(caller, 'add_metadef_namespace');
  const body = requireBody(raw);
  checkNamespaceBody(body);
  const at = now();
  const ns: NamespaceRow = {
    id: uuid(),
    namespace: body.namespace,
    display_name: body.display_name ?? null,
    description: body.description ?? null,
    visibility: body.visibility ?? 'private',
    protected: body.protected ? 1 : 0,
    owner: body.owner ?? caller.projectId ?? null,
    created_at: at,
    updated_at: at,
  };
  await mdb(cloud)
    .transaction()
    .execute(async (trx) => {
      if (
        await trx.selectFrom('metadef_namespaces').select('id').where('namespace', '=', ns.namespace).executeTakeFirst()
      )
        throw new Conflict(`The metadata definition namespace=${ns.namespace} already exists.`);
      await trx.insertInto('metadef_namespaces').values(ns).execute();
      for (const a of body.resource_type_associations ?? []) await associate(trx, ns, a);
      await insertContents(trx, ns, body);
    });
  const extra: Body = {};
  for (const key of ['resource_type_associations', 'properties', 'objects', 'tags'])
    if (body[key]) extra[key] = body[key];
  return namespaceView(ns, extra);
}

async function associationsOf(cloud: Cloud, ids: string[]) {
  if (ids.length === 0) return new Map<string, ReturnType<typeof associationView>[]>();
  const rows = await mdb(cloud)
    .selectFrom('metadef_associations')
    .selectAll()
    .where('namespace_id', 'in', ids)
    .orderBy('created_at')
    .execute();
  const out = new Map<string, ReturnType<typeof associationView>[]>();
  for (const r of rows) out.set(r.namespace_id, [...(out.get(r.namespace_id) ?? []), associationView(r)]);
  return out;
}

export async function listNamespaces(cloud: Cloud, caller: Caller, q: Record<string, string | undefined>) {
  let query = mdb(cloud).selectFrom('metadef_namespaces').selectAll().orderBy('created_at').orderBy('namespace');
  if (q.visibility) query = query.where('visibility', '=', q.visibility as NamespaceRow['visibility']);
  if (q.resource_types) {
    const types = q.resource_types.split(',').map((s) => s.trim());
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('metadef_associations')
          .select('metadef_associations.name')
          .whereRef('metadef_associations.namespace_id', '=', 'metadef_namespaces.id')
          .where('metadef_associations.name', 'in', types),
      ),
    );
  }
  const rows = (await query.execute()).filter((ns) => canSee(caller, ns));
  const assoc = await associationsOf(
    cloud,
    rows.map((r) => r.id),
  );
  return {
    namespaces: rows.map((ns) =>
      namespaceView(ns, assoc.has(ns.id) ? { resource_type_associations: assoc.get(ns.id) } : {}),
    ),
    first: '/v2/metadefs/namespaces',
    schema: '/v2/schemas/metadefs/namespaces',
  };
}

export async function showNamespace(cloud: Cloud, caller: Caller, name: string) {
  const ns = await getNamespace(cloud, caller, name);
  const db = mdb(cloud);
  const [assoc, props, objects, tags] = await Promise.all([
    associationsOf(cloud, [ns.id]),
    db.selectFrom('metadef_properties').selectAll().where('namespace_id', '=', ns.id).orderBy('name').execute(),
    db
      .selectFrom('metadef_objects')
      .selectAll()
      .where('namespace_id', '=', ns.id)
      .orderBy('created_at', 'desc')
      .execute(),
    db.selectFrom('metadef_tags').selectAll().where('namespace_id', '=', ns.id).orderBy('created_at', 'desc').execute(),
  ]);
  const extra: Body = {};
  if (assoc.has(ns.id)) extra.resource_type_associations = assoc.get(ns.id);
  if (props.length) extra.properties = Object.fromEntries(props.map((p) => [p.name, propertyView(p)]));
  if (objects.length) extra.objects = objects.map((o) => objectView(ns.namespace, o));
  if (tags.length) extra.tags = tags.map((t) => ({ name: tagView(t).name }));
  return namespaceView(ns, extra);
}

export async function updateNamespace(cloud: Cloud, caller: Caller, name: string, raw: unknown) {
  const ns = await writableNamespace(cloud, caller, name, 'modify_metadef_namespace');
  const body = requireBody(raw);
  checkNamespaceBody(body);
  const next: NamespaceRow = {
    ...ns,
    namespace: body.namespace,
    display_name: body.display_name ?? null,
    description: body.description ?? null,
    visibility: body.visibility ?? ns.visibility,
    protected: body.protected === undefined ? ns.protected : body.protected ? 1 : 0,
    owner: body.owner ?? ns.owner,
    updated_at: now(),
  };
  await mdb(cloud)
    .transaction()
    .execute(async (trx) => {
      if (next.namespace !== ns.namespace) {
        const taken = await trx
          .selectFrom('metadef_namespaces')
          .select('id')
          .where('namespace', '=', next.namespace)
          .executeTakeFirst();
        if (taken) throw new Conflict(`The metadata definition namespace=${next.namespace} already exists.`);
      }
      const { id, ...values } = next;
      await trx.updateTable('metadef_namespaces').set(values).where('id', '=', id).execute();
    });
  return namespaceView(next);
}

export async function deleteNamespace(cloud: Cloud, caller: Caller, name: string) {
  const ns = await writableNamespace(cloud, caller, name, 'delete_metadef_namespace');
  if (ns.protected) throw new Forbidden(`Metadata definition namespace ${name} is protected and cannot be deleted.`);
  await mdb(cloud).deleteFrom('metadef_namespaces').where('id', '=', ns.id).execute();
}

export async function listResourceTypes(cloud: Cloud) {
  const rows = await mdb(cloud).selectFrom('metadef_resource_types').selectAll().orderBy('name').execute();
  return {
    resource_types: rows.map((r) => associationView({ ...r, namespace_id: '', prefix: null, properties_target: null })),
  };
}

export async function listAssociations(cloud: Cloud, caller: Caller, name: string) {
  const ns = await getNamespace(cloud, caller, name);
  return { resource_type_associations: (await associationsOf(cloud, [ns.id])).get(ns.id) ?? [] };
}

export async function addAssociation(cloud: Cloud, caller: Caller, name: string, raw: unknown) {
  const ns = await writableNamespace(cloud, caller, name, 'add_metadef_resource_type_association');
  const body = requireBody(raw);
  return associationView(
    await mdb(cloud)
      .transaction()
      .execute((trx) => associate(trx, ns, body)),
  );
}

export async function removeAssociation(cloud: Cloud, caller: Caller, name: string, type: string) {
  const ns = await writableNamespace(cloud, caller, name, 'remove_metadef_resource_type_association');
  const r = await mdb(cloud)
    .selectFrom('metadef_associations')
    .select('name')
    .where('namespace_id', '=', ns.id)
    .where('name', '=', type)
    .executeTakeFirst();
  if (!r)
    throw new NotFound(
      `The metadata definition resource-type association of resource-type=${type} to namespace=${name}, was not found.`,
    );
  if (ns.protected)
    throw new Forbidden(`Metadata definition resource-type-association ${type} is protected and cannot be deleted.`);
  await mdb(cloud)
    .deleteFrom('metadef_associations')
    .where('namespace_id', '=', ns.id)
    .where('name', '=', type)
    .execute();
}
