// The service catalog of a Keystone token: which URL serves which service.

export interface CatalogEndpoint {
  interface: string;
  region_id?: string;
  region?: string;
  url: string;
}
export interface CatalogEntry {
  type: string;
  name: string;
  endpoints: CatalogEndpoint[];
}

/** The services the dashboard calls, each with the catalog types that serve it and its API version path. */
export const SERVICES = {
  identity: { types: ['identity'], version: '/v3' },
  compute: { types: ['compute'], version: '' },
  image: { types: ['image'], version: '/v2' },
  network: { types: ['network'], version: '/v2.0' },
  volume: { types: ['block-storage', 'volumev3'], version: '' },
  orchestration: { types: ['orchestration'], version: '' },
} as const;
export type ServiceName = keyof typeof SERVICES;

/**
 * The public endpoint of a service, on the page's origin. pocketstack serves
 * every API on the one listener that also serves this page, and its catalog
 * names the host it was started with (127.0.0.1), which the browser may have
 * reached by another name: calling the catalog's host would then be a
 * cross-origin call. The path is the catalog's.
 */
export function endpointUrl(
  catalog: CatalogEntry[],
  service: ServiceName,
  origin: string,
  region?: string,
): string | undefined {
  const { types, version } = SERVICES[service];
  for (const type of types) {
    const entry = catalog.find((e) => e.type === type);
    const ep = entry?.endpoints.find(
      (e) => e.interface === 'public' && (!region || (e.region_id ?? e.region) === region),
    );
    if (!ep) continue;
    const url = new URL(ep.url);
    const path = url.pathname.replace(/\/+$/, '');
    // Glance, Neutron and Keystone endpoints are unversioned; Nova, Cinder and Heat carry theirs
    const versioned = version && !path.endsWith(version) ? path + version : path;
    return origin + versioned;
  }
  return undefined;
}
