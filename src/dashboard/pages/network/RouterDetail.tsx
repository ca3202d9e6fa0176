import { useState } from 'react';
import { call } from '../../api/client.js';
import type { Port, Router } from '../../api/types.js';
import { names, useNetworks, usePorts, useSubnets } from '../../app/data.js';
import { useAction, useApi } from '../../app/queries.js';
import { useSession } from '../../app/session.js';
import { ActionMenu } from '../../components/ActionMenu.js';
import { Confirm } from '../../components/Confirm.js';
import { DataTable } from '../../components/DataTable.js';
import { Modal } from '../../components/Modal.js';
import { Field, Fields, Page, Tabs } from '../../components/Page.js';
import { ErrorBox, Spinner, Status } from '../../components/States.js';

function AddInterface({ router, onClose }: { router: Router; onClose: () => void }) {
  const session = useSession();
  const subnets = useSubnets();
  const nets = useNetworks();
  const internal = new Set((nets.data ?? []).filter((n) => !n['router:external']).map((n) => n.id));
  const candidates = (subnets.data ?? []).filter((s) => internal.has(s.network_id));
  const netNames = names(nets.data);
  const [subnet, setSubnet] = useState('');
  const [ip, setIp] = useState('');
  const chosen = subnet || candidates[0]?.id || '';
  const add = useAction(
    async () => {
      if (!ip.trim())
        return call(session, 'network', `/routers/${router.id}/add_router_interface`, {
          method: 'PUT',
          body: { subnet_id: chosen },
        });
      // a given address: a port of its own on the subnet, then the port as the interface
      const s = candidates.find((c) => c.id === chosen)!;
      const { port } = await call<{ port: Port }>(session, 'network', '/ports', {
        method: 'POST',
        body: { port: { network_id: s.network_id, fixed_ips: [{ subnet_id: s.id, ip_address: ip.trim() }] } },
      });
      return call(session, 'network', `/routers/${router.id}/add_router_interface`, {
        method: 'PUT',
        body: { port_id: port.id },
      });
    },
    { invalidates: [['network']], success: () => `Added an interface to ${router.name}.`, silent: true },
  );
  return (
    <Modal
      title="Add Interface"
      onClose={onClose}
      submitLabel="Submit"
      busy={add.isPending}
      error={add.error}
      canSubmit={!!chosen}
      onSubmit={() => add.mutate(undefined, { onSuccess: onClose })}
    >
      <Field label="Subnet">
        <select name="subnet" value={chosen} onChange={(e) => setSubnet(e.target.value)}>
          {candidates.map((s) => (
            <option key={s.id} value={s.id}>
              {netNames.get(s.network_id)}: {s.cidr} ({s.name || s.id.slice(0, 8)})
            </option>
          ))}
        </select>
      </Field>
      <Field label="IP Address (optional)" hint="Blank: the subnet's gateway address.">
        <input value={ip} onChange={(e) => setIp(e.target.value)} />
      </Field>
    </Modal>
  );
}

/** A router: overview (gateway) and its interfaces. */
export function RouterDetail({ id, admin }: { id: string; admin?: boolean }) {
  const session = useSession();
  const router = useApi<Router>('network', `/routers/${id}`, 'router', { poll: () => 5000 });
  const ports = usePorts({ device_id: id });
  const nets = names(useNetworks().data);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Port | null>(null);
  const remove = useAction(
    (p: Port) =>
      call(session, 'network', `/routers/${id}/remove_router_interface`, { method: 'PUT', body: { port_id: p.id } }),
    { invalidates: [['network']], success: () => 'Removed the interface.', silent: true },
  );
  const r = router.data;
  const interfaces = ports.data?.filter((p) => p.device_owner !== 'network:router_gateway');
  return (
    <Page
      title={r ? `Router ${r.name || r.id}` : 'Router'}
      trail={[{ label: 'Routers', href: admin ? '/admin/routers' : '/project/routers' }]}
    >
      {router.error ? <ErrorBox error={router.error} /> : null}
      {!r ? (
        router.isLoading ? (
          <Spinner />
        ) : null
      ) : (
        <Tabs
          tabs={[
            {
              label: 'Interfaces',
              content: () => (
                <DataTable
                  label="Interfaces"
                  rows={interfaces}
                  loading={ports.isLoading}
                  error={ports.error}
                  rowKey={(p) => p.id}
                  empty="No interfaces: add one to route a subnet."
                  toolbar={
                    <button type="button" className="primary" onClick={() => setAdding(true)}>
                      Add Interface
                    </button>
                  }
                  columns={[
                    { header: 'Name', cell: (p) => p.name || <code className="id">({p.id.slice(0, 8)})</code> },
                    { header: 'Fixed IPs', cell: (p) => p.fixed_ips.map((f) => f.ip_address).join(', ') },
                    { header: 'Network', cell: (p) => nets.get(p.network_id) ?? p.network_id },
                    { header: 'Status', cell: (p) => <Status value={p.status} /> },
                    {
                      header: 'Type',
                      cell: (p) =>
                        p.device_owner === 'network:router_interface' ? 'Internal Interface' : p.device_owner,
                    },
                  ]}
                  actions={(p) => (
                    <ActionMenu
                      label={p.id}
                      items={[{ label: 'Delete Interface', danger: true, onSelect: () => setRemoving(p) }]}
                    />
                  )}
                />
              ),
            },
            {
              label: 'Overview',
              content: () => (
                <Fields
                  rows={[
                    ['Name', r.name],
                    ['ID', <code key="id">{r.id}</code>],
                    ['Project ID', r.project_id],
                    ['Status', <Status key="s" value={r.status} />],
                    ['Admin State', r.admin_state_up ? 'UP' : 'DOWN'],
                    [
                      'External Network',
                      r.external_gateway_info ? nets.get(r.external_gateway_info.network_id) : 'None',
                    ],
                    [
                      'External Fixed IPs',
                      (r.external_gateway_info?.external_fixed_ips ?? []).map((f) => f.ip_address).join(', '),
                    ],
                    [
                      'SNAT',
                      r.external_gateway_info
                        ? r.external_gateway_info.enable_snat === false
                          ? 'Disabled'
                          : 'Enabled'
                        : undefined,
                    ],
                  ]}
                />
              ),
            },
          ]}
        />
      )}
      {r && adding ? <AddInterface router={r} onClose={() => setAdding(false)} /> : null}
      {removing ? (
        <Confirm
          title="Confirm Delete Interface"
          text={`Remove the interface ${removing.fixed_ips.map((f) => f.ip_address).join(', ')} from the router?`}
          action="Delete Interface"
          run={() => remove.mutateAsync(removing)}
          onClose={() => setRemoving(null)}
        />
      ) : null}
    </Page>
  );
}
