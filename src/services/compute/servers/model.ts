import { createHash } from 'node:crypto';
import type { Cloud } from '../../../cloud.js';
import type { AuthContext } from '../../../server/auth.js';
import { NotFound } from '../../../server/errors.js';
import { now } from '../../../server/time.js';
import { fromJson, toJson } from '../../../store/json.js';
import type { NovaRequest } from '../api.js';
import type { EmbeddedFlavor } from '../flavors.js';
import { type ComputeDb, cdb, type InstanceRow } from '../store.js';

// An instance as the rest of the code reads it: the row plus its JSON
// columns parsed. Writes go through `updateInstance`, which keeps
// updated_at (what changes-since filters on) true.

export interface Fault {
  code: number;
  message: string;
  details?: string;
  created: string;
}

export interface SystemMetadata {
  /** The flavor before a resize, kept until it is confirmed or reverted. */
  old_flavor?: EmbeddedFlavor;
  new_flavor?: EmbeddedFlavor;
  /** The power state to return to after a resize or rescue. */
  pre_power_state?: number;
  /** Encrypted password a guest posted to the metadata service (os-server-password). */
  password?: string;
  auto_disk_config?: boolean;
  image_base_image_ref?: string;
  rescue_image_ref?: string;
  image_min_disk?: number;
  /** The snapshot a shelved instance comes back from. */
  shelved_image_id?: string;
}

export interface RequestedNetwork {
  network_id?: string;
  port_id?: string;
  fixed_ip?: string;
  tag?: string;
}

export interface Instance extends InstanceRow {
  flavorInfo: EmbeddedFlavor;
  meta: Record<string, string>;
  sys: SystemMetadata;
  groups: string[];
  networks: RequestedNetwork[];
  faultInfo?: Fault;
}

export function parseInstance(row: InstanceRow): Instance {
  return {
    ...row,
    flavorInfo: fromJson(row.flavor, {} as EmbeddedFlavor),
    meta: fromJson(row.metadata, {}),
    sys: fromJson(row.system_metadata, {}),
    groups: fromJson(row.security_groups, []),
    networks: fromJson(row.requested_networks, []),
    faultInfo: fromJson<Fault | undefined>(row.fault, undefined),
  };
}

/** The hypervisor's name for an instance (Nova's instance_name_template "instance-%08x"). */
export function instanceName(i: { id: number }): string {
  return `instance-${i.id.toString(16).padStart(8, '0')}`;
}

/** Nova's hostId: an opaque per-project hash of the host, '' without a host. */
export function hostId(host: string | null, projectId: string): string {
  if (!host) return '';
  const key = projectId + host;
  let id = hostIds.get(key);
  if (id === undefined) {
    // a server list asks once a row, for the few projects and hosts there are
    if (hostIds.size >= 1000) hostIds.clear();
    hostIds.set(key, (id = createHash('sha224').update(key).digest('hex')));
  }
  return id;
}

const hostIds = new Map<string, string>();

export function notFound(id: string): NotFound {
  return new NotFound(`Instance ${id} could not be found.`);
}

/**
 * A live (not deleted) instance the caller may see: their project's, or any
 * for an admin. Another project's instance is "not found", as in Nova.
 */
export async function findInstance(
  cloud: Cloud,
  ctx: AuthContext,
  id: string,
  db: ComputeDb = cdb(cloud),
): Promise<Instance> {
  const row = await db
    .selectFrom('nova_instances')
    .selectAll()
    .where('uuid', '=', id)
    .where('deleted', '=', 0)
    .executeTakeFirst();
  if (!row || (!ctx.isAdmin && row.project_id !== ctx.projectId)) throw notFound(id);
  return parseInstance(row);
}

export function getServer(cloud: Cloud, req: NovaRequest): Promise<Instance> {
  return findInstance(cloud, req.auth, (req.params as { id: string }).id);
}

/** Fields of an instance to change; JSON ones given parsed. */
export interface InstanceChange
  extends Partial<
    Omit<InstanceRow, 'id' | 'uuid' | 'metadata' | 'system_metadata' | 'fault' | 'security_groups' | 'flavor'>
  > {
  meta?: Record<string, string>;
  sys?: SystemMetadata;
  faultInfo?: Fault | null;
  groups?: string[];
  flavorInfo?: EmbeddedFlavor;
}

export function changeColumns(change: InstanceChange): Partial<InstanceRow> {
  const { meta, sys, faultInfo, groups, flavorInfo, ...plain } = change;
  const cols: Partial<InstanceRow> = { ...plain, updated_at: now() };
  if (meta !== undefined) cols.metadata = toJson(meta);
  if (sys !== undefined) cols.system_metadata = toJson(sys);
  if (faultInfo !== undefined) cols.fault = faultInfo === null ? null : toJson(faultInfo);
  if (groups !== undefined) cols.security_groups = toJson(groups);
  if (flavorInfo !== undefined) {
    cols.flavor = toJson(flavorInfo);
    cols.flavorid = flavorInfo.flavorid;
    cols.vcpus = flavorInfo.vcpus;
    cols.memory_mb = flavorInfo.memory_mb;
    cols.root_gb = flavorInfo.root_gb;
  }
  return cols;
}

export async function updateInstance(db: ComputeDb, uuid: string, change: InstanceChange): Promise<void> {
  await db.updateTable('nova_instances').set(changeColumns(change)).where('uuid', '=', uuid).execute();
}

/**
 * Moves an instance from one task_state to another only if it is still in
 * the expected one: two requests racing for the same server cannot both win.
 * Returns false when another change got there first.
 */
export async function compareAndSet(
  db: ComputeDb,
  uuid: string,
  expected: { vm_state?: string; task_state: string | null },
  change: InstanceChange,
): Promise<boolean> {
  let q = db.updateTable('nova_instances').set(changeColumns(change)).where('uuid', '=', uuid).where('deleted', '=', 0);
  q =
    expected.task_state === null ? q.where('task_state', 'is', null) : q.where('task_state', '=', expected.task_state);
  if (expected.vm_state !== undefined) q = q.where('vm_state', '=', expected.vm_state);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}
