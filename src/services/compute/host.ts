import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Cloud } from '../../cloud.js';
import { uuid } from '../../server/ids.js';
import { now } from '../../server/time.js';
import { type ComputeDb, cdb, type ServiceRow } from './store.js';

// pocketstack is one compute host: the machine it runs on, in availability
// zone "nova", with the scheduler and conductor in the "internal" zone, as a
// one-node DevStack shows them.

export const DEFAULT_AZ = 'nova';
export const INTERNAL_AZ = 'internal';

/** The services a one-node DevStack lists, seeded once under this machine's name. */
export async function seedServices(db: ComputeDb): Promise<void> {
  const host = hostname();
  const at = now();
  for (const [binary, zone] of [
    ['nova-scheduler', INTERNAL_AZ],
    ['nova-conductor', INTERNAL_AZ],
    ['nova-compute', DEFAULT_AZ],
  ]) {
    await db
      .insertInto('nova_services')
      .values({
        uuid: uuid(),
        binary,
        host,
        zone,
        disabled: 0,
        disabled_reason: null,
        forced_down: 0,
        created_at: at,
        updated_at: at,
      })
      .execute();
  }
}

/** The nova-compute service row: its host is where every instance lives. */
export async function computeService(cloud: Cloud): Promise<ServiceRow> {
  return cdb(cloud)
    .selectFrom('nova_services')
    .selectAll()
    .where('binary', '=', 'nova-compute')
    .orderBy('id')
    .executeTakeFirstOrThrow();
}

/** A stable uuid for the compute node of a host (Nova's compute_nodes.uuid). */
export function nodeUuid(host: string): string {
  const h = createHash('sha1').update(`pocketstack-compute-node:${host}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Whether a service counts as up: pocketstack's services are up unless an admin forced one down. */
export function serviceIsUp(s: ServiceRow): boolean {
  return s.forced_down === 0;
}

/**
 * The availability zone of each compute host: the `availability_zone`
 * metadata of a host aggregate it is in, else the default zone "nova".
 */
export async function hostZones(db: ComputeDb): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('nova_aggregate_hosts as h')
    .innerJoin('nova_aggregates as a', 'a.id', 'h.aggregate_id')
    .select(['h.host', 'a.metadata'])
    .execute();
  const out = new Map<string, string>();
  for (const r of rows) {
    const az = (JSON.parse(r.metadata) as Record<string, string>).availability_zone;
    if (az) out.set(r.host, az);
  }
  return out;
}

export async function zoneOfHost(db: ComputeDb, host: string): Promise<string> {
  return (await hostZones(db)).get(host) ?? DEFAULT_AZ;
}
