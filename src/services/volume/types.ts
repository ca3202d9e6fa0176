import { NotFound } from '../../server/errors.js';
import { isUuid, uuid } from '../../server/ids.js';
import { now } from '../../server/time.js';
import type { Caller } from './policy.js';
import { groupDicts, toDict, type VolumeDb, type VolumeTrx, type VolumeTypeRow } from './store.js';

type Db = VolumeDb | VolumeTrx;

/** DevStack's default type, and the one Cinder always keeps. */
export const DEFAULT_TYPE_NAME = 'lvmdriver-1';
export const BUILTIN_DEFAULT_TYPE = '__DEFAULT__';

/** Extra specs a non-admin may see (cinder/policies/type_extra_specs.py USER_VISIBLE_EXTRA_SPECS). */
export const USER_VISIBLE_EXTRA_SPECS = ['RESKEY:availability_zones', 'multiattach', 'replication_enabled'];

/** Seeds __DEFAULT__ and lvmdriver-1 as a DevStack with the LVM backend has them. Idempotent. */
export async function seedVolumeTypes(db: VolumeDb): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const have = new Set((await trx.selectFrom('volume_types').select('name').execute()).map((r) => r.name));
    const at = now();
    if (!have.has(BUILTIN_DEFAULT_TYPE))
      await trx
        .insertInto('volume_types')
        .values({
          id: uuid(),
          name: BUILTIN_DEFAULT_TYPE,
          description: 'Default Volume Type',
          is_public: 1,
          qos_specs_id: null,
          created_at: at,
          updated_at: null,
        })
        .execute();
    if (!have.has(DEFAULT_TYPE_NAME)) {
      const id = uuid();
      await trx
        .insertInto('volume_types')
        .values({
          id,
          name: DEFAULT_TYPE_NAME,
          description: null,
          is_public: 1,
          qos_specs_id: null,
          created_at: at,
          updated_at: null,
        })
        .execute();
      await trx
        .insertInto('volume_type_extra_specs')
        .values({ volume_type_id: id, key: 'volume_backend_name', value: DEFAULT_TYPE_NAME })
        .execute();
    }
  });
}

export interface VolumeType extends VolumeTypeRow {
  extra_specs: Record<string, string>;
}

/** The type by id or by name (Cinder's get_by_name_or_id), or undefined. */
export async function findType(db: Db, idOrName: string): Promise<VolumeType | undefined> {
  let row = isUuid(idOrName)
    ? await db.selectFrom('volume_types').selectAll().where('id', '=', idOrName).executeTakeFirst()
    : undefined;
  row ??= await db.selectFrom('volume_types').selectAll().where('name', '=', idOrName).executeTakeFirst();
  if (!row) return undefined;
  const specs = await db
    .selectFrom('volume_type_extra_specs')
    .select(['key', 'value'])
    .where('volume_type_id', '=', row.id)
    .execute();
  return { ...row, extra_specs: toDict(specs) };
}

/** Cinder's 404 for a type asked for by id or by name. */
export function typeNameNotFound(idOrName: string): NotFound {
  return isUuid(idOrName)
    ? new NotFound(`Volume type ${idOrName} could not be found.`)
    : new NotFound(`Volume type with name ${idOrName} could not be found.`);
}

/** Like findType, with Cinder's 404s. */
export async function getType(db: Db, idOrName: string): Promise<VolumeType> {
  const t = await findType(db, idOrName);
  if (t) return t;
  throw typeNameNotFound(idOrName);
}

/** The type new volumes get when none is asked for. */
export async function defaultType(db: Db): Promise<VolumeType> {
  return (await findType(db, DEFAULT_TYPE_NAME)) ?? getType(db, BUILTIN_DEFAULT_TYPE);
}

/** Whether the caller may use a type: public, or private with access for the project, or admin. */
export async function canUseType(db: Db, caller: Caller, t: VolumeTypeRow): Promise<boolean> {
  if (t.is_public || caller.admin) return true;
  const hit = await db
    .selectFrom('volume_type_projects')
    .select('project_id')
    .where('volume_type_id', '=', t.id)
    .where('project_id', '=', caller.projectId)
    .executeTakeFirst();
  return !!hit;
}

/** Type names by id for a page of volumes (one query). */
export async function typeNames(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('volume_types')
    .select(['id', 'name'])
    .where('id', 'in', [...new Set(ids)])
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** Extra specs of many types at once. */
export async function extraSpecsOf(db: Db, ids: string[]): Promise<Map<string, Record<string, string>>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('volume_type_extra_specs').selectAll().where('volume_type_id', 'in', ids).execute();
  return groupDicts(rows, (r) => r.volume_type_id);
}

/** Cinder reads boolean extra specs as "<is> True". */
export function specIsTrue(value: string | undefined): boolean {
  return !!value && /^\s*<is>\s*true\s*$/i.test(value);
}
