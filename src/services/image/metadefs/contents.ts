import type { Kysely } from 'kysely';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../server/errors.js';
import { now } from '../../../server/time.js';
import { toJson } from '../../../store/json.js';
import type { Caller } from '../policy.js';
import { getNamespace, type MetadefTables, mdb, type NamespaceRow, writableNamespace } from './store.js';
import { objectView, propertyView, tagView } from './views.js';

// What a namespace defines: objects, properties and tags. All three are named
// within their namespace; reads follow the namespace's visibility, writes are
// for admins, and nothing of a protected namespace is deleted.

type Kind = 'objects' | 'properties' | 'tags';
const TABLE = { objects: 'metadef_objects', properties: 'metadef_properties', tags: 'metadef_tags' } as const;
const NOUN = { objects: 'object', properties: 'property', tags: 'tag' } as const;

type Body = Record<string, any>;

function requireName(body: unknown): Body & { name: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequest('Body expected in request.');
  const name = (body as Body).name;
  if (typeof name !== 'string' || name === '')
    throw new BadRequest("Provided object does not match schema: 'name' is a required property");
  if ([...name].length > 80) throw new BadRequest(`Provided object does not match schema: '${name}' is too long`);
  return body as Body & { name: string };
}

function notFound(kind: Kind, name: string, ns: string): NotFound {
  if (kind === 'objects') return new NotFound(`Could not find metadata object ${name}`);
  return new NotFound(`The metadata definition ${NOUN[kind]} with name=${name} was not found in namespace=${ns}.`);
}

function duplicate(kind: Kind, name: string, ns: string): Conflict {
  if (kind === 'tags')
    return new Conflict(
      `A metadata tag with name=${name} already exists in namespace=${ns}. (Please note that metadata tag names are case insensitive).`,
    );
  return new Conflict(`A metadata definition ${NOUN[kind]} with name=${name} already exists in namespace=${ns}.`);
}

/** The row values of a definition from its request body. */
function values(kind: Kind, body: Body): Record<string, unknown> {
  if (kind === 'objects')
    return {
      description: body.description ?? null,
      required: toJson(body.required ?? []),
      properties: toJson(body.properties ?? {}),
    };
  if (kind === 'properties') {
    const { name: _n, ...schema } = body;
    if (schema.title === undefined || schema.type === undefined)
      throw new BadRequest(
        "Provided object does not match schema 'property': 'title' and 'type' are required properties",
      );
    return { json_schema: toJson(schema) };
  }
  return {};
}

async function insert(db: Kysely<MetadefTables>, kind: Kind, ns: NamespaceRow, body: Body & { name: string }) {
  const table = TABLE[kind];
  const taken = await db
    .selectFrom(table)
    .select('name')
    .where('namespace_id', '=', ns.id)
    .where('name', '=', body.name)
    .executeTakeFirst();
  if (taken) throw duplicate(kind, body.name, ns.namespace);
  const at = now();
  const row = { namespace_id: ns.id, name: body.name, created_at: at, updated_at: at, ...values(kind, body) };
  await db
    .insertInto(table)
    .values(row as any)
    .execute();
  return row as any;
}

/** Definitions given inline when a namespace is created. */
export async function insertContents(db: Kysely<MetadefTables>, ns: NamespaceRow, body: Body): Promise<void> {
  for (const [name, def] of Object.entries(body.properties ?? {}))
    await insert(db, 'properties', ns, { ...(def as Body), name });
  for (const o of body.objects ?? []) await insert(db, 'objects', ns, requireName(o));
  for (const t of body.tags ?? []) await insert(db, 'tags', ns, requireName(t));
}

function view(kind: Kind, ns: string, row: any, full = true) {
  if (kind === 'objects') return objectView(ns, row, full);
  if (kind === 'properties') return propertyView(row);
  return tagView(row);
}

async function find(cloud: Cloud, kind: Kind, ns: NamespaceRow, name: string) {
  const row = await mdb(cloud)
    .selectFrom(TABLE[kind])
    .selectAll()
    .where('namespace_id', '=', ns.id)
    .where('name', '=', name)
    .executeTakeFirst();
  if (!row) throw notFound(kind, name, ns.namespace);
  return row;
}

export async function listDefinitions(cloud: Cloud, caller: Caller, nsName: string, kind: Kind) {
  const ns = await getNamespace(cloud, caller, nsName);
  const rows = await mdb(cloud)
    .selectFrom(TABLE[kind])
    .selectAll()
    .where('namespace_id', '=', ns.id)
    .orderBy('created_at', 'desc')
    .orderBy('name')
    .execute();
  if (kind === 'properties')
    return { properties: Object.fromEntries(rows.map((r) => [r.name, propertyView(r as any)])) };
  if (kind === 'tags') return { tags: rows.map((r) => ({ name: r.name })) };
  return { objects: rows.map((r) => objectView(ns.namespace, r as any)), schema: 'v2/schemas/metadefs/objects' };
}

export async function showDefinition(cloud: Cloud, caller: Caller, nsName: string, kind: Kind, name: string) {
  const ns = await getNamespace(cloud, caller, nsName);
  return view(kind, ns.namespace, await find(cloud, kind, ns, name));
}

export async function createDefinition(cloud: Cloud, caller: Caller, nsName: string, kind: Kind, raw: unknown) {
  const ns = await writableNamespace(cloud, caller, nsName, `add_metadef_${NOUN[kind]}`);
  const body = requireName(raw);
  const row = await mdb(cloud)
    .transaction()
    .execute((trx) => insert(trx, kind, ns, body));
  return view(kind, ns.namespace, row, false);
}

/** PUT: replaces a definition (its name too). */
export async function updateDefinition(
  cloud: Cloud,
  caller: Caller,
  nsName: string,
  kind: Kind,
  name: string,
  raw: unknown,
) {
  const ns = await writableNamespace(cloud, caller, nsName, `modify_metadef_${NOUN[kind]}`);
  const body = requireName(raw);
  const old = await find(cloud, kind, ns, name);
  const row = { ...old, ...values(kind, body), name: body.name, updated_at: now() };
  await mdb(cloud)
    .transaction()
    .execute(async (trx) => {
      if (body.name !== name) {
        const taken = await trx
          .selectFrom(TABLE[kind])
          .select('name')
          .where('namespace_id', '=', ns.id)
          .where('name', '=', body.name)
          .executeTakeFirst();
        if (taken) throw duplicate(kind, body.name, ns.namespace);
      }
      const { namespace_id: _ns, ...set } = row as any;
      await trx.updateTable(TABLE[kind]).set(set).where('namespace_id', '=', ns.id).where('name', '=', name).execute();
    });
  return view(kind, ns.namespace, row, false);
}

export async function deleteDefinition(cloud: Cloud, caller: Caller, nsName: string, kind: Kind, name: string) {
  const action = kind === 'properties' ? 'remove_metadef_property' : `delete_metadef_${NOUN[kind]}`;
  const ns = await writableNamespace(cloud, caller, nsName, action);
  await find(cloud, kind, ns, name);
  if (ns.protected)
    throw new Forbidden(`Metadata definition ${NOUN[kind]} ${name} is protected and cannot be deleted.`);
  await mdb(cloud).deleteFrom(TABLE[kind]).where('namespace_id', '=', ns.id).where('name', '=', name).execute();
}

/** DELETE …/objects, …/properties, …/tags: all of one kind. */
export async function deleteAllDefinitions(cloud: Cloud, caller: Caller, nsName: string, kind: Kind) {
  const ns = await writableNamespace(cloud, caller, nsName, `delete_metadef_${kind === 'tags' ? 'tags' : 'namespace'}`);
  if (ns.protected) throw new Forbidden(`Metadata definition namespace ${nsName} is protected and cannot be deleted.`);
  await mdb(cloud).deleteFrom(TABLE[kind]).where('namespace_id', '=', ns.id).execute();
}

/** POST …/tags {"tags": [...]}: replaces the namespace's tags, or adds to them with X-Openstack-Append. */
export async function createTags(cloud: Cloud, caller: Caller, nsName: string, raw: unknown, append: boolean) {
  const ns = await writableNamespace(cloud, caller, nsName, 'add_metadef_tags');
  const tags = (raw as Body | undefined)?.tags;
  if (!Array.isArray(tags))
    throw new BadRequest("Provided object does not match schema 'tags': 'tags' is a required property");
  const names = tags.map((t) => requireName(t).name);
  if (new Set(names).size !== names.length)
    throw new Conflict(`Duplicate tags in the request for namespace=${nsName}.`);
  await mdb(cloud)
    .transaction()
    .execute(async (trx) => {
      if (!append) await trx.deleteFrom('metadef_tags').where('namespace_id', '=', ns.id).execute();
      for (const name of names) await insert(trx, 'tags', ns, { name });
    });
  return { tags: names.map((name) => ({ name })) };
}

/** POST …/tags/{name}: one tag, named by the path. */
export async function createTag(cloud: Cloud, caller: Caller, nsName: string, name: string) {
  return createDefinition(cloud, caller, nsName, 'tags', { name });
}
