import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { NotFound } from '../../server/errors.js';
import { now } from '../../server/time.js';
import { fromJson, toJson } from '../../store/json.js';
import { type ComputeDb, cdb, type FlavorRow } from './store.js';

/** DevStack's flavors, with DevStack's ids (lib/nova and lib/tempest); the guide boots d2 and d3. */
const DEVSTACK_FLAVORS: [id: string, name: string, ram: number, disk: number, vcpus: number][] = [
  ['1', 'm1.tiny', 512, 1, 1],
  ['2', 'm1.small', 2048, 20, 1],
  ['3', 'm1.medium', 4096, 40, 2],
  ['4', 'm1.large', 8192, 80, 4],
  ['5', 'm1.xlarge', 16384, 160, 8],
  ['42', 'm1.nano', 128, 1, 1],
  ['84', 'm1.micro', 192, 1, 1],
  ['c1', 'cirros256', 256, 1, 1],
  ['d1', 'ds512M', 512, 5, 1],
  ['d2', 'ds1G', 1024, 10, 1],
  ['d3', 'ds2G', 2048, 10, 2],
  ['d4', 'ds4G', 4096, 20, 4],
];

export async function seedFlavors(db: ComputeDb): Promise<void> {
  const at = now();
  await db
    .insertInto('nova_flavors')
    .values(
      DEVSTACK_FLAVORS.map(([flavorid, name, memory_mb, root_gb, vcpus]) => ({
        flavorid,
        name,
        memory_mb,
        vcpus,
        root_gb,
        ephemeral_gb: 0,
        swap: 0,
        rxtx_factor: 1,
        is_public: 1,
        disabled: 0,
        description: null,
        extra_specs: toJson({ 'hw_rng:allowed': 'True' }),
        created_at: at,
        updated_at: null,
      })),
    )
    .execute();
}

/** A flavor as Nova embeds it in an instance (what the server view shows from 2.47). */
export interface EmbeddedFlavor {
  flavorid: string;
  name: string;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  swap: number;
  extra_specs: Record<string, string>;
  description: string | null;
}

export function embedFlavor(f: FlavorRow): EmbeddedFlavor {
  return {
    flavorid: f.flavorid,
    name: f.name,
    memory_mb: f.memory_mb,
    vcpus: f.vcpus,
    root_gb: f.root_gb,
    ephemeral_gb: f.ephemeral_gb,
    swap: f.swap,
    extra_specs: fromJson(f.extra_specs, {}),
    description: f.description,
  };
}

/**
 * A flavor the caller may see: public ones, and private ones their project
 * was given access to (admins see all). Others are "not found", as in Nova.
 */
export async function getFlavor(cloud: Cloud, ctx: AuthContext, flavorid: string): Promise<FlavorRow> {
  const db = cdb(cloud);
  const f = await db.selectFrom('nova_flavors').selectAll().where('flavorid', '=', flavorid).executeTakeFirst();
  if (f && (f.is_public || ctx.isAdmin)) return f;
  if (f && ctx.projectId) {
    const access = await db
      .selectFrom('nova_flavor_projects')
      .select('project_id')
      .where('flavorid', '=', flavorid)
      .where('project_id', '=', ctx.projectId)
      .executeTakeFirst();
    if (access) return f;
  }
  throw new NotFound(`Flavor ${flavorid} could not be found.`);
}
