import { useState } from 'react';
import { call } from '../../api/client.js';
import type { FloatingIp } from '../../api/types.js';
import { names, useFloatingIps, useNetworks, usePorts, useServers } from '../../app/data.js';
import { useAction } from '../../app/queries.js';
import { useSession } from '../../app/session.js';
import { ActionMenu } from '../../components/ActionMenu.js';
import { Confirm } from '../../components/Confirm.js';
import { DataTable } from '../../components/DataTable.js';
import { Modal } from '../../components/Modal.js';
import { Field, Page } from '../../components/Page.js';
import { ProjectName } from '../../components/ProjectName.js';
import { Status } from '../../components/States.js';

function Allocate({ onClose }: { onClose: () => void }) {
  const session = useSession();
  const pools = (useNetworks().data ?? []).filter((n) => n['router:external']);
  const [pool, setPool] = useState('');
  const [description, setDescription] = useState('');
  const chosen = pool || pools[0]?.id || '';
  const run = useAction(
    () =>
      call(session, 'network', '/floatingips', {
        method: 'POST',
        body: { floatingip: { floating_network_id: chosen, description } },
      }),
    { invalidates: [['network']], success: () => 'Allocated a floating IP.', silent: true },
  );
  return (
    <Modal
      title="Allocate Floating IP"
      onClose={onClose}
      submitLabel="Allocate IP"
      busy={run.isPending}
      error={run.error}
      canSubmit={!!chosen}
      onSubmit={() => run.mutate(undefined, { onSuccess: onClose })}
    >
      <Field label="Pool">
        <select value={chosen} onChange={(e) => setPool(e.target.value)}>
          {pools.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Description">
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </Field>
    </Modal>
  );
}

/** Associate: a port of one of the project's instances (Horizon lists "instance: address"). */
function Associate({ fip, onClose }: { fip: FloatingIp; onClose: () => void }) {
  const session = useSession();
  const servers = names(useServers().data);
  const ports = (usePorts().data ?? []).filter(
    (p) => p.device_owner.startsWith('compute:') && p.project_id === session.project.id,
  );
  const [port, setPort] = useState('');
  const chosen = port || ports[0]?.id || '';
  const run = useAction(
    () =>
      call(session, 'network', `/floatingips/${fip.id}`, { method: 'PUT', body: { floatingip: { port_id: chosen } } }),
    { invalidates: [['network'], ['compute']], success: () => `Associated ${fip.floating_ip_address}.`, silent: true },
  );
  return (
    <Modal
      title="Manage Floating IP Associations"
      onClose={onClose}
      submitLabel="Associate"
      busy={run.isPending}
      error={run.error}
      canSubmit={!!chosen}
      onSubmit={() => run.mutate(undefined, { onSuccess: onClose })}
    >
      <Field label="Port to be associated">
        <select value={chosen} onChange={(e) => setPort(e.target.value)}>
          {ports.map((p) => (
            <option key={p.id} value={p.id}>
              {servers.get(p.device_id) ?? p.device_id}: {p.fixed_ips.map((f) => f.ip_address).join(', ')}
            </option>
          ))}
        </select>
      </Field>
    </Modal>
  );
}

type Dialog = { kind: 'allocate' } | { kind: 'associate' | 'release'; fip: FloatingIp } | null;

/** Project → Network → Floating IPs (Admin: every project's). */
export function FloatingIps({ admin }: { admin?: boolean }) {
  const session = useSession();
  const fips = useFloatingIps();
  const nets = names(useNetworks().data);
  const ports = usePorts();
  const servers = names(useServers(admin).data);
  const [dialog, setDialog] = useState<Dialog>(null);
  const disassociate = useAction(
    (f: FloatingIp) =>
      call(session, 'network', `/floatingips/${f.id}`, { method: 'PUT', body: { floatingip: { port_id: null } } }),
    { invalidates: [['network'], ['compute']], success: (f) => `Disassociated ${f.floating_ip_address}.` },
  );
  const release = useAction((f: FloatingIp) => call(session, 'network', `/floatingips/${f.id}`, { method: 'DELETE' }), {
    invalidates: [['network']],
    success: (f) => `Released ${f.floating_ip_address}.`,
    silent: true,
  });
  const mapped = (f: FloatingIp) => {
    if (!f.port_id) return <span className="muted">—</span>;
    const p = ports.data?.find((x) => x.id === f.port_id);
    return `${p ? (servers.get(p.device_id) ?? p.device_id) : f.port_id} ${f.fixed_ip_address ?? ''}`;
  };
  const close = () => setDialog(null);
  return (
    <Page title="Floating IPs">
      <DataTable
        label="Floating IPs"
        rows={fips.data?.filter((f) => admin || f.project_id === session.project.id)}
        loading={fips.isLoading}
        error={fips.error}
        rowKey={(f) => f.id}
        filterText={(f) => `${f.floating_ip_address} ${f.fixed_ip_address ?? ''}`}
        empty="No floating IPs allocated to this project."
        toolbar={
          admin ? null : (
            <button type="button" className="primary" onClick={() => setDialog({ kind: 'allocate' })}>
              Allocate IP To Project
            </button>
          )
        }
        columns={[
          ...(admin ? [{ header: 'Project', cell: (f: FloatingIp) => <ProjectName id={f.project_id} /> }] : []),
          { header: 'IP Address', cell: (f) => f.floating_ip_address },
          { header: 'Description', cell: (f) => f.description || <span className="muted">—</span> },
          { header: 'Mapped Fixed IP Address', cell: mapped },
          { header: 'Pool', cell: (f) => nets.get(f.floating_network_id) ?? f.floating_network_id },
          { header: 'Status', cell: (f) => <Status value={f.status} /> },
        ]}
        actions={(f) => (
          <ActionMenu
            label={f.floating_ip_address}
            items={[
              {
                label: 'Associate',
                onSelect: () => setDialog({ kind: 'associate', fip: f }),
                hidden: !!f.port_id || admin,
              },
              { label: 'Disassociate', onSelect: () => disassociate.mutate(f), hidden: !f.port_id },
              { label: 'Release Floating IP', danger: true, onSelect: () => setDialog({ kind: 'release', fip: f }) },
            ]}
          />
        )}
      />
      {dialog?.kind === 'allocate' ? <Allocate onClose={close} /> : null}
      {dialog?.kind === 'associate' ? <Associate fip={dialog.fip} onClose={close} /> : null}
      {dialog?.kind === 'release' ? (
        <Confirm
          title="Confirm Release Floating IP"
          text={`Release ${dialog.fip.floating_ip_address} back to its pool?`}
          action="Release Floating IP"
          run={() => release.mutateAsync(dialog.fip)}
          onClose={close}
        />
      ) : null}
    </Page>
  );
}
