import { useState } from 'react';
import { Link } from 'wouter';
import { call } from '../../api/client.js';
import type { Router } from '../../api/types.js';
import { names, useNetworks, useRouters } from '../../app/data.js';
import { useAction } from '../../app/queries.js';
import { useSession } from '../../app/session.js';
import { ActionMenu } from '../../components/ActionMenu.js';
import { Confirm } from '../../components/Confirm.js';
import { DataTable } from '../../components/DataTable.js';
import { Modal } from '../../components/Modal.js';
import { Field, Page } from '../../components/Page.js';
import { ProjectName } from '../../components/ProjectName.js';
import { Status } from '../../components/States.js';

/** Create Router (with an external gateway) or Set Gateway of an existing one. */
export function RouterDialog({ router, onClose }: { router?: Router; onClose: () => void }) {
  const session = useSession();
  const networks = useNetworks();
  const external = (networks.data ?? []).filter((n) => n['router:external']);
  const [name, setName] = useState('');
  const [net, setNet] = useState(router ? (external[0]?.id ?? '') : '');
  const chosen = net || (router ? external[0]?.id : '') || '';
  const run = useAction(
    () =>
      router
        ? call(session, 'network', `/routers/${router.id}`, {
            method: 'PUT',
            body: { router: { external_gateway_info: { network_id: chosen } } },
          })
        : call(session, 'network', '/routers', {
            method: 'POST',
            body: {
              router: {
                name,
                admin_state_up: true,
                ...(chosen ? { external_gateway_info: { network_id: chosen } } : {}),
              },
            },
          }),
    {
      invalidates: [['network']],
      success: () => (router ? `Set the gateway of ${router.name}.` : `Created router ${name}.`),
      silent: true,
    },
  );
  return (
    <Modal
      title={router ? 'Set Gateway' : 'Create Router'}
      onClose={onClose}
      submitLabel={router ? 'Submit' : 'Create Router'}
      busy={run.isPending}
      error={run.error}
      canSubmit={!router || !!chosen}
      onSubmit={() => run.mutate(undefined, { onSuccess: onClose })}
    >
      {router ? null : (
        <Field label="Router Name">
          <input name="name" value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
      )}
      <Field label="External Network">
        <select name="external_network" value={chosen} onChange={(e) => setNet(e.target.value)}>
          {router ? null : <option value="">(no gateway)</option>}
          {external.map((n) => (
            <option key={n.id} value={n.id}>
              {n.name}
            </option>
          ))}
        </select>
      </Field>
    </Modal>
  );
}

type Dialog = { kind: 'create' } | { kind: 'gateway' | 'clear' | 'delete'; router: Router } | null;

/** Project → Network → Routers (Admin: every project's). */
export function Routers({ admin }: { admin?: boolean }) {
  const session = useSession();
  const routers = useRouters();
  const nets = names(useNetworks().data);
  const [dialog, setDialog] = useState<Dialog>(null);
  const del = useAction((r: Router) => call(session, 'network', `/routers/${r.id}`, { method: 'DELETE' }), {
    invalidates: [['network']],
    success: (r) => `Deleted router ${r.name || r.id}.`,
    silent: true,
  });
  const clear = useAction(
    (r: Router) =>
      call(session, 'network', `/routers/${r.id}`, { method: 'PUT', body: { router: { external_gateway_info: {} } } }),
    { invalidates: [['network']], success: (r) => `Cleared the gateway of ${r.name || r.id}.`, silent: true },
  );
  const base = admin ? '/admin/routers' : '/project/routers';
  const close = () => setDialog(null);
  return (
    <Page title="Routers">
      <DataTable
        label="Routers"
        rows={routers.data?.filter((r) => admin || r.project_id === session.project.id)}
        loading={routers.isLoading}
        error={routers.error}
        rowKey={(r) => r.id}
        filterText={(r) => r.name}
        empty="No routers."
        toolbar={
          admin ? null : (
            <button type="button" className="primary" onClick={() => setDialog({ kind: 'create' })}>
              Create Router
            </button>
          )
        }
        columns={[
          ...(admin ? [{ header: 'Project', cell: (r: Router) => <ProjectName id={r.project_id} /> }] : []),
          { header: 'Name', cell: (r) => <Link href={`${base}/${r.id}`}>{r.name || r.id}</Link> },
          { header: 'Status', cell: (r) => <Status value={r.status} /> },
          {
            header: 'External Network',
            cell: (r) =>
              r.external_gateway_info ? (
                `${nets.get(r.external_gateway_info.network_id) ?? r.external_gateway_info.network_id} (${(r.external_gateway_info.external_fixed_ips ?? []).map((f) => f.ip_address).join(', ')})`
              ) : (
                <span className="muted">—</span>
              ),
          },
          { header: 'Admin State', cell: (r) => (r.admin_state_up ? 'UP' : 'DOWN') },
        ]}
        actions={(r) => (
          <ActionMenu
            label={r.name || r.id}
            items={[
              {
                label: 'Set Gateway',
                onSelect: () => setDialog({ kind: 'gateway', router: r }),
                hidden: !!r.external_gateway_info,
              },
              {
                label: 'Clear Gateway',
                onSelect: () => setDialog({ kind: 'clear', router: r }),
                hidden: !r.external_gateway_info,
              },
              { label: 'Delete Router', danger: true, onSelect: () => setDialog({ kind: 'delete', router: r }) },
            ]}
          />
        )}
      />
      {dialog?.kind === 'create' ? <RouterDialog onClose={close} /> : null}
      {dialog?.kind === 'gateway' ? <RouterDialog router={dialog.router} onClose={close} /> : null}
      {dialog?.kind === 'clear' ? (
        <Confirm
          title="Confirm Clear Gateway"
          text={`Clear the gateway of "${dialog.router.name || dialog.router.id}"? Its floating IPs stop working.`}
          action="Clear Gateway"
          run={() => clear.mutateAsync(dialog.router)}
          onClose={close}
        />
      ) : null}
      {dialog?.kind === 'delete' ? (
        <Confirm
          title="Confirm Delete Router"
          text={`You have selected "${dialog.router.name || dialog.router.id}".`}
          action="Delete Router"
          run={() => del.mutateAsync(dialog.router)}
          onClose={close}
        />
      ) : null}
    </Page>
  );
}
