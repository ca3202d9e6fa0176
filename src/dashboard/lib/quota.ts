// The overview's quota usage, from Nova's and Cinder's limits and Neutron's
// quota details, as Horizon's "Limit Summary" shows it.

export interface Usage {
  label: string;
  used: number;
  limit: number;
  unit?: string;
}

type Absolute = Record<string, number>;
type NeutronDetails = Record<string, { used: number; limit: number; reserved?: number }>;

export function computeUsage(a: Absolute | undefined): Usage[] {
  if (!a) return [];
  return [
    { label: 'Instances', used: a.totalInstancesUsed ?? 0, limit: a.maxTotalInstances ?? -1 },
    { label: 'VCPUs', used: a.totalCoresUsed ?? 0, limit: a.maxTotalCores ?? -1 },
    // Horizon shows RAM in GB past 1 GB; MB keeps it exact
    { label: 'RAM', used: a.totalRAMUsed ?? 0, limit: a.maxTotalRAMSize ?? -1, unit: 'MB' },
  ];
}

export function volumeUsage(a: Absolute | undefined): Usage[] {
  if (!a) return [];
  return [
    { label: 'Volumes', used: a.totalVolumesUsed ?? 0, limit: a.maxTotalVolumes ?? -1 },
    { label: 'Volume Snapshots', used: a.totalSnapshotsUsed ?? 0, limit: a.maxTotalSnapshots ?? -1 },
    { label: 'Volume Storage', used: a.totalGigabytesUsed ?? 0, limit: a.maxTotalVolumeGigabytes ?? -1, unit: 'GB' },
  ];
}

export function networkUsage(q: NeutronDetails | undefined): Usage[] {
  if (!q) return [];
  const row = (key: string, label: string): Usage => ({
    label,
    used: q[key]?.used ?? 0,
    limit: q[key]?.limit ?? -1,
  });
  return [
    row('floatingip', 'Floating IPs'),
    row('security_group', 'Security Groups'),
    row('security_group_rule', 'Security Group Rules'),
    row('network', 'Networks'),
    row('port', 'Ports'),
    row('router', 'Routers'),
  ];
}
