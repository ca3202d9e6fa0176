import { useState } from 'react';
import { useLocation } from 'wouter';
import { call } from '../../api/client.js';
import type { Server } from '../../api/types.js';
import { useFloatingIps, useNetworks, usePorts } from '../../app/data.js';
import { useAction } from '../../app/queries.js';
import { useSession } from '../../app/session.js';
import type { MenuItem } from '../../components/ActionMenu.js';
import { Confirm } from '../../components/Confirm.js';
import { Modal } from '../../components/Modal.js';
import { Field } from '../../components/Page.js';

export type Dialog = { kind: 'snapshot' | 'fip' | 'delete' | 'disassociate'; server: Server } | null;

/** POST /servers/{id}/action, as Horizon's row actions do. */
export function useServerAction() {
  const session = useSession();
  return useAction(
    ({ server, body }: { server: Server; body: unknown; label: string }) =>
      call(session, 'compute', `/servers/${server.id}/action`, { method: 'POST', body }),
    { invalidates: [['compute']], success: (v) => `${v.label}: ${v.server.name}` },
  );
}

/** The row actions of an instance, by its state (Horizon's allowed() of each action). */
export function instanceActions(
  s: Server,
  open: (d: Dialog) => void,
  act: ReturnType<typeof useServerAction>,
  go: (href: string) => void,
  base: string,
): MenuItem[] {
  const st = s.status;
  const run = (label: string, body: unknown) => () => act.mutate({ server: s, body, label });
  const hasFloating = Object.values(s.addresses ?? {}).some((l) => l.some((a) => a['OS-EXT-IPS:type'] === 'floating'));
  return [
    {
      label: 'Create Snapshot',
      onSelect: () => open({ kind: 'snapshot', server: s }),
      hidden: !['ACTIVE', 'SHUTOFF', 'PAUSED', 'SUSPENDED'].includes(st),
    },
    {
      label: 'Associate Floating IP',
      onSelect: () => open({ kind: 'fip', server: s }),
      hidden: st === 'ERROR' || st === 'BUILD',
    },
    {
      label: 'Disassociate Floating IP',
      onSelect: () => open({ kind: 'disassociate', server: s }),
      hidden: !hasFloating,
    },
    { label: 'View Log', onSelect: () => go(`${base}/${s.id}?tab=log`) },
    { label: 'Console', onSelect: () => go(`${base}/${s.id}?tab=console`), hidden: st !== 'ACTIVE' },
    { label: 'Start Instance', onSelect: run('Started', { 'os-start': null }), hidden: st !== 'SHUTOFF' },
    { label: 'Shut Off Instance', onSelect: run('Shut off', { 'os-stop': null }), hidden: st !== 'ACTIVE' },
    {
      label: 'Soft Reboot Instance',
      onSelect: run('Soft reboot', { reboot: { type: 'SOFT' } }),
      hidden: st !== 'ACTIVE',
    },
    {
      label: 'Hard Reboot Instance',
      onSelect: run('Hard reboot', { reboot: { type: 'HARD' } }),
      hidden: !['ACTIVE', 'SHUTOFF', 'ERROR'].includes(st),
    },
    { label: 'Delete Instance', onSelect: () => open({ kind: 'delete', server: s }), danger: true },
  ];
}

function Snapshot({ server, onClose }: { server: Server; onClose: () => void }) {
  const session = useSession();
  const [name, setName] = useState(`${server.name}-snapshot`);
  const snap = useAction(
    () => call(session, 'compute', `/servers/${server.id}/action`, { method: 'POST', body: { createImage: { name } } }),
    {
      invalidates: [['image'], ['compute']],
      success: () => `Snapshot ${name} of ${server.name} is being created.`,
      silent: true,
    },
  );
  return (
    <Modal
      title="Create Snapshot"
      onClose={onClose}
      submitLabel="Create Snapshot"
      busy={snap.isPending}
      error={snap.error}
      canSubmit={!!name.trim()}
      onSubmit={() => snap.mutate(undefined, { onSuccess: onClose })}
    >
      <Field label="Snapshot Name">
        <input value={name} onChange={(e) => setName(e.target.value)} required />
      </Field>
    </Modal>
  );
}

/** Manage Floating IP Associations: an unassociated address of the project, or a new one from a pool, on one of the instance's ports. */
function AssociateFloatingIp({ server, onClose }: { server: Server; onClose: () => void }) {
  const session = useSession();
  const fips = useFloatingIps();
  const ports = usePorts({ device_id: server.id });
  const networks = useNetworks();
  const pools = (networks.data ?? []).filter((n) => n['router:external']);
  const free = (fips.data ?? []).filter((f) => !f.port_id && f.project_id === session.project.id);
  const [fip, setFip] = useState('');
  const [port, setPort] = useState('');
  const chosenPort = port || ports.data?.[0]?.id || '';
  const chosen = fip || free[0]?.id || (pools[0] ? `pool:${pools[0].id}` : '');
  const assoc = useAction(
    async () => {
      if (chosen.startsWith('pool:'))
        return call(session, 'network', '/floatingips', {
          method: 'POST',
          body: { floatingip: { floating_network_id: chosen.slice(5), port_id: chosenPort } },
        });
      return call(session, 'network', `/floatingips/${chosen}`, {
        method: 'PUT',
        body: { floatingip: { port_id: chosenPort } },
      });
    },
    {
      invalidates: [['network'], ['compute']],
      success: () => `Associated a floating IP with ${server.name}.`,
      silent: true,
    },
  );
  return (
    <Modal
      title="Manage Floating IP Associations"
      onClose={onClose}
      submitLabel="Associate"
      busy={assoc.isPending}
      error={assoc.error}
      canSubmit={!!chosen && !!chosenPort}
      onSubmit={() => assoc.mutate(undefined, { onSuccess: onClose })}
    >
      <Field label="IP Address">
        <select name="floating_ip" value={chosen} onChange={(e) => setFip(e.target.value)}>
          {free.map((f) => (
            <option key={f.id} value={f.id}>
              {f.floating_ip_address}
            </option>
          ))}
          {pools.map((p) => (
            <option key={p.id} value={`pool:${p.id}`}>
              Allocate a new address from {p.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Port to be associated">
        <select name="port" value={chosenPort} onChange={(e) => setPort(e.target.value)}>
          {(ports.data ?? []).map((p) => (
            <option key={p.id} value={p.id}>
              {server.name}: {p.fixed_ips.map((f) => f.ip_address).join(', ')}
            </option>
          ))}
        </select>
      </Field>
      {ports.data && ports.data.length === 0 ? <p className="field-error">This instance has no port.</p> : null}
    </Modal>
  );
}

function Disassociate({ server, onClose }: { server: Server; onClose: () => void }) {
  const session = useSession();
  const ports = usePorts({ device_id: server.id });
  const fips = useFloatingIps();
  const mine = (fips.data ?? []).filter((f) => f.port_id && ports.data?.some((p) => p.id === f.port_id));
  const [fip, setFip] = useState('');
  const chosen = fip || mine[0]?.id || '';
  const run = useAction(
    () =>
      call(session, 'network', `/floatingips/${chosen}`, { method: 'PUT', body: { floatingip: { port_id: null } } }),
    {
      invalidates: [['network'], ['compute']],
      success: () => `Disassociated a floating IP from ${server.name}.`,
      silent: true,
    },
  );
  return (
    <Modal
      title="Disassociate Floating IP"
      onClose={onClose}
      submitLabel="Disassociate"
      busy={run.isPending}
      error={run.error}
      canSubmit={!!chosen}
      onSubmit={() => run.mutate(undefined, { onSuccess: onClose })}
    >
      <Field label="Floating IP">
        <select value={chosen} onChange={(e) => setFip(e.target.value)}>
          {mine.map((f) => (
            <option key={f.id} value={f.id}>
              {f.floating_ip_address}
            </option>
          ))}
        </select>
      </Field>
    </Modal>
  );
}

/** The dialog an action opened. */
export function InstanceDialog({
  dialog,
  onClose,
  afterDelete,
}: {
  dialog: Dialog;
  onClose: () => void;
  afterDelete?: () => void;
}) {
  const session = useSession();
  const del = useAction((s: Server) => call(session, 'compute', `/servers/${s.id}`, { method: 'DELETE' }), {
    invalidates: [['compute'], ['network']],
    success: (s) => `Scheduled deletion of instance ${s.name}.`,
    silent: true,
  });
  if (!dialog) return null;
  const s = dialog.server;
  switch (dialog.kind) {
    case 'snapshot':
      return <Snapshot server={s} onClose={onClose} />;
    case 'fip':
      return <AssociateFloatingIp server={s} onClose={onClose} />;
    case 'disassociate':
      return <Disassociate server={s} onClose={onClose} />;
    case 'delete':
      return (
        <Confirm
          title="Confirm Delete Instance"
          text={`You have selected "${s.name}". Please confirm your selection. Deleted instances are not recoverable.`}
          action="Delete Instance"
          run={() => del.mutateAsync(s).then(afterDelete)}
          onClose={onClose}
        />
      );
  }
}

export function useGo() {
  const [, go] = useLocation();
  return go;
}
