import { useApi } from '../../app/queries.js';
import { DataTable } from '../../components/DataTable.js';
import { Page } from '../../components/Page.js';
import { Status } from '../../components/States.js';
import { megabytes } from '../../lib/format.js';

interface Hypervisor {
  id: string | number;
  hypervisor_hostname: string;
  hypervisor_type: string;
  state: string;
  status: string;
  vcpus?: number;
  vcpus_used?: number;
  memory_mb?: number;
  memory_mb_used?: number;
  local_gb?: number;
  local_gb_used?: number;
  running_vms?: number;
}

/** Admin → Compute → Hypervisors. */
export function Hypervisors() {
  const h = useApi<Hypervisor[]>('compute', '/os-hypervisors/detail', 'hypervisors', { poll: () => 15000 });
  return (
    <Page title="All Hypervisors">
      <DataTable
        label="Hypervisors"
        rows={h.data}
        loading={h.isLoading}
        error={h.error}
        rowKey={(x) => String(x.id)}
        empty="No hypervisors."
        columns={[
          { header: 'Hostname', cell: (x) => x.hypervisor_hostname },
          { header: 'Type', cell: (x) => x.hypervisor_type },
          { header: 'State', cell: (x) => <Status value={x.state} /> },
          { header: 'Status', cell: (x) => x.status },
          { header: 'VCPUs (used)', cell: (x) => x.vcpus_used ?? '—' },
          { header: 'VCPUs (total)', cell: (x) => x.vcpus ?? '—' },
          { header: 'RAM (used)', cell: (x) => (x.memory_mb_used !== undefined ? megabytes(x.memory_mb_used) : '—') },
          { header: 'RAM (total)', cell: (x) => (x.memory_mb !== undefined ? megabytes(x.memory_mb) : '—') },
          { header: 'Instances', cell: (x) => x.running_vms ?? '—' },
        ]}
      />
    </Page>
  );
}
