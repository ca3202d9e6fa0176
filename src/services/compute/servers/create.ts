import { randomBytes } from 'node:crypto';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Forbidden, NotFound } from '../../../server/errors.js';
import { isUuid, uuid } from '../../../server/ids.js';
import { now } from '../../../server/time.js';
import { toJson } from '../../../store/json.js';
import { type NovaRequest, policyDenied } from '../api.js';
import { embedFlavor, getFlavor } from '../flavors.js';
import { type BootImage, bootImage } from '../glance.js';
import { DEFAULT_AZ, hostZones } from '../host.js';
import { validateRequestedNetworks } from '../neutron.js';
import { checkInstanceQuota, checkMetadataQuota, limitsFor } from '../quotas.js';
import { TaskState, VmState } from '../states.js';
import { type ComputeDb, cdb, type InstanceRow } from '../store.js';
import { toBool, validateBody } from '../validation.js';
import { insertBdms, parseBlockDevices, reserveRequested, unreserve } from './block-devices.js';
import { askerOf, recordAction } from './journal.js';
import type { RequestedNetwork } from './model.js';
import { createSchema } from './schemas.js';

/** The last path segment of an id or href ("http://…/flavors/d3" → "d3"), as Nova reads refs. */
export function idFromHref(ref: string): string {
  const path = ref.split('?')[0].replace(/\/+$/, '');
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Nova's hostname from a display name: lower case, [a-z0-9-], at most 63 characters. */
export function hostnameOf(name: string): string {
  const h = name
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/[.]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return h || 'server';
}

/** A generated admin password, as Nova makes them. */
export function password(): string {
  const chars = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return [...randomBytes(12)].map((b) => chars[b % chars.length]).join('');
}

function reservationId(): string {
  return `r-${randomBytes(6)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 8)}`;
}

function decodeUserData(data: string | undefined | null): string | null {
  if (data === undefined || data === null) return null;
  const clean = data.replace(/\s/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0)
    throw new BadRequest('User data needs to be valid base 64.');
  return data;
}

function requestedNetworks(req: NovaRequest, raw: unknown): RequestedNetwork[] | 'auto' | 'none' {
  if (raw === 'auto' || raw === 'none') return raw;
  if (raw === undefined) return req.microversion.atLeast('2.37') ? 'auto' : [];
  const out: RequestedNetwork[] = [];
  for (const n of raw as { uuid?: string; port?: string | null; fixed_ip?: string; tag?: string }[]) {
    if (n.port) {
      out.push({ port_id: n.port, ...(n.tag ? { tag: n.tag } : {}) });
      continue;
    }
    if (!n.uuid || !isUuid(n.uuid))
      throw new BadRequest(`Bad networks format: network uuid is not in proper format (${n.uuid ?? ''})`);
    out.push({ network_id: n.uuid, fixed_ip: n.fixed_ip, ...(n.tag ? { tag: n.tag } : {}) });
  }
  return out;
}

/** The availability zone asked for: one of the compute hosts' zones; "zone:host" forces the host (admins). */
async function availabilityZone(cloud: Cloud, req: NovaRequest, raw: string | undefined): Promise<string | null> {
  if (raw === undefined) return null;
  const [zone, host, node] = raw.split(':');
  if ((host || node) && !req.auth.isAdmin) throw policyDenied('os_compute_api:servers:create:forced_host');
  if (zone === '') return null;
  const computes = await cdb(cloud)
    .selectFrom('nova_services')
    .select(['host', 'disabled'])
    .where('binary', '=', 'nova-compute')
    .execute();
  const zones = await hostZones(cdb(cloud));
  if (!computes.some((c) => !c.disabled && (zones.get(c.host) ?? DEFAULT_AZ) === zone))
    throw new BadRequest('The requested availability zone is not available');
  return zone;
}

function checkImageFits(image: BootImage, flavor: { memory_mb: number; root_gb: number }): void {
  if (image.status !== 'active') throw new BadRequest(`Image ${image.id} is not active.`);
  if (flavor.memory_mb < image.min_ram) throw new BadRequest("Flavor's memory is too small for requested image.");
  const gib = 1024 ** 3;
  if (flavor.root_gb > 0) {
    if (image.min_disk > flavor.root_gb)
      throw new BadRequest(
        `Flavor's disk is smaller than the minimum size specified in image metadata. Flavor disk is ${flavor.root_gb * gib} bytes, minimum size is ${image.min_disk * gib} bytes.`,
      );
    if ((image.size ?? 0) > flavor.root_gb * gib)
      throw new BadRequest(
        `Flavor's disk is too small for requested image. Flavor disk is ${flavor.root_gb * gib} bytes, image is ${image.size} bytes.`,
      );
  }
}

export interface Created {
  instances: InstanceRow[];
  reservationId: string;
  adminPass: string;
  securityGroups: string[];
}

/**
 * POST /servers: checks everything that can be checked now (flavor, image,
 * key pair, networks, quotas), then records the instances in `building`
 * and queues their builds, all in one transaction. The build itself
 * (scheduling, ports, the driver's spawn) is the task's business.
 */
export async function createServers(cloud: Cloud, req: NovaRequest): Promise<Created> {
  const body = validateBody(createSchema(req.microversion), req.body);
  const s = body.server as Record<string, any>;
  const ctx = req.auth;
  if (!ctx.projectId) throw policyDenied('os_compute_api:servers:create');
  const db = cdb(cloud);

  const minCount = Number(s.min_count ?? 1);
  const maxCount = Number(s.max_count ?? minCount);
  if (minCount > maxCount) throw new BadRequest('min_count must be <= max_count');
  if (s.hostname !== undefined && maxCount > 1)
    throw new BadRequest('Unable to allocate a single hostname to multiple instances');

  const { bdms, bootImage: bdmImage } = parseBlockDevices(s);
  const volumeBacked = bdms.some((b) => b.boot_index === 0);
  const imageRef = s.imageRef ? idFromHref(String(s.imageRef)) : (bdmImage ?? '');
  if (!volumeBacked && !isUuid(imageRef)) throw new BadRequest('Invalid imageRef provided.');
  if (maxCount > 1 && bdms.some((b) => b.source_type === 'volume'))
    throw new BadRequest('Unable to launch multiple instances with a single configured volume.');

  const flavorId = idFromHref(String(s.flavorRef));
  const flavor = await getFlavor(cloud, ctx, flavorId).catch((e) => {
    if (e instanceof NotFound) throw new BadRequest(`Flavor ${flavorId} could not be found.`);
    throw e;
  });
  if (flavor.disabled) throw new BadRequest(`Flavor ${flavorId} could not be found.`);
  const image = imageRef ? await bootImage(cloud, ctx, imageRef) : undefined;
  if (image && !volumeBacked) checkImageFits(image, flavor);
  for (const b of bdms) if (b.image_id) await bootImage(cloud, ctx, b.image_id);

  let keyData: string | null = null;
  if (s.key_name !== undefined) {
    const kp = await db
      .selectFrom('nova_keypairs')
      .select('public_key')
      .where('user_id', '=', ctx.userId)
      .where('name', '=', s.key_name)
      .executeTakeFirst();
    if (!kp) throw new BadRequest('Invalid key_name provided.');
    keyData = kp.public_key;
  }

  const userData = decodeUserData(s.user_data);
  const metadata = (s.metadata ?? {}) as Record<string, string>;
  const groups = [
    ...new Set(
      ((s.security_groups ?? [{ name: 'default' }]) as { name?: string }[]).map((g) => g.name).filter(Boolean),
    ),
  ] as string[];
  const az = await availabilityZone(cloud, req, s.availability_zone);
  const networks = requestedNetworks(req, s.networks);
  if (Array.isArray(networks) && maxCount > 1 && networks.some((n) => n.port_id))
    throw new BadRequest(
      'Unable to launch multiple instances with a single configured port ID. Please launch your instance one by one with different ports.',
    );
  const resolved = await validateRequestedNetworks(cloud, ctx, networks, groups, maxCount);

  const hints = (body['os:scheduler_hints'] ?? body['OS-SCH-HNT:scheduler_hints'] ?? {}) as Record<string, unknown>;
  const groupHint = Array.isArray(hints.group) ? hints.group[0] : hints.group;
  const tags = req.microversion.atLeast('2.52') ? ((s.tags ?? []) as string[]) : [];
  const adminPass = s.adminPass ?? password();
  const resv = reservationId();
  const embedded = embedFlavor(flavor);
  const at = now();
  const who = askerOf(req);

  // volumes a mapping names are reserved first (in the volume service's own
  // transaction) and released again if the servers cannot be recorded
  const firstUuid = uuid();
  const reserved = await reserveRequested(cloud, ctx.projectId, bdms, firstUuid);
  const instances = await db
    .transaction()
    .execute(async (trx) => {
      await checkMetadataQuota(trx, ctx.projectId!, Object.keys(metadata).length);
      if (groupHint !== undefined) {
        const g = await trx
          .selectFrom('nova_server_groups')
          .select(['uuid', 'project_id'])
          .where('uuid', '=', String(groupHint))
          .executeTakeFirst();
        if (!g || (g.project_id !== ctx.projectId && !ctx.isAdmin))
          throw new BadRequest(`Instance group ${groupHint} could not be found.`);
        await checkGroupMembersQuota(trx, ctx.projectId!, String(groupHint), maxCount);
      }
      const count = await checkInstanceQuota(trx, ctx.projectId!, ctx.userId, minCount, maxCount, flavor);
      const rows: InstanceRow[] = [];
      for (let index = 0; index < count; index++) {
        const name = count > 1 ? `${s.name}-${index + 1}` : String(s.name);
        const row: Omit<InstanceRow, 'id'> = {
          uuid: index === 0 ? firstUuid : uuid(),
          project_id: ctx.projectId!,
          user_id: ctx.userId,
          display_name: name,
          display_description: req.microversion.atLeast('2.19') ? (s.description ?? null) : String(s.name),
          hostname: s.hostname ?? hostnameOf(name),
          reservation_id: resv,
          launch_index: index,
          image_ref: volumeBacked ? '' : imageRef,
          flavor: toJson(embedded),
          flavorid: flavor.flavorid,
          vcpus: flavor.vcpus,
          memory_mb: flavor.memory_mb,
          root_gb: flavor.root_gb,
          key_name: s.key_name ?? null,
          key_data: keyData,
          user_data: userData,
          config_drive: s.config_drive !== undefined && toBool(s.config_drive) ? 'True' : '',
          availability_zone: az,
          vm_state: VmState.BUILDING,
          task_state: TaskState.SCHEDULING,
          power_state: 0,
          host: null,
          node: null,
          launched_at: null,
          terminated_at: null,
          locked: 0,
          locked_by: null,
          locked_reason: null,
          access_ip_v4: s.accessIPv4 ?? null,
          access_ip_v6: s.accessIPv6 ?? null,
          progress: 0,
          metadata: toJson(metadata),
          system_metadata: toJson({
            auto_disk_config: s['OS-DCF:diskConfig'] === 'AUTO',
            image_base_image_ref: imageRef,
            image_min_disk: image?.min_disk ?? 0,
          }),
          security_groups: toJson(groups),
          requested_networks: toJson(resolved),
          server_group_id: groupHint === undefined ? null : String(groupHint),
          fault: null,
          root_device_name: '/dev/vda',
          created_at: at,
          updated_at: at,
          deleted_at: null,
          deleted: 0,
        };
        const res = await trx.insertInto('nova_instances').values(row).returning('id').executeTakeFirstOrThrow();
        rows.push({ ...row, id: Number(res.id) });
        if (tags.length)
          await trx
            .insertInto('nova_instance_tags')
            .values([...new Set(tags)].map((tag) => ({ instance_uuid: row.uuid, tag })))
            .execute();
        await insertBdms(trx, row.uuid, index === 0 ? reserved : bdms.filter((b) => b.source_type !== 'volume'));
        const actionId = await recordAction(trx, row.uuid, 'create', who);
        await cloud.tasks.enqueue('compute.build', row.uuid, { actionId }, trx);
      }
      return rows;
    })
    .catch(async (e) => {
      await unreserve(cloud, reserved);
      throw e;
    });
  return { instances, reservationId: resv, adminPass, securityGroups: groups };
}

async function checkGroupMembersQuota(trx: ComputeDb, projectId: string, group: string, adding: number) {
  const limits = await limitsFor(trx, projectId);
  const members = await trx
    .selectFrom('nova_instances')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('server_group_id', '=', group)
    .where('deleted', '=', 0)
    .executeTakeFirstOrThrow();
  if (limits.server_group_members >= 0 && Number(members.n) + adding > limits.server_group_members)
    throw new Forbidden('Quota exceeded, too many servers in group');
}
