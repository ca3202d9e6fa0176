import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Cloud } from '../../../cloud.js';
import { NotFound } from '../../../server/errors.js';
import { isoMicrosNoZone } from '../../../server/time.js';
import { boolFilter } from '../filters.js';
import { one, type Query } from '../pagination.js';
import { authorize, callerOf } from '../policy.js';
import { BACKEND_STATS, poolCapabilities } from '../scheduler.js';
import { vdb } from '../store.js';
import { VOLUME_HOST } from '../tasks.js';
import { AVAILABILITY_ZONE } from '../volumes.js';
import { serviceList } from './misc.js';

// What the one storage backend reports: os-hosts, scheduler-stats pools and
// capabilities (admin APIs). Capacity is the data dir's filesystem.

const BACKEND_HOST = VOLUME_HOST.split('#')[0];

export async function backendRoutes(app: FastifyInstance, cloud: Cloud) {
  const db = vdb(cloud);

  app.get('/os-hosts', async (req) => {
    authorize(callerOf(req), 'admin', 'volume_extension:hosts');
    const zone = one(req.query as Query, 'zone');
    const at = isoMicrosNoZone(new Date());
    const hosts = (await serviceList(cloud))
      .filter((s) => !s.disabled && (!zone || zone === AVAILABILITY_ZONE))
      .map((s) => ({
        host_name: s.host,
        service: s.binary,
        zone: AVAILABILITY_ZONE,
        'service-status': 'available',
        'service-state': 'enabled',
        'last-update': at,
      }));
    return { hosts };
  });

  app.get('/os-hosts/:host', async (req) => {
    authorize(callerOf(req), 'admin', 'volume_extension:hosts');
    const host = (req.params as { host: string }).host;
    if (!(await serviceList(cloud)).some((s) => s.host === host && s.binary === 'cinder-volume'))
      throw new NotFound(`Host ${host} could not be found.`);
    const per = async (table: 'volumes' | 'volume_snapshots') =>
      db
        .selectFrom(table)
        .select(['project_id', sql<number>`count(*)`.as('n'), sql<number>`coalesce(sum(size), 0)`.as('gb')])
        .groupBy('project_id')
        .execute();
    const [vols, snaps] = await Promise.all([per('volumes'), per('volume_snapshots')]);
    const projects = [...new Set([...vols, ...snaps].map((r) => r.project_id))].sort();
    const row = (project: string, v?: { n: number; gb: number }, s?: { n: number; gb: number }) => ({
      resource: {
        volume_count: String(v?.n ?? 0),
        total_volume_gb: String(v?.gb ?? 0),
        snapshot_count: String(s?.n ?? 0),
        total_snapshot_gb: String(s?.gb ?? 0),
        project,
        host,
      },
    });
    const sum = (rows: Array<{ n: number; gb: number }>) => ({
      n: rows.reduce((a, r) => a + Number(r.n), 0),
      gb: rows.reduce((a, r) => a + Number(r.gb), 0),
    });
    return {
      host: [
        row('(total)', sum(vols), sum(snaps)),
        ...projects.map((p) =>
          row(
            p,
            vols.find((r) => r.project_id === p),
            snaps.find((r) => r.project_id === p),
          ),
        ),
      ],
    };
  });

  app.get('/scheduler-stats/get_pools', async (req) => {
    authorize(callerOf(req), 'admin', 'scheduler_extension:scheduler_stats:get_pools');
    const q = req.query as Query;
    const detail = q.detail !== undefined && boolFilter(one(q, 'detail') ?? 'true', 'detail');
    if (!detail) return { pools: [{ name: VOLUME_HOST }] };
    return { pools: [{ name: VOLUME_HOST, capabilities: await poolCapabilities(cloud) }] };
  });

  app.get('/capabilities/:host', async (req) => {
    authorize(callerOf(req), 'admin', 'volume_extension:capabilities');
    const host = (req.params as { host: string }).host;
    if (host.split('#')[0] !== BACKEND_HOST) throw new NotFound(`Service ${host} could not be found.`);
    return {
      namespace: `OS::Storage::Capabilities::${BACKEND_HOST}`,
      ...BACKEND_STATS,
      pool_name: null,
      display_name: null,
      description: null,
      visibility: null,
      replication_targets: [],
      properties: {
        thin_provisioning: { title: 'Thin Provisioning', description: 'Sets thin provisioning.', type: 'boolean' },
        compression: { title: 'Compression', description: 'Enables compression.', type: 'boolean' },
      },
    };
  });
}
