import { useState } from 'react';
import { call } from '../../api/client.js';
import type { Network, Port, Subnet } from '../../api/types.js';
import { usePorts, useSubnets } from '../../app/data.js';
import { useAction, useApi } from '../../app/queries.js';
import { useSession } from '../../app/session.js';
import { ActionMenu } from '../../components/ActionMenu.js';
import { Confirm } from '../../components/Confirm.js';
import { DataTable } from '../../components/DataTable.js';
import { Modal } from '../../components/Modal.js';
import { Field, Fields, Page, Tabs } from '../../components/Page.js';
import { ErrorBox, Spinner, Status } from '../../components/States.js';
import { SubnetFields, type SubnetForm, subnetBody } from './subnet-form.js';

function CreateSubnet({ network, onClose }: { network: Network; onClose: () => void }) {
  const session = useSession();
  const [form, setForm] = useState<SubnetForm>({ name: '', cidr: '', gateway: '', dhcp: true, dns: '' });
  const create = useAction(
    () => call(session, 'network', '/subnets', { method: 'POST', body: { subnet: subnetBody(network.id, form) } }),
    { invalidates: [['network']], success: () => `Created subnet ${form.name || form.cidr}.`, silent: true },
  );
  return (
    <Modal
      title="Create Subnet"
      onClose={onClose}
      submitLabel="Create"
      busy={create.isPending}
      error={create.error}
      canSubmit={!!form.cidr.trim()}
      onSubmit={() => create.mutate(undefined, { onSuccess: onClose })}
    >
      <SubnetFields value={form} onChange={setForm} />
    </Modal>
  );
}

function CreatePort({ network, onClose }: { network: Network; onClose: () => void }) {
  const session = useSession();
  const [name, setName] = useState('');
  const [ip, setIp] = useState('');
  const create = useAction(
    () =>
      call(session, 'network', '/ports', {
        method: 'POST',
        body: {
          port: { network_id: network.id, name, ...(ip.trim() ? { fixed_ips: [{ ip_address: ip.trim() }] } : {}) },
        },
      }),
    { invalidates: [['network']], success: () => `Created port ${name}.`, silent: true },
  );
  return (
    <Modal
      title="Create Port"
      onClose={onClose}
      submitLabel="Create"
      busy={create.isPending}
      error={create.error}
      onSubmit={() => create.mutate(undefined, { onSuccess: onClose })}
    >
      <Field label="Name">
        <input value={name} onChange={(e) => setName(e.target.value)} />
      </Field>
      <Field label="Fixed IP Address" hint="Blank: one from the subnet's pool.">
        <input value={ip} onChange={(e) => setIp(e.target.value)} />
      </Field>
    </Modal>
  );
}

type Deleting = { kind: 'subnet'; row: Subnet } | { kind: 'port'; row: Port } | null;

/** A network: its overview, subnets and ports. */
export function NetworkDetail({ id, admin }: { id: string; admin?: boolean }) {
  const session = useSession();
  const net = useApi<Network>('network', `/networks/${id}`, 'network');
  const subnets = useSubnets();
  const ports = usePorts({ network_id: id });
  const [dialog, setDialog] = useState<'subnet' | 'port' | null>(null);
  const [deleting, setDeleting] = useState<Deleting>(null);
  const del = useAction(
    (d: NonNullable<Deleting>) => call(session, 'network', `/${d.kind}s/${d.row.id}`, { method: 'DELETE' }),
    { invalidates: [['network']], success: (d) => `Deleted ${d.kind} ${d.row.name || d.row.id}.`, silent: true },
  );
  const n = net.data;
  const own = n && (admin || n.project_id === session.project.id);
  return (
    <Page
      title={n ? `Network ${n.name || n.id}` : 'Network'}
      trail={[{ label: 'Networks', href: admin ? '/admin/networks' : '/project/networks' }]}
    >
      {net.error ? <ErrorBox error={net.error} /> : null}
      {!n ? (
        net.isLoading ? (
          <Spinner />
        ) : null
      ) : (
        <Tabs
          tabs={[
            {
              label: 'Overview',
              content: () => (
                <Fields
                  rows={[
                    ['Name', n.name],
                    ['ID', <code key="id">{n.id}</code>],
                    ['Project ID', n.project_id],
                    ['Status', <Status key="s" value={n.status} />],
                    ['Admin State', n.admin_state_up ? 'UP' : 'DOWN'],
                    ['Shared', n.shared ? 'Yes' : 'No'],
                    ['External Network', n['router:external'] ? 'Yes' : 'No'],
                    ['Network Type', n['provider:network_type']],
                  ]}
                />
              ),
            },
            {
              label: 'Subnets',
              content: () => (
                <DataTable
                  label="Subnets"
                  rows={subnets.data?.filter((s) => s.network_id === id)}
                  loading={subnets.isLoading}
                  error={subnets.error}
                  rowKey={(s) => s.id}
                  empty="No subnets on this network."
                  toolbar={
                    own ? (
                      <button type="button" className="primary" onClick={() => setDialog('subnet')}>
                        Create Subnet
                      </button>
                    ) : null
                  }
                  columns={[
                    { header: 'Name', cell: (s) => s.name || <code className="id">{s.id.slice(0, 8)}</code> },
                    { header: 'Network Address', cell: (s) => s.cidr },
                    { header: 'IP Version', cell: (s) => `IPv${s.ip_version}` },
                    { header: 'Gateway IP', cell: (s) => s.gateway_ip ?? '—' },
                    { header: 'DHCP', cell: (s) => (s.enable_dhcp ? 'Yes' : 'No') },
                    {
                      header: 'Allocation Pools',
                      cell: (s) => s.allocation_pools.map((p) => `${p.start} - ${p.end}`).join(', '),
                    },
                  ]}
                  actions={(s) =>
                    own ? (
                      <ActionMenu
                        label={s.name || s.id}
                        items={[
                          {
                            label: 'Delete Subnet',
                            danger: true,
                            onSelect: () => setDeleting({ kind: 'subnet', row: s }),
                          },
                        ]}
                      />
                    ) : null
                  }
                />
              ),
            },
            {
              label: 'Ports',
              content: () => (
                <DataTable
                  label="Ports"
                  rows={ports.data}
                  loading={ports.isLoading}
                  error={ports.error}
                  rowKey={(p) => p.id}
                  empty="No ports on this network."
                  toolbar={
                    own ? (
                      <button type="button" className="primary" onClick={() => setDialog('port')}>
                        Create Port
                      </button>
                    ) : null
                  }
                  columns={[
                    { header: 'Name', cell: (p) => p.name || <code className="id">({p.id.slice(0, 8)})</code> },
                    { header: 'Fixed IPs', cell: (p) => p.fixed_ips.map((f) => f.ip_address).join(', ') },
                    { header: 'MAC Address', cell: (p) => p.mac_address },
                    {
                      header: 'Attached Device',
                      cell: (p) => p.device_owner || (p.device_id ? p.device_id : 'Detached'),
                    },
                    { header: 'Status', cell: (p) => <Status value={p.status} /> },
                    { header: 'Admin State', cell: (p) => (p.admin_state_up ? 'UP' : 'DOWN') },
                  ]}
                  actions={(p) =>
                    own && !p.device_owner ? (
                      <ActionMenu
                        label={p.name || p.id}
                        items={[
                          { label: 'Delete Port', danger: true, onSelect: () => setDeleting({ kind: 'port', row: p }) },
                        ]}
                      />
                    ) : null
                  }
                />
              ),
            },
          ]}
        />
      )}
      {n && dialog === 'subnet' ? <CreateSubnet network={n} onClose={() => setDialog(null)} /> : null}
      {n && dialog === 'port' ? <CreatePort network={n} onClose={() => setDialog(null)} /> : null}
      {deleting ? (
        <Confirm
          title={`Confirm Delete ${deleting.kind === 'subnet' ? 'Subnet' : 'Port'}`}
          text={`You have selected "${deleting.row.name || deleting.row.id}".`}
          action={`Delete ${deleting.kind === 'subnet' ? 'Subnet' : 'Port'}`}
          run={() => del.mutateAsync(deleting)}
          onClose={() => setDeleting(null)}
        />
      ) : null}
    </Page>
  );
}
