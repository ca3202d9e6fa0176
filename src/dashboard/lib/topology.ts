// The network topology as a graph (Horizon's picture): external networks on
// top, routers under them, the project's networks under those, instances at
// the bottom under their first network; links are ports, labelled with their
// addresses.

export interface TopoNetwork {
  id: string;
  name: string;
  project_id: string;
  shared: boolean;
  'router:external': boolean;
  subnets: string[];
  status?: string;
}
export interface TopoSubnet {
  id: string;
  cidr: string;
}
export interface TopoRouter {
  id: string;
  name: string;
  project_id: string;
  status?: string;
  external_gateway_info: { network_id: string; external_fixed_ips?: { ip_address: string }[] } | null;
}
export interface TopoPort {
  id: string;
  network_id: string;
  device_id: string;
  device_owner: string;
  fixed_ips: { ip_address: string }[];
}
export interface TopoServer {
  id: string;
  name: string;
  status: string;
}

export type NodeKind = 'external' | 'network' | 'router' | 'instance';
export type TopoNode = {
  id: string;
  kind: NodeKind;
  label: string;
  detail: string;
  status?: string;
  href: string;
  x: number;
  y: number;
};
export interface TopoEdge {
  id: string;
  source: string;
  target: string;
  label: string;
}

const ROW = { external: 0, router: 140, network: 280, instance: 440 } as const;
const COL = 220;

export function topology(input: {
  projectId: string;
  networks: TopoNetwork[];
  subnets: TopoSubnet[];
  routers: TopoRouter[];
  ports: TopoPort[];
  servers: TopoServer[];
}): { nodes: TopoNode[]; edges: TopoEdge[] } {
  const cidrs = new Map(input.subnets.map((s) => [s.id, s.cidr]));
  const routers = input.routers.filter((r) => r.project_id === input.projectId);
  const servers = new Map(input.servers.map((s) => [s.id, s]));
  const routerIds = new Set(routers.map((r) => r.id));
  const ports = input.ports.filter(
    (p) =>
      (p.device_owner.startsWith('compute:') && servers.has(p.device_id)) ||
      (p.device_owner === 'network:router_interface' && routerIds.has(p.device_id)),
  );
  const used = new Set([
    ...ports.map((p) => p.network_id),
    ...routers.flatMap((r) => (r.external_gateway_info ? [r.external_gateway_info.network_id] : [])),
  ]);
  // the project's networks, the ones it reaches, and the external ones it could reach (Horizon shows those too)
  const networks = input.networks.filter(
    (n) => n.project_id === input.projectId || used.has(n.id) || n['router:external'],
  );
  const shown = new Set(networks.map((n) => n.id));
  const external = networks.filter((n) => n['router:external']);
  const internal = networks.filter((n) => !n['router:external']);

  const nodes: TopoNode[] = [];
  const edges: TopoEdge[] = [];
  const detail = (n: TopoNetwork) =>
    n.subnets
      .map((s) => cidrs.get(s))
      .filter(Boolean)
      .join(', ') || 'no subnet';
  const place = <T>(list: T[], row: number, mk: (t: T, x: number, y: number) => TopoNode) => {
    for (let i = 0; i < list.length; i++) nodes.push(mk(list[i], i * COL, row));
  };

  place(external, ROW.external, (n, x, y) => ({
    id: `net:${n.id}`,
    kind: 'external',
    label: n.name || n.id,
    detail: n.subnets.some((s) => cidrs.has(s)) ? detail(n) : 'external network',
    status: n.status,
    href: `/project/networks/${n.id}`,
    x,
    y,
  }));
  place(routers, ROW.router, (r, x, y) => ({
    id: `router:${r.id}`,
    kind: 'router',
    label: r.name || r.id,
    detail: (r.external_gateway_info?.external_fixed_ips ?? []).map((f) => f.ip_address).join(', ') || 'no gateway',
    status: r.status,
    href: `/project/routers/${r.id}`,
    x,
    y,
  }));
  place(internal, ROW.network, (n, x, y) => ({
    id: `net:${n.id}`,
    kind: 'network',
    label: n.name || n.id,
    detail: detail(n),
    status: n.status,
    href: `/project/networks/${n.id}`,
    x,
    y,
  }));

  // instances under their first network, side by side
  const perNetwork = new Map<string, number>();
  const column = new Map(internal.map((n, i) => [n.id, i]));
  const placed = new Set<string>();
  for (const p of ports) {
    if (!p.device_owner.startsWith('compute:') || placed.has(p.device_id)) continue;
    placed.add(p.device_id);
    const s = servers.get(p.device_id)!;
    const k = perNetwork.get(p.network_id) ?? 0;
    perNetwork.set(p.network_id, k + 1);
    nodes.push({
      id: `server:${s.id}`,
      kind: 'instance',
      label: s.name || s.id,
      detail: s.status,
      status: s.status,
      href: `/project/instances/${s.id}`,
      x: (column.get(p.network_id) ?? internal.length) * COL + k * 40,
      y: ROW.instance + k * 90,
    });
  }

  for (const r of routers) {
    const gw = r.external_gateway_info;
    if (gw && shown.has(gw.network_id))
      edges.push({
        id: `gw:${r.id}`,
        source: `net:${gw.network_id}`,
        target: `router:${r.id}`,
        label: (gw.external_fixed_ips ?? []).map((f) => f.ip_address).join(', '),
      });
  }
  for (const p of ports) {
    if (!shown.has(p.network_id)) continue;
    const label = p.fixed_ips.map((f) => f.ip_address).join(', ');
    if (p.device_owner === 'network:router_interface')
      edges.push({ id: `port:${p.id}`, source: `router:${p.device_id}`, target: `net:${p.network_id}`, label });
    else edges.push({ id: `port:${p.id}`, source: `net:${p.network_id}`, target: `server:${p.device_id}`, label });
  }
  return { nodes, edges };
}
