import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, NotFound } from '../../../server/errors.js';
import { isoMicrosNoZone } from '../../../server/time.js';
import { RESOURCE_FILTERS } from '../filters.js';
import { one, type Query } from '../pagination.js';
import { authorize, callerOf } from '../policy.js';
import { quotaLimits, quotaUsage } from '../quotas.js';
import { vdb } from '../store.js';
import { optString } from '../validate.js';
import { AVAILABILITY_ZONE } from '../volumes.js';

/** The services a DevStack with the LVM backend runs, as os-services lists them. */
export const HOSTNAME = 'pocketstack';

const SERVICES = [
  { binary: 'cinder-scheduler', host: HOSTNAME },
  { binary: 'cinder-volume', host: `${HOSTNAME}@lvmdriver-1` },
  { binary: 'cinder-backup', host: HOSTNAME },
];

/** Cinder's extension aliases (what GET /extensions lists on DevStack). */
const EXTENSIONS: Array<[string, string, string]> = [
  ['os-admin-actions', 'AdminActions', 'Enable admin actions.'],
  ['os-availability-zone', 'AvailabilityZones', 'Describe Availability Zones.'],
  ['backups', 'Backups', 'Backups support.'],
  ['capabilities', 'Capabilities', 'Capabilities support.'],
  ['os-extended-services', 'ExtendedServices', 'Extended services support.'],
  ['os-extended-snapshot-attributes', 'ExtendedSnapshotAttributes', 'Extended SnapshotAttributes support.'],
  ['os-hosts', 'Hosts', 'Admin-only host administration.'],
  ['qos-specs', 'Qos_specs_manage', 'QoS specs support.'],
  ['os-quota-class-sets', 'QuotaClasses', 'Quota classes management support.'],
  ['os-quota-sets', 'Quotas', 'Quota management support.'],
  ['scheduler-stats', 'Scheduler_stats', 'Scheduler stats support.'],
  ['os-services', 'Services', 'Services support.'],
  ['os-snapshot-actions', 'SnapshotActions', 'Enable snapshot manager actions.'],
  ['os-types-extra-specs', 'TypesExtraSpecs', 'Type extra specs support.'],
  ['os-types-manage', 'TypesManage', 'Types manage support.'],
  ['os-used-limits', 'UsedLimits', 'Provide data on limited resources that are being used.'],
  ['os-volume-actions', 'VolumeActions', 'Enable volume actions.'],
  ['os-vol-host-attr', 'VolumeHostAttribute', 'Expose host as an attribute of a volume.'],
  ['os-vol-image-meta', 'VolumeImageMetadata', 'Show image metadata associated with the volume.'],
  ['os-vol-mig-status-attr', 'VolumeMigStatusAttribute', 'Expose migration_status as an attribute of a volume.'],
  ['os-vol-tenant-attr', 'VolumeTenantAttribute', 'Expose the internal project_id as an attribute of a volume.'],
  ['os-volume-transfer', 'VolumeTransfer', 'Volume transfer management support.'],
  ['os-volume-type-access', 'VolumeTypeAccess', 'Volume type access support.'],
  ['os-volume-unmanage', 'VolumeUnmanage', 'Enable volume unmanage operation.'],
];

/** The services with their recorded state (disabled, frozen). */
export async function serviceList(cloud: Cloud) {
  const state = await vdb(cloud).selectFrom('volume_services').selectAll().execute();
  return SERVICES.map((s) => {
    const st = state.find((r) => r.binary === s.binary && r.host === s.host);
    return {
      ...s,
      disabled: st?.disabled ?? 0,
      disabled_reason: st?.disabled_reason ?? null,
      frozen: st?.frozen ?? 0,
      updated_at: st?.updated_at ?? null,
    };
  });
}

export async function miscRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = vdb(cloud);

  app.get('/limits', async (req) => {
    const caller = callerOf(req);
    const q = req.query as Query;
    // 3.39: admins may read another project's limits
    const project =
      caller.admin && req.microversion.atLeast('3.39') ? (one(q, 'project_id') ?? caller.projectId) : caller.projectId;
    const [limits, used] = await Promise.all([quotaLimits(db, project), quotaUsage(db, project)]);
    return {
      limits: {
        rate: [],
        absolute: {
          totalSnapshotsUsed: used.snapshots,
          maxTotalBackups: limits.backups,
          maxTotalVolumeGigabytes: limits.gigabytes,
          maxTotalSnapshots: limits.snapshots,
          maxTotalBackupGigabytes: limits.backup_gigabytes,
          totalBackupGigabytesUsed: used.backup_gigabytes,
          maxTotalVolumes: limits.volumes,
          totalVolumesUsed: used.volumes,
          totalBackupsUsed: used.backups,
          totalGigabytesUsed: used.gigabytes,
        },
      },
    };
  });

  app.get('/os-availability-zone', async (req) => {
    callerOf(req);
    return { availabilityZoneInfo: [{ zoneName: AVAILABILITY_ZONE, zoneState: { available: true } }] };
  });

  // 3.33: which filters each list takes (etc/cinder/resource_filters.json)
  app.get('/resource_filters', async (req) => {
    callerOf(req);
    if (!req.microversion.atLeast('3.33')) throw new NotFound('The resource could not be found.');
    const resource = one(req.query as Query, 'resource');
    const all = Object.entries(RESOURCE_FILTERS).map(([r, filters]) => ({ resource: r, filters }));
    return { resource_filters: resource ? all.filter((f) => f.resource === resource) : all };
  });

  app.get('/extensions', async (req) => {
    callerOf(req);
    return {
      extensions: EXTENSIONS.map(([alias, name, description]) => ({
        alias,
        name,
        description,
        updated: '2013-04-18T00:00:00+00:00',
        links: [],
      })),
    };
  });

  const serviceRows = () => serviceList(cloud);

  app.get('/os-services', async (req) => {
    const caller = callerOf(req);
    authorize(caller, 'admin', 'volume_extension:services:index');
    const q = req.query as Query;
    const host = one(q, 'host');
    const binary = one(q, 'binary');
    const mv = req.microversion;
    const at = isoMicrosNoZone(new Date());
    const services = (await serviceRows())
      // a host filter matches the backend hosts on it too (host@backend), as Cinder's does
      .filter(
        (s) =>
          (host === undefined || s.host === host || s.host.startsWith(`${host}@`)) &&
          (binary === undefined || s.binary === binary),
      )
      .map((s) => {
        const out: Record<string, unknown> = {
          binary: s.binary,
          host: s.host,
          zone: AVAILABILITY_ZONE,
          status: s.disabled ? 'disabled' : 'enabled',
          state: 'up',
          // the services run in this process: they reported just now
          updated_at: at,
          disabled_reason: s.disabled_reason,
        };
        if (s.binary === 'cinder-volume') {
          out.replication_status = 'disabled';
          out.active_backend_id = null;
          out.frozen = !!s.frozen;
        }
        if (mv.atLeast('3.7')) out.cluster = null;
        if (mv.atLeast('3.49') && s.binary === 'cinder-volume') out.backend_state = 'up';
        return out;
      });
    return { services };
  });

  app.put('/os-services/:action', async (req) => {
    const caller = callerOf(req);
    authorize(caller, 'admin', 'volume_extension:services:update');
    const action = (req.params as { action: string }).action;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const host = optString(body, 'host');
    const binary = optString(body, 'binary') ?? 'cinder-volume';
    if (
      ![
        'enable',
        'disable',
        'disable-log-reason',
        'freeze',
        'thaw',
        'failover_host',
        'failover',
        'set-log',
        'get-log',
      ].includes(action)
    )
      throw new NotFound('Unknown action');
    if (action === 'set-log' || action === 'get-log') {
      if (!req.microversion.atLeast('3.32')) throw new NotFound('Unknown action');
      return action === 'get-log' ? { log_levels: [] } : '';
    }
    if (!host) throw new BadRequest("Missing required element 'host' in request body.");
    const matches = (await serviceRows()).filter((s) => s.host === host || s.host.startsWith(`${host}@`));
    if (action === 'freeze' || action === 'thaw' || action === 'failover_host' || action === 'failover') {
      const vol = matches.find((s) => s.binary === 'cinder-volume');
      if (!vol) throw new BadRequest(`Invalid host: No service found with host=${host}`);
      if (action === 'failover_host' || action === 'failover')
        throw new BadRequest('Invalid input received: Replication is not enabled for this backend.');
      await upsertService(vol.binary, vol.host, { frozen: action === 'freeze' ? 1 : 0 });
      return '';
    }
    const svc = matches.find((s) => s.binary === binary);
    if (!svc) throw new NotFound(`Service ${binary} could not be found.`);
    const reason = action === 'disable-log-reason' ? optString(body, 'disabled_reason') : null;
    if (action === 'disable-log-reason' && (!reason || reason.trim() === ''))
      throw new BadRequest('Disabled reason contains invalid characters or is too long');
    const disabled = action !== 'enable';
    await upsertService(svc.binary, svc.host, {
      disabled: disabled ? 1 : 0,
      disabled_reason: disabled ? (reason ?? null) : null,
    });
    const out: Record<string, unknown> = { host, binary, status: disabled ? 'disabled' : 'enabled', disabled };
    if (action === 'disable-log-reason') out.disabled_reason = reason;
    return out;
  });

  async function upsertService(binary: string, host: string, set: Record<string, unknown>) {
    const at = new Date().toISOString();
    await db
      .insertInto('volume_services')
      .values({ binary, host, disabled: 0, disabled_reason: null, frozen: 0, updated_at: at, ...set })
      .onConflict((oc) => oc.columns(['binary', 'host']).doUpdateSet({ ...set, updated_at: at }))
      .execute();
  }
}
