import type { Cloud } from '../../cloud.js';
import { hexId } from '../../server/ids.js';
import { fromJson, toJson } from '../../store/json.js';
import { type IdentityTables, idb } from './store.js';

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

interface Loaded {
  services: CatalogService[];
  /** OS-EP-FILTER: the endpoints a project may see, for the projects that have associations. */
  perProject: Map<string, Set<string>>;
}

const cache = new WeakMap<Cloud, Loaded>();

type EndpointRow = IdentityTables['endpoints'];

/** The endpoints an endpoint group's filters select (every filter must match). */
export function matchGroup(endpoints: EndpointRow[], filters: Record<string, string>): EndpointRow[] {
  return endpoints.filter((e) => Object.entries(filters).every(([k, v]) => (e as Record<string, unknown>)[k] === v));
}

export async function endpointsOfGroup(cloud: Cloud, group: { filters: string }): Promise<EndpointRow[]> {
  const endpoints = await idb(cloud).selectFrom('endpoints').selectAll().execute();
  return matchGroup(endpoints, fromJson<Record<string, string>>(group.filters, {}));
}

/** Forget the cached catalog; call after any change to services, endpoints or regions. */
export function invalidateCatalog(cloud: Cloud): void {
  cache.delete(cloud);
}

async function loadCatalog(cloud: Cloud): Promise<Loaded> {
  const hit = cache.get(cloud);
  if (hit) return hit;
  const db = idb(cloud);
  const services = await db.selectFrom('services').selectAll().where('enabled', '=', 1).orderBy('type').execute();
  const endpoints = await db.selectFrom('endpoints').selectAll().where('enabled', '=', 1).execute();
  const [links, groupLinks, groups] = await Promise.all([
    db.selectFrom('project_endpoints').selectAll().execute(),
    db.selectFrom('project_endpoint_groups').selectAll().execute(),
    db.selectFrom('endpoint_groups').selectAll().execute(),
  ]);
  const perProject = new Map<string, Set<string>>();
  const allow = (projectId: string, endpointId: string) =>
    perProject.set(projectId, (perProject.get(projectId) ?? new Set()).add(endpointId));
  for (const l of links) allow(l.project_id, l.endpoint_id);
  for (const gl of groupLinks) {
    const g = groups.find((x) => x.id === gl.endpoint_group_id);
    if (g) for (const e of matchGroup(endpoints, fromJson(g.filters, {}))) allow(gl.project_id, e.id);
    else perProject.set(gl.project_id, perProject.get(gl.project_id) ?? new Set());
  }
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
  const loaded = { services: out, perProject };
  cache.set(cloud, loaded);
  return loaded;
}

/**
 * The catalog a token carries. Endpoint URLs may hold Keystone's templates
 * ($(project_id)s, %(tenant_id)s); a token without a project gets no
 * endpoint that needs one.
 */
export async function catalogFor(cloud: Cloud, projectId: string | undefined): Promise<CatalogService[]> {
  const { services, perProject } = await loadCatalog(cloud);
  const only = projectId ? perProject.get(projectId) : undefined;
  return services.flatMap((s) => {
    const endpoints = s.endpoints.flatMap((e) => {
      if (only && !only.has(e.id)) return [];
      const url = substitute(e.url, projectId);
      return url === null ? [] : [{ ...e, url }];
    });
    // a filtered catalog leaves out the services it shows no endpoint of
    return only && endpoints.length === 0 ? [] : [{ ...s, endpoints }];
  });
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
