// Horizon's navigation: dashboards (Project, Admin, Identity), panel groups, panels.

export interface Panel {
  label: string;
  href: string;
}
export interface PanelGroup {
  label: string | null;
  panels: Panel[];
}
export interface Dashboard {
  label: string;
  adminOnly?: boolean;
  groups: PanelGroup[];
}

export const NAV: Dashboard[] = [
  {
    label: 'Project',
    groups: [
      { label: null, panels: [{ label: 'Overview', href: '/project' }] },
      {
        label: 'Compute',
        panels: [
          { label: 'Instances', href: '/project/instances' },
          { label: 'Images', href: '/project/images' },
          { label: 'Key Pairs', href: '/project/key_pairs' },
        ],
      },
      {
        label: 'Volumes',
        panels: [
          { label: 'Volumes', href: '/project/volumes' },
          { label: 'Snapshots', href: '/project/snapshots' },
          { label: 'Backups', href: '/project/backups' },
        ],
      },
      {
        label: 'Network',
        panels: [
          { label: 'Network Topology', href: '/project/network_topology' },
          { label: 'Networks', href: '/project/networks' },
          { label: 'Routers', href: '/project/routers' },
          { label: 'Security Groups', href: '/project/security_groups' },
          { label: 'Floating IPs', href: '/project/floating_ips' },
        ],
      },
      { label: 'Orchestration', panels: [{ label: 'Stacks', href: '/project/stacks' }] },
    ],
  },
  {
    label: 'Admin',
    adminOnly: true,
    groups: [
      {
        label: 'Compute',
        panels: [
          { label: 'Hypervisors', href: '/admin/hypervisors' },
          { label: 'Flavors', href: '/admin/flavors' },
          { label: 'Images', href: '/admin/images' },
          { label: 'Instances', href: '/admin/instances' },
        ],
      },
      {
        label: 'Volume',
        panels: [
          { label: 'Volumes', href: '/admin/volumes' },
          { label: 'Snapshots', href: '/admin/snapshots' },
        ],
      },
      {
        label: 'Network',
        panels: [
          { label: 'Networks', href: '/admin/networks' },
          { label: 'Routers', href: '/admin/routers' },
          { label: 'Floating IPs', href: '/admin/floating_ips' },
        ],
      },
      { label: 'Orchestration', panels: [{ label: 'Stacks', href: '/admin/stacks' }] },
    ],
  },
  {
    label: 'Identity',
    groups: [
      {
        label: null,
        panels: [
          { label: 'Projects', href: '/identity/projects' },
          { label: 'Users', href: '/identity/users' },
        ],
      },
    ],
  },
];

/** The panel a location belongs to: the longest panel href that prefixes it. */
export function activePanel(location: string): string | undefined {
  let best: string | undefined;
  for (const d of NAV)
    for (const g of d.groups)
      for (const p of g.panels)
        if ((location === p.href || location.startsWith(`${p.href}/`)) && (!best || p.href.length > best.length))
          best = p.href;
  return best;
}
