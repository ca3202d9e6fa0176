import type { Cloud } from '../../cloud.js';
import { hexId } from '../../server/ids.js';
import { fromJson, toJson } from '../../store/json.js';
import { idb } from './store.js';

export interface CatalogEndpoint {
  id: string;
  interface: string;
  region_id: string | null;
  url: string;
  region: string | null;
}

export interface CatalogService {
  endpoints: CatalogEndpoint[];
  id: string;
  type: string;
  name: string;
}

const cache = new WeakMap<Cloud, CatalogService[]>();

/** Forget the cached catalog; call after any change to services, endpoints or regions. */
export function invalidateCatalog(cloud: Cloud): void {
  cache.delete(cloud);
}

async function loadCatalog(cloud: Cloud): Promise<CatalogService[]> {
  const hit = cache.get(cloud);
  if (hit) return hit;
  const db = idb(cloud);
  const services = await db.selectFrom('services').selectAll().where('enabled', '=', 1).orderBy('type').execute();
  const endpoints = await db.selectFrom('endpoints').selectAll().where('enabled', '=', 1).execute();
  const out = services.map((s) => {
    const extra = fromJson<Record<string, unknown>>(s.extra, {});
    return {
      endpoints: endpoints
        .filter((e) => e.service_id === s.id)
        .map((e) => ({ id: e.id, interface: e.interface, region_id: e.region_id, url: e.url, region: e.region_id })),
      id: s.id,
      type: s.type,
      name: typeof extra.name === 'string' ? extra.name : '',
    };
  });
  cache.set(cloud, out);
  return out;
}

/**
 * The catalog a token carries. Endpoint URLs may hold Keystone's templates
 * ($(project_id)s, %(tenant_id)s); a token without a project gets no
 * endpoint that needs one.
 */
export async function catalogFor(cloud: Cloud, projectId: string | undefined): Promise<CatalogService[]> {
  const all = await loadCatalog(cloud);
  return all.map((s) => ({
    ...s,
    endpoints: s.endpoints.flatMap((e) => {
      const url = substitute(e.url, projectId);
      return url === null ? [] : [{ ...e, url }];
    }),
  }));
}

const TEMPLATE = /\$\((project_id|tenant_id)\)s|%\((project_id|tenant_id)\)s/g;

function substitute(url: string, projectId: string | undefined): string | null {
  if (!TEMPLATE.test(url)) return url;
  TEMPLATE.lastIndex = 0;
  if (!projectId) return null;
  return url.replace(TEMPLATE, projectId);
}

/**
 * Registers (or re-points) the catalog entries of every service pocketstack
 * serves, under the listener's current base URL. Entries a user made are left alone.
 */
export async function ensureServiceCatalog(cloud: Cloud): Promise<void> {
  const db = idb(cloud);
  const region = cloud.config.region;
  await db.transaction().execute(async (trx) => {
    const services = await trx.selectFrom('services').selectAll().execute();
    for (const svc of cloud.services) {
      for (const entry of svc.catalog) {
        let row = services.find((s) => s.type === entry.type && fromJson<any>(s.extra, {}).pocketstack === true);
        if (!row) {
          row = { id: hexId(), type: entry.type, enabled: 1, extra: toJson({ name: entry.name, pocketstack: true }) };
          await trx.insertInto('services').values(row).execute();
        }
        const url = `${cloud.baseUrl}${entry.path}`;
        for (const iface of ['public', 'internal', 'admin']) {
          const ep = await trx
            .selectFrom('endpoints')
            .select(['id', 'url'])
            .where('service_id', '=', row.id)
            .where('interface', '=', iface)
            .executeTakeFirst();
          if (!ep) {
            await trx
              .insertInto('endpoints')
              .values({
                id: hexId(),
                service_id: row.id,
                interface: iface,
                url,
                region_id: region,
                enabled: 1,
                extra: '{}',
              })
              .execute();
          } else if (ep.url !== url) {
            await trx.updateTable('endpoints').set({ url }).where('id', '=', ep.id).execute();
          }
        }
      }
    }
  });
  invalidateCatalog(cloud);
}
